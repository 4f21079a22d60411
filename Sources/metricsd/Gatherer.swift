// One scrape's questions, asked as pppctl asks them: a conversation on
// pppinit's control socket (DIR/control; metricsd is a reader there), then
// components, pppinit's status, every running daemon's status, each linkd's
// session list page by page and ncpd's pools, all under one deadline. The
// answers make a Snapshot; a daemon that does not answer in time leaves its
// series out and `ppprouter_scrape_complete` at 0.
import IPC

final class Gatherer {
    private let loop: EventLoop
    private let log: Log
    private var link: Link?
    private var snapshot: Snapshot
    private var outstanding = 0
    private var timer: TimerID?
    private var finished = false
    private let done: (Snapshot) -> Void

    init(loop: EventLoop, log: Log, perSession: Bool, done: @escaping (Snapshot) -> Void) {
        self.loop = loop; self.log = log; self.done = done
        snapshot = Snapshot()
        snapshot.perSession = perSession
    }

    func start(controlSocket: String, timeout: Double) {
        timer = loop.schedule(after: timeout) { [weak self] in
            self?.timer = nil
            self?.snapshot.complete = false
            self?.finish()
        }
        do {
            let pair = try Socket.seqpacketPair()
            let open = try Codec.encode(.controlOpened(version: Wire.version), flags: [], callID: 0)
            // sendmsg with an address: no connect(2) needed (Sandbox.baseRules).
            let rendezvous = try Socket.datagram()
            guard try Socket.send(rendezvous.raw, to: controlSocket, open, descriptors: [pair.second.raw]) else {
                throw IPCError.system(call: "sendmsg(\(controlSocket))", errno: 11)
            }
            let link = Link(pair.first, remote: .pppinit, loop: loop)
            self.link = link
            try link.start()
        } catch {
            log.warning("scrape: cannot reach pppinit at \(controlSocket): \(error)")
            snapshot.complete = false
            finish()
            return
        }
        ask(.componentsListed) { s, j in
            s.components = j.array ?? []
            for c in s.components where c["state"]?.string == "running" {
                guard let name = c["name"]?.string else { continue }
                self.askDaemon(name, "status") { s, j in s.statuses[name] = j }
                if name.hasPrefix("linkd@") { self.askSessions(name, from: 0) }
                if name == "ncpd" { self.askDaemon(name, "pools") { s, j in s.pools = j.array ?? [] } }
            }
        }
        askDaemon("pppinit", "status") { s, j in s.pppinit = j }
    }

    /// Pages of a linkd's sessions, several to a call (PageArguments.parts,
    /// issue 13): every part's items count; the last part says where the
    /// next call starts.
    private func askSessions(_ component: String, from: Int) {
        let arguments = PageArguments(from: from, parts: PageArguments.maxParts / 2).json
        askParts(.daemonCallRequested(target: component, method: "sessions", arguments: arguments.encoded())) { s, j, final in
            s.sessions[component, default: []] += j["items"]?.array ?? []
            if final, let next = j["next"]?.int, next > from { self.askSessions(component, from: Int(next)) }
        }
    }

    private func askDaemon(_ target: String, _ method: String, _ arguments: JSON = .object([:]),
                           _ take: @escaping (inout Snapshot, JSON) -> Void) {
        ask(.daemonCallRequested(target: target, method: method, arguments: arguments.encoded()), take)
    }

    private func ask(_ m: Message, _ take: @escaping (inout Snapshot, JSON) -> Void) {
        askParts(m) { s, j, _ in take(&s, j) }
    }

    /// A call whose reply may come in parts: `take` sees each, and whether
    /// it is the last.
    private func askParts(_ m: Message, _ take: @escaping (inout Snapshot, JSON, _ final: Bool) -> Void) {
        guard let link, !finished else { return }
        outstanding += 1
        var answered = false
        do {
            try link.call(m, timeout: nil, onReply: { [weak self] r in
                guard let self, !self.finished else { return }
                if case let .callReplied(json) = r.message, let j = try? JSON.parse(json) { take(&self.snapshot, j, r.isFinal) }
                if case .errorReplied = r.message { self.snapshot.complete = false }
                if r.isFinal && !answered { answered = true; self.answered() }
            }, onFailure: { [weak self] _ in
                guard let self, !answered else { return }
                answered = true
                self.snapshot.complete = false
                self.answered()
            })
        } catch {
            outstanding -= 1
            snapshot.complete = false
        }
    }

    private func answered() {
        outstanding -= 1
        if outstanding == 0 { finish() }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        if let timer { loop.cancel(timer) }
        link?.close()
        link = nil
        done(snapshot)
    }
}
