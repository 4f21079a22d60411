// The daemon side of the init link (fd 3): receive the setup, get back what
// the fd store holds for us, drop privileges, say ready, serve calls, publish
// events. The order of these steps is the recipe in Daemon.swift.
#if canImport(Glibc)
import Glibc
#endif

/// A deposit handed back by the fd store after a restart.
public final class RestoredEntry {
    public let key: StoreKey
    public let record: [UInt8]
    public let descriptors: [SharedDescriptor]
    init(key: StoreKey, record: [UInt8], descriptors: [SharedDescriptor]) {
        self.key = key; self.record = record; self.descriptors = descriptors
    }
}

public final class DaemonRuntime {
    public static let initDescriptor = InheritedDescriptor.initLink.rawValue

    public let peer: Peer
    public let loop: EventLoop
    /// fd 3 at start; after pppinit died, the link the next one answered
    /// on (DaemonRuntime+Attach.swift).
    public internal(set) var link: Link
    public let setup: DaemonSetup
    public var log: Log
    public private(set) var restored: [RestoredEntry] = []
    /// The descriptors pppinit passed (DescriptorLayout.swift).
    public private(set) var inherited: [InheritedDescriptor] = [.initLink]
    /// What pppinit said it returned (its final restore part): compare with
    /// `restored` to see that every deposit came back. nil from a pppinit
    /// that does not send the counts.
    public private(set) var restoreExpected: (deposits: Int, descriptors: Int)?
    /// What did come back (unknown keys included), to compare with it.
    public private(set) var restoreReceived: (deposits: Int, descriptors: Int) = (0, 0)
    private let started = Instant.now()

    public typealias Method = (_ arguments: JSON, _ admin: Bool) throws(MethodError) -> JSON
    /// A method that answers later (e.g. after a network round trip); it
    /// must call `reply` exactly once.
    public typealias DeferredMethod = (_ arguments: JSON, _ admin: Bool,
                                       _ reply: @escaping (Result<JSON, MethodError>) -> Void) -> Void
    /// A method whose reply comes in parts (MORE … END): each JSON one part,
    /// the last the final one; at least one.
    public typealias PartsMethod = (_ arguments: JSON, _ admin: Bool) throws(MethodError) -> [JSON]
    /// The same with each part already JSON text: a listing's pages are
    /// written item by item into their text (JSONPages.encodedPages), not
    /// built as one JSON value to be encoded here.
    public typealias EncodedPartsMethod = (_ arguments: JSON, _ admin: Bool) throws(MethodError) -> [String]
    /// How a registered method answers; all three share one call prologue
    /// (the admin check and the argument parse) in `handle`.
    private enum Registered {
        case single(Method)
        case parts(EncodedPartsMethod)
        case deferred(DeferredMethod)
    }
    private var methods: [String: (mutating: Bool, run: Registered)] = [:]
    /// The daemon's own fields of the built-in `status` method (set by
    /// every daemon as it starts; until then `status` fails).
    public var ownStatus: (() -> DaemonStatus)?
    /// Runs before exit on SIGTERM (not when pppinit goes away: we stay).
    public var onShutdown: (() -> Void)?
    /// SIGTERM is a stop of the router (a restart is SIGUSR2): a daemon
    /// that has something to end cleanly first (linkd: its sessions) does
    /// it here and calls `done`; the runtime exits then, or after
    /// `stopGrace` seconds, whichever comes first, through onShutdown.
    public var onStop: ((_ done: @escaping () -> Void) -> Void)?
    /// Below pppinit's default stop-timeout (3 s), after which it sends
    /// SIGKILL: a peer that does not answer our goodbye must not cost the
    /// rest (the transport's own goodbye in onShutdown) to a SIGKILL.
    public var stopGrace = 2.0
    private var stopping = false
    /// SIGUSR1 instead of SIGTERM: the same stop, for good, because a
    /// reload took this daemon out of the config (linkd: its port was
    /// removed); onStop reads it to say so to its sessions' peers.
    public private(set) var removed = false
    /// Datagrams refused on our rendezvous point (see Conversation.swift).
    public internal(set) var rendezvousDropped = 0
    /// What we have in the fd store, to re-deposit to the next pppinit.
    var mirror = DepositMirror()
    /// false from fd 3's hang-up until the next pppinit takes us back.
    public internal(set) var attached = true
    /// Our pid and start time, read before the drop: how the next pppinit
    /// tells us from a process that reused our pid.
    var identity: ProcessStart?
    var attachTimer: TimerID?
    var attachDeadline: TimerID?
    var attaching: Link?
    var attachFailures = 0

