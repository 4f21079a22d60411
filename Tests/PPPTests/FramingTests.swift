// RFC 1662 framing vectors: FCS-16/FCS-32 check values and good-FCS residues,
// escaping under random ACCMs (round trip, nothing mapped left unescaped),
// deframer resynchronisation and its bad-FCS, abort, runt and giant counters.
import Testing
@testable import PPP

/// Deterministic generator for reproducible "random" vectors.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

func deframe(_ deframer: inout AsyncDeframer, _ bytes: [UInt8]) -> [(ProtocolNumber, [UInt8])] {
    var frames: [(ProtocolNumber, [UInt8])] = []
    deframer.feed(bytes) { frames.append(($0, Array($1))) }
    return frames
}

@Suite struct FramingTests {
    let check = Array("123456789".utf8)

    @Test func fcs16CheckValueAndGoodResidue() {
        // CRC-16/X.25 (the RFC 1662 FCS-16) check value for "123456789".
        let fcs = FCS16.compute(check) ^ 0xffff
        #expect(fcs == 0x906e)
        // RFC 1662 §C.2: FCS over data + transmitted FCS (LSB first) is good.
        #expect(FCS16.compute(check + [UInt8(fcs & 0xff), UInt8(fcs >> 8)]) == FCS16.good)
        #expect(FCS16.good == 0xf0b8)
    }

    @Test func fcs32CheckValueAndGoodResidue() {
        let fcs = FCS32.compute(check) ^ 0xffff_ffff
        #expect(fcs == 0xcbf4_3926)
        let trailer = (0..<4).map { UInt8(truncatingIfNeeded: fcs >> (8 * $0)) }
        #expect(FCS32.compute(check + trailer) == FCS32.good)
        #expect(FCS32.good == 0xdebb_20e3)
    }

    @Test func escapingExamplesFromRFC1662() {
        // RFC 1662 §4.2: 0x7e -> 7d 5e, 0x7d -> 7d 5d, 0x03 -> 7d 23 (mapped).
        var out: [UInt8] = []
        let encoder = HDLCEncoder(transmitMap: ACCM(asyncMap: 0x0000_0008),
                                  compressAddressControl: true, compressProtocol: true)
        encoder.encode(protocol: .ipv4, information: [0x7e, 0x7d, 0x03, 0x11], into: &out)
        #expect(Array(out[0..<9]) == [0x7e, 0x21, 0x7d, 0x5e, 0x7d, 0x5d, 0x7d, 0x23, 0x11])
        #expect(out.last == 0x7e)
    }

    @Test func lcpIsNeverCompressedAndConfigureUsesDefaultMap() {
        var out: [UInt8] = []
        let encoder = HDLCEncoder(transmitMap: .none, compressAddressControl: true, compressProtocol: true)
        encoder.encode(protocol: .lcp, information: [1, 1, 0, 4], into: &out)
        // ff 7d 23 (0x03 escaped: default map for Configure-*) c0 21 ...
        #expect(Array(out[0..<6]) == [0x7e, 0xff, 0x7d, 0x23, 0xc0, 0x21])
        encoder.encode(protocol: .lcp, information: [9, 1, 0, 8], into: &out)  // Echo: negotiated map
        #expect(Array(out[0..<5]) == [0x7e, 0xff, 0x03, 0xc0, 0x21])
    }

