// Runs the sessions of this linkd's port, whatever carries them (a
// Transport: a tty or UDP line, TCP listen or connect, a PPPoE access
// concentrator or client). Kept here, the same for every kind: the session
// table and numbering, the events `pppctl watch` shows, pppd's
// persist/holdoff/maxfail between sessions (for ports that start their own),
// the fd store's deposits (DESIGN.md "Restart without losing sessions"),
// and, as each session's owner, what its Network phase means
// (PortSessions+Bridge) and what its end means.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

/// Counted on the port as a whole, shown with every session.
struct PortCounters {
    /// Frames that arrived while no session ran (holdoff, or after the last).
    var framesWithoutSession = 0
    /// Datagram ports: ICMP port-unreachable reports (the peer is not there yet).
    var unreachable = 0
    /// TCP listen: connections turned away at the limit.
    var connectionsRefused = 0
}

final class PortSessions {
    let port: Port
    let rt: DaemonRuntime
    let auth: AuthClient
    /// This port's bridging role and rules (PortSessions+Bridge).
    let bridging: LinkdSettings
    /// Issue 21: one segmenting buffer for every session of the port
    /// (linkd is single-threaded), when the port's `offload` is on.
    private(set) lazy var segments: SegmentBatch? = bridging.offload && settings.kind == .pppoe ? SegmentBatch() : nil
    /// Issue 21: one coalescer for the port's sessions (GROPath), flushed
    /// by the port at the end of each receive batch.
    private(set) lazy var gro: GROPath? = bridging.offload && settings.kind == .pppoe ? GROPath() : nil
    /// Issue 21: frames to the wire in vectors (TransmitBatch) where each
    /// frame is a datagram of its own: UDP and PPPoE ports.
    /// A UDP port's batch sends runs with UDP_SEGMENT when `offload` is on.
    private(set) lazy var transmits: TransmitBatch? = {
        guard settings.kind == .udp || settings.kind == .pppoe else { return nil }
        let t = TransmitBatch(loop: rt.loop, slotSize: Int(max(settings.mru, 1500)) + 64)
        t.udpSegmentation = settings.kind == .udp && bridging.offload
        return t
    }()
    var settings: PortSettings { port.settings }
    /// Issue 13: the one copy every session of the port refers to.
    private lazy var sessionSettings = SharedPortSettings(port.settings)
    /// Issue 13: the port's one mux to ncpd, for a PPPoE access
    /// concentrator's sessions (other transports keep a channel each).
    private(set) lazy var mux: MuxLink? = settings.kind == .pppoe && settings.pppoe.role == .ac
        ? MuxLink(port: settings.name, runtime: rt) : nil
    /// How this port's sessions reach their peers.
    private(set) lazy var transport: any Transport = Transports.make(for: port, host: self)
    /// Live sessions, then the most recent ended ones (phase dead), so
    /// `pppctl sessions` can still say why they ended.
    private var table = SessionTable<Session>(endedKept: PortSessions.endedKept) {
        didSet { listing = nil }
    }
    /// `table.all`, built once and kept while no session starts or ends:
    /// `sessions` is read in pages, and a copy of the whole table per page
    /// made listing thousands of sessions quadratic (issue 13, point 4).
    private var listing: [Session]?
    var sessions: [Session] {
        if let listing { return listing }
        let all = table.all
        listing = all
        return all
    }
    private var nextNumber = 1
    /// The transmit and channel receive buffers all its sessions share.
    let scratch = FrameScratch()
    /// pppd's maxfail: consecutive sessions that never reached Network phase.
    var failures = 0
    private var holdoffTimer: TimerID?
    /// Set while the router stops (stop(_:)): no new session, and `done`
    /// once the last one has ended.
    private var stopDone: (() -> Void)?
    var isStopping: Bool { stopDone != nil }
    var counters = PortCounters()
    /// Setups, failures and teardowns by cause (issue 19's metrics).
    var outcomes = SessionOutcomes()
    /// partner-failed reports sent (upstream) and received (subscriber).
    var partnerFailures = PartnerFailureCounters()
    /// What the fd store gave back after a restart (RestoreAccount.swift).
    private(set) var restore: RestoreAccount