    /// Takes fd 3 and waits for `daemonConfigured`. Exits 111 (temporary
    /// failure: restart me) if it is missing or malformed.
    public static func bootstrap(as peer: Peer) -> DaemonRuntime {
        if CommandLine.arguments.dropFirst().first == "--version" {
            let line = Array((Version.line(peer.description) + "\n").utf8)
            _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            exit(0)
        }
        var log = Log(prefix: "", threshold: .info)
        guard let layout = InheritedDescriptor.announced(in: Environment.current) else {
            log.error("no init link: \(peer) is started by pppinit (PPP_FDS/PPP_FDNAMES missing)")
            exit(100)
        }
        signal(SIGPIPE, SIG_IGN)
        // pppinit raised it already; a daemon started otherwise does it here.
        DescriptorLimit.raiseToHard()
        do {
            let loop = try EventLoop()
            let link = Link(FileDescriptor(adopting: initDescriptor), remote: .pppinit, loop: loop)
            guard try Socket.waitReadable(initDescriptor, milliseconds: 10_000), let r = try link.receive(),
                  case let .daemonConfigured(setup) = r.message else {
                log.error("expected daemonConfigured from pppinit")
                exit(111)
            }
            try link.reply(to: r.callID, .acknowledged)
            log.threshold = setup.logLevel
            let rt = DaemonRuntime(peer: peer, loop: loop, link: link, setup: setup, log: log)
            rt.inherited = layout
            rt.identity = ProcessStart.current()
            return rt
        } catch {
            log.error("init link: \(error)")
            exit(111)
        }
    }

    init(peer: Peer, loop: EventLoop, link: Link, setup: DaemonSetup, log: Log) {
        self.peer = peer; self.loop = loop; self.link = link; self.setup = setup; self.log = log
        serve(link)
        register(.status) { [unowned self] _, _ throws(MethodError) in try self.status() }
        // pppinit's watchdog: answering at all proves the loop turns.
        register(.ping) { _, _ in PingReply().json }
        register(.logLevel) { [unowned self] arguments, _ throws(MethodError) in
            let level = try LogLevelArguments(json: arguments).level
            Log.setRuntimeLevel(level)
            self.log.notice("log level \(level.tag)")
            return LogLevelReply(level: level).json
        }
        // signalfd is set up here, before the seccomp allowlist exists.
        do {
            try loop.handleSignals([SIGTERM, SIGINT, SIGHUP, SIGUSR2, SIGUSR1]) { [unowned self] sig, _ in
                if sig == SIGHUP { return }
                // SIGUSR2 is pppinit's restart (pppctl restart): leave the
                // sessions as a crash would, in the fd store, for the next
                // instance to resume. SIGTERM is a stop: end them.
                if sig == SIGUSR2 {
                    self.log.info("signal \(sig): restarting; sessions stay with pppinit's fd store")
                    exit(0)
                }
                // A second SIGTERM while stopping: exit now.
                guard let onStop = self.onStop, !self.stopping else {
                    self.log.info("signal \(sig): exiting")
                    self.shutdown(code: 0)
                    return
                }
                self.stopping = true
                if sig == SIGUSR1 { self.removed = true }
                self.log.info("signal \(sig): stopping")
                _ = self.loop.schedule(after: self.stopGrace) { [unowned self] in
                    self.log.notice("stop: not done after \(self.stopGrace) s; exiting")
                    self.shutdown(code: 0)
                }
                onStop { [unowned self] in self.shutdown(code: 0) }
            }
        } catch {
            log.error("signals: \(error)")
            exit(111)
        }
    }

    /// Takes `link` as the init link: calls from pppinit, and its hang-up.
    func serve(_ link: Link) {
        link.onMessage = { [unowned self] r in self.handle(&r) }
        link.onInvalid = { [unowned self] e in self.log.warning("dropped message from pppinit: \(e)") }
        link.onClose = { [unowned self, unowned link] in
            guard self.link === link else { return }
            self.orphaned()
        }
    }

