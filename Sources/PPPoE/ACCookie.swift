// The AC-Cookie of RFC 2516 §9 and Appendix A: the access concentrator can
// "uniquely regenerate the TAG_VALUE based on the PADR SOURCE_ADDR", so it
// keeps no state for a PADI. Ours is SipHash-2-4 under a secret key over the
// host's MAC, the Service-Name and a time bucket; a PADR is accepted with the
// cookie of the current or the previous bucket.

public struct ACCookie: Sendable {
    /// One version octet, the low octet of the bucket, eight octets of MAC.
    public static let length = 10
    static let version: UInt8 = 1

    public let key: SipHashKey
    /// Bucket width in nanoseconds: a cookie lives one to two widths.
    public let bucketNanoseconds: UInt64

    public init(key: SipHashKey, lifetimeSeconds: Double = 30) {
        precondition(lifetimeSeconds >= 1, "cookie lifetime below a second")
        self.key = key
        bucketNanoseconds = UInt64(lifetimeSeconds * 1e9)
    }

    func bucket(at now: UInt64) -> UInt64 { now / bucketNanoseconds }

    func mac(host: EthernetAddress, serviceName: [UInt8], bucket: UInt64) -> UInt64 {
        var h = SipHash(key: key)
        h.append(Self.version)
        h.append(bigEndian: host.rawValue)
        h.append(bigEndian: bucket)
        // The Service-Name is last and unbounded; its length is implied by
        // SipHash's length octet, so (mac, name) pairs cannot collide by shifting.
        h.append(contentsOf: serviceName)
        return h.finalize()
    }

    /// The cookie for a PADO to `host` offering `serviceName`, at monotonic time `now`.
    public func make(host: EthernetAddress, serviceName: [UInt8], now: UInt64) -> [UInt8] {
        let b = bucket(at: now)
        let m = mac(host: host, serviceName: serviceName, bucket: b)
        var out: [UInt8] = [Self.version, UInt8(truncatingIfNeeded: b)]
        out.reserveCapacity(Self.length)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: m >> UInt64(56 - 8 * i))) }
        return out
    }

    /// True when `cookie` is one we made for this host and service in the
    /// current or the previous bucket. Compares every octet (no early exit),
    /// so timing says nothing about how much of a forgery was right.
    public func verify(_ cookie: [UInt8], host: EthernetAddress, serviceName: [UInt8], now: UInt64) -> Bool {
        guard cookie.count == Self.length, cookie[0] == Self.version else { return false }
        let current = bucket(at: now)
        let candidate: UInt64
        if UInt8(truncatingIfNeeded: current) == cookie[1] {
            candidate = current
        } else if current > 0 && UInt8(truncatingIfNeeded: current - 1) == cookie[1] {
            candidate = current - 1
        } else {
            return false
        }
        let m = mac(host: host, serviceName: serviceName, bucket: candidate)
        var diff: UInt8 = 0
        for i in 0..<8 { diff |= cookie[2 + i] ^ UInt8(truncatingIfNeeded: m >> UInt64(56 - 8 * i)) }
        return diff == 0
    }
}