    /// Ended sessions kept for display.
    static let endedKept = 8

    init(port: Port, runtime: DaemonRuntime, bridging: LinkdSettings? = nil) {
        self.port = port
        self.rt = runtime
        self.bridging = bridging ?? LinkdSettings(port: port.settings)
        auth = AuthClient(runtime: runtime)
        restore = RestoreAccount(expected: runtime.restoreExpected, received: runtime.restoreReceived)
    }

    /// Starts reading and the first session (or accepting).
    func start() {
        transport.start()
        if let line = restore.shortfall { rt.log.error(line) }
        if let line = restore.summary { rt.log.notice("port \(settings.name): \(line)") }
    }

    /// SIGTERM or pppinit gone: the transport says goodbye to its peers.
    /// The process exits right after, inside the handler that called it,
    /// so the round's end never comes: frames still held in the batch
    /// (TransmitBatch) go out first, then what the goodbye itself queued.
    func shutdown() {
        transmits?.flush()
        transport.shutdown()
        transmits?.flush()
    }

    /// SIGTERM, the router stopping (issue 19): each live session ends as
    /// an operator's kill ends it — LCP Terminate-Request (RFC 1661 §3.7),
    /// then at its end its transport's goodbye (PADT, CDN), authd's
    /// accounting Stop and `session-down` (sessionFinished) — and no new
    /// one starts. `done` runs once none is live (DaemonRuntime bounds the
    /// wait); pppinit stops linkd before authd, so the Stops still reach it.
    func stop(_ done: @escaping () -> Void) {
        stopDone = done
        if let t = holdoffTimer { rt.loop.cancel(t); holdoffTimer = nil }
        // SIGUSR1: a reload removed this port (DaemonRuntime.removed).
        let why = rt.removed ? "port removed" : "router stopping"
        for s in sessions where s.phase != .dead { s.close(reason: why) }
        finishStopIfIdle()
    }

    private func finishStopIfIdle() {
        guard let done = stopDone, !sessions.contains(where: { $0.phase != .dead }) else { return }
        stopDone = nil
        // On the next turn: what the session's end sends after telling its
        // owner (authd's Stop among it) goes out before the exit.
        _ = rt.loop.schedule(after: 0) { done() }
    }

    var status: LinkdStatus {
        var byTransport = JSONObject()
        transport.addStatus(to: &byTransport)
        if let t = transmits { byTransport["transmit_batch"] = .object(t.json) }
        // Issue 13: the mux to ncpd's frames, octets, drops and queues.
        if let mux { byTransport["mux"] = .object(mux.json) }
        return LinkdStatus(port: port.status, authd: auth.json, sessions: liveCount, transport: byTransport,
                           partnerFailed: partnerFailures.json, restore: restore.json, outcomes: outcomes.json)
    }

    // MARK: The fd store (DESIGN.md "Restart without losing sessions")

    /// Deposits a session whose channel ncpd or bridged holds: its state
    /// and our end, and a TCP session's connection with them (the port's
    /// own descriptors, a tty, a UDP socket, a listening socket, PPPoE's
    /// packet sockets, are deposited with the port). Withdrawn when the
    /// session ends, so the fd store's copy of a connection closes with ours.
    private func save(_ s: Session) {
        guard let (state, fd) = s.snapshot() else { return }
        // On the mux the session has no channel descriptor (issue 13).
        let descriptors = (fd.map { [$0] } ?? []) + (s.circuit.ownsDescriptor ? [s.circuit.raw] : [])
        do { try rt.deposit(key: .session(s.id), record: state.encoded(), descriptors: descriptors) } catch {
            rt.log.warning("session \(s.id): fd store deposit failed (a restart would lose it): \(error)")
        }
    }

