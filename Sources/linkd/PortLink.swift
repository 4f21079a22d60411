// Runs sessions on this linkd's port, one at a time: reads the port from the
// event loop and feeds the current session, starts a new session after one
// ends as pppd's persist/holdoff/maxfail say, and publishes session events.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

final class PortLink {
    let port: Port
    private let rt: DaemonRuntime
    private var settings: PortSettings { port.settings }
    /// The current session, or the last one (phase dead) until the next starts,
    /// so `pppctl sessions` can still say why it ended.
    private(set) var session: Session?
    private var nextNumber = 1
    /// pppd's maxfail: consecutive sessions that never reached Network phase.
    private var failures = 0
    private var holdoffTimer: TimerID?
    /// One receive buffer for the life of the port (largest UDP datagram).
    private var readBuffer = [UInt8](repeating: 0, count: 65_536)
    /// Frames that arrived while no session ran (holdoff, or after the last).
    private(set) var framesWithoutSession = 0
    /// Datagram ports: ICMP port-unreachable reports (the peer is not there yet).
    private(set) var unreachable = 0

    init(port: Port, runtime: DaemonRuntime) {
        self.port = port
        self.rt = runtime
    }

    /// Starts reading and the first session.
    func start() {
        guard port.descriptor != nil else {
            rt.log.warning("port \(settings.name): \(settings.kind.name) sessions are not implemented yet; idle")
            return
        }
        startSession()
    }

    /// Reading stops on hang-up and resumes with the next session.
    private var watching = false

    private func watchPort() -> Bool {
        guard let d = port.descriptor else { return false }
        if watching { return true }
        do {
            try rt.loop.watch(d.raw) { [unowned self] events in self.portReady(events) }
            watching = true
        } catch {
            rt.log.warning("port \(settings.name): \(error)")
        }
        return watching
    }

    var sessions: [Session] { session.map { [$0] } ?? [] }

    private func startSession() {
        holdoffTimer = nil
        guard let d = port.descriptor, watchPort() else { return }
        let s = Session(id: "\(settings.name):\(nextNumber)", settings: settings, descriptor: d.raw,
                        loop: rt.loop, log: rt.log)
        nextNumber += 1
        s.onUp = { [unowned self] s in self.sessionUp(s) }
        s.onFinished = { [unowned self] s in self.sessionFinished(s) }
        session = s
        rt.log.info("session \(s.id): establishing")
        s.start()
    }

    private func sessionUp(_ s: Session) {
        failures = 0
        let o = s.negotiated ?? LCPNegotiatedOptions()
        rt.log.info("session \(s.id): LCP opened, network phase (magic \(SessionStatus.hex(o.localMagicNumber))/\(SessionStatus.hex(o.peerMagicNumber)))")
        rt.publish(["event": "session-up", "component": .string(rt.setup.name + "@" + settings.name),
                    "session": .string(s.id), "port": .string(settings.name)])
    }

    /// pppd's persist/holdoff/maxfail: a session that never reached Network
    /// phase is a failure; after maxfail in a row (0: never) we stop trying.
    private func sessionFinished(_ s: Session) {
        if !s.reachedNetwork { failures += 1 }
        let reason = s.reason ?? "ended"
        rt.log.notice("session \(s.id): down: \(reason)")
        rt.publish(["event": "session-down", "component": .string(rt.setup.name + "@" + settings.name),
                    "session": .string(s.id), "port": .string(settings.name), "reason": .string(reason)])
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

    private func scheduleNextSession() {
        guard holdoffTimer == nil else { return }
        // A hung-up line is retried no faster than once a second, whatever
        // holdoff says, so a dead pty cannot spin the loop.
        let delay = watching ? Double(settings.holdoff) : Double(max(settings.holdoff, 1))
        holdoffTimer = rt.loop.schedule(after: delay) { [unowned self] in self.startSession() }
    }

    /// Kills a session by id (pppctl session kill): Terminate, then no
    /// reconnect until holdoff as after any other end.
    func kill(id: String) -> Bool {
        guard let s = session, s.id == id, s.phase != .dead else { return false }
        s.close(reason: "killed by the operator")
        return true
    }

    private func portReady(_ events: IOEvents) {
        guard let d = port.descriptor else { return }
        // Drain what is there; a datagram port returns one frame per read.
        while true {
            let n = readBuffer.withUnsafeMutableBytes { read(d.raw, $0.baseAddress, $0.count) }
            if n > 0 {
                if let s = session, s.phase != .dead {
                    s.receive(readBuffer[0..<n])
                } else {
                    framesWithoutSession += 1
                }
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == ECONNREFUSED {
                // A connected UDP socket reports the peer's ICMP unreachable
                // on the next call; the peer may simply not be up yet.
                unreachable += 1
                continue
            }
            // EOF or EIO: the tty's other side hung up (a pty's master closed).
            hangup(n == 0 ? "hangup (end of file on \(settings.device))" : "port read error: \(Errno.describe(errno))")
            return
        }
    }

    /// The line is gone: stop watching (a hung-up tty reports HUP forever)
    /// and end the session; persist decides whether we try again.
    private func hangup(_ reason: String) {
        guard let d = port.descriptor else { return }
        rt.loop.unwatch(d.raw)
        watching = false
        if let s = session, s.phase != .dead {
            s.lowerDown(reason: reason)
        } else {
            rt.log.notice("port \(settings.name): \(reason)")
            if settings.persist { scheduleNextSession() }
        }
    }
}
