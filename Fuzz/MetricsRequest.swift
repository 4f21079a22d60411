// fuzz-sources: Sources/metricsd/HTTPRequest.swift
// libFuzzer target for metricsd's reading of a scrape request
// (HTTPRequest.parse): any bytes are incomplete, refused, or a request line
// whose method is upper-case letters and whose target starts with "/" and
// has no space or control character; the same bytes give the same answer
// with more bytes after them once the header section has ended.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let result = HTTPRequest.parse(bytes[...])
    switch result {
    case .incomplete:
        precondition(bytes.count < HTTPRequest.limit, "incomplete past the limit")
    case let .request(method, target):
        precondition(!method.isEmpty && method.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }, "method \(method)")
        precondition(target.utf8.first == UInt8(ascii: "/") && target.utf8.allSatisfy { $0 > 32 && $0 < 127 }, "target \(target)")
        precondition(target.hasPrefix(HTTPRequest.path(target)))
        precondition(HTTPRequest.parse((bytes + Array("XYZ\r\n\r\n".utf8))[...]) == result, "trailing bytes changed the request")
    case .malformed:
        break
    }
    return 0
}