    /// After a restart: the sessions a previous linkd deposited, each with
    /// its readable record (unreadable ones are withdrawn here).
    func depositedSessions() -> [(RestoredEntry, LinkSessionState)] {
        // Issue 13: the mux first, so the sessions on it find it.
        if let mux, !mux.isReady { mux.resume(rt.restored) }
        return rt.restored.filter { $0.key.session != nil }.compactMap { e in depositedSession(e).map { (e, $0) } }
    }

    /// A deposited session's record, or nil (withdrawn) when unreadable.
    private func depositedSession(_ e: RestoredEntry) -> LinkSessionState? {
        do {
            let state = try LinkSessionState.decode(e.record)
            if state.record.port == settings.name, state.number != nil { return state }
            rt.log.warning("\(e.key): not a session of port \(settings.name); dropping it")
        } catch {
            rt.log.warning("\(e.key): unusable state record (\(error)); dropping it")
        }
        try? rt.withdraw(key: e.key)
        return nil
    }

    func dropDeposited(_ e: RestoredEntry, _ state: LinkSessionState) {
        rt.log.warning("session \(state.id): cannot be resumed on this port; dropping it")
        restore.sessionsDropped += 1
        try? rt.withdraw(key: e.key)
        // Its id may still be known to ncpd until the channel closes.
        if let n = state.number { nextNumber = max(nextNumber, n + 1) }
    }

    /// Resumes a deposited session Opened on `circuit`: LCP as negotiated,
    /// the channel end from the fd store. nil when it cannot.
    func resume(_ e: RestoredEntry, _ state: LinkSessionState, on circuit: Circuit) -> Session? {
        let fd = state.muxHandle == 0 ? e.descriptors.first?.take() : nil
        guard let number = state.number, state.muxHandle != 0 || fd != nil else {
            dropDeposited(e, state)
            return nil
        }
        let s = makeSession(on: circuit, resuming: number)
        do { try s.resume(state, channel: fd) } catch {
            rt.log.warning("session \(s.id): cannot resume: \(error)")
            try? rt.withdraw(key: e.key)
            s.circuitFailed(reason: "cannot resume after a restart: \(error)")
            restore.sessionsDropped += 1
            return nil
        }
        // A bridged session: what the rule or the dial had said of it.
        if let partner = s.bridge.partner {
            switch bridging.role {
            case .upstream: s.bridge.upstream = settings.name; s.bridge.dialledFor = partner
            case .none: s.bridge.upstream = PartnerFailedArguments.split(partner)?.port
            case .manual: break
            }
        }
        let o = state.negotiated
        rt.log.notice("session \(s.id): resumed after a restart (LCP opened, magic \(SessionStatus.hex(o.localMagicNumber))/\(SessionStatus.hex(o.peerMagicNumber)), channel held by pid \(state.ownerPID))")
        save(s)
        restore.sessionsResumed += 1
        return s
    }

    /// The live sessions in start order (a listing: O(n)).
    var live: [Session] { table.live }
    var liveCount: Int { table.liveCount }

    func liveSession(id: String) -> Session? { table.live(id: id) }

    // MARK: Sessions

    /// `resuming`: the number of a session taken back from the fd store.
    @discardableResult
    func makeSession(on circuit: Circuit, resuming number: Int? = nil) -> Session {
        var context = Session.Context(loop: rt.loop, log: rt.log, runtimeDir: rt.runtimeDir, auth: auth,
                                      scratch: scratch)
        context.segments = segments
        context.gro = gro
        context.mux = mux
        context.transmits = transmits
        let n = number ?? nextNumber
        let s = Session(id: "\(settings.name):\(n)", settings: sessionSettings, circuit: circuit, context: context)
        nextNumber = max(nextNumber, n + 1)
        s.owner = self
        circuit.session = s
        table.add(s)
        return s
    }

    /// A session number for a session that does not exist yet (a PPPoE
    /// dial answers its id before discovery ends).
    func reserveNumber() -> Int {
        defer { nextNumber += 1 }
        return nextNumber
    }

