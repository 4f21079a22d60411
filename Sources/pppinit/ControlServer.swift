// The control socket (DIR/control): a SOCK_DGRAM rendezvous. pppctl sends
// `controlOpened` carrying one end of a fresh SOCK_SEQPACKET pair; the
// conversation (calls, replies in parts, watch streams) continues on that
// pair. Callers are authorised from the kernel's SCM_CREDENTIALS: root and
// the admin group may change things, anyone who can reach the socket may read.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class ControlServer {
    private let socket: FileDescriptor
    private unowned let router: Router
    private let loop: EventLoop
    private var clients: [ObjectIdentifier: Client] = [:]
    private var buffer = [UInt8](repeating: 0, count: Wire.maxMessageSize + 1)
    private(set) var droppedOpens = 0
    static let maxClients = 64

    final class Client {
        let link: Link
        let credentials: Credentials
        let admin: Bool
        var watchCall: UInt32?
        init(link: Link, credentials: Credentials, admin: Bool) {
            self.link = link; self.credentials = credentials; self.admin = admin
        }
    }

    init(socket: consuming FileDescriptor, router: Router, loop: EventLoop) throws(IPCError) {
        self.socket = socket
        self.router = router
        self.loop = loop
        let raw = self.socket.raw
        try loop.watch(raw) { [unowned self] _ in self.accept() }
    }

    private func accept() {
        for _ in 0..<32 {
            let dg: Datagram?
            do { dg = try Socket.receive(socket.raw, into: &buffer) } catch { droppedOpens += 1; continue }
            guard var dg else { return }
            guard let cred = dg.credentials else { droppedOpens += 1; continue }
            do {
                let (_, m) = try Codec.decode(buffer[0..<dg.count], from: .pppctl, descriptorCount: dg.descriptors.count)
                guard case .controlOpened = m else {
                    throw IPCError.invalid(callID: 0, reason: "expected controlOpened on the control socket")
                }
            } catch {
                droppedOpens += 1
                router.log.warning("control: dropped datagram from pid \(cred.pid): \(error)")
                continue
            }
            let link = Link(dg.descriptors.take(0), remote: .pppctl, loop: loop)
            guard clients.count < Self.maxClients else {
                try? link.replyBusy(to: 0, "too many control clients")
                continue
            }
            // SO_PEERCRED of the passed socket names whoever created the pair;
            // a caller passing a socket made by someone else gets the lesser
            // of the two identities' rights.
            let creator = (try? Socket.peerCredentials(link.raw)) ?? cred
            let client = Client(link: link, credentials: cred, admin: isAdmin(cred) && isAdmin(creator))
            let key = ObjectIdentifier(client)
            clients[key] = client
            link.onMessage = { [unowned self, unowned client] r in self.handle(client, &r) }
            link.onInvalid = { [unowned self] e in self.router.log.warning("control: invalid message: \(e)") }
            link.onClose = { [unowned self] in self.clients[key] = nil }
            do { try link.start() } catch { clients[key] = nil }
        }
    }

    private func isAdmin(_ c: Credentials) -> Bool {
        if c.uid == 0 { return true }
        guard let group = router.config.adminGroup else { return false }
        if c.gid == group { return true }
        // Supplementary groups are not in SCM_CREDENTIALS; read them while
        // the sender is blocked waiting for our answer.
        guard let text = ProcStatus.readFile("/proc/\(c.pid)/status") else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("Groups:") {
            return line.dropFirst(7).split(separator: " ").contains { UInt32($0.trimmingTabs()) == group }
        }
        return false
    }

    private func handle(_ client: Client, _ r: inout Received) {
        let link = client.link
        let id = r.callID
        switch r.message {
        case .componentsListed:
            let now = Instant.now()
            let list = JSON.array(router.components.map { $0.json(now: now) })
            try? link.reply(to: id, .callReplied(json: list.encoded()))
        case let .componentRestartRequested(name):
            guard client.admin else {
                try? link.replyError(to: id, .notPermitted, "restart needs root or the admin group"); return
            }
            guard let c = router.component(named: name) else {
                try? link.replyError(to: id, .notFound, "no component '\(name)'"); return
            }
            c.readyWaiters.append((link, id))
            router.apply(c, c.supervision.handle(.restartRequested, now: router.now, policy: router.config.policy))
        case let .daemonCallRequested(target, method, arguments):
            guard let c = resolve(target) else {
                try? link.replyError(to: id, .notFound, "no daemon '\(target)'"); return
            }
            router.relay(to: c, method: method, arguments: arguments, admin: client.admin, client: link, callID: id)
        case .eventsWatched:
            client.watchCall = id
        case .callAborted:
            if client.watchCall == id {
                client.watchCall = nil
                try? link.reply(to: id, .acknowledged)
            }
        default:
            try? link.replyError(to: id, .invalidMessage, "\(r.message.type) is not a control request")
        }
    }

    /// "linkd" names the only linkd when there is exactly one.
    private func resolve(_ target: String) -> Component? {
        if let c = router.component(named: target) { return c }
        let matches = router.components.filter { $0.executable == target }
        return matches.count == 1 ? matches[0] : nil
    }

    /// Sends an event to every watcher as one more part of its watch call.
    func publish(_ event: JSONObject) {
        let json = JSON.object(event).encoded()
        for client in clients.values {
            guard let id = client.watchCall else { continue }
            try? client.link.send(.eventPublished(json: json), flags: .more, callID: id)
        }
    }

    func closeAll() {
        for client in clients.values { client.link.close() }
        clients = [:]
    }
}

extension Substring {
    func trimmingTabs() -> Substring {
        var s = self
        while s.first == "\t" || s.first == " " { s = s.dropFirst() }
        while s.last == "\t" || s.last == " " { s = s.dropLast() }
        return s
    }
}
