// One binding of a DHCPv6 server (RFC 8415 §4.2 "binding"): which client's
// IA holds which delegated prefix (IA_PD) or address (IA_NA, as a /128), with
// its lifetimes and when it runs out. Leases are what a session deposits so a
// restarted owner keeps every subscriber's prefixes (IPv6SessionRecord).

public struct DHCPv6Lease: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case address = 1
        case prefix = 2
    }

    public var kind: Kind
    public var client: DUID
    public var iaid: UInt32
    /// The delegated prefix, or the assigned address with length 128.
    public var prefix: IPv6Prefix
    /// Seconds, as last sent to the client.
    public var preferredLifetime: UInt32
    public var validLifetime: UInt32
    /// CLOCK_MONOTONIC nanoseconds when the lease runs out (system-wide, so
    /// still meaningful to a restarted daemon).
    public var expires: UInt64
    /// False while only offered in an Advertise (§18.3.9): not routed yet.
    public var committed: Bool
    /// Taken from the pool (and so returned to it), not from RADIUS.
    public var pooled: Bool

    public init(kind: Kind, client: DUID, iaid: UInt32, prefix: IPv6Prefix, preferredLifetime: UInt32,
                validLifetime: UInt32, expires: UInt64, committed: Bool, pooled: Bool) {
        self.kind = kind; self.client = client; self.iaid = iaid; self.prefix = prefix
        self.preferredLifetime = preferredLifetime; self.validLifetime = validLifetime
        self.expires = expires; self.committed = committed; self.pooled = pooled
    }
}
