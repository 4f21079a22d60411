// Resuming an Opened control protocol from saved state (DESIGN.md "Restart
// without losing sessions"): a daemon restarted by pppinit rebuilds LCP,
// IPCP or IPv6CP in the Opened state with what was negotiated, sending
// nothing, so the peer sees no renegotiation. The negotiators' restore
// methods put back exactly what `negotiated` reported.

extension ControlProtocol {
    /// An instance already Opened with `negotiator` (restored by the
    /// caller); `nextIdentifier` continues the saved sequence so a later
    /// request does not repeat an identifier the peer just saw (RFC 1661 §5).
    public static func resumed(negotiator: Negotiator, limits: Automaton.Limits = Automaton.Limits(),
                               nextIdentifier: UInt8) -> Self {
        var cp = Self(negotiator: negotiator, limits: limits, firstIdentifier: nextIdentifier)
        cp.automaton = Automaton(limits: limits, state: .opened)
        return cp
    }

    /// The Identifier our next packet will carry (saved with the state).
    public var identifierToSave: UInt8 { nextIdentifier }
}

extension LCPNegotiator {
    /// Puts back a negotiation that ended in `o` (both directions).
    public mutating func restore(_ o: LCPNegotiatedOptions) {
        peer = o
        acked = Request(mru: o.localMRU, asyncMap: o.receiveACCM,
                        magicNumber: o.localMagicNumber == 0 ? nil : o.localMagicNumber,
                        pfc: o.receivePFC, acfc: o.receiveACFC, authentication: o.weAuthenticatePeerWith)
        request = acked
    }
}

extension IPCPNegotiator {
    /// Puts back a negotiation that ended in `n`.
    public mutating func restore(_ n: IPCPNegotiated) {
        acked = Request(address: n.localAddress, primaryDNS: n.primaryDNS == 0 ? nil : n.primaryDNS,
                        secondaryDNS: n.secondaryDNS == 0 ? nil : n.secondaryDNS)
        request = acked
        peerAddress = n.remoteAddress
        peerSentAddress = n.remoteAddress != 0
    }
}

extension IPv6CPNegotiator {
    /// Puts back a negotiation that ended in `n`.
    public mutating func restore(_ n: IPv6CPNegotiated) {
        local = n.localIdentifier
        request = local
        acked = local
        peer = n.remoteIdentifier
    }
}
