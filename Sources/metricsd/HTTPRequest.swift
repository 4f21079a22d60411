// The little of HTTP/1.1 metricsd reads (RFC 9112 §3): the request line of a
// scrape, once the header section has ended. Prometheus sends
// `GET /metrics HTTP/1.1` and a few header fields; everything else is
// answered with a status and the connection closed. No body is read.

enum HTTPRequest: Equatable {
    /// The header section has not ended yet.
    case incomplete
    /// A request line that reads: method and target.
    case request(method: String, target: String)
    /// Not HTTP as far as we read it: 400.
    case malformed(String)

    /// Bigger than any scrape's request: past it, the request is refused.
    static let limit = 8192

    /// RFC 9112 §2.2: lines end in CRLF; a bare LF is accepted as a line end.
    static func parse(_ bytes: ArraySlice<UInt8>) -> HTTPRequest {
        guard let end = headerEnd(bytes) else {
            return bytes.count >= limit ? .malformed("request header section over \(limit) bytes") : .incomplete
        }
        guard end <= bytes.startIndex + limit else { return .malformed("request header section over \(limit) bytes") }
        var lineEnd = bytes[..<end].firstIndex(of: 10) ?? end
        if lineEnd > bytes.startIndex, bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
        let line = bytes[bytes.startIndex..<lineEnd]
        // RFC 9112 §3: method SP request-target SP HTTP-version.
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .malformed("request line is not METHOD TARGET VERSION") }
        let method = parts[0], target = parts[1], version = parts[2]
        guard !method.isEmpty, method.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { return .malformed("bad method") }
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            return .malformed("bad request target")
        }
        guard version.elementsEqual("HTTP/1.1".utf8) || version.elementsEqual("HTTP/1.0".utf8) else {
            return .malformed("not HTTP/1.0 or HTTP/1.1")
        }
        return .request(method: String(decoding: method, as: UTF8.self), target: String(decoding: target, as: UTF8.self))
    }

    /// Index just past the empty line that ends the header section.
    private static func headerEnd(_ b: ArraySlice<UInt8>) -> Int? {
        var i = b.startIndex
        while i < b.endIndex {
            if b[i] == 10 {
                if i + 1 < b.endIndex, b[i + 1] == 10 { return i + 2 }
                if i + 2 < b.endIndex, b[i + 1] == 13, b[i + 2] == 10 { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// The path without a query ("/metrics?x=1" → "/metrics").
    static func path(_ target: String) -> Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(target)
    }
}
