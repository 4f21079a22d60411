// Runs the sessions of this linkd's port. A tty or UDP port carries one
// session at a time on the port's descriptor; a TCP `connect` port opens one
// connection per session; a TCP `listen` port accepts connections, one
// session each, many at once. Between sessions pppd's persist/holdoff/maxfail
// decide whether to try again (not for `listen`: the callers decide). Session
// events are published for `pppctl watch`.
//
// Sessions are keyed by their id ("PORT:N") and each runs on a Line. A pppoe
// port (PortLink+PPPoE) has many sessions on one AF_PACKET socket: it
// demultiplexes by peer MAC and session id in its own read handler and starts
// sessions from discovery, as `acceptConnections` does here for TCP.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPP

final class PortLink {
    let port: Port
    let rt: DaemonRuntime
    let auth: AuthClient
    /// This port's bridging role and rules (PortLink+Bridge).
    let bridging: LinkdSettings
    var settings: PortSettings { port.settings }
    /// pppoe ports: sockets, discovery machine, sessions by (MAC, id).
    var pppoe: PPPoEState?
    /// Live sessions, then the most recent ended ones (phase dead), so
    /// `pppctl sessions` can still say why they ended.
    private(set) var sessions: [Session] = []
    private var lines: [ObjectIdentifier: Line] = [:]
    private var nextNumber = 1
    /// pppd's maxfail: consecutive sessions that never reached Network phase.
    var failures = 0
    private var holdoffTimer: TimerID?
    /// One receive buffer for the life of the port (largest UDP datagram),
    /// shared by every line: the loop runs one handler at a time.
    private var readBuffer = [UInt8](repeating: 0, count: 65_536)
    /// A UDP port reads up to `PacketBatch`'s capacity of datagrams per
    /// recvmmsg (one frame each) instead of one read(2) per frame.
    private var datagrams: PacketBatch?
    /// Frames that arrived while no session ran (holdoff, or after the last).
    private(set) var framesWithoutSession = 0
    /// Datagram ports: ICMP port-unreachable reports (the peer is not there yet).
    private(set) var unreachable = 0
    /// TCP listen: connections turned away at the limit.
    private(set) var connectionsRefused = 0
    /// partner-failed reports sent (upstream) and received (subscriber).
    var partnerFailures = PartnerFailureCounters()

    /// Ended sessions kept for display.
    static let endedKept = 8
    /// TCP listen: concurrent connections (sessions) at most.
    static let maxConnections = 64

    init(port: Port, runtime: DaemonRuntime, bridging: LinkdSettings? = nil) {
        self.port = port
        self.rt = runtime
        self.bridging = bridging ?? LinkdSettings(port: port.settings)
        auth = AuthClient(runtime: runtime)
        if port.settings.kind == .udp {
            // A slot holds the largest frame LCP lets the peer send (MRU,
            // 1500 by default) plus framing; a longer datagram is dropped.
            datagrams = PacketBatch(slotSize: Int(max(port.settings.mru, 1500)) + 64, capacity: 32)
        }
    }

    private var isListening: Bool { settings.kind == .tcp && !settings.local.isEmpty }
    /// Ports whose peers call in (TCP listen, a PPPoE access concentrator):
    /// persist/holdoff/maxfail do not apply, the callers decide.
    private var isServing: Bool { isListening || (settings.kind == .pppoe && settings.pppoe.role == .ac) }
    private var isConnecting: Bool { settings.kind == .tcp && settings.local.isEmpty }

    /// Starts reading and the first session (or accepting).
    func start() {
        if settings.kind == .pppoe {
            startPPPoE()
            return
        }
        if isListening {
            guard let d = port.descriptor else { return }
            do {
                try rt.loop.watch(d.raw) { [unowned self] _ in self.acceptConnections() }
                rt.log.info("port \(settings.name): listening on \(settings.local)")
            } catch {
                rt.log.warning("port \(settings.name): \(error)")
            }
            return
        }
        if bridging.role == .upstream {
            // A session bridged before a restart comes back; new ones wait for a dial.
            if port.descriptor != nil, resumeSessions() { return }
            rt.log.info("port \(settings.name): upstream; sessions are dialled on demand for bridged subscribers")
            return
        }
        guard port.descriptor != nil || isConnecting else {
            rt.log.warning("port \(settings.name): \(settings.kind.name) sessions are not implemented yet; idle")
            return
        }
        if resumeSessions() { return }
        startSession()
    }

    // MARK: The fd store (DESIGN.md "Restart without losing sessions")

