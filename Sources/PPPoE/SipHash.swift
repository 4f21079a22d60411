// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit MAC that is fast
// on short inputs. The access concentrator signs its AC-Cookies with it and
// keys its rate-limit table, so a sender can neither forge a cookie nor aim
// hash collisions at another host's slot. linkd links no crypto library.

public struct SipHashKey: Hashable, Sendable {
    public var k0: UInt64
    public var k1: UInt64

    public init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    /// The 16 key octets, k0 then k1, each little-endian as the paper reads them.
    public init(octets: [UInt8]) {
        precondition(octets.count == 16, "a SipHash key is 16 octets")
        var k0: UInt64 = 0
        var k1: UInt64 = 0
        for i in 0..<8 {
            k0 |= UInt64(octets[i]) << UInt64(8 * i)
            k1 |= UInt64(octets[8 + i]) << UInt64(8 * i)
        }
        self.init(k0: k0, k1: k1)
    }
}

public struct SipHash {
    private var v0, v1, v2, v3: UInt64
    /// Octets not yet forming a full 8-octet word, least significant first.
    private var tail: UInt64 = 0
    private var tailCount = 0
    private var length = 0

    public init(key: SipHashKey) {
        v0 = key.k0 ^ 0x736f_6d65_7073_6575
        v1 = key.k1 ^ 0x646f_7261_6e64_6f6d
        v2 = key.k0 ^ 0x6c79_6765_6e65_7261
        v3 = key.k1 ^ 0x7465_6462_7974_6573
    }

    private mutating func round() {
        v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
        v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
        v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
        v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
    }

    private mutating func compress(_ m: UInt64) {
        v3 ^= m
        round(); round()  // c = 2
        v0 ^= m
    }

    public mutating func append(_ byte: UInt8) {
        tail |= UInt64(byte) << UInt64(8 * tailCount)
        tailCount += 1
        length += 1
        if tailCount == 8 {
            compress(tail)
            tail = 0
            tailCount = 0
        }
    }

    public mutating func append<S: Sequence<UInt8>>(contentsOf bytes: S) {
        for b in bytes { append(b) }
    }

    /// Appends a 64-bit value as eight octets, most significant first.
    public mutating func append(bigEndian value: UInt64) {
        for i in 0..<8 { append(UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * i))) }
    }

    public consuming func finalize() -> UInt64 {
        compress(UInt64(truncatingIfNeeded: length) << 56 | tail)
        v2 ^= 0xff
        round(); round(); round(); round()  // d = 4
        return v0 ^ v1 ^ v2 ^ v3
    }

    public static func hash<S: Sequence<UInt8>>(key: SipHashKey, _ message: S) -> UInt64 {
        var h = SipHash(key: key)
        h.append(contentsOf: message)
        return h.finalize()
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { self << n | self >> (64 - n) }
}
