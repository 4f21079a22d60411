// ncpd's IPv6 settings (issue 18), carried in NcpdSettings: the prefix pools
// ([pool6.NAME]) and, per port, what ncpd runs on that port's sessions once
// IPv6CP is Opened ([ipv6.PORT]): Router Advertisements of a /64 and a DHCPv6
// server delegating prefixes (server role, RFC 4861, RFC 8415). IPC has no
// IPv6 address type: prefixes and addresses travel as 16 octets, and ncpd
// turns them into IPv6Services values.

/// One `[pool6.NAME]`: an aggregate carved into prefixes of `length`.
public struct IPv6PoolSettings: Equatable, Sendable {
    public var name: String
    /// The aggregate's 16 octets (bits beyond `aggregateLength` zero).
    public var aggregate: [UInt8]
    public var aggregateLength: UInt8
    /// The length of each prefix handed out (64 for RAs, 56 for IA_PD …).
    public var length: UInt8

    public init(name: String, aggregate: [UInt8], aggregateLength: UInt8, length: UInt8) {
        self.name = name; self.aggregate = aggregate; self.aggregateLength = aggregateLength; self.length = length
    }
}

/// One `[ipv6.PORT]`: the server role's RA and DHCPv6 on that port's
/// sessions, or (`client`) the CPE role's router discovery and DHCPv6 client.
public struct IPv6PortSettings: Equatable, Sendable {
    public var port: String
    /// CPE role: accept RAs (SLAAC address, default route) and ask for a
    /// delegated prefix by DHCPv6 (RFC 4861 §6.3, RFC 4862, RFC 8415 §18.2).
    public var client = false
    /// Client: the prefix length hinted in IA_PD (§18.2.1); 0 = no hint.
    public var prefixHint: UInt8 = 0
    /// Client: an interface given the first /64 of the delegated prefix
    /// (its ::1); "" = none.
    public var lanInterface: String = ""
    /// The pool each session's advertised /64 comes from ("" = no prefix in RAs).
    public var raPool: String = ""
    /// The pool DHCPv6 IA_PD delegates from ("" = no DHCPv6 prefix delegation).
    public var pdPool: String = ""
    /// A pool of /128s: each session's one IA_NA address (RFC 8415 §21.4;
    /// "" = IA_NA answered NoAddrsAvail). NcpdSettings version 3.
    public var naPool: String = ""
    /// RFC 8106 RDNSS in RAs and RFC 3646 DNS servers in DHCPv6, 16 octets each.
    public var dns: [[UInt8]] = []
    /// RFC 4861 §6.2.1 MaxRtrAdvInterval, seconds.
    public var raInterval: UInt32 = 600
    /// The RA's M and O flags (§4.2).
    public var managed = false
    public var otherConfiguration = false
    /// AdvLinkMTU; 0 = no MTU option.
    public var mtu: UInt32 = 0
    /// DHCPv6 lifetimes of delegated prefixes, seconds (RFC 8415 §21.22).
    public var preferredLifetime: UInt32 = 14_400
    public var validLifetime: UInt32 = 86_400
    /// NcpdSettings version 4, RFC 4861 §6.2.1 with radvd's meanings:
    /// MinRtrAdvInterval (0 = 0.33 × MaxRtrAdvInterval), AdvDefaultLifetime
    /// (the Router Lifetime; nil = 3 × MaxRtrAdvInterval, 0 = not a default
    /// router), the Prefix Information's A flag (§4.6.2).
    public var minRaInterval: UInt32 = 0
    public var routerLifetime: UInt16?
    public var autonomous = true
    /// RFC 8106 §5.1/§5.2 Lifetime of RDNSS and DNSSL, seconds; 0 = 3 × MaxRtrAdvInterval.
    public var dnsLifetime: UInt32 = 0
    /// RFC 8106 DNSSL in RAs and RFC 3646 §4 Domain Search List in DHCPv6.
    public var searchDomains: [String] = []

    public init(port: String) { self.port = port }

    public static let maxDNS = 8
    public static let maxSearchDomains = 8

    func encode(into w: inout ByteWriter) {
        w.string(port); w.string(raPool); w.string(pdPool)
        w.u8(UInt8(dns.count)); for d in dns { w.raw(d) }
        w.u32(raInterval); w.bool(managed); w.bool(otherConfiguration); w.u32(mtu)
        w.u32(preferredLifetime); w.u32(validLifetime)
        w.bool(client); w.u8(prefixHint); w.string(lanInterface)
        w.string(naPool)
        w.u32(minRaInterval); w.bool(routerLifetime != nil); w.u16(routerLifetime ?? 0); w.bool(autonomous)
        w.u32(dnsLifetime); w.u8(UInt8(searchDomains.count)); for d in searchDomains { w.string(d) }
    }

