// A frame that completes LCP negotiation may be followed, in the same read,
// by the peer's first frame sent with the ACCM just agreed (RFC 1662 §7.1):
// its control characters arrive unescaped. The deframer reads the rest of
// the chunk with the map the first frame's handler returns.
import Testing
@testable import PPP

@Suite struct DeframerChangeTests {
    /// The last LCP frame under the default map, then an IPCP frame with
    /// raw control characters, as a peer using ACCM 0 sends it.
    static func chunk() -> [UInt8] {
        var first: [UInt8] = [], second: [UInt8] = []
        HDLCEncoder(transmitMap: .allControlCharacters).encode(protocol: .lcp, information: [2, 1, 0, 4], into: &first)
        HDLCEncoder(transmitMap: ACCM(asyncMap: 0)).encode(protocol: .ipcp, information: [1, 1, 0, 10, 3, 6, 10, 0, 0, 1], into: &second)
        #expect(second.contains(0x01), "the IPCP frame carries a raw control character")
        return first + second
    }

    @Test func theMapAFrameSettlesAppliesToTheRestOfTheRead() {
        var d = AsyncDeframer()
        var protocols: [ProtocolNumber] = []
        d.feed(Self.chunk()) { (proto, _) -> AsyncDeframer.Change? in
            protocols.append(proto)
            return proto == .lcp ? AsyncDeframer.Change(receiveMap: 0, maximumFrameLength: 1508) : nil
        }
        #expect(protocols == [.lcp, .ipcp])
        #expect(d.counters.badFCS == 0 && d.receiveMap == 0)
    }

    @Test func withoutTheChangeTheSecondFrameIsLost() {
        var d = AsyncDeframer()
        var protocols: [ProtocolNumber] = []
        d.feed(Self.chunk()) { proto, _ in protocols.append(proto) }
        #expect(protocols == [.lcp])
        #expect(d.counters.badFCS == 1)
    }
}
