// How one kind of port carries its sessions: a tty or UDP socket with one
// session at a time on the port's descriptor, a TCP listen socket with a
// connection per session, a TCP connect port dialling one per session, a
// PPPoE access concentrator or client with many sessions on two AF_PACKET
// sockets. PortSessions keeps what is common (the session table, events,
// persist/holdoff/maxfail, the fd store, bridging); a Transport owns its
// sockets, its reading and what a session's start and end mean on the wire.
// L2TP (LAC and LNS, many tunnels on one UDP socket) is one more conformance.
import IPC

protocol Transport: AnyObject {
    /// Starts reading; takes back sessions a previous linkd deposited; and,
    /// where the port starts its own sessions, the first one.
    func start()
    /// The port's next session (persist/holdoff, or a dial on an upstream
    /// port). Ports whose peers call in start none of their own.
    func startSession()
    /// Peers call in (TCP listen, a PPPoE access concentrator): pppd's
    /// persist/holdoff/maxfail do not apply, the callers decide.
    var isServing: Bool { get }
    /// Seconds to wait before the next session after one ended.
    var holdoff: Double { get }
    /// The session on `circuit` is over: release what the transport holds
    /// for it (a connection, a PPPoE session id and its PADT).
    func sessionEnded(_ session: Session, on circuit: Circuit)
    /// An upstream port's session for a subscriber's bridge: its id, promised
    /// now. Throws when this port cannot carry one more.
    func dial(for subscriber: String) throws(MethodError) -> String
    /// The same with what the subscriber's side settled (DialProxy) and
    /// RADIUS assigned (RFC 2868 tunnels): an L2TP LAC uses them (RFC 2661
    /// §4.4.5 proxy AVPs, the LNSs to try); other ports need none of it.
    func dial(_ asked: DialArguments) throws(MethodError) -> String
    /// linkd is stopping: say goodbye to the peers that expect it.
    func shutdown()
    /// What the transport adds to `linkd@PORT status`.
    func addStatus(to status: inout JSONObject)
}

extension Transport {
    func dial(_ asked: DialArguments) throws(MethodError) -> String { try dial(for: asked.subscriber) }
    var isServing: Bool { false }
    func shutdown() {}
    func addStatus(to status: inout JSONObject) {}
}

enum Transports {
    /// The transport for `port`'s kind: the only place linkd asks which kind
    /// of port it runs (besides opening it, Port.open).
    static func make(for port: Port, host: PortSessions) -> any Transport {
        let settings = port.settings
        switch settings.kind {
        case .tty:
            guard let d = port.descriptor else { return IdleTransport(host: host, why: "no tty descriptor") }
            return SharedLineTransport(host: host, descriptor: d.raw, peer: settings.device,
                                       reading: .stream(StreamReader()))
        case .udp:
            guard let d = port.descriptor else { return IdleTransport(host: host, why: "no UDP socket") }
            // A slot holds the largest frame LCP lets the peer send (MRU,
            // 1500 by default) plus framing; a longer datagram is dropped.
            // With offload on, UDP_GRO: a GSO peer's run arrives in one slot.
            let reader = DatagramReader(fd: d.raw, slotSize: Int(max(settings.mru, 1500)) + 64, gro: host.bridging.offload)
            return SharedLineTransport(host: host, descriptor: d.raw, peer: settings.remote, reading: .datagrams(reader))
        case .tcp where !settings.local.isEmpty:
            guard let d = port.descriptor else { return IdleTransport(host: host, why: "no listening socket") }
            return TCPListenTransport(host: host, descriptor: d.raw)
        case .tcp:
            return TCPConnectTransport(host: host)
        case .pppoe:
            guard let d = port.descriptor, let sd = port.sessionDescriptor, let i = port.interface else {
                return IdleTransport(host: host, why: "pppoe sockets missing")
            }
            let sockets = PPPoEPort(host: host, discoveryFD: d.raw, sessionFD: sd.raw,
                                    taggedFD: port.taggedDescriptor?.raw, interface: i)
            switch settings.pppoe.role {
            case .ac: return PPPoEAccessConcentratorTransport(port: sockets)
            case .client: return PPPoEClientTransport(port: sockets)
            }
        case .l2tp:
            guard let d = port.descriptor else { return IdleTransport(host: host, why: "no UDP socket") }
            return L2TPTransport(host: host, descriptor: d.raw)
        }
    }
}

/// A port that cannot run sessions: says why once, then does nothing.
final class IdleTransport: Transport {
    unowned let host: PortSessions
    let why: String

    init(host: PortSessions, why: String) {
        self.host = host
        self.why = why
    }

    func start() { host.rt.log.warning("port \(host.settings.name): \(why); idle") }
    func startSession() {}
    var isServing: Bool { true }
    var holdoff: Double { 1 }
    func sessionEnded(_ session: Session, on circuit: Circuit) {}
    func dial(for subscriber: String) throws(MethodError) -> String {
        throw MethodError(.unavailable, "port \(host.settings.name): \(why)")
    }
}
