// The negotiation layer: the RFC 1661 automaton plus identifiers, retransmission,
// Max-Failure and packet building, generic over an OptionNegotiator (LCP, IPCP,
// IPv6CP). Driven by lowerUp/lowerDown/open/close/timeout/receive; returns actions.

/// A control protocol instance for one link (LCP) or one session (an NCP).
public struct ControlProtocol<Negotiator: OptionNegotiator>: Sendable {
    /// Bad input is dropped and counted, never fatal (STYLE.md).
    public struct Counters: Equatable, Sendable {
        /// Packets or option lists whose lengths do not parse.
        public var malformed = 0
        /// Ack/Nak/Reject not matching our last request (RFC 1661 §5.2-§5.4).
        public var unmatchedReplies = 0
        /// Packets arriving while the lower layer is down, or codes the RFC
        /// says to discard in the current state.
        public var discarded = 0
        /// Events the table has no cell for ('-'); a caller bug or a stale timer.
        public var illegalEvents = 0
        /// Codes answered with Code-Reject.
        public var unknownCodes = 0
        public init() {}
    }

    public internal(set) var automaton: Automaton
    public var negotiator: Negotiator
    public internal(set) var counters = Counters()
    /// Longest Rejected-Packet/Information we copy into Code-Reject and
    /// Protocol-Reject (RFC 1661 §5.6/§5.7: truncate to the peer's MRU). The
    /// owner lowers it to peer MRU - 4 (- 2 for Protocol-Reject) once known.
    public var maximumRejectedLength = 1500 - ControlPacket.headerLength - 2

    /// Identifier of the next packet we originate (RFC 1661 §5: requests get a
    /// fresh one; replies copy the request's).
    var nextIdentifier: UInt8
    /// Set when a Configure-Request received in Opened already reset the
    /// negotiator for the renegotiation its scr starts.
    var negotiationAlreadyReset = false
    /// Our last Configure-Request, for retransmission and for matching replies.
    var lastRequest: ControlPacket?
    /// A reply to lastRequest has not yet been accepted (duplicates discarded).
    var awaitingReply = false
    /// Configure-Naks sent since the last Configure-Ack (RFC 1661 §4.6 Max-Failure).
    var naksSent = 0
    /// The Ack/Nak/Reject prepared by classification, sent by sca/scn.
    var pendingResponse: ControlPacket?
    /// The packet being handled, for sta identifiers, scj and ser.
    var received: ControlPacket?
    var receivedRaw: ArraySlice<UInt8> = []
    /// Data of our Terminate-Requests (the reason given to close()).
    var terminateReason: [UInt8] = []

    public init(negotiator: Negotiator, limits: Automaton.Limits = Automaton.Limits(), firstIdentifier: UInt8 = 1) {
        self.negotiator = negotiator
        self.automaton = Automaton(limits: limits)
        self.nextIdentifier = firstIdentifier
    }

    public var state: Automaton.State { automaton.state }

    // MARK: Administrative and lower-layer events (RFC 1661 §4.3)

    public mutating func lowerUp() -> [ControlAction] { run(.up) }

    public mutating func lowerDown() -> [ControlAction] { run(.down) }

    public mutating func open() -> [ControlAction] { run(.open) }

    /// RFC 1661 §5.5: the reason travels as the Terminate-Request's Data.
    public mutating func close(reason: String = "") -> [ControlAction] {
        terminateReason = Array(reason.utf8.prefix(maximumRejectedLength))
        return run(.close)
    }

    /// The restart timer fired. A timer that fires outside the states where it
    /// runs (a race in the caller's loop) is ignored.
    public mutating func timeout() -> [ControlAction] {
        guard automaton.state.restartTimerRuns else { return [] }
        return run(automaton.timeoutEvent)
    }

    // MARK: Running the automaton

    /// Feeds one event to the automaton and carries out its actions in order.
    mutating func run(_ event: Automaton.Event) -> [ControlAction] {
        let step = automaton.handle(event)
        guard step.isLegal else {
            counters.illegalEvents += 1
            return []
        }
        var out: [ControlAction] = []
        if step.timer == .stop { out.append(.stopTimer) }
        for action in step.actions {
            switch action {
            case .tlu: out.append(.thisLayerUp)
            case .tld: out.append(.thisLayerDown)
            case .tls: out.append(.thisLayerStarted)
            case .tlf: out.append(.thisLayerFinished)
            case .irc, .zrc: break  // the counter lives in the automaton
            case .scr: out.append(.send(sendConfigureRequest(step: step, retransmission: event == .toPlus)))
            case .sca, .scn:
                if let response = pendingResponse {
                    if response.code == .configureAck { naksSent = 0 }
                    if response.code == .configureNak { naksSent += 1 }
                    out.append(.send(response.encoded()))
                }
            case .str:
                out.append(.send(ControlPacket(
                    code: .terminateRequest, identifier: takeIdentifier(), data: terminateReason).encoded()))
            case .sta:
                // RFC 1661 §5.5: the Identifier is copied from the packet that
                // caused it (a Terminate-Request, or a stray Configure-*).
                out.append(.send(ControlPacket(
                    code: .terminateAck, identifier: received?.identifier ?? takeIdentifier()).encoded()))
            case .scj:
                // RFC 1661 §5.6: Rejected-Packet is the Information field
                // received, truncated to what the peer can take.
                out.append(.send(ControlPacket(
                    code: .codeReject, identifier: takeIdentifier(),
                    data: Array(receivedRaw.prefix(maximumRejectedLength))).encoded()))
            case .ser:
                // RXR also covers Echo-Reply and Discard-Request, which have
                // nothing to answer: only an Echo-Request gets an Echo-Reply.
                if let request = received, request.code == .echoRequest {
                    var data: [UInt8] = []
                    BigEndian.append(negotiator.magicNumber, to: &data)
                    data.append(contentsOf: request.data.dropFirst(4))
                    out.append(.send(ControlPacket(
                        code: .echoReply, identifier: request.identifier, data: data).encoded()))
                }
            }
        }
        if step.timer == .start { out.append(.startTimer(automaton.limits.restartInterval)) }
        pendingResponse = nil
        return out
    }

    mutating func takeIdentifier() -> UInt8 {
        defer { nextIdentifier &+= 1 }
        return nextIdentifier
    }

    /// RFC 1661 §5.1: a retransmission (TO+) repeats the request unchanged
    /// with the same Identifier; any other scr builds a new request with a new
    /// Identifier, and one that starts a negotiation resets it first.
    mutating func sendConfigureRequest(step: Automaton.Step, retransmission: Bool) -> [UInt8] {
        if retransmission, let request = lastRequest {
            // A reply to the retransmission is as good as one to the first
            // copy, even after an earlier reply was taken (TO+ in Ack-Rcvd
            // goes back to Req-Sent and needs a fresh Ack to open).
            awaitingReply = true
            return request.encoded()
        }
        switch step.from {
        case .reqSent, .ackRcvd, .ackSent:
            break
        case .initial, .starting, .closed, .stopped, .closing, .stopping, .opened:
            if !negotiationAlreadyReset {
                negotiator.resetNegotiation()
                naksSent = 0
            }
        }
        negotiationAlreadyReset = false
        let options = negotiator.configureRequestOptions()
        let request = ControlPacket(
            code: .configureRequest, identifier: takeIdentifier(),
            data: ConfigurationOption.encodeList(options))
        lastRequest = request
        awaitingReply = true
        return request.encoded()
    }
}
