// Issue 20, point 4: the session record ncpd deposited under the previous
// release (Tests/Fixtures/records) decodes with today's code.
import Foundation
import IPC
import PPP
import Testing
@testable import ncpd

private func recordFixture(_ name: String, _ file: String = #filePath) throws -> [UInt8] {
    let tests = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
    let text = try String(contentsOf: tests.appendingPathComponent("Fixtures/records/\(name).hex"), encoding: .utf8)
    let hex = Array(text.utf8.filter { $0 != UInt8(ascii: "\n") })
    try #require(hex.count % 2 == 0 && !hex.isEmpty, "\(name).hex")
    return try stride(from: 0, to: hex.count, by: 2).map { i in
        try #require(UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16), "\(name).hex at \(i)")
    }
}

@Suite struct NcpdRecordFixtureTests {
    @Test func sessionOfThePreviousRelease() throws {
        let s = try NetworkSessionState.decode(try recordFixture("ncpd-session"))
        #expect(s.record.session == "p:3" && s.record.network.pool == "clients")
        #expect(s.record.verdict?.peerName == "alice@isp")
        #expect(s.unitNumber == 2 && s.interface == "ppp2" && s.interfaceIndex == 17)
        #expect(s.leasePool == "clients" && s.leaseAddress == 0x0a00_000a)
        #expect(s.ipcp.phase == .opened && s.ipcp.nextIdentifier == 4 && s.ipcp.configured)
        #expect(s.ipcp.negotiated.localAddress == 0x0a00_0001 && s.ipcp.negotiated.remoteAddress == 0x0a00_000a)
        #expect(s.ipcp.negotiated.primaryDNS == 0xc000_0235)
        #expect(s.ipv6cp.phase == .opened && s.ipv6cp.negotiated.localIdentifier == 0x0211_22ff_fe33_4455)
        #expect(s.started == 123_456_789 && s.octetsIn == 10 && s.octetsOut == 20 && s.packetsIn == 1 && s.packetsOut == 2)
        #expect(try NetworkSessionState.decode(s.encoded()) == s)
    }
}
