// Local IPCP policy (pppd's local:remote, noipdefault, ms-dns, usepeerdns):
// plain data ncpd builds per session from the port's NetworkSettings, the
// address pool and authd's Framed-IP-Address.

/// What this end asks for, assigns and offers in IPCP (RFC 1332, RFC 1877).
public struct IPCPConfiguration: Equatable, Sendable {
    /// Our address; 0 asks the peer to assign one (RFC 1332 §3.3, pppd's
    /// noipdefault: "ask 0.0.0.0 and accept the Nak").
    public var localAddress: UInt32 = 0
    /// Take the address the peer Naks us with, even when we asked for one
    /// (pppd ipcp-accept-local). Implied when localAddress is 0.
    public var acceptLocal = false
    /// The address we assign the peer (server role); 0 lets the peer choose.
    public var remoteAddress: UInt32 = 0
    /// Let the peer keep an address other than remoteAddress (pppd
    /// ipcp-accept-remote). Without it a different address is Nak'd.
    public var acceptRemote = false
    /// RFC 1877: name servers we give a peer that asks (pppd ms-dns, ms-wins).
    public var dnsToOffer: [UInt32] = []
    public var nbnsToOffer: [UInt32] = []
    /// RFC 1877: ask the peer for its name servers (pppd usepeerdns).
    public var requestDNS = false

    public init() {}
}

/// The outcome of an IPCP negotiation, meaningful after thisLayerUp.
public struct IPCPNegotiated: Equatable, Sendable {
    public var localAddress: UInt32 = 0
    public var remoteAddress: UInt32 = 0
    /// Name servers the peer gave us (usepeerdns), primary first; 0 = none.
    public var primaryDNS: UInt32 = 0
    public var secondaryDNS: UInt32 = 0
    public init() {}

    public var dns: [UInt32] { [primaryDNS, secondaryDNS].filter { $0 != 0 } }
}