    /// The next session of a port that runs one at a time.
    func startSession() {
        holdoffTimer = nil
        guard !isStopping else { return }
        transport.startSession()
    }

    /// What a read of `circuit` returned, for its session.
    func received(_ bytes: ArraySlice<UInt8>, on circuit: Circuit) {
        if let s = circuit.session, s.phase != .dead {
            s.receive(bytes)
        } else {
            counters.framesWithoutSession += 1
        }
    }

    /// The circuit is gone: stop watching (a hung-up tty reports HUP
    /// forever) and end its session; persist decides whether we try again.
    func circuitHungUp(_ circuit: Circuit, _ reason: String) {
        rt.loop.unwatch(circuit.raw)
        if let s = circuit.session, s.phase != .dead {
            s.lowerDown(reason: reason)
        } else {
            rt.log.notice("port \(settings.name): \(reason)")
            if settings.persist && !transport.isServing { scheduleNextSession() }
        }
    }

    func scheduleNextSession() {
        guard holdoffTimer == nil else { return }
        holdoffTimer = rt.loop.schedule(after: transport.holdoff) { [unowned self] in self.startSession() }
    }

    /// Kills a session by id (pppctl session kill): Terminate, then no
    /// reconnect until holdoff as after any other end.
    func kill(id: String) -> Bool {
        guard let s = table.live(id: id), s.phase != .dead else { return false }
        s.close(reason: "killed by the operator")
        return true
    }
}

extension Session: SessionTableEntry {}

extension PortSessions: SessionOwner {
    func sessionUp(_ s: Session) {
        failures = 0
        outcomes.setups += 1
        let o = s.negotiated ?? LCPNegotiatedOptions()
        rt.log.info("session \(s.id): network phase (magic \(SessionStatus.hex(o.localMagicNumber))/\(SessionStatus.hex(o.peerMagicNumber)))")
        rt.publish(.sessionUp(session: s.id, port: settings.name, peerName: s.auth.verdict?.peerName))
    }

    func sessionAuthenticated(_ s: Session, _ v: AuthVerdict) {
        // A success is authd's own line already (issue 13: fewer lines per setup).
        rt.log(v.success ? .debug : .info, "session \(s.id): authd says \(v.success ? "success" : "failure")\(v.peerName.isEmpty ? "" : " for \(v.peerName)")\(v.reason.isEmpty ? "" : ": \(v.reason)")")
        rt.publish(.sessionAuth(session: s.id, port: settings.name, success: v.success, peerName: v.peerName,
                                method: v.method.map { "\($0)" }, reason: v.reason))
    }

    func channelHeld(_ s: Session) { save(s) }

    func channelClosed(_ s: Session) { try? rt.withdraw(key: .session(s.id)) }

    /// pppd's persist/holdoff/maxfail: a session that never reached Network
    /// phase is a failure; after maxfail in a row (0: never) we stop trying.
    func sessionFinished(_ s: Session) {
        let circuit = s.circuit
        // Its last frames (a Terminate-Ack) before the transport's goodbye (PADT).
        transmits?.flush()
        transport.sessionEnded(s, on: circuit)
        if circuit.session === s { circuit.session = nil }
        // Keep it for display, behind the live ones; forget the oldest.
        table.end(s)
        if !s.reachedNetwork { failures += 1 }
        outcomes.ended(reachedNetwork: s.reachedNetwork, cause: s.endCause ?? .other)
        let reason = s.reason ?? "ended"
        rt.log.notice("session \(s.id): down: \(reason)")
        rt.publish(.sessionDown(session: s.id, port: settings.name, reason: reason))
        dialledSessionEnded(s)
        if isStopping { finishStopIfIdle(); return }
        guard !transport.isServing else { return }
        guard settings.persist else {
            rt.log.notice("port \(settings.name): no persist; no new session")
            return
        }
        if settings.maxfail > 0 && failures >= Int(settings.maxfail) {
            rt.log.notice("port \(settings.name): \(failures) failed sessions in a row (maxfail); giving up")
            return
        }
        scheduleNextSession()
    }
}
