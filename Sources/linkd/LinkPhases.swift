// The RFC 1661 §3.2 phase diagram of one session, as a value: the session
// tells it what happened (its circuit came up, failed or went down; LCP's
// tlu, tld and tlf; authd's verdict; a close asked for) and carries out the
// actions it returns, in order; it also says where each received frame goes
// in the current phase. It keeps the first reason the session ends for,
// and the few network-phase frames that came during Authenticate.
// No sockets and no clock: LinkTests drive it as a table.
import PPP

struct LinkPhases: Equatable {
    /// RFC 1661 §3.2 link phases.
    enum Phase: String {
        case dead, establish, authenticate, network, terminate
    }

    enum Event: Equatable {
        /// The circuit is up (a bound socket, an open tty, a connected TCP,
        /// a PADS): Dead → Establish, LCP opens.
        case circuitUp
        /// A TCP connect is under way: Establish already, LCP waits in
        /// Initial for the lower layer (RFC 1661 §3.2).
        case circuitConnecting
        /// The circuit never came up: over before LCP began.
        case circuitFailed(reason: String)
        /// The circuit went away (hang-up, read error, PADT): LCP Down.
        case circuitDown(reason: String)
        /// An administrative close (operator, timers, authd): RFC 1661 §5.5.
        case closeRequested(reason: String)
        /// LCP tlu (§4.4); `authenticate` when an Auth-Protocol was acked
        /// in either direction.
        case lcpUp(authenticate: Bool)
        /// LCP tld; `terminating` when LCP is leaving Opened to close
        /// (Closing, Stopping, Closed, Stopped), not to renegotiate.
        case lcpDown(terminating: Bool)
        /// LCP tlf; `stopped` when LCP ended in Stopped (no agreement).
        case lcpFinished(stopped: Bool)
        /// What LCP reported on the way (first cause wins).
        case lcpFailed(reason: String)
        case peerTerminated(reason: String)
        /// authd's verdict (RFC 1661 §3.5).
        case authSucceeded
        case authFailed(reason: String)
        /// Taken back after a restart of linkd: Network, LCP Opened.
        case resumed
    }

    enum Action: Equatable {
        /// LCP Open, then Up: the lower layer is there at once.
        case openLCP
        /// LCP Close (Terminate-Request).
        case closeLCP(reason: String)
        /// LCP Down.
        case lowerLCP
        /// RFC 1661 §3.5: authd takes over.
        case beginAuthentication
        /// RFC 1661 §3.6: the channel goes to its owner.
        case enterNetwork
        /// Right after `enterNetwork`: frames held during Authenticate, in
        /// the order they came, for the channel.
        case deliver([HeldFrame])
        /// Leaving Opened: the channel and authentication end; framing
        /// back to the defaults of §7.1 (RFC 1662).
        case leaveNetwork
        /// The session is over: carried out through `finish()`, which says
        /// whether it still has to be (LCP's tlf inside `lowerLCP` may have
        /// got there first); then timers, channel and authentication end,
        /// and the owner hears of it, once.
        case finished
    }

    /// Where a received frame goes (RFC 1661 §3.4-§3.6).
    enum Destination: Equatable {
        case lcp
        /// PAP, CHAP, EAP: to authd while it runs (also in the Network
        /// phase: a periodic re-challenge).
        case authentication
        /// To the channel's owner (network and NCP frames).
        case channel
        /// Kept (`hold`) until the Network phase begins, then delivered.
        case held
        /// Discarded and counted: RFC 1661 §3.4, before the Network phase.
        case discarded
        /// RFC 1661 §5.7: a protocol nobody here runs.
        case rejected
    }

    /// A frame kept for the Network phase: a copy, off the data path.
    struct HeldFrame: Equatable {
        var proto: ProtocolNumber
        var information: [UInt8]
    }

    /// Frames held during Authenticate at most; later ones are discarded
    /// (and counted by the session), as RFC 1661 §3.5 has it.
    static let heldLimit = 8

