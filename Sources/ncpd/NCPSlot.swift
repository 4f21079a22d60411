// One NCP of a session, whichever it is: the control protocol (nil when the
// port does not run it), its restart timer, whether it has finished (pppd's
// num_np_open bookkeeping) and what its tlu put on the unit. IPCP (RFC 1332)
// and IPv6CP (RFC 5072) differ only in their negotiator, their two protocol
// numbers and what they configure on the unit, which `NetworkNegotiator`
// names; everything else in ncpd is written once, generic over it.
import IPC
import PPP

/// What ncpd needs of an NCP's negotiator beyond the RFC 1661 automaton.
protocol NetworkNegotiator: OptionNegotiator {
    associatedtype Negotiated: NetworkResult
    /// The NCP's own protocol (RFC 1661 §2: 0x8xxx) …
    static var controlProtocol: ProtocolNumber { get }
    /// … and the network protocol it opens (0x0xxx).
    static var networkProtocol: ProtocolNumber { get }
    /// Where a session keeps this NCP.
    static var slot: ReferenceWritableKeyPath<NetworkSession, NCPSlot<Self>> { get }
    /// The port's restart interval for this NCP (RFC 1661 §4.6, pppd's
    /// ipcp-restart / ipv6cp-restart), in seconds.
    static func restartSeconds(_ settings: NetworkSettings) -> UInt32
    var negotiated: Negotiated { get }
    mutating func restore(_ negotiated: Negotiated)
}

/// What an NCP negotiated, and what that means for the unit
/// (NetworkSession+Unit.swift).
protocol NetworkResult: Equatable {
    /// tlu: configure the unit and run the up hook; false when the NCP was
    /// closed (or the session ended) instead.
    func configure(on session: NetworkSession) -> Bool
    /// tld: undo what `configure` did and run the down hook.
    func unconfigure(on session: NetworkSession)
}

/// One NCP's place in a session.
struct NCPSlot<Negotiator: NetworkNegotiator> {
    typealias CP = ControlProtocol<Negotiator>
    /// nil: not run on this session (noip, no ipv6, or no address plan).
    var cp: CP?
    var timer: TimerID?
    /// Finished (tlf) or never started: no longer keeps the session up.
    var finished: Bool
    /// What is configured on the unit now, to undo at tld.
    var configured: Negotiator.Negotiated?

    /// `maximumRejectedLength` follows the peer's MRU (RFC 1661 §5.6: a
    /// Code-Reject carries at most what the peer accepts).
    init(_ negotiator: Negotiator?, settings: NetworkSettings, peerMRU: UInt16) {
        guard let negotiator else {
            finished = true
            return
        }
        var cp = CP(negotiator: negotiator, limits: Self.limits(settings))
        cp.maximumRejectedLength = Int(peerMRU) - ControlPacket.headerLength
        self.cp = cp
        finished = false
    }

    static func limits(_ settings: NetworkSettings) -> Automaton.Limits {
        var limits = Automaton.Limits()
        limits.restartInterval = .seconds(Int64(Negotiator.restartSeconds(settings)))
        return limits
    }

    /// Opened, and its addresses are on the unit: packets may flow.
    var isOpen: Bool { cp?.state == .opened && configured != nil }

    /// Opened as saved before a restart (ControlProtocol+Resume), sending
    /// nothing; `configured` when the addresses were on the unit then.
    mutating func resume(_ negotiated: Negotiator.Negotiated, nextIdentifier: UInt8, configured wasConfigured: Bool,
                         settings: NetworkSettings) {
        guard let old = cp else { return }
        var negotiator = old.negotiator
        negotiator.restore(negotiated)
        var resumed = CP.resumed(negotiator: negotiator, limits: Self.limits(settings), nextIdentifier: nextIdentifier)
        resumed.maximumRejectedLength = old.maximumRejectedLength
        cp = resumed
        if wasConfigured { configured = negotiated }
    }
}

extension IPCPNegotiator: NetworkNegotiator {
    static var controlProtocol: ProtocolNumber { .ipcp }
    static var networkProtocol: ProtocolNumber { .ipv4 }
    static var slot: ReferenceWritableKeyPath<NetworkSession, NCPSlot<IPCPNegotiator>> { \.ipv4 }
    static func restartSeconds(_ settings: NetworkSettings) -> UInt32 { settings.ipcpRestart }
}

extension IPv6CPNegotiator: NetworkNegotiator {
    static var controlProtocol: ProtocolNumber { .ipv6cp }
    static var networkProtocol: ProtocolNumber { .ipv6 }
    static var slot: ReferenceWritableKeyPath<NetworkSession, NCPSlot<IPv6CPNegotiator>> { \.ipv6 }
    static func restartSeconds(_ settings: NetworkSettings) -> UInt32 { settings.ipv6cpRestart }
}
