// The HDLC encoder and deframer run over pointers to contiguous octets (a
// generic loop called across modules costs ~140 cycles per octet). These
// check the pointer paths against a byte-at-a-time reference written from
// RFC 1662 §4.2 and Appendix C, the generic fallback for non-contiguous
// input, the frame-length boundary, and an FCS change with part of a frame
// held between two reads.
import Testing
@testable import PPP

@Suite struct HDLCPointerPathTests {
    /// RFC 1662 §4: flag, escaped fields + FCS (ones complement, least
    /// significant octet first), flag; one octet at a time.
    static func reference(_ proto: ProtocolNumber, _ information: [UInt8], map: ACCM, fcs: FCSKind,
                          acfc: Bool, pfc: Bool) -> [UInt8] {
        var fields: [UInt8] = acfc ? [] : [0xff, 0x03]
        if !(pfc && proto.isCompressible) { fields.append(UInt8(proto.rawValue >> 8)) }
        fields.append(UInt8(proto.rawValue & 0xff))
        fields += information
        switch fcs {
        case .fcs16:
            let sum = ~FCS16.compute(fields)
            fields += [UInt8(sum & 0xff), UInt8(sum >> 8)]
        case .fcs32:
            let sum = ~FCS32.compute(fields)
            fields += (0..<4).map { UInt8(truncatingIfNeeded: sum >> (8 * $0)) }
        }
        var wire: [UInt8] = [0x7e]
        for octet in fields {
            if map.contains(octet) { wire += [0x7d, octet ^ 0x20] } else { wire.append(octet) }
        }
        return wire + [0x7e]
    }

    @Test(arguments: [FCSKind.fcs16, .fcs32])
    func encoderMatchesTheReference(_ fcs: FCSKind) {
        var rng = SplitMix(state: 1662)
        var out: [UInt8] = []
        for round in 0..<200 {
            var map = ACCM(asyncMap: UInt32.random(in: .min ... .max, using: &rng))
            for _ in 0..<(round % 4) * 10 { map.insert(UInt8.random(in: 0...255, using: &rng)) }
            let payload = (0..<Int.random(in: 0..<400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let acfc = round % 3 == 0, pfc = round % 2 == 0
            let encoder = HDLCEncoder(transmitMap: map, compressAddressControl: acfc, compressProtocol: pfc, fcs: fcs)
            encoder.encode(protocol: .ipv4, information: payload, into: &out)
            let expected = Self.reference(.ipv4, payload, map: map, fcs: fcs, acfc: acfc, pfc: pfc)
            #expect(out == expected, "round \(round)")
        }
    }

    @Test func nonContiguousInputTakesTheGenericPathWithTheSameResult() {
        let payload = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let encoder = HDLCEncoder(transmitMap: .allControlCharacters)
        var fromArray: [UInt8] = [], fromLazy: [UInt8] = []
        encoder.encode(protocol: .ipv6, information: payload, into: &fromArray)
        // A lazy map has no contiguous storage.
        encoder.encode(protocol: .ipv6, information: payload.lazy.map { $0 }, into: &fromLazy)
        #expect(fromArray == fromLazy)
        var deframer = AsyncDeframer()
        var frames: [[UInt8]] = []
        deframer.feed((fromArray + fromArray).lazy.map { $0 }) { frames.append(Array($1)) }
        #expect(frames == [payload, payload])
    }

    /// maximumFrameLength counts Address, Control, Protocol, information and
    /// FCS after unescaping: equal passes, one more is a giant.
    @Test(arguments: [FCSKind.fcs16, .fcs32])
    func frameLengthBoundary(_ fcs: FCSKind) {
        let limit = 64
        let overhead = 4 + fcs.length
        var wire: [UInt8] = []
        let encoder = HDLCEncoder(transmitMap: .none, fcs: fcs)
        for (length, passes) in [(limit - overhead, true), (limit - overhead + 1, false), (0, true)] {
            var deframer = AsyncDeframer(receiveMap: 0, fcs: fcs, maximumFrameLength: limit)
            encoder.encode(protocol: .ipv4, information: [UInt8](repeating: 0x7e, count: length), into: &wire)
            var got = 0
            deframer.feed(wire) { _, information in got = information.count }
            #expect(deframer.counters.frames == (passes ? 1 : 0), "length \(length)")
            #expect(deframer.counters.giants == (passes ? 0 : 1), "length \(length)")
            if passes { #expect(got == length) }
        }
    }

    /// The running FCS follows a change of `fcs` made between two reads while
    /// part of a frame is held (the held octets are summed again).
    @Test func fcsChangedWithPartOfAFrameHeld() {
        var wire: [UInt8] = []
        HDLCEncoder(transmitMap: .none, fcs: .fcs32).encode(protocol: .ipv4, information: [1, 2, 3, 4, 5], into: &wire)
        var deframer = AsyncDeframer(receiveMap: 0, fcs: .fcs16)
        var frames: [[UInt8]] = []
        deframer.feed([0x7e] + wire[..<6]) { frames.append(Array($1)) }
        deframer.fcs = .fcs32
        deframer.feed(wire[6...]) { frames.append(Array($1)) }
        #expect(frames == [[1, 2, 3, 4, 5]])
        #expect(deframer.counters.badFCS == 0)
    }

    @Test func aGiantResetsTheSumForTheNextFrame() {
        var wire: [UInt8] = []
        let encoder = HDLCEncoder(transmitMap: .none)
        encoder.encode(protocol: .ipv4, information: [UInt8](repeating: 9, count: 40), into: &wire)
        var good: [UInt8] = []
        encoder.encode(protocol: .ipv4, information: [7, 7, 7], into: &good)
        var deframer = AsyncDeframer(receiveMap: 0, maximumFrameLength: 20)
        var frames: [[UInt8]] = []
        // The giant's closing flag is the next frame's opening one.
        deframer.feed(wire.dropLast() + good) { frames.append(Array($1)) }
        #expect(deframer.counters.giants == 1)
        #expect(frames == [[7, 7, 7]])
    }
}