    private(set) var phase = Phase.dead
    private(set) var held: [HeldFrame] = []
    /// Why the session is ending or ended, first cause wins.
    private(set) var reason: String?
    /// The session reached the Network phase (pppd resets maxfail on it).
    private(set) var reachedNetwork = false

    /// The reason's summary for metrics (EndCause), set with it.
    private(set) var cause: EndCause?

    /// Keeps `why` unless a reason is known already.
    mutating func note(_ why: String, _ what: EndCause) {
        if reason == nil { reason = why; cause = what }
    }

    mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .circuitUp:
            phase = .establish
            return [.openLCP]
        case .circuitConnecting:
            phase = .establish
            return []
        case .circuitFailed(let why):
            guard reason == nil else { return [] }
            reason = why
            cause = .carrier
            if phase == .dead { phase = .establish }
            return [.finished]
        case .circuitDown(let why):
            note(why, .carrier)
            // LCP's own tld/tlf come while `lowerLCP` is carried out; the
            // session is over then whatever LCP said.
            return phase == .dead ? [.lowerLCP] : [.lowerLCP, .finished]
        case .closeRequested(let why):
            note(why, EndCause(localReason: why))
            return [.closeLCP(reason: why)]
        case .lcpUp(let authenticate):
            if authenticate {
                phase = .authenticate
                return [.beginAuthentication]
            }
            // noauth and nothing negotiated: straight to Network.
            return enterNetwork()
        case .lcpDown(let terminating):
            phase = terminating ? .terminate : .establish
            held = []
            return [.leaveNetwork]
        case .lcpFinished(let stopped):
            note(stopped ? "LCP: no agreement (Max-Configure reached or peer stopped)" : "LCP closed", .negotiation)
            return [.finished]
        case .lcpFailed(let why):
            note(why, .negotiation)
            return []
        case .peerTerminated(let why):
            note(why, .peer)
            return []
        case .authSucceeded:
            guard phase == .authenticate else { return [] }
            return enterNetwork()
        case .authFailed(let why):
            let text = "authentication failed: \(why.isEmpty ? "rejected" : why)"
            note(text, .authentication)
            return [.closeLCP(reason: text)]
        case .resumed:
            phase = .network
            reachedNetwork = true
            return []
        }
    }

    private mutating func enterNetwork() -> [Action] {
        guard phase != .network else { return [] }
        phase = .network
        reachedNetwork = true
        guard !held.isEmpty else { return [.enterNetwork] }
        defer { held = [] }
        return [.enterNetwork, .deliver(held)]
    }

    /// Keeps a frame `destination` said to hold; false when the limit is
    /// reached (the frame is discarded).
    mutating func hold(_ proto: ProtocolNumber, _ information: ArraySlice<UInt8>) -> Bool {
        guard phase == .authenticate, held.count < Self.heldLimit else { return false }
        held.append(HeldFrame(proto: proto, information: Array(information)))
        return true
    }

    /// Carrying out `finished`: true the first time (the phase becomes
    /// Dead), false when the session was dead already.
    mutating func finish() -> Bool {
        guard phase != .dead else { return false }
        phase = .dead
        held = []
        return true
    }

    /// RFC 1661 §3.4-§3.6: where a frame of `proto` goes now.
    ///
    /// Deviation from §3.5 (issue 13): a network or NCP frame during
    /// Authenticate is held, not discarded. authd sends the peer its
    /// Success before linkd hears the verdict, and a peer that starts its
    /// NCPs on that Success (pppd does, with MS-CHAPv2 at once) would
    /// otherwise wait a Restart timer for its first Configure-Request to be
    /// sent again. If authentication fails the held frames go with it.
    func destination(of proto: ProtocolNumber) -> Destination {
        if proto == .lcp { return .lcp }
        if proto == .pap || proto == .chap || proto == .eap { return .authentication }
        if phase == .authenticate && !proto.isLinkControl { return .held }
        guard phase == .network else { return .discarded }
        return proto.isLinkControl ? .rejected : .channel
    }
}