    /// Deposits a session whose channel ncpd or bridged holds: its state
    /// and our end. Only sessions on descriptors the fd store also holds
    /// (a tty, a UDP socket, a PPPoE port's packet sockets) can resume; a
    /// TCP session's connection is not deposited, so its channel is not
    /// either (the owner must see it close when we die).
    private func save(_ s: Session) {
        guard settings.kind != .tcp, let (state, fd) = s.snapshot() else { return }
        do { try rt.deposit(key: .session(s.id), record: state.encoded(), descriptors: [fd]) } catch {
            rt.log.warning("session \(s.id): fd store deposit failed (a restart would lose it): \(error)")
        }
    }

    /// After a restart: the session a previous linkd left on this port's
    /// descriptor (tty, UDP: one at a time) resumes Opened. True if one did.
    private func resumeSessions() -> Bool {
        var resumed = false
        for e in rt.restored where e.key.session != nil {
            guard let state = depositedSession(e) else { continue }
            guard !resumed, !isConnecting, e.descriptors.count == 1, state.pppoe == nil,
                  let d = port.descriptor, let line = sharedLine(d.raw) else {
                dropDeposited(e, state)
                continue
            }
            resumed = resume(e, state, on: line) != nil
        }
        return resumed
    }

    /// A deposited session's record, or nil (withdrawn) when unreadable.
    func depositedSession(_ e: RestoredEntry) -> LinkSessionState? {
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
        try? rt.withdraw(key: e.key)
        // Its id may still be known to ncpd until the channel closes.
        if let n = state.number { nextNumber = max(nextNumber, n + 1) }
    }

    /// Resumes a deposited session Opened on `line`: LCP as negotiated,
    /// the channel end from the fd store. nil when it cannot.
    func resume(_ e: RestoredEntry, _ state: LinkSessionState, on line: Line) -> Session? {
        guard let number = state.number, let fd = e.descriptors.first?.take() else {
            dropDeposited(e, state)
            return nil
        }
        let s = makeSession(on: line, resuming: number)
        do { try s.resume(state, channel: fd) } catch {
            rt.log.warning("session \(s.id): cannot resume: \(error)")
            try? rt.withdraw(key: e.key)
            s.lineFailed(reason: "cannot resume after a restart: \(error)")
            return nil
        }
        // A bridged session: what the rule or the dial had said of it.
        if let partner = s.bridge.partner {
            switch bridging.role {
            case .upstream: s.bridge.upstream = settings.name; s.bridge.dialledFor = partner
            case .none: s.bridge.upstream = PartnerFailure.split(partner)?.port
            case .manual: break
            }
        }
        let o = state.negotiated
        rt.log.notice("session \(s.id): resumed after a restart (LCP opened, magic \(SessionStatus.hex(o.localMagicNumber))/\(SessionStatus.hex(o.peerMagicNumber)), channel held by pid \(state.ownerPID))")
        save(s)
        return s
    }

    var live: [Session] { sessions.filter { $0.phase != .dead } }

    // MARK: Sessions

    /// `resuming`: the number of a session taken back from the fd store.
    @discardableResult
    func makeSession(on line: Line, resuming number: Int? = nil) -> Session {
        let context = Session.Context(loop: rt.loop, log: rt.log, runtimeDir: rt.runtimeDir, auth: auth,
                                      callingStation: line.peer)
        let n = number ?? nextNumber
        let s = Session(id: "\(settings.name):\(n)", settings: settings, descriptor: line.raw,
                        context: context, pppoe: line.pppoe)
        nextNumber = max(nextNumber, n + 1)
        s.onUp = { [unowned self] s in self.sessionUp(s) }
        s.onAuthenticated = { [unowned self] s, v in self.sessionAuthenticated(s, v) }
        s.onFinished = { [unowned self] s in self.sessionFinished(s) }
        s.networkRoute = { [unowned self] s in self.route(s) }
        s.onChannelHeld = { [unowned self] s in self.save(s) }
        s.onChannelClosed = { [unowned self] s in try? self.rt.withdraw(key: .session(s.id)) }
        line.session = s
        lines[ObjectIdentifier(s)] = line
        sessions.insert(s, at: sessions.firstIndex { $0.phase == .dead } ?? sessions.count)
        return s
    }

    /// A session number for a session that does not exist yet (a PPPoE
    /// dial answers its id before discovery ends).
    func reserveNumber() -> Int {
        defer { nextNumber += 1 }
        return nextNumber
    }

