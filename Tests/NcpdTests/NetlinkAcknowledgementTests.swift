// The rtnetlink reply walk: our ACK found among other messages, an error
// code read as its errno, and every malformed length (short, over the
// datagram, zero, unaligned tail) ending the walk without a read past it.
import Testing
@testable import ncpd

@Suite struct NetlinkAcknowledgementTests {
    /// One nlmsghdr (host order) + payload, padded to 4 as the kernel does.
    static func message(length: UInt32? = nil, type: UInt16, sequence: UInt32, payload: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v) { out.append(contentsOf: $0) } }
        put(length ?? UInt32(16 + payload.count)); put(type); put(UInt16(0)); put(sequence); put(UInt32(0))
        out += payload
        while out.count % 4 != 0 { out.append(0) }
        return out
    }

    static func error(_ code: Int32, sequence: UInt32) -> [UInt8] {
        // struct nlmsgerr: int error, then the request's nlmsghdr.
        var payload = withUnsafeBytes(of: code) { Array($0) }
        payload += [UInt8](repeating: 0, count: 16)
        return message(type: 2, sequence: sequence, payload: payload)
    }

    static func find(_ bytes: [UInt8], _ sequence: UInt32) -> NetlinkAcknowledgement {
        bytes.withUnsafeBytes { NetlinkAcknowledgement.find(in: $0, sequence: sequence) }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let expected: NetlinkAcknowledgement
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "ACK", bytes: error(0, sequence: 7), expected: .answered(errno: 0)),
        Case(name: "EEXIST", bytes: error(-17, sequence: 7), expected: .answered(errno: 17)),
        Case(name: "another request's answer", bytes: error(0, sequence: 6), expected: .notHere),
        Case(name: "ours after a notification", bytes: message(type: 16, sequence: 0, payload: [1, 2, 3]) + error(-1, sequence: 7),
             expected: .answered(errno: 1)),
        Case(name: "empty", bytes: [], expected: .notHere),
        Case(name: "shorter than a header", bytes: Array(error(0, sequence: 7).prefix(15)), expected: .notHere),
        Case(name: "error without its code", bytes: message(type: 2, sequence: 7), expected: .notHere),
        Case(name: "length past the datagram", bytes: Array(error(0, sequence: 7).prefix(30)), expected: .notHere),
        Case(name: "length zero ends the walk", bytes: message(length: 0, type: 16, sequence: 0) + error(0, sequence: 7),
             expected: .notHere),
        Case(name: "length under a header", bytes: message(length: 8, type: 16, sequence: 0) + error(0, sequence: 7),
             expected: .notHere),
        Case(name: "length 0xffffffff", bytes: message(length: .max, type: 2, sequence: 7, payload: [0, 0, 0, 0]),
             expected: .notHere),
        Case(name: "positive code is not a kernel errno", bytes: error(5, sequence: 7), expected: .answered(errno: 71)),
        Case(name: "trailing bytes after ours", bytes: error(0, sequence: 7) + [1, 2, 3], expected: .answered(errno: 0)),
    ]

    @Test(arguments: cases) func boundary(_ c: Case) {
        #expect(Self.find(c.bytes, 7) == c.expected)
    }

    /// Issue 13: the request that stops the kernel's own link-local address
    /// nests IFLA_INET6_ADDR_GEN_MODE (1 octet, padded) in AF_INET6 in
    /// IFLA_AF_SPEC, each length counting its header and unpadded payload.
    @Test func addressGenerationModeIsNestedAsTheKernelReadsIt() {
        let mode = NetlinkRequest.attribute(RTNL.inet6AddressGenMode, [RTNL.addressGenNone])
        #expect(mode == [5, 0, 8, 0, 1, 0, 0, 0])
        let spec = NetlinkRequest.attribute(RTNL.linkAFSpec, NetlinkRequest.attribute(10, mode))
        #expect(spec == [16, 0, 26, 0, 12, 0, 10, 0, 5, 0, 8, 0, 1, 0, 0, 0])
        var r = NetlinkRequest(type: RTNL.newLink, flags: 0, sequence: 9)
        r.attribute(RTNL.linkMTU, value: UInt32(1492))
        let bytes = r.finished()
        #expect(bytes.count == 16 + 8 && bytes[0] == 24 && bytes[16...] == [8, 0, 4, 0, 0xd4, 0x05, 0, 0])
    }
}