    @Test(arguments: [FCSKind.fcs16, .fcs32])
    func randomACCMRoundTrip(_ fcs: FCSKind) {
        var rng = SplitMix(state: fcs == .fcs16 ? 16 : 32)
        var wire: [UInt8] = []
        for round in 0..<300 {
            let asyncMap = UInt32.random(in: .min ... .max, using: &rng)
            var map = ACCM(asyncMap: asyncMap)
            if round % 2 == 0 {  // extended (256-bit) sending map, RFC 1662 §7.1
                for _ in 0..<Int.random(in: 0..<40, using: &rng) { map.insert(UInt8.random(in: 0...255, using: &rng)) }
            }
            let payload = (0..<Int.random(in: 0..<600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let encoder = HDLCEncoder(transmitMap: map, compressAddressControl: round % 3 == 0,
                                      compressProtocol: round % 5 == 0, fcs: fcs)
            encoder.encode(protocol: .ipv4, information: payload, into: &wire)
            // Between the flags, every octet in the map appears only escaped.
            var index = 1
            while index < wire.count - 1 {
                if wire[index] == 0x7d {
                    index += 2
                    continue
                }
                #expect(!map.contains(wire[index]), "octet \(wire[index]) unescaped")
                index += 1
            }
            var deframer = AsyncDeframer(receiveMap: asyncMap, fcs: fcs, maximumFrameLength: 700)
            var frames: [(ProtocolNumber, [UInt8])] = []
            var offset = 0
            while offset < wire.count {  // arbitrary chunking
                let end = min(wire.count, offset + Int.random(in: 1...64, using: &rng))
                deframer.feed(wire[offset..<end]) { frames.append(($0, Array($1))) }
                offset = end
            }
            #expect(frames.count == 1)
            #expect(frames.first?.0 == .ipv4 && frames.first?.1 == payload)
        }
    }

    @Test func encoderReusesItsBuffer() {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        let encoder = HDLCEncoder()
        let payload = [UInt8](repeating: 0x41, count: 1500)
        encoder.encode(protocol: .ipv4, information: payload, into: &out)
        let capacity = out.capacity
        for _ in 0..<10 { encoder.encode(protocol: .ipv4, information: payload, into: &out) }
        #expect(out.capacity == capacity)
    }

    func frame(_ payload: [UInt8], fcs: FCSKind = .fcs16) -> [UInt8] {
        var out: [UInt8] = []
        HDLCEncoder(fcs: fcs).encode(protocol: .ipv6, information: payload, into: &out)
        return out
    }

    @Test func resynchronisesAfterGarbage() {
        var deframer = AsyncDeframer()
        // Joined mid-frame: everything before the first flag is dropped.
        var frames = deframe(&deframer, [0x45, 0x00, 0x12, 0x99] + frame([1, 2, 3]))
        #expect(frames.map(\.1) == [[1, 2, 3]])
        // Garbage between frames costs that garbage only.
        frames = deframe(&deframer, [0x7e, 0x44, 0x55, 0x66, 0x77, 0x88] + frame([4]) + frame([5]))
        #expect(frames.map(\.1) == [[4], [5]])
        #expect(deframer.counters.badFCS == 1)
        #expect(deframer.counters.frames == 3)
    }

    @Test func badFCSIsCounted() {
        var deframer = AsyncDeframer()
        var bytes = frame([10, 20, 30])
        bytes[5] ^= 0x01
        #expect(deframe(&deframer, bytes).isEmpty)
        #expect(deframer.counters.badFCS == 1)
        #expect(deframe(&deframer, frame([1])).count == 1)
    }

    @Test func abortIsCounted() {
        var deframer = AsyncDeframer()
        let good = frame([1, 2])
        let aborted = Array(good.dropLast()) + [0x7d, 0x7e]
        #expect(deframe(&deframer, aborted + good).map(\.1) == [[1, 2]])
        #expect(deframer.counters.aborts == 1 && deframer.counters.badFCS == 0)
    }

    @Test func runtAndGiantAreCounted() {
        var deframer = AsyncDeframer(maximumFrameLength: 20)
        #expect(deframe(&deframer, [0x7e, 0x41, 0x42, 0x43, 0x7e]).isEmpty)
        #expect(deframer.counters.runts == 1)
        #expect(deframe(&deframer, frame([UInt8](repeating: 9, count: 30))).isEmpty)
        #expect(deframer.counters.giants == 1)
        #expect(deframe(&deframer, frame([UInt8](repeating: 9, count: 10))).count == 1)
        var deframer32 = AsyncDeframer(fcs: .fcs32)
        #expect(deframe(&deframer32, [0x7e, 0x41, 0x42, 0x43, 0x44, 0x45, 0x7e]).isEmpty)
        #expect(deframer32.counters.runts == 1)
    }

    @Test func receiveACCMCharactersAreIgnored() {
        var deframer = AsyncDeframer(receiveMap: 1 << 0x11)
        var bytes = frame([1, 2, 3])
        bytes.insert(0x11, at: 4)  // XON inserted by a modem
        #expect(deframe(&deframer, bytes).map(\.1) == [[1, 2, 3]])
        #expect(deframer.counters.ignoredControlCharacters == 1)
    }

    @Test func compressedFieldsAlwaysAcceptedOnReceive() {
        var out: [UInt8] = []
        HDLCEncoder(compressAddressControl: true, compressProtocol: true)
            .encode(protocol: .ipv4, information: [0x45], into: &out)
        var deframer = AsyncDeframer()
        let frames = deframe(&deframer, out)
        #expect(frames.count == 1 && frames[0].0 == .ipv4 && frames[0].1 == [0x45])
    }
}
