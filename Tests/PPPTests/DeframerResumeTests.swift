// A deframer taking over a byte stream mid-way (a restarted linkd on a TCP
// connection from the fd store, DESIGN.md "Issue 20"): cut a stream of frames
// at every offset, feed the head to one deframer and the tail to another
// resumed with the first one's settings. At most the frame the cut falls in
// is lost, every other arrives whole, and nothing false is accepted.
import Testing
@testable import PPP

@Suite struct DeframerResumeTests {
    /// Five frames with octets that need escaping (0x7d, 0x7e) and control
    /// characters sent as they are (the peer's ACCM is 0, RFC 1662 §7.1).
    static func stream(fcs: FCSKind) -> (bytes: [UInt8], payloads: [[UInt8]]) {
        let payloads: [[UInt8]] = (0..<5).map { i in [UInt8(i), 0x7e, 0x7d, 0x01, 0x11, 0x13] + Array(repeating: UInt8(0x40 + i), count: 3 * i) }
        var bytes: [UInt8] = []
        var out: [UInt8] = []
        for p in payloads {
            HDLCEncoder(transmitMap: ACCM(asyncMap: 0), fcs: fcs).encode(protocol: .ipv4, information: p, into: &out)
            bytes += out
        }
        return (bytes, payloads)
    }

    @Test(arguments: [FCSKind.fcs16, .fcs32]) func atMostTheFrameInFlightIsLost(_ fcs: FCSKind) {
        let (bytes, payloads) = Self.stream(fcs: fcs)
        for cut in 0...bytes.count {
            var old = AsyncDeframer(receiveMap: 0, fcs: fcs, maximumFrameLength: 64)
            var got: [[UInt8]] = []
            old.feed(bytes[..<cut]) { _, information in got.append(Array(information)) }
            // The old deframer's partial frame is not handed over.
            var new = AsyncDeframer()
            new.resume(old.settings)
            #expect(new.settings == old.settings)
            new.feed(bytes[cut...]) { _, information in got.append(Array(information)) }
            #expect(got.count >= payloads.count - 1, "cut at \(cut): \(got.count) frames")
            // What arrived is the stream's frames in order, none altered.
            var next = 0
            for g in got {
                guard let i = payloads[next...].firstIndex(of: g) else {
                    Issue.record("cut at \(cut): a frame that was never sent: \(g)")
                    break
                }
                next = i + 1
            }
            #expect(new.counters.badFCS == 0 && new.counters.runts == 0, "cut at \(cut): \(new.counters)")
        }
    }

    /// The settings are what a resumed deframer needs: a fresh one (RFC 1662
    /// §7.1 default ACCM) takes the unescaped control characters of an
    /// ACCM-0 link for noise and drops every frame as bad FCS.
    @Test func settingsMatter() {
        let (bytes, payloads) = Self.stream(fcs: .fcs16)
        var fresh = AsyncDeframer()
        var resumed = AsyncDeframer()
        resumed.resume(AsyncDeframer.Settings(receiveMap: 0, fcs: .fcs16, maximumFrameLength: 64))
        var a: [[UInt8]] = [], b: [[UInt8]] = []
        fresh.feed(bytes) { a.append(Array($1)) }
        resumed.feed(bytes) { b.append(Array($1)) }
        #expect(b == payloads)
        #expect(a.isEmpty && fresh.counters.badFCS == payloads.count)
    }
}