    /// `version`: NcpdSettings' (2 has no na-pool, 3 none of version 4's RA keys).
    static func decode(_ r: inout ByteReader, version: UInt8 = 4) throws(IPCError) -> IPv6PortSettings {
        var s = IPv6PortSettings(port: try r.string())
        s.raPool = try r.string(); s.pdPool = try r.string()
        let count = Int(try r.u8())
        guard count <= maxDNS else { throw .invalid(callID: 0, reason: "\(count) IPv6 DNS servers, at most \(maxDNS)") }
        for _ in 0..<count { s.dns.append(try r.raw(16)) }
        s.raInterval = try r.u32(); s.managed = try r.bool(); s.otherConfiguration = try r.bool(); s.mtu = try r.u32()
        s.preferredLifetime = try r.u32(); s.validLifetime = try r.u32()
        s.client = try r.bool(); s.prefixHint = try r.u8(); s.lanInterface = try r.string()
        if version >= 3 { s.naPool = try r.string() }
        if version >= 4 {
            s.minRaInterval = try r.u32()
            let hasLifetime = try r.bool(), lifetime = try r.u16()
            s.routerLifetime = hasLifetime ? lifetime : nil
            s.autonomous = try r.bool(); s.dnsLifetime = try r.u32()
            let domains = Int(try r.u8())
            guard domains <= maxSearchDomains else { throw .invalid(callID: 0, reason: "\(domains) search domains, at most \(maxSearchDomains)") }
            for _ in 0..<domains {
                let d = try r.string()
                guard !d.isEmpty, d.utf8.count <= 253 else { throw .invalid(callID: 0, reason: "a search domain of \(d.utf8.count) octets") }
                s.searchDomains.append(d)
            }
        }
        guard s.prefixHint <= 128, s.lanInterface.utf8.count < 16 else { throw .invalid(callID: 0, reason: "bad IPv6 client settings") }
        guard (4...65535).contains(s.raInterval) else { throw .invalid(callID: 0, reason: "RA interval \(s.raInterval) outside 4-65535 s") }
        guard s.preferredLifetime <= s.validLifetime else { throw .invalid(callID: 0, reason: "IPv6 preferred lifetime above the valid one") }
        return s
    }
}

extension IPv6PoolSettings {
    func encode(into w: inout ByteWriter) {
        w.string(name); w.raw(aggregate); w.u8(aggregateLength); w.u8(length)
    }

    static func decode(_ r: inout ByteReader) throws(IPCError) -> IPv6PoolSettings {
        let p = IPv6PoolSettings(name: try r.string(), aggregate: try r.raw(16), aggregateLength: try r.u8(), length: try r.u8())
        // PrefixPool's own limit: 1 to 24 bits below the aggregate.
        guard p.aggregateLength < p.length, p.length <= 128, p.length - p.aggregateLength <= 24 else {
            throw .invalid(callID: 0, reason: "pool6 \(p.name): /\(p.aggregateLength) into /\(p.length)")
        }
        return p
    }
}

/// One IPv6 prefix as IPC carries it (IPC has no IPv6 address type): what a
/// RADIUS Access-Accept assigned (RFC 3162 §2.3 Framed-IPv6-Prefix, RFC 4818
/// §3 Delegated-IPv6-Prefix) on its way from authd through linkd to ncpd.
/// Always 16 octets with every bit past `length` zero (RFC 3162 §2.3: "Bits
/// outside of the Prefix-Length ... must be zero"), so two equal prefixes
/// compare equal.
public struct IPv6PrefixValue: Equatable, Sendable {
    public let address: [UInt8]
    public let length: UInt8

    /// Nil unless `address` is 16 octets, `length` at most 128 and the
    /// bits past `length` zero.
    public init?(address: [UInt8], length: UInt8) {
        guard address.count == 16, length <= 128 else { return nil }
        for i in 0..<16 {
            let kept = max(0, min(8, Int(length) - 8 * i))
            let mask: UInt8 = kept == 8 ? 0xff : ~(0xff >> UInt8(kept))
            guard address[i] & ~mask == 0 else { return nil }
        }
        self.address = address; self.length = length
    }

    public func encode(into w: inout ByteWriter) { w.raw(address); w.u8(length) }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> IPv6PrefixValue {
        let address = try r.raw(16), length = try r.u8()
        guard let p = IPv6PrefixValue(address: address, length: length) else {
            throw .invalid(callID: 0, reason: "IPv6 prefix /\(length) with bits past its length, or longer than 128")
        }
        return p
    }

    /// An optional one: a presence flag, then the prefix.
    static func encode(_ p: IPv6PrefixValue?, into w: inout ByteWriter) {
        w.bool(p != nil); p?.encode(into: &w)
    }

    static func decodeOptional(_ r: inout ByteReader) throws(IPCError) -> IPv6PrefixValue? {
        try r.bool() ? try decode(&r) : nil
    }
}