    /// Registers a method of the catalogue (Methods.swift) callable through
    /// `pppctl call`; one that needs admin is refused unless the caller is
    /// root or in the admin group.
    public func register(_ m: DaemonMethod, _ method: @escaping Method) {
        precondition(m.target == nil || m.target == peer, "\(m) is not a method of \(peer)")
        methods[m.name] = (m.needsAdmin, .single(method))
    }

    /// Registers a method that may answer in several parts (a listing's
    /// pages, PageArguments.parts): the caller bounds how many.
    public func registerParts(_ m: DaemonMethod, _ method: @escaping PartsMethod) {
        registerEncodedParts(m) { arguments, admin throws(MethodError) in try method(arguments, admin).map { $0.encoded() } }
    }

    /// The same for a method that writes its parts' JSON text itself; each
    /// must be one JSON value (the caller of the method parses it).
    public func registerEncodedParts(_ m: DaemonMethod, _ method: @escaping EncodedPartsMethod) {
        precondition(m.target == nil || m.target == peer, "\(m) is not a method of \(peer)")
        methods[m.name] = (m.needsAdmin, .parts(method))
    }

    /// Registers a method whose answer comes later, from the event loop.
    public func registerDeferred(_ m: DaemonMethod, _ method: @escaping DeferredMethod) {
        precondition(m.target == nil || m.target == peer, "\(m) is not a method of \(peer)")
        methods[m.name] = (m.needsAdmin, .deferred(method))
    }

    /// This daemon's component name ("authd", "linkd@udp0").
    public var component: ComponentName {
        peer == .linkd ? .linkd(port: setup.instance) : ComponentName(peer)
    }

    /// Blocking at start-up, before the loop runs: fetches our deposits.
    public func restoreDeposits(timeout: Double = 5) throws(IPCError) {
        try link.start()
        var done = false
        var failure: IPCError?
        var entries: [RestoredEntry] = []
        var unknown: [String] = []
        var expected: (deposits: Int, descriptors: Int)?
        var received = (deposits: 0, descriptors: 0)
        try link.call(.descriptorsQueried, timeout: timeout, onReply: { r in
            if case let .descriptorsReturned(text, record, _) = r.message {
                received.deposits += 1
                received.descriptors += r.descriptors.count
                var shared: [SharedDescriptor] = []
                for i in 0..<r.descriptors.count { shared.append(SharedDescriptor(r.descriptors.take(i))) }
                // A key no daemon of this build writes: its descriptors
                // close here and the deposit is withdrawn, said in the log.
                guard let key = StoreKey(text) else { unknown.append(text); return }
                self.mirror.deposit(key: text, record: record, descriptors: shared.map(\.raw))
                entries.append(RestoredEntry(key: key, record: record, descriptors: shared))
            }
            if case let .callReplied(json) = r.message, let o = (try? JSON.parse(json))?.object,
               case let .int(d)? = o["deposits"], case let .int(n)? = o["descriptors"] {
                expected = (Int(d), Int(n))
            }
            if r.isFinal { done = true }
        }, onFailure: { e in failure = e; done = true })
        _ = loop.run(until: { done }, seconds: timeout + 1)
        if let failure { throw failure }
        for text in unknown {
            log.warning("fd store: dropped a deposit under the unknown key '\(text)'")
            try withdraw(text: text)
        }
        restored = entries
        restoreExpected = expected
        restoreReceived = received
        if let expected, expected != received {
            log.error("fd store restore: got \(received.deposits) of \(expected.deposits) deposits, \(received.descriptors) of \(expected.descriptors) descriptors")
        }
    }

    /// Drops to our uid with only our capabilities; exits 111 on failure
    /// (never run unconfined).
    public func dropPrivileges() {
        do {
            try Sandbox.drop(setup)
        } catch {
            log.error("\(error)")
            exit(111)
        }
    }

    /// Deposits descriptors and a state record under `key` in pppinit's fd
    /// store; they come back in `restored` after a restart.
    /// While pppinit is gone only our mirror changes: what is live then is
    /// what the next pppinit gets.
    public func deposit(key: StoreKey, record: [UInt8], descriptors: [Int32]) throws(IPCError) {
        if !mirror.deposit(key: key.description, record: record, descriptors: descriptors) {
            log.warning("fd store deposit \(key): a descriptor is not open")
        }
        guard attached else { return }
        try link.call(.descriptorsDeposited(key: key.description, record: record, count: UInt8(descriptors.count)),
                      descriptors: descriptors, onReply: { _ in },
                      onFailure: { [unowned self] e in self.log.warning("fd store deposit \(key): \(e)") })
    }

