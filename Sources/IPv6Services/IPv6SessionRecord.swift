// The IPv6 state of one session that its owner deposits in pppinit's fd
// store (DESIGN.md "Restart without losing sessions", issue 18 point 4): the
// /64 its RAs advertise, the peer's link-local address, and every DHCPv6
// lease with its lifetimes. Versioned, every length checked, trailing octets
// refused; the house shape of Sources/IPC/SessionRecords.swift.

public struct IPv6SessionRecord: Equatable, Sendable {
    public static let version: UInt8 = 1
    /// More leases than one client's IA_NA and IA_PD could need is forgery.
    public static let maxLeases = 16

    public var session: String
    /// The user the pool may pin prefixes to.
    public var user: String = ""
    /// The pools the prefixes came from ("" = RADIUS or none).
    public var advertisedPool: String = ""
    public var delegatedPool: String = ""
    /// The /64 in the session's RAs.
    public var advertisedPrefix: IPv6Prefix?
    public var peer: IPv6Address?
    public var leases: [DHCPv6Lease] = []

    public init(session: String) { self.session = session }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.version]
        for s in [session, user, advertisedPool, delegatedPool] { Self.string(s, into: &out) }
        Self.prefix(advertisedPrefix, into: &out)
        out.append(peer == nil ? 0 : 1)
        if let p = peer { out.append(p) }
        out.append(UInt8(leases.count))
        for l in leases {
            out.append(l.kind.rawValue)
            out.append(UInt8(l.client.bytes.count)); out += l.client.bytes
            out.appendU32(l.iaid)
            Self.prefix(l.prefix, into: &out)
            out.appendU32(l.preferredLifetime); out.appendU32(l.validLifetime); out.appendU64(l.expires)
            out.append((l.committed ? 1 : 0) | (l.pooled ? 2 : 0))
        }
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws(IPv6Error) -> IPv6SessionRecord {
        var r = WireReader(bytes[...])
        let v = try r.u8()
        guard v == version else { throw .badRecordVersion(v) }
        var rec = IPv6SessionRecord(session: try string(&r))
        rec.user = try string(&r); rec.advertisedPool = try string(&r); rec.delegatedPool = try string(&r)
        rec.advertisedPrefix = try prefix(&r)
        switch try r.u8() {
        case 0: break
        case 1: rec.peer = try r.address()
        default: throw .invalidValue
        }
        let count = Int(try r.u8())
        guard count <= maxLeases else { throw .invalidValue }
        for _ in 0..<count {
            guard let kind = DHCPv6Lease.Kind(rawValue: try r.u8()) else { throw .invalidValue }
            let client = try DUID(try r.take(Int(try r.u8())))
            let iaid = try r.u32()
            guard let p = try prefix(&r) else { throw .invalidValue }
            guard kind == .prefix || p.length == 128 else { throw .badPrefixLength(Int(p.length)) }
            let preferred = try r.u32(), valid = try r.u32(), expires = try r.u64()
            let flags = try r.u8()
            guard flags & ~3 == 0 else { throw .invalidValue }
            rec.leases.append(DHCPv6Lease(kind: kind, client: client, iaid: iaid, prefix: p, preferredLifetime: preferred,
                                          validLifetime: valid, expires: expires, committed: flags & 1 != 0,
                                          pooled: flags & 2 != 0))
        }
        try r.finish()
        return rec
    }

    /// Strings with a one-octet length: session ids, user and pool names are short.
    static func string(_ s: String, into out: inout [UInt8]) {
        let utf8 = Array(s.utf8.prefix(255))
        out.append(UInt8(utf8.count)); out += utf8
    }

    static func string(_ r: inout WireReader) throws(IPv6Error) -> String {
        let octets = try r.take(Int(try r.u8()))
        guard let s = String(validating: octets, as: UTF8.self) else { throw .invalidValue }
        return s
    }

    /// 255 = none; otherwise the length and 16 octets with no bits beyond it.
    static func prefix(_ p: IPv6Prefix?, into out: inout [UInt8]) {
        guard let p else { out.append(255); return }
        out.append(p.length); out.append(p.address)
    }

    static func prefix(_ r: inout WireReader) throws(IPv6Error) -> IPv6Prefix? {
        let length = try r.u8()
        if length == 255 { return nil }
        let a = try r.address()
        let p = try IPv6Prefix(a, length: Int(length))
        guard p.address == a else { throw .invalidValue }
        return p
    }
}
