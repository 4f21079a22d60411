// One L2TP control connection as a value (RFC 2661 §7.2): events in (a
// datagram from the peer, a timer tick, a call to place or clear, an
// administrative close), actions out (datagrams to send, tunnel and session
// changes). Its sessions live inside it; linkd demultiplexes by Tunnel ID.

public struct Tunnel: Equatable, Sendable {
    /// Which end placed the SCCRQ; independent of LAC or LNS (§5.1).
    public enum Origin: UInt8, Equatable, Sendable { case initiator = 1, responder }
    /// Incoming calls are placed by the LAC and answered by the LNS (§7.4).
    public enum Role: UInt8, Equatable, Sendable { case lac = 1, lns }

    /// §7.2.1 control connection states, with the hold after a StopCCN
    /// (§5.7) and the end, when linkd may forget the tunnel.
    public enum State: Equatable, Sendable {
        case idle
        case waitCtlReply
        case waitCtlConn
        case established
        /// StopCCN sent or received: still acking and retransmitting until then.
        case stopping(until: UInt64)
        case closed
    }

    public struct Configuration: Equatable, Sendable {
        public var role: Role
        /// §4.4.3 Host Name (at least one octet).
        public var hostName: [UInt8]
        public var vendorName: [UInt8] = Array("ppprouter".utf8)
        public var firmwareRevision: UInt16 = 0x0100
        /// §4.2/§5.1.1: the secret shared with this peer, or nil for none
        /// (no challenge sent; a challenge received is refused).
        public var secret: [UInt8]?
        /// §4.3: attributes sent hidden when a secret exists.
        public var hiddenAttributes: Set<AVPType> = []
        public var reliable = ReliableDelivery.Configuration()
        /// §5.5: a HELLO after this long without anything from the peer.
        public var helloInterval: UInt64 = 60_000_000_000
        public var framingCapabilities = ControlMessage.synchronousFraming | ControlMessage.asynchronousFraming
        public var bearerCapabilities = ControlMessage.digitalBearer | ControlMessage.analogBearer
        public var maximumSessions = 4096
        /// LNS: put Ns on data messages (§5.4: the LNS decides).
        public var sequenceData = false
        /// LAC: send Sequencing Required in ICCN (§4.4.6).
        public var requireSequencing = false
        /// §4.4.3 Tie Breaker in our SCCRQ; nil sends none.
        public var tieBreaker: UInt64?

        public init(role: Role, hostName: [UInt8]) {
            self.role = role
            self.hostName = hostName
        }
    }

    public enum Action: Equatable, Sendable {
        /// One UDP datagram for the peer.
        case send([UInt8])
        case tunnelEstablished
        /// The tunnel went down (every session with it); `byPeer` when the
        /// peer sent the StopCCN. It lingers (`stopping`) until released.
        case tunnelClosed(ResultCode, byPeer: Bool)
        /// The hold after a StopCCN is over: linkd may forget the tunnel.
        case tunnelReleased
        case sessionEstablished(Session)
        case sessionClosed(localID: UInt16, ResultCode, byPeer: Bool)
        /// §6.14 SLI: the LNS's ACCM for the LAC's framing.
        case sessionLinkInfo(localID: UInt16, ACCMValue)
        /// §6.13 WEN: the LAC's error counts.
        case sessionWANError(localID: UInt16, CallErrors)
    }

    public struct Counters: Equatable, Sendable {
        public var controlReceived = 0
        public var controlSent = 0
        public var malformed = 0
        public var unknownMandatory = 0
        public var ignored = 0
        public var hellosSent = 0
        public var authenticationFailures = 0
        public var dataWithoutSession = 0
    }