    /// tty, udp and tcp connect: the next session of the port's one at a time.
    func startSession() {
        holdoffTimer = nil
        if settings.kind == .pppoe {
            startDiscovery()
            return
        }
        if isConnecting {
            connect()
            return
        }
        guard let d = port.descriptor, let line = sharedLine(d.raw) else { return }
        let s = makeSession(on: line)
        rt.log.info("session \(s.id): establishing")
        s.start()
    }

    /// The port's own descriptor as a line, watched while sessions run on it.
    private var shared: Line?

    private func sharedLine(_ raw: Int32) -> Line? {
        if let shared, rt.loop.isWatching(raw) { return shared }
        let peer = settings.kind == .tty ? settings.device : settings.remote
        let line = shared ?? Line(shared: raw, peer: peer)
        do {
            try rt.loop.watch(raw) { [unowned self, unowned line] _ in self.lineReadable(line) }
        } catch {
            rt.log.warning("port \(settings.name): \(error)")
            return nil
        }
        shared = line
        return line
    }

    private func sessionUp(_ s: Session) {
        failures = 0
        let o = s.negotiated ?? LCPNegotiatedOptions()
        rt.log.info("session \(s.id): network phase (magic \(SessionStatus.hex(o.localMagicNumber))/\(SessionStatus.hex(o.peerMagicNumber)))")
        var e = event("session-up", s)
        e["peer_name"] = s.auth.verdict.map { .string($0.peerName) } ?? .null
        rt.publish(e)
    }

    private func sessionAuthenticated(_ s: Session, _ v: AuthVerdict) {
        rt.log.info("session \(s.id): authd says \(v.success ? "success" : "failure")\(v.peerName.isEmpty ? "" : " for \(v.peerName)")\(v.reason.isEmpty ? "" : ": \(v.reason)")")
        var e = event("session-auth", s)
        e["success"] = .bool(v.success)
        e["peer_name"] = .string(v.peerName)
        e["method"] = v.method.map { .string("\($0)") } ?? .null
        e["reason"] = .string(v.reason)
        rt.publish(e)
    }

    func event(_ name: String, _ s: Session) -> JSONObject {
        ["event": .string(name), "component": .string(rt.setup.name + "@" + settings.name),
         "session": .string(s.id), "port": .string(settings.name)]
    }

