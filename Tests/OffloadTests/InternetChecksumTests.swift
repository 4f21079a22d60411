// The fast RFC 1071 sum against the slow word-by-word one, the RFC's own
// example, and the RFC 1624 incremental update against recomputation.
import Testing
@testable import Offload

@Suite struct InternetChecksumTests {
    func fast(_ b: [UInt8], initial: UInt16 = 0) -> UInt16 {
        b.withUnsafeBytes { InternetChecksum.sum($0, initial: initial) }
    }

    /// RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
    @Test func rfc1071Example() {
        #expect(fast([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == 0xddf2)
    }

    @Test func matchesSlowSumAtEveryLengthAndAlignment() {
        let data = pattern(3000, seed: 91).map { $0 | 0x80 }  // many carries
        for start in 0..<9 {
            for length in Array(0..<70) + [511, 1023, 1500, 2047, 2900] {
                let b = Array(data[start..<(start + length)])
                #expect(fast(b) == slowSum(b), "start \(start) length \(length)")
            }
        }
        let ones = [UInt8](repeating: 0xff, count: 65535)
        #expect(fast(ones) == slowSum(ones))
    }

    @Test func partialSumsCombineWhenOnlyTheLastIsOdd() {
        let a = pattern(64), b = pattern(33, seed: 3)
        #expect(fast(b, initial: fast(a)) == slowSum(a + b))
    }

    @Test func incrementalUpdateMatchesRecomputation() {
        var header: [UInt8] = [0x45, 0, 0x05, 0xdc, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        put16(&header, 10, Int(~slowSum(header)))
        for newLength in [0, 1, 40, 1492, 0xffff, 0x8000] {
            var changed = header
            put16(&changed, 2, newLength)
            put16(&changed, 10, 0)
            let recomputed = ~slowSum(changed)
            let updated = InternetChecksum.update(UInt16(be16(header, 10)), old: UInt16(be16(header, 2)),
                                                  new: UInt16(newLength))
            // ±0 are the same sum (RFC 1624 §3); the header must verify.
            put16(&changed, 10, Int(updated))
            #expect(slowSum(changed) == 0xffff, "length \(newLength)")
            #expect(updated == recomputed || (updated == 0xffff && recomputed == 0) || (updated == 0 && recomputed == 0xffff))
        }
    }
}
