// The control socket (DIR/control): a SOCK_DGRAM rendezvous. pppctl sends
// `controlOpened` carrying one end of a fresh SOCK_SEQPACKET pair; the
// conversation (calls, replies in parts, watch streams) continues on that
// pair. Callers are authorised from the kernel's SCM_CREDENTIALS: root and
// the admin group may change things; anyone who can reach the socket may
// read, or only the read group when `read-group` is set. The socket is 0666,
// so everything here must hold against a hostile local user (issue 15):
// descriptors that are not SEQPACKET sockets are refused, slots are shared
// per uid with room kept for root, idle conversations time out, a client
// that does not read is closed, and junk is counted, not logged per datagram.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class ControlServer {
    private let socket: FileDescriptor
    unowned let router: Router
    private let loop: EventLoop
    /// Conversations by identity; internal for the state record
    /// (ControlServer+Carry.swift).
    var clients: [ObjectIdentifier: Client] = [:]
    /// The last event's sequence number (EventStamp.seq); counts from the
    /// router's start, so a watcher sees a restart as a reset. It crosses
    /// `pppctl upgrade` in the state record (Router+Reexec.swift): the
    /// router did not restart, and a watcher carried across must see no
    /// reset or gap.
    var eventSeq: UInt64 = 0
    private var buffer = [UInt8](repeating: 0, count: Wire.maxMessageSize + 1)
    /// Datagrams on the control socket that opened nothing (undecodable,
    /// not controlOpened, no credentials, not a SEQPACKET socket, no slot).
    private(set) var droppedOpens = 0
    var admission = ControlAdmission()
    /// One warning line for the first junk datagram, then summaries.
    private var junk = WarningLimiter()
    /// Likewise for invalid messages on conversations and closed clients.
    private var invalid = WarningLimiter()
    private var sweepTimer: TimerID?
    /// Bytes of replies waiting for one client before it is closed: room
    /// for a large session list read at a normal pace, not for a client
    /// that never reads (issue 15 point 3).
    static let queueLimit = 4 << 20

    final class Client {
        let link: Link
        let credentials: Credentials
        let admin: Bool
        let reader: Bool
        var watchCall: UInt32?
        var lastActive = Instant.now()
        init(link: Link, credentials: Credentials, admin: Bool, reader: Bool) {
            self.link = link; self.credentials = credentials; self.admin = admin; self.reader = reader
        }
    }

    init(socket: consuming FileDescriptor, router: Router, loop: EventLoop) throws(IPCError) {
        self.socket = socket
        self.router = router
        self.loop = loop
        let raw = self.socket.raw
        try loop.watch(raw) { [unowned self] _ in self.accept() }
    }

    var clientCount: Int { clients.count }
    /// Conversations inside a watch call: a test (or a script) that starts
    /// `pppctl watch` knows from this that later events will reach it.
    var watcherCount: Int { clients.values.reduce(0) { $0 + ($1.watchCall == nil ? 0 : 1) } }
    /// The control socket's number, carried across pppinit's re-execution.
    var socketDescriptor: Int32 { socket.raw }

    private func accept() {
        for _ in 0..<32 {
            let dg: Datagram?
            do { dg = try Socket.receive(socket.raw, into: &buffer) } catch { drop("receive: \(error)"); continue }
            guard var dg else { return }
            guard let cred = dg.credentials else { drop("a datagram without credentials"); continue }
            // A daemon whose pppinit died, offering itself to us (Router+Adoption.swift).
            if let h = try? Header.decode(buffer[0..<dg.count]), h.type == MessageType.daemonAttached.rawValue {
                if let refusal = router.attachOffered(buffer[0..<dg.count], &dg.descriptors, credentials: cred) {
                    drop(refusal)
                }
                continue
            }
            do {
                let (_, m) = try Codec.decode(buffer[0..<dg.count], from: .pppctl, descriptorCount: dg.descriptors.count)
                guard case .controlOpened = m else {
                    throw IPCError.invalid(callID: 0, reason: "expected controlOpened on the control socket")
                }
            } catch {
                drop("a datagram from uid \(cred.uid) pid \(cred.pid): \(error)")
                continue
            }
            // Only a SEQPACKET socket can carry the conversation; anything
            // else (pipe, eventfd, UDP socket) is closed before it is adopted.
            let passed = dg.descriptors.take(0)
            guard Socket.isUnixSeqpacket(passed.raw) else {
                drop("uid \(cred.uid) pid \(cred.pid) passed a descriptor that is not an AF_UNIX SEQPACKET socket")
                continue
            }
            let link = Link(passed, remote: .pppctl, loop: loop)
            // SO_PEERCRED of the passed socket names whoever created the pair;
            // a caller passing a socket made by someone else gets the lesser
            // of the two identities' rights.
            let creator = (try? Socket.peerCredentials(link.raw)) ?? cred
            let admin = isAdmin(cred) && isAdmin(creator)
            let reader = admin || (isReader(cred) && isReader(creator))
            if let refusal = admission.admit(uid: cred.uid, admin: admin) {
                try? link.replyBusy(to: 0, refusal.description)
                drop("uid \(cred.uid) pid \(cred.pid) refused: \(refusal)")
                continue
            }
            adopt(Client(link: link, credentials: cred, admin: admin, reader: reader))
        }
    }

    /// Starts serving one conversation: a new one, or one a re-executed
    /// pppinit carried (ControlServer+Carry.swift).
    func adopt(_ client: Client) {
        let link = client.link, cred = client.credentials
        let key = ObjectIdentifier(client)
        clients[key] = client
        link.queueLimit = Self.queueLimit
        link.onMessage = { [unowned self, unowned client] r in
            client.lastActive = Instant.now()
            self.handle(client, &r)
        }
        link.onInvalid = { [unowned self] e in
            self.invalid.warn(self.router.log, "control: invalid message from uid \(cred.uid) pid \(cred.pid): \(e)")
        }
        link.onClose = { [unowned self, unowned link] in
            if link.stats.overflowed > 0 {
                self.invalid.warn(self.router.log, "control: closed uid \(cred.uid) pid \(cred.pid): over \(Self.queueLimit) bytes of replies unread")
            }
            self.clients[key] = nil
            self.admission.release(uid: cred.uid)
        }
        do { try link.start() } catch { link.close() }
        scheduleSweep()
    }

    private func drop(_ what: String) {
        droppedOpens += 1
        junk.warn(router.log, "control: dropped \(what) (\(droppedOpens) dropped in all)")
    }

    /// Closes conversations that sent nothing for `control-idle-timeout`
    /// seconds; a watcher is idle by design and stays (its uid's share
    /// bounds how many it can hold).
    private func scheduleSweep() {
        guard sweepTimer == nil, !clients.isEmpty else { return }
        let idle = router.config.controlIdleTimeout
        sweepTimer = loop.schedule(after: max(1, idle / 4)) { [unowned self] in
            self.sweepTimer = nil
            let now = Instant.now()
            for client in Array(self.clients.values)
            where client.watchCall == nil && now.seconds(since: client.lastActive) >= idle {
                self.invalid.warn(self.router.log, "control: closed uid \(client.credentials.uid) pid \(client.credentials.pid): idle \(Int(idle)) s")
                client.link.close()
            }
            self.scheduleSweep()
        }
    }

    private func isAdmin(_ c: Credentials) -> Bool {
        c.uid == 0 || router.config.adminGroup.map { isMember(c, of: $0) } == true
    }

    private func isReader(_ c: Credentials) -> Bool {
        guard let group = router.config.readGroup else { return true }
        // metricsd reads for the scrapes it answers (Router+Metrics.swift).
        return isAdmin(c) || isMember(c, of: group) || c.uid == router.config.identities["metricsd"]?.uid
    }

    private func isMember(_ c: Credentials, of group: UInt32) -> Bool {
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
        if !client.reader, r.message.type != .callAborted {
            try? link.replyError(to: id, .notPermitted, "reading needs root, the admin group or the read group")
            return
        }
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
        case let .daemonCallRequested(target, method, arguments) where target == "pppinit":
            answerOwnCall(client, id: id, method: method, arguments: arguments)
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

    /// Whether any client watches events. With none, a daemon's event is
    /// only numbered (`passUnwatched`), not parsed and encoded again: each
    /// session setup publishes a few, and nobody watches most of the time
    /// (issue 13, pppinit's CPU per session).
    var watching: Bool { clients.values.contains { $0.watchCall != nil } }

    /// An event nobody watches still takes its sequence number, so a
    /// watcher that comes later sees the numbering of every event published.
    func passUnwatched() { eventSeq += 1 }

    /// Sends an event to every watcher as one more part of its watch call,
    /// stamped with the next sequence number and the time (EventStamp):
    /// numbered here, where every component's events meet, so the order is
    /// the one watchers see.
    func publish(_ event: Event) {
        var event = event
        eventSeq += 1
        event.stamp = EventStamp(seq: eventSeq, time: Log.timestamp())
        let json = JSON.object(event.json).encoded()
        for client in clients.values {
            guard let id = client.watchCall else { continue }
            try? client.link.send(.eventPublished(json: json), flags: .more, callID: id)
        }
    }

    func closeAll() {
        for client in Array(clients.values) { client.link.close() }
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