    public func withdraw(key: StoreKey) throws(IPCError) {
        try withdraw(text: key.description)
    }

    private func withdraw(text: String) throws(IPCError) {
        mirror.withdraw(key: text)
        guard attached else { return }
        try link.call(.descriptorsWithdrawn(key: text), onReply: { _ in },
                      onFailure: { [unowned self] e in self.log.warning("fd store withdraw \(text): \(e)") })
    }

    /// Publishes an event of the catalogue (Events.swift) for `pppctl watch`.
    public func publish(_ body: EventBody) {
        precondition(body.kind.publisher == peer, "\(body.kind.rawValue) is published by \(body.kind.publisher)")
        let event = Event(body, component: component)
        try? link.send(.eventPublished(json: JSON.object(event.json).encoded()))
    }

    /// Tells pppinit we are serving; from here on the loop runs.
    public func ready() {
        do {
            try link.start()
            try link.send(.daemonReady(pid: UInt32(getpid())))
        } catch {
            log.error("ready: \(error)")
            exit(111)
        }
    }

    public func run() -> Never {
        loop.run()
        exit(0)
    }

    func shutdown(code: Int32) -> Never {
        onShutdown?()
        exit(code)
    }

    private func status() throws(MethodError) -> JSON {
        guard let own = ownStatus?(), own.peer == peer else { throw MethodError(.unavailable, "\(peer) is still starting") }
        return StatusReply(instance: setup.instance, pid: getpid(), uid: getuid(), uptime: Instant.now().seconds(since: started),
                           ipc: .init(sent: link.stats.sent, received: link.stats.received, rejected: link.stats.rejected),
                           own: own).json
    }

    private func handle(_ r: inout Received) {
        switch r.message {
        case let .callRequested(method, arguments, admin):
            call(r.callID, method, arguments, admin)
        case .callAborted:
            break  // our methods answer at once; nothing to cancel
        case let .descriptorsReturned(key, _, _) where key == Self.outputKey:
            takeOutput(&r)
        default:
            try? link.replyError(to: r.callID, .invalidMessage, "\(r.message.type) is not a request \(peer) serves")
        }
    }

    /// One prologue for every kind of method: known, allowed for this
    /// caller, arguments parsed; then the method answers in its own way.
    private func call(_ id: UInt32, _ method: String, _ arguments: String, _ admin: Bool) {
        guard let m = methods[method] else {
            try? link.replyError(to: id, .unknownMethod, "\(setup.name) has no method '\(method)'")
            return
        }
        if m.mutating && !admin {
            try? link.replyError(to: id, .notPermitted, "'\(method)' changes state: root or the admin group only")
            return
        }
        let args: JSON
        do {
            args = arguments.isEmpty ? .object([:]) : try JSON.parse(arguments)
        } catch {
            try? link.replyError(to: id, .badArguments, "arguments are not JSON: \(error)")
            return
        }
        switch m.run {
        case let .single(run):
            do {
                let result = try run(args, admin)
                try? link.reply(to: id, .callReplied(json: result.encoded()))
            } catch {
                try? link.replyError(to: id, error.code, error.reason)
            }
        case let .parts(run):
            do {
                let parts = try run(args, admin)
                guard !parts.isEmpty else {
                    try? link.replyError(to: id, .unavailable, "'\(method)' gave no answer")
                    return
                }
                for (i, part) in parts.enumerated() {
                    try? link.reply(to: id, .callReplied(json: part), final: i == parts.count - 1)
                }
            } catch {
                try? link.replyError(to: id, error.code, error.reason)
            }
        case let .deferred(run):
            run(args, admin) { [weak link] result in
                switch result {
                case let .success(json): try? link?.reply(to: id, .callReplied(json: json.encoded()))
                case let .failure(e): try? link?.replyError(to: id, e.code, e.reason)
                }
            }
        }
    }
}

/// The process environment as a dictionary (no Foundation).
public enum Environment {
    public static var current: [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}
