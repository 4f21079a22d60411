// A TCP `listen` port: the listening socket (bound as root, kept in the fd
// store) accepts connections, one session each, many at once, up to
// maxConnections. The callers decide when to come back: no persist/holdoff.
// A connection is the session's own and closes when it ends; in the Network
// phase it is deposited with the session, so after a restart the sessions
// resume on their connections and the callers see nothing (DESIGN.md
// "Issue 20"); connections the backlog took meanwhile are accepted then.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

final class TCPListenTransport: Transport {
    unowned let host: PortSessions
    let descriptor: Int32
    private let reader = StreamReader()

    /// Concurrent connections (sessions) at most.
    static let maxConnections = 64

    init(host: PortSessions, descriptor: Int32) {
        self.host = host
        self.descriptor = descriptor
    }

    private var settings: PortSettings { host.settings }

    func start() {
        let resumed = host.resumeConnections(limit: Self.maxConnections) { watch($0) }
        if resumed > 0 { host.rt.log.info("port \(settings.name): \(resumed) sessions resumed on their connections") }
        do {
            try host.rt.loop.watch(descriptor) { [unowned self] _ in self.acceptConnections() }
            host.rt.log.info("port \(settings.name): listening on \(settings.local)")
        } catch {
            host.rt.log.warning("port \(settings.name): \(error)")
        }
    }

    func startSession() {}
    var isServing: Bool { true }
    var holdoff: Double { Double(max(settings.holdoff, 1)) }

    func sessionEnded(_ session: Session, on circuit: Circuit) { circuit.release(from: host.rt.loop) }

    func dial(for subscriber: String) throws(MethodError) -> String {
        throw MethodError(.unavailable, "port \(settings.name) listens: its callers start its sessions")
    }

    /// One session per connection, up to maxConnections at once.
    private func acceptConnections() {
        let log = host.rt.log
        for _ in 0..<16 {
            var peer = [CChar](repeating: 0, count: 64)
            let fd = ppp_tcp_accept(descriptor, &peer, UInt(peer.count))
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { log.warning("accept on \(settings.local): \(Errno.describe(errno))") }
                return
            }
            let connection = FileDescriptor(adopting: fd)
            let name = String(decoding: peer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard host.liveCount < Self.maxConnections else {
                host.counters.connectionsRefused += 1
                log.notice("port \(settings.name): \(name) turned away: \(Self.maxConnections) sessions already")
                continue  // `connection` closes here
            }
            let circuit = Circuit(owning: connection, peer: name)
            let s = host.makeSession(on: circuit)
            log.info("session \(s.id): connection from \(name)")
            guard watch(circuit) else {
                s.circuitFailed(reason: "cannot watch the connection")
                continue
            }
            s.start()
        }
    }

    /// Reads `circuit` from the loop; false (logged) when it cannot.
    private func watch(_ circuit: Circuit) -> Bool {
        do {
            try host.rt.loop.watch(circuit.raw) { [unowned self, unowned circuit] events in
                guard circuit.dispatch(events) else { return }
                self.reader.drain(circuit, host: self.host, what: "connection to \(circuit.peer)")
            }
            return true
        } catch {
            host.rt.log.warning("port \(settings.name): connection from \(circuit.peer): \(error)")
            return false
        }
    }
}