    public let configuration: Configuration
    public let origin: Origin
    public let localID: UInt16
    public internal(set) var state: State = .idle
    public internal(set) var transport: ReliableDelivery
    public internal(set) var sessions: [UInt16: Session] = [:]
    /// The data counters of each call as it ended (its `.sessionClosed`),
    /// for RFC 2867 Acct-Tunnel-Packets-Lost; the owner takes them with
    /// `takeEndedCounters` when it handles that action. Not in the record.
    public internal(set) var endedCounters: [UInt16: Session.DataCounters] = [:]

    /// What call `id` counted, once, after its `.sessionClosed`.
    public mutating func takeEndedCounters(_ id: UInt16) -> Session.DataCounters? {
        endedCounters.removeValue(forKey: id)
    }
    public internal(set) var peerHostName: [UInt8] = []
    public internal(set) var counters = Counters()
    /// Our Challenge (§4.4.3) until the peer's Response is checked.
    var ourChallenge: [UInt8]?
    var random: RandomStream
    var nextSessionID: UInt16
    var nextCallSerial: UInt32 = 1
    /// When the peer last sent anything, control or data (§5.5).
    public internal(set) var lastHeard: UInt64

    public var peerTunnelID: UInt16 { transport.peerTunnelID }

    /// A tunnel with Tunnel ID `localID` (non-zero, unique on the port).
    /// `seed` comes from getrandom(2).
    public init(configuration: Configuration, origin: Origin, localID: UInt16, seed: [UInt8], now: UInt64) {
        precondition(localID != 0, "§4.4.3: Tunnel IDs are non-zero")
        self.configuration = configuration
        self.origin = origin
        self.localID = localID
        transport = ReliableDelivery(configuration: configuration.reliable)
        random = RandomStream(seed: seed)
        nextSessionID = random.uint16()
        lastHeard = now
    }

    /// The earliest time `tick` has something to do.
    public var nextDeadline: UInt64? {
        var deadlines: [UInt64] = []
        if let d = transport.nextDeadline { deadlines.append(d) }
        switch state {
        // While messages await an ack the retransmission timer watches the
        // peer; a HELLO deadline then would be due and do nothing (a busy loop).
        case .established where transport.isIdle: deadlines.append(lastHeard + configuration.helloInterval)
        case .stopping(let until): deadlines.append(until)
        default: break
        }
        return deadlines.min()
    }

    /// §7.2.1 idle, Local Open request: send SCCRQ.
    public mutating func open(now: UInt64) -> [Action] {
        guard origin == .initiator, state == .idle else { return [] }
        var m = ControlMessage(.sccrq)
        fillStart(&m)
        m.tieBreaker = configuration.tieBreaker
        challengeIfSecret(&m)
        state = .waitCtlReply
        return send(m, sessionID: 0, now: now)
    }

    /// §7.2.1 established, Admin Tunnel Close: StopCCN, every session gone.
    public mutating func close(_ result: ResultCode, now: UInt64) -> [Action] {
        switch state {
        case .idle, .stopping, .closed: return []
        default: return stop(result, now: now)
        }
    }

    /// Timers: retransmission, delayed acks, HELLO (§5.5), the end of the hold.
    public mutating func tick(now: UInt64) -> [Action] {
        if case .closed = state { return [] }
        var actions: [Action] = []
        let (datagrams, failed) = transport.tick(now: now)
        actions += datagrams.map(Action.send)
        if failed {
            // §5.8: no response after the retries: clear the tunnel, no StopCCN to send.
            actions += teardown(ResultCode(ResultCode.generalError, message: "peer does not answer"), byPeer: false)
            transport.reset()
            state = .closed
            actions.append(.tunnelReleased)
            return actions
        }
        switch state {
        case .established where now >= lastHeard + configuration.helloInterval && transport.isIdle:
            counters.hellosSent += 1
            lastHeard = now  // the next HELLO one interval on, unless the peer speaks first
            actions += send(ControlMessage(.hello), sessionID: 0, now: now)
        case .stopping(let until) where now >= until:
            transport.reset()
            state = .closed
            actions.append(.tunnelReleased)
        default:
            break
        }
        return actions
    }

