// RFC 2865 §5.22 Framed-Route text: the boundary table (the RFC's forms,
// classful defaults, and every malformed shape refused with its reason),
// and the wire form that rides in the verdict.
import Testing
@testable import IPC

@Test(arguments: [
    ("192.168.1.0/24 192.168.1.1 1 2 -1 3 400", FramedRoute(destination: 0xc0a8_0100, prefixLength: 24, gateway: 0xc0a8_0101, metric: 1)),
    ("192.168.1.0 192.168.1.1 1", FramedRoute(destination: 0xc0a8_0100, prefixLength: 24, gateway: 0xc0a8_0101, metric: 1)),
    ("10.0.0.0 0.0.0.0 1", FramedRoute(destination: 0x0a00_0000, prefixLength: 8, metric: 1)),
    ("172.16.0.0", FramedRoute(destination: 0xac10_0000, prefixLength: 16)),
    ("10.9.8.7/32", FramedRoute(destination: 0x0a09_0807, prefixLength: 32)),
    ("0.0.0.0/0 0.0.0.0", FramedRoute(destination: 0, prefixLength: 0)),
    ("  10.1.0.0/16   0.0.0.0   -5  ", FramedRoute(destination: 0x0a01_0000, prefixLength: 16)),
    ("10.1.0.0/16 0.0.0.0 4294967296", FramedRoute(destination: 0x0a01_0000, prefixLength: 16, metric: UInt32.max)),
])
func framedRouteParses(_ text: String, _ route: FramedRoute) throws {
    #expect(try FramedRoute(parsing: Array(text.utf8)[...]) == route)
}

@Test(arguments: [
    ("", FramedRoute.ParseError.empty),
    ("   ", .empty),
    ("10.0.0/8", .badPrefix("10.0.0/8")),
    ("010.0.0.0/8", .badPrefix("010.0.0.0/8")),
    ("10.0.0.0/", .badLength("")),
    ("10.0.0.0/33", .badLength("33")),
    ("10.0.0.0/8/8", .badLength("8/8")),
    ("10.0.0.0/+8", .badLength("+8")),
    ("224.0.0.0", .noClassfulLength("224.0.0.0")),
    ("10.0.0.1/8", .hostBitsSet("10.0.0.1/8")),
    ("10.0.0.0/8 gw", .badGateway("gw")),
    ("10.0.0.0/8 10.0.0.1 one", .badMetric("one")),
    ("10.0.0.0/8 10.0.0.1 1 -", .badMetric("-")),
    ("10.0.0.0/8 10.0.0.1 12345678901", .badMetric("12345678901")),
])
func framedRouteRefuses(_ text: String, _ error: FramedRoute.ParseError) {
    #expect(throws: error) { try FramedRoute(parsing: Array(text.utf8)[...]) }
}

@Test func framedRouteRefusesOverlongTextAndRoundTrips() throws {
    #expect(throws: FramedRoute.ParseError.tooLong(254)) {
        try FramedRoute(parsing: Array(("10.0.0.0/8" + String(repeating: " ", count: 244)).utf8)[...])
    }
    let r = FramedRoute(destination: 0xc0a8_0100, prefixLength: 24, gateway: 0x0a00_0001, metric: 7)
    var w = ByteWriter()
    r.encode(into: &w)
    var back = ByteReader(w.bytes)
    #expect(try FramedRoute.decode(&back) == r)
    for n in 0..<w.bytes.count {
        var t = ByteReader(Array(w.bytes.prefix(n)))
        #expect(throws: IPCError.self) { try FramedRoute.decode(&t) }
    }
}
