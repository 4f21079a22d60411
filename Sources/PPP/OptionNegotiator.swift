// The protocol-specific half of a control protocol: what LCP, IPCP or IPv6CP
// want, allow and conclude. ControlProtocol owns the automaton, identifiers,
// Max-Failure and packet building; a negotiator only judges options.

/// How one option of a received Configure-Request is judged (RFC 1661 §5.1-§5.4).
public enum OptionVerdict: Equatable, Sendable {
    /// Acceptable as received.
    case ack
    /// Recognisable but unacceptable; the associated option carries the value
    /// we would accept (RFC 1661 §5.3).
    case nak(ConfigurationOption)
    /// Not recognisable or not acceptable for negotiation (RFC 1661 §5.4).
    case reject
}

/// Why a negotiation was abandoned by us (reported, then the layer closes).
public enum NegotiationFailure: Equatable, Sendable {
    /// RFC 1661 §6.4: our Magic-Number kept coming back.
    case loopedBack
    /// The peer will not authenticate with any protocol we require.
    case authenticationRefused
    /// The peer rejected an option we cannot do without (type given).
    case requiredOptionRejected(UInt8)
}

/// What a negotiator made of a received Configure-Nak or Configure-Reject.
public enum ReplyDisposition: Equatable, Sendable {
    /// Valid; our next Configure-Request has been adjusted (RCN).
    case accepted
    /// Invalid (RFC 1661 §5.3/§5.4): silently discarded, no event.
    case invalid
    /// Valid but leaves nothing we can live with: close.
    case failed(NegotiationFailure)
}

/// Implemented by LCP and the NCPs; driven only by ControlProtocol.
public protocol OptionNegotiator: Sendable {
    /// The PPP Protocol field this control protocol is carried in.
    var protocolNumber: ProtocolNumber { get }
    /// True for LCP: codes 8-13 (Protocol-Reject, Echo, Discard, RFC 1570) are
    /// understood. For NCPs they are unknown codes (RUC, RFC 1661 §5.6).
    var understandsLinkMaintenanceCodes: Bool { get }
    /// The local Magic-Number for Echo/Discard/Identification (0 if none, §5.8).
    var magicNumber: UInt32 { get }

    /// Called on an scr that starts a negotiation (not from Req-Sent, Ack-Rcvd
    /// or Ack-Sent): forget what the last negotiation settled (pppd's resetci).
    mutating func resetNegotiation()
    /// The options of the next Configure-Request (RFC 1661 §5.1).
    mutating func configureRequestOptions() -> [ConfigurationOption]
    /// One verdict per received option, in order. Side effects are limited to
    /// remembering what the peer asked for, so the last acked request wins.
    mutating func classifyConfigureRequest(_ options: [ConfigurationOption]) -> [OptionVerdict]
    /// Options we want the peer to add, appended to a Configure-Nak (RFC 1661
    /// §5.3 "MAY include ... additional Configuration Options"). Dropped once
    /// Max-Failure is reached (§4.6).
    mutating func configureNakHints(for options: [ConfigurationOption]) -> [ConfigurationOption]
    /// A Nak verdict for this option survives Max-Failure (pppd does this for
    /// LCP Magic-Number, which RFC 1661 §6.4 says MUST be Nak'd).
    func nakSurvivesMaxFailure(_ option: ConfigurationOption) -> Bool
    /// Our last request was acked exactly (RFC 1661 §5.2).
    mutating func configureRequestAcked(_ options: [ConfigurationOption])
    /// RFC 1661 §5.3, for the identifier of our last request.
    mutating func configureNakReceived(_ options: [ConfigurationOption]) -> ReplyDisposition
    /// RFC 1661 §5.4; the layer has already checked it is an ordered subset.
    mutating func configureRejectReceived(_ options: [ConfigurationOption]) -> ReplyDisposition
}

extension OptionNegotiator {
    public var understandsLinkMaintenanceCodes: Bool { false }
    public var magicNumber: UInt32 { 0 }
    public mutating func configureNakHints(for options: [ConfigurationOption]) -> [ConfigurationOption] { [] }
    public func nakSurvivesMaxFailure(_ option: ConfigurationOption) -> Bool { false }
}
