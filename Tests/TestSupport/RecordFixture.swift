// The records an earlier release deposited, as hex in Tests/Fixtures/records
// (issue 20, point 4: an upgrade is new code reading old records). One
// reader for every test target that checks them.
import Foundation

/// Why a fixture could not be read.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
}

/// The bytes of Tests/Fixtures/records/`name`.hex (hex digits, newlines
/// ignored); an odd count, an empty file or a non-hex pair is an error.
public func recordFixture(_ name: String) throws -> [UInt8] {
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    let text = try String(contentsOf: tests.appendingPathComponent("Fixtures/records/\(name).hex"), encoding: .utf8)
    let hex = Array(text.utf8.filter { $0 != UInt8(ascii: "\n") })
    guard hex.count % 2 == 0 && !hex.isEmpty else { throw FixtureError(description: "\(name).hex: \(hex.count) digits") }
    return try stride(from: 0, to: hex.count, by: 2).map { i in
        guard let byte = UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16) else {
            throw FixtureError(description: "\(name).hex at \(i): not hex")
        }
        return byte
    }
}
