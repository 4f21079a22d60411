// What a session's DHCPv6 server hands out and for how long (RFC 8415 §18.3,
// §21.4 T1/T2, §21.21-22 lifetimes; RFC 3646 DNS options).

public struct DHCPv6ServerConfiguration: Equatable, Sendable {
    public var serverID: DUID
    /// Seconds for IAADDR and IAPREFIX.
    public var preferredLifetime: UInt32 = 14_400
    public var validLifetime: UInt32 = 86_400
    /// Seconds; nil = 0.5 and 0.8 × the preferred lifetime (§21.4's advice).
    public var t1: UInt32?
    public var t2: UInt32?
    public var dnsServers: [IPv6Address] = []
    public var searchDomains: [String] = []
    /// §21.8: one server on a PPP link, so 255 lets the client take it at once.
    public var preference: UInt8 = 255
    /// §18.3.1: answer a Solicit carrying Rapid Commit with a Reply.
    public var rapidCommit = true
    /// How long an address or prefix only offered in an Advertise is held.
    public var offerHold: UInt32 = 120

    public init(serverID: DUID) { self.serverID = serverID }

    var effectiveT1: UInt32 { t1 ?? preferredLifetime / 2 }
    var effectiveT2: UInt32 { t2 ?? UInt32(UInt64(preferredLifetime) * 4 / 5) }

    public var problems: [String] {
        var out: [String] = []
        if preferredLifetime > validLifetime { out.append("preferred lifetime exceeds the valid lifetime") }
        if effectiveT1 > effectiveT2 { out.append("T1 exceeds T2") }
        for d in searchDomains where DomainName.encode(d) == nil { out.append("search domain \"\(d)\" is not a valid name") }
        return out
    }
}
