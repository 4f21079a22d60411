// SipHash-2-4 against the authors' published vectors (vectors.h: key 00..0f,
// messages 00, 00 01, … of length 0 to 63, tags least significant octet
// first), then the AC-Cookie and the PADI rate table built on it.
import Testing
@testable import PPPoE

@Suite struct SipHashTests {
    static let vectors: [UInt64] = [
        0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
        0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
        0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
        0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
        0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
        0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
        0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
        0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
        0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
        0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
        0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
        0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
        0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
        0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
        0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
        0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
    ]

    @Test func publishedVectors() {
        for (length, expected) in Self.vectors.enumerated() {
            let message = (0..<length).map { UInt8($0) }
            #expect(SipHash.hash(key: testKey, message) == expected, "message of \(length) octets")
        }
    }

    @Test func streamingMatchesOneShot() {
        var h = SipHash(key: testKey)
        h.append(bigEndian: 0x0001_0203_0405_0607)
        h.append(contentsOf: [8, 9, 10])
        #expect(h.finalize() == Self.vectors[11])
    }

    @Test func cookieVerifiesForTwoBucketsOnly() {
        let cookies = ACCookie(key: testKey, lifetimeSeconds: 30)
        let t0: UInt64 = 1_000 * 1_000_000_000
        let c = cookies.make(host: hostMAC, serviceName: Array("isp".utf8), now: t0)
        #expect(c.count == ACCookie.length)
        #expect(cookies.verify(c, host: hostMAC, serviceName: Array("isp".utf8), now: t0))
        #expect(cookies.verify(c, host: hostMAC, serviceName: Array("isp".utf8), now: t0 + 30_000_000_000))
        #expect(!cookies.verify(c, host: hostMAC, serviceName: Array("isp".utf8), now: t0 + 60_000_000_000))
        #expect(!cookies.verify(c, host: acMAC, serviceName: Array("isp".utf8), now: t0))
        #expect(!cookies.verify(c, host: hostMAC, serviceName: Array("isp2".utf8), now: t0))
        #expect(!cookies.verify(c, host: hostMAC, serviceName: [], now: t0))
        var forged = c
        forged[9] ^= 1
        #expect(!cookies.verify(forged, host: hostMAC, serviceName: Array("isp".utf8), now: t0))
        #expect(!cookies.verify(Array(c.prefix(9)), host: hostMAC, serviceName: Array("isp".utf8), now: t0))
        #expect(!cookies.verify(c + [0], host: hostMAC, serviceName: Array("isp".utf8), now: t0))
        let otherKey = ACCookie(key: SipHashKey(k0: 1, k1: 2))
        #expect(!otherKey.verify(c, host: hostMAC, serviceName: Array("isp".utf8), now: t0))
    }

    @Test func limiterPerSourceThenTotal() {
        var l = PADILimiter(perSource: RateLimit(rate: 1, burst: 2), total: RateLimit(rate: 10, burst: 3),
                            tableSize: 16, key: testKey)
        let t: UInt64 = 5_000_000_000
        #expect(l.admit(hostMAC, now: t) == .allowed)
        #expect(l.admit(hostMAC, now: t) == .allowed)
        #expect(l.admit(hostMAC, now: t) == .sourceLimited)
        #expect(l.admit(acMAC, now: t) == .allowed)
        #expect(l.admit(EthernetAddress(2, 0, 0, 0, 0, 9), now: t) == .totalLimited)
        // One second later: one more token per source, ten for the total.
        #expect(l.admit(hostMAC, now: t + 1_000_000_000) == .allowed)
        #expect(l.admit(hostMAC, now: t + 1_000_000_000) == .sourceLimited)
    }

    @Test func limiterMemoryIsBounded() {
        var l = PADILimiter(perSource: RateLimit(rate: 1, burst: 3), total: RateLimit(rate: 0, burst: 0),
                            tableSize: 1000, key: testKey)
        #expect(l.tableSize == 1024)
        for i in 0..<50_000 {
            _ = l.admit(EthernetAddress(rawValue: 0x0200_0000_0000 | UInt64(i)), now: UInt64(i) * 100_000)
        }
        #expect(l.trackedSources <= 1024)
        // A source that keeps sending is still limited after the flood.
        let t: UInt64 = 10_000_000_000
        var verdicts: [PADILimiter.Verdict] = []
        for _ in 0..<4 { verdicts.append(l.admit(hostMAC, now: t)) }
        #expect(verdicts == [.allowed, .allowed, .allowed, .sourceLimited])
    }
}
