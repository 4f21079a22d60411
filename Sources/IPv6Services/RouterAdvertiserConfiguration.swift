// What a session's Router Advertisements say and how often, with radvd's
// names for RFC 4861 §6.2.1's router configuration variables and their
// defaults; RFC 8106's RDNSS and DNSSL; RFC 8319 §4's raised limits.

public struct RouterAdvertiserConfiguration: Equatable, Sendable {
    /// Seconds; RFC 4861 §6.2.1: at least 4, at most 1800 (RFC 8319 §4: 65535).
    public var maxRtrAdvInterval: UInt32 = 600
    /// Seconds; nil = the §6.2.1 default (0.33 × Max when Max ≥ 9, else Max).
    public var minRtrAdvInterval: UInt32?
    /// Seconds in the Router Lifetime field; nil = 3 × Max (§6.2.1).
    public var advDefaultLifetime: UInt16?
    /// The M and O flags (§4.2): addresses and other configuration by DHCPv6.
    public var managed = false
    public var otherConfiguration = false
    /// The Prefix Information option's L and A flags (§4.6.2).
    public var onLink = true
    public var autonomous = true
    /// §6.2.1 AdvValidLifetime (30 days) and AdvPreferredLifetime (7 days).
    public var validLifetime: UInt32 = 2_592_000
    public var preferredLifetime: UInt32 = 604_800
    public var curHopLimit: UInt8 = 64
    public var reachableTime: UInt32 = 0
    public var retransTimer: UInt32 = 0
    /// AdvLinkMTU; 0 = no MTU option.
    public var linkMTU: UInt32 = 0
    /// RFC 8106 RDNSS and DNSSL; empty = option left out.
    public var dnsServers: [IPv6Address] = []
    public var searchDomains: [String] = []
    /// Seconds; nil = 3 × Max (RFC 8106 §5.1's default).
    public var dnsLifetime: UInt32?

    public init() {}

    /// In milliseconds, so 0.33 × Max keeps its fraction.
    var minIntervalMilliseconds: UInt64 {
        if let m = minRtrAdvInterval { return UInt64(m) * 1000 }
        return maxRtrAdvInterval >= 9 ? UInt64(maxRtrAdvInterval) * 330 : UInt64(maxRtrAdvInterval) * 1000
    }
    var routerLifetime: UInt16 {
        advDefaultLifetime ?? UInt16(clamping: 3 * UInt64(maxRtrAdvInterval))
    }
    var effectiveDNSLifetime: UInt32 { dnsLifetime ?? UInt32(clamping: 3 * UInt64(maxRtrAdvInterval)) }

    /// Why this configuration breaks RFC 4861 §6.2.1 (or RFC 8106), if it does.
    public var problems: [String] {
        var out: [String] = []
        if !(4...65535).contains(maxRtrAdvInterval) { out.append("MaxRtrAdvInterval \(maxRtrAdvInterval) is outside 4-65535 s") }
        if let m = minRtrAdvInterval, m < 3 || UInt64(m) * 4 > UInt64(maxRtrAdvInterval) * 3 {
            out.append("MinRtrAdvInterval \(m) is outside 3 s to 0.75 × MaxRtrAdvInterval")
        }
        if let l = advDefaultLifetime, l != 0 && UInt32(l) < maxRtrAdvInterval {
            out.append("AdvDefaultLifetime \(l) is neither 0 nor at least MaxRtrAdvInterval")
        }
        if preferredLifetime > validLifetime { out.append("preferred lifetime exceeds the valid lifetime") }
        if linkMTU != 0 && linkMTU < 1280 { out.append("link MTU \(linkMTU) is below IPv6's 1280") }
        if dnsServers.count > 127 { out.append("too many RDNSS addresses") }
        for d in searchDomains where DomainName.encode(d) == nil { out.append("search domain \"\(d)\" is not a valid name") }
        return out
    }
}