    // MARK: - Helpers shared by the extensions

    func fillStart(_ m: inout ControlMessage) {
        m.protocolVersion = ControlMessage.version1
        m.hostName = configuration.hostName
        m.framingCapabilities = configuration.framingCapabilities
        m.bearerCapabilities = configuration.bearerCapabilities
        m.firmwareRevision = configuration.firmwareRevision
        m.vendorName = configuration.vendorName
        m.assignedTunnelID = localID
        m.receiveWindowSize = configuration.reliable.receiveWindow
    }

    /// §5.1.1: with a secret we always authenticate the peer (16 random octets).
    mutating func challengeIfSecret(_ m: inout ControlMessage) {
        guard configuration.secret != nil else { return }
        ourChallenge = random.bytes(16)
        m.challenge = ourChallenge
    }

    /// §4.4.3 Challenge Response: MD5 over the Message Type of the message
    /// carrying the response, the secret and the challenge (CHAP's ID, secret, challenge).
    static func challengeResponse(for type: MessageType, secret: [UInt8], challenge: [UInt8]) -> [UInt8] {
        MD5.digest([UInt8(truncatingIfNeeded: type.rawValue)], secret, challenge)
    }

    /// Encodes and queues a control message on the reliable transport.
    mutating func send(_ m: ControlMessage, sessionID: UInt16, now: UInt64) -> [Action] {
        var hiding: ControlMessage.Hiding?
        if let secret = configuration.secret, !configuration.hiddenAttributes.isEmpty {
            hiding = ControlMessage.Hiding(secret: secret, randomVector: random.bytes(16),
                                           types: configuration.hiddenAttributes, padding: random.bytes(Int(random.bytes(1)[0] % 16)))
        }
        guard let body = try? m.encodedBody(hiding: hiding), body.count + L2TPHeader.controlLength <= Int(UInt16.max) else {
            preconditionFailure("a control message we build always fits")
        }
        counters.controlSent += 1
        return transport.send(body, sessionID: sessionID, now: now).map(Action.send)
    }

    /// Sends StopCCN (§6.4) and starts the hold of §5.7.
    mutating func stop(_ result: ResultCode, now: UInt64) -> [Action] {
        var actions = teardown(result, byPeer: false)
        var m = ControlMessage(.stopCCN)
        // §4.4.3: the Assigned Tunnel ID "first sent to the receiving peer".
        m.assignedTunnelID = localID
        m.result = result
        actions += send(m, sessionID: 0, now: now)
        state = .stopping(until: now + configuration.reliable.fullCycle)
        return actions
    }

    /// Every session ends with the tunnel (§5.7: no CDN needed for them).
    mutating func teardown(_ result: ResultCode, byPeer: Bool) -> [Action] {
        var actions: [Action] = []
        for id in sessions.keys.sorted() {
            endedCounters[id] = sessions[id]?.dataCounters
            actions.append(.sessionClosed(localID: id, result, byPeer: byPeer))
        }
        sessions.removeAll()
        actions.append(.tunnelClosed(result, byPeer: byPeer))
        return actions
    }

    /// §4.4.2 Tie Breaker: the lower value wins; equal values both lose; a
    /// side that sent none loses to one that did; with none at all, both
    /// tunnels stand. Returns whether our tunnel must be discarded.
    public static func losesTieBreak(ours: UInt64?, theirs: UInt64?) -> Bool {
        switch (ours, theirs) {
        case let (o?, t?): t <= o
        case (nil, _?): true
        case (_, nil): false
        }
    }

    /// §4.4.3: the loser "MUST silently discard its tunnel"; §7.2.1 re-queues
    /// its calls for the winning tunnel, which is why they are returned.
    public mutating func abandon() -> [IncomingCall] {
        let calls = sessions.values.sorted { $0.localID < $1.localID }.map(\.call)
        sessions.removeAll()
        transport.reset()
        state = .closed
        return calls
    }
}
