// A TCP `connect` port: one connection per session, opened when the session
// starts; the session begins once the connect completes, and a failed
// connect ends it (it counts for maxfail). The connection is the session's
// own and closes when it ends; in the Network phase it is deposited with the
// session, and a restarted linkd resumes the session on it instead of
// calling again (DESIGN.md "Issue 20").
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

final class TCPConnectTransport: Transport {
    unowned let host: PortSessions
    private let reader = StreamReader()
    /// The connection whose connect is still under way.
    private var connecting: Circuit?

    init(host: PortSessions) { self.host = host }

    private var settings: PortSettings { host.settings }

    func start() {
        // One session at a time: the one a previous linkd left, if any.
        let resumed = host.resumeConnections(limit: 1) { circuit in
            do {
                try host.rt.loop.watch(circuit.raw) { [unowned self, unowned circuit] events in self.readable(circuit, events) }
                return true
            } catch {
                host.rt.log.warning("port \(settings.name): \(error)")
                return false
            }
        }
        if resumed > 0 { return }
        if host.bridging.role == .upstream {
            host.rt.log.info("port \(settings.name): upstream; sessions are dialled on demand for bridged subscribers")
            return
        }
        startSession()
    }
    /// A refused connect is retried no faster than once a second.
    var holdoff: Double { Double(max(settings.holdoff, 1)) }

    func sessionEnded(_ session: Session, on circuit: Circuit) {
        if connecting === circuit { connecting = nil }
        circuit.release(from: host.rt.loop)
    }

    func dial(for subscriber: String) throws(MethodError) -> String { try host.dialOneAtATime(for: subscriber) }

    func startSession() {
        let fd = ppp_tcp_connect(settings.remote)
        guard fd >= 0 else {
            let circuit = Circuit(shared: -1, peer: settings.remote, framing: .hdlc)
            host.makeSession(on: circuit).circuitFailed(reason: "connect to \(settings.remote): \(Errno.describe(errno))")
            return
        }
        let circuit = Circuit(owning: FileDescriptor(adopting: fd), peer: settings.remote)
        connecting = circuit
        let s = host.makeSession(on: circuit)
        s.circuitConnecting()
        host.rt.log.info("session \(s.id): connecting to \(settings.remote)")
        do {
            try host.rt.loop.watch(fd, [.readable, .writable]) { [unowned self, unowned circuit] events in
                self.readable(circuit, events)
            }
        } catch {
            s.circuitFailed(reason: "connect to \(settings.remote): \(error)")
        }
    }

    private func readable(_ circuit: Circuit, _ events: IOEvents) {
        if connecting === circuit {
            connecting = nil
            let err = ppp_tcp_connected(circuit.raw)
            guard err == 0 else {
                circuit.session?.circuitFailed(reason: "connect to \(settings.remote): \(Errno.describe(err))")
                return
            }
            try? host.rt.loop.modify(circuit.raw, .readable)
            if let s = circuit.session {
                host.rt.log.info("session \(s.id): connected to \(settings.remote)")
                s.start()
            }
        } else if !circuit.dispatch(events) {
            return
        }
        reader.drain(circuit, host: host, what: "connection to \(circuit.peer)")
    }
}