    /// pppd's persist/holdoff/maxfail: a session that never reached Network
    /// phase is a failure; after maxfail in a row (0: never) we stop trying.
    private func sessionFinished(_ s: Session) {
        if let line = lines.removeValue(forKey: ObjectIdentifier(s)) {
            // RFC 2516 §5.5: a PPPoE session's every end sends a PADT.
            if line.pppoe != nil { pppoeLineEnded(line, reason: s.reason ?? "ended") }
            line.session = nil
            if line.ownsDescriptor {
                rt.loop.unwatch(line.raw)
                line.close()
            }
        }
        // Keep it for display, behind the live ones; forget the oldest.
        sessions.removeAll { $0 === s }
        sessions.append(s)
        while sessions.filter({ $0.phase == .dead }).count > Self.endedKept,
              let i = sessions.firstIndex(where: { $0.phase == .dead }) {
            sessions.remove(at: i)
        }
        if !s.reachedNetwork { failures += 1 }
        let reason = s.reason ?? "ended"
        rt.log.notice("session \(s.id): down: \(reason)")
        var e = event("session-down", s)
        e["reason"] = .string(reason)
        rt.publish(e)
        dialledSessionEnded(s)
        guard !isServing else { return }
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

    func scheduleNextSession() {
        guard holdoffTimer == nil else { return }
        // A hung-up line or a refused connect is retried no faster than once
        // a second, whatever holdoff says, so it cannot spin the loop.
        let delay = shared != nil && !isConnecting ? Double(settings.holdoff) : Double(max(settings.holdoff, 1))
        holdoffTimer = rt.loop.schedule(after: delay) { [unowned self] in self.startSession() }
    }

    /// Kills a session by id (pppctl session kill): Terminate, then no
    /// reconnect until holdoff as after any other end.
    func kill(id: String) -> Bool {
        guard let s = sessions.first(where: { $0.id == id }), s.phase != .dead else { return false }
        s.close(reason: "killed by the operator")
        return true
    }

    // MARK: TCP

    /// `connect`: one connection per session; the session starts once the
    /// connect completes, and a failed connect ends it (counts for maxfail).
    private func connect() {
        let fd = ppp_tcp_connect(settings.remote)
        guard fd >= 0 else {
            let line = Line(shared: -1, peer: settings.remote)
            makeSession(on: line).lineFailed(reason: "connect to \(settings.remote): \(Errno.describe(errno))")
            return
        }
        let line = Line(owning: FileDescriptor(adopting: fd), peer: settings.remote)
        line.connecting = true
        let s = makeSession(on: line)
        s.lineConnecting()
        rt.log.info("session \(s.id): connecting to \(settings.remote)")
        do {
            try rt.loop.watch(fd, [.readable, .writable]) { [unowned self, unowned line] _ in self.lineReadable(line) }
        } catch {
            s.lineFailed(reason: "connect to \(settings.remote): \(error)")
        }
    }

    /// `listen`: one session per connection, up to maxConnections at once.
    private func acceptConnections() {
        guard let d = port.descriptor else { return }
        for _ in 0..<16 {
            var peer = [CChar](repeating: 0, count: 64)
            let fd = ppp_tcp_accept(d.raw, &peer, UInt(peer.count))
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { rt.log.warning("accept on \(settings.local): \(Errno.describe(errno))") }
                return
            }
            let connection = FileDescriptor(adopting: fd)
            let name = String(decoding: peer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard live.count < Self.maxConnections else {
                connectionsRefused += 1
                rt.log.notice("port \(settings.name): \(name) turned away: \(Self.maxConnections) sessions already")
                continue  // `connection` closes here
            }
            let line = Line(owning: connection, peer: name)
            let s = makeSession(on: line)
            rt.log.info("session \(s.id): connection from \(name)")
            do {
                try rt.loop.watch(line.raw) { [unowned self, unowned line] _ in self.lineReadable(line) }
            } catch {
                s.lineFailed(reason: "cannot watch the connection: \(error)")
                continue
            }
            s.start()
        }
    }

    // MARK: Reading lines

    private func lineReadable(_ line: Line) {
        if line.connecting {
            line.connecting = false
            let err = ppp_tcp_connected(line.raw)
            guard err == 0 else {
                line.session?.lineFailed(reason: "connect to \(settings.remote): \(Errno.describe(err))")
                return
            }
            try? rt.loop.modify(line.raw, .readable)
            if let s = line.session {
                rt.log.info("session \(s.id): connected to \(settings.remote)")
                s.start()
            }
        }
        if datagrams != nil {
            readDatagrams(line)
            return
        }
        // Drain what is there; a datagram port returns one frame per read.
        while true {
            let n = readBuffer.withUnsafeMutableBytes { read(line.raw, $0.baseAddress, $0.count) }
            if n > 0 {
                if let s = line.session, s.phase != .dead {
                    s.receive(readBuffer[0..<n])
                } else {
                    framesWithoutSession += 1
                }
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == ECONNREFUSED && settings.kind == .udp {
                // A connected UDP socket reports the peer's ICMP unreachable
                // on the next call; the peer may simply not be up yet.
                unreachable += 1
                continue
            }
            let what = settings.kind == .tcp ? "connection to \(line.peer)" : settings.device
            hangup(line, n == 0 ? "hangup (end of file on \(what))" : "read error on \(what): \(Errno.describe(errno))")
            return
        }
    }

    /// UDP: batches of datagrams per recvmmsg, a bounded number of batches
    /// per wake-up so the channel side gets its turn.
    private func readDatagrams(_ line: Line) {
        for _ in 0..<8 {
            let got: Int
            do { got = try datagrams!.receive(from: line.raw) } catch {
                if case .system(_, let e) = error, e == ECONNREFUSED {
                    // The peer's ICMP port-unreachable: it may not be up yet.
                    unreachable += 1
                    continue
                }
                hangup(line, "read error on \(settings.remote): \(error)")
                return
            }
            if got == 0 { return }
            for i in 0..<got {
                let frame = datagrams!.frame(i)
                if let s = line.session, s.phase != .dead, !frame.isEmpty {
                    s.receive(frame)
                } else {
                    framesWithoutSession += 1
                }
            }
            if got < datagrams!.capacity { return }
        }
    }

    /// The line is gone: stop watching (a hung-up tty reports HUP forever)
    /// and end the session; persist decides whether we try again.
    private func hangup(_ line: Line, _ reason: String) {
        rt.loop.unwatch(line.raw)
        if let s = line.session, s.phase != .dead {
            s.lowerDown(reason: reason)
        } else {
            rt.log.notice("port \(settings.name): \(reason)")
            if settings.persist && !isListening { scheduleNextSession() }
        }
    }
}
