// pppinit's core: the component table, spawning and wiring daemons, carrying
// out the supervision table's actions, and the daemon side of each init link
// (readiness, fd store, events, relayed calls).
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

final class Router {
    /// `var`: a reload applies the file's ports, pools and metrics (Router+Reload.swift).
    var config: RouterConfig
    let loop: EventLoop
    var log = Log(prefix: "pppinit")
    /// `var`: a reload adds and removes ports' linkd and metricsd, in the
    /// service table's order (Router+Reload.swift).
    var components: [Component]
    let store = FdStore()
    let binDir: String
    let started = Instant.now()
    var control: ControlServer?
    lazy var hooks = Hooks(config: config, loop: loop)
    /// The next component boot() starts; past the end once all were (a
    /// re-executed pppinit starts there: its daemons run already).
    var bootIndex = 0
    /// The component the boot waits for (an adopted daemon going ready
    /// does not move the boot on: it was never its turn).
    private(set) var booting: Component?
    private(set) var shuttingDown = false
    /// This executable's path on disk, read at start: after it is replaced,
    /// /proc/self/exe names the old inode ("… (deleted)"), and `pppctl
    /// upgrade` re-executes the path, not the inode.
    let selfPath = Sys.executablePath()
    /// How many times this pppinit re-executed itself (issue 20).
    var generation: UInt32 = 0
    /// The `pppctl upgrade` in progress (Router+Upgrade.swift).
    var upgrade: UpgradeRun?

    init(config: RouterConfig, loop: EventLoop) {
        self.config = config
        self.loop = loop
        binDir = Environment.current["PPP_BIN_DIR"] ?? Sys.selfDirectory()
        var list: [Component] = []
        for service in Service.table {
            for (name, settings) in service.instances(config) {
                list.append(Component(name: name.description, peer: service.peer,
                                      setup: service.setup(name, settings: settings, config: config)))
            }
        }
        components = list
    }

    func component(named name: String) -> Component? { components.first { $0.name == name } }

    /// Binds DIR/authd, DIR/ncpd and DIR/bridged before any daemon starts,
    /// and the sockets pppinit binds for daemons (DAE, metrics). Not those
    /// of a daemon being adopted: it still serves them, and hands them back
    /// when it attaches (Router+Adoption.swift).
    func openRendezvousPoints() throws(IPCError) {
        for c in components where c.pid == nil { try openEndpoints(c) }
        try makeBundleDirectory()
    }

    /// DIR/bundle/, where ncpd binds each multilink bundle's rendezvous
    /// point (IPC's BundleRendezvous): ncpd's own, since it cannot write
    /// DIR after its drop; 0755, so linkd (and anyone) can reach the 0666
    /// sockets in it, which check their senders' credentials.
    func makeBundleDirectory() throws(IPCError) {
        guard let ncpd = config.identities[Peer.ncpd.description] else { return }
        try Sys.makeOwnedDirectory(config.runtimeDir + "/" + BundleRendezvous.directory, uid: ncpd.uid, gid: ncpd.gid)
    }

    /// What `c` inherits besides fd 3, opened if it is not held yet.
    func openEndpoints(_ c: Component) throws(IPCError) {
        if c.hasRendezvous && c.rendezvous == nil {
            switch try Rendezvous.open(config.runtimeDir + "/" + c.name) {
            case let .owner(fd): c.rendezvous = SharedDescriptor(fd)
            case .client: throw .system(call: "bind(\(config.runtimeDir)/\(c.name)): in use", errno: EADDRINUSE)
            }
        }
        if c.listener == nil && c.peer == .authd { try openDynamicAuthorizationSocket(c) }
        if c.listener == nil && c.peer == .metricsd { try openMetricsSocket(c) }
    }

    /// RFC 5176 §2.3: authd's Disconnect/CoA socket, bound here so that authd
    /// keeps no capability (a port below 1024 needs CAP_NET_BIND_SERVICE)
    /// and requests sent while authd restarts wait in it. Inherited as "dae".
    func openDynamicAuthorizationSocket(_ c: Component) throws(IPCError) {
        let a = config.auth
        guard a.daePort != 0 else { return }
        let fd = ppp_udp_open("\(IPv4.format(a.daeAddress)):\(a.daePort)", "")
        guard fd >= 0 else { throw .system(call: "bind(udp \(IPv4.format(a.daeAddress)):\(a.daePort))", errno: errno) }
        c.listener = SharedDescriptor(FileDescriptor(adopting: fd))
    }

    var now: Double { Double(Instant.now().nanoseconds) / 1e9 }

    // MARK: boot and shutdown

    /// Starts the daemons one after another, each once the previous is ready
    /// (or has left `starting`), in the table's order.
    func boot() {
        bootNext()
    }

    private func bootNext() {
        guard !shuttingDown else { return }
        guard bootIndex < components.count else {
            SystemdNotify.ready(status: "\(components.count) components started")
            return
        }
        let c = components[bootIndex]
        bootIndex += 1
        // Adopted: it runs already, and goes ready when it attaches.
        guard c.pid == nil else { bootNext(); return }
        booting = c
        apply(c, c.supervision.handle(.restartRequested, now: now, policy: config.policy))
    }

    /// The boot moves on once the component it waits for has left `starting`.
    private func bootProgressed(_ c: Component) {
        guard c === booting, c.supervision.state != .starting else { return }
        booting = nil
        bootNext()
    }

    /// Stops the daemons in reverse order; `done` runs when all have exited.
    func shutdown(done: @escaping () -> Void) {
        guard !shuttingDown else { return }
        shuttingDown = true
        log.notice("stopping \(components.count) components")
        stopNext(components.count - 1, done: done)
    }

    private func stopNext(_ index: Int, done: @escaping () -> Void) {
        guard index >= 0 else { done(); return }
        let c = components[index]
        apply(c, c.supervision.handle(.stopRequested, now: now, policy: config.policy))
        if c.pid == nil { stopNext(index - 1, done: done); return }
        // Poll for the exit (reaping happens on SIGCHLD) without blocking the loop.
        func check() {
            if c.pid == nil { stopNext(index - 1, done: done) } else { loop.schedule(after: 0.02, check) }
        }
        check()
    }

    // MARK: the supervision table's actions

    func apply(_ c: Component, _ actions: [Supervision.Action]) {
        for a in actions {
            switch a {
            case .spawn: spawn(c)
            case let .scheduleRestart(after):
                log.notice("\(c.name): restarting in \(after) s")
                if after == 0 { spawn(c) } else {
                    c.backoffTimer = loop.schedule(after: after) { [unowned self] in
                        c.backoffTimer = nil
                        self.apply(c, c.supervision.handle(.backoffElapsed, now: self.now, policy: self.config.policy))
                    }
                }
            // SIGUSR1: stopped for good, its port removed (or its transport
            // replaced) by a reload; its sessions end saying so
            // (DaemonRuntime.removed).
            case .terminate: signal(c, c.removing || c.replacing ? SIGUSR1 : SIGTERM, escalate: true)
            case .restartInPlace: signal(c, SIGUSR2, escalate: true)
            case .kill: signal(c, SIGKILL, escalate: false)
            case let .publish(kind): publish(c, kind)
            }
        }
    }

    private func signal(_ c: Component, _ sig: Int32, escalate: Bool) {
        guard let pid = c.pid else { return }
        c.send(sig)
        if escalate {
            c.killTimer = loop.schedule(after: config.policy.stopTimeout) { [unowned self] in
                if c.pid == pid {
                    self.log.warning("\(c.name) did not stop in \(self.config.policy.stopTimeout) s: SIGKILL")
                    c.send(SIGKILL)
                }
            }
        }
    }

    private func spawn(_ c: Component) {
        guard !shuttingDown, c.pid == nil else { return }
        refreshAuthSettings(c)
        do {
            try openEndpoints(c)
            let pair = try Socket.seqpacketPair()
            let pipe = try Sys.pipe()
            let null = try Sys.devNull()
            var fds = [pair.second.raw]
            var layout: [InheritedDescriptor] = [.initLink]
            if let r = c.rendezvous { fds.append(r.raw); layout.append(.rendezvous) }
            if let l = c.listener { fds.append(l.raw); layout.append(c.peer == .metricsd ? .metrics : .dae) }
            var env = InheritedDescriptor.environment(layout) + [
                // The backtracer forks a helper; under seccomp it would be killed mid-report.
                "SWIFT_BACKTRACE=enable=no", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            ]
            if let tz = Environment.current["TZ"] { env.append("TZ=\(tz)") }
            let argv = c.setup.instance.isEmpty ? [c.executable] : [c.executable, c.setup.instance]
            let pid = try Sys.spawn(path: executablePath(c), argv: argv, env: env,
                                    stdin: null.raw, output: pipe.write.raw, fds: fds)
            c.pid = pid
            c.startedAt = nil
            c.lastExit = ""
            writePidFile(c, pid: pid)
            let link = Link(pair.first, remote: c.peer, loop: loop)
            try watchLog(c, pipe.read)
            try serve(c, link)
            c.readyTimer = loop.schedule(after: config.policy.readyTimeout) { [unowned self] in
                c.readyTimer = nil
                self.log.warning("\(c.name) (pid \(pid)) not ready after \(self.config.policy.readyTimeout) s")
                self.apply(c, c.supervision.handle(.readyTimedOut, now: self.now, policy: self.config.policy))
            }
            apply(c, c.supervision.handle(.spawned, now: now, policy: config.policy))
            log.info("\(c.name): spawned pid \(pid)")
        } catch {
            log.error("\(c.name): cannot spawn: \(error)")
            c.lastExit = "spawn failed: \(error)"
            apply(c, c.supervision.handle(.exited(permanent: false), now: now, policy: config.policy))
        }
    }

    /// Where `c` is spawned from: BIN_DIR/NAME, or the old executable's
    /// copy a failed upgrade rolled it back to.
    func executablePath(_ c: Component) -> String { c.executablePath ?? binDir + "/" + c.executable }

    /// pppinit's end of `c`'s init link as a re-executed pppinit adopts the
    /// descriptor it carried: the daemon was set up already, no setup again.
    func attachLink(_ c: Component, _ fd: consuming FileDescriptor) throws(IPCError) {
        try wire(c, Link(fd, remote: c.peer, loop: loop))
    }

    private func wire(_ c: Component, _ link: Link) throws(IPCError) {
        c.link = link
        link.onMessage = { [unowned self] r in self.handle(c, &r) }
        link.onInvalid = { [unowned self] e in self.log.warning("\(c.name): dropped invalid message: \(e)") }
        link.onClose = { [unowned self] in self.linkClosed(c, link) }
        try link.start()
    }

    /// Reads `c`'s stdout and stderr from the pipe's read end.
    func watchLog(_ c: Component, _ read: SharedDescriptor) throws(IPCError) {
        guard let readFD = read.take() else { return }
        try attachLog(c, readFD)
    }

    /// The read end of `c`'s stdout/stderr pipe.
    func attachLog(_ c: Component, _ fd: consuming FileDescriptor) throws(IPCError) {
        let lp = LogPipe(fd, prefix: c.name)
        c.log = lp
        try loop.watch(lp.fd.raw) { [unowned self] _ in
            if !lp.drain(into: { Log.emit($0) }) { self.loop.unwatch(lp.fd.raw); if c.log === lp { c.log = nil } }
        }
    }

    /// Takes `link` as `c`'s init link and sends the setup (a start, or an
    /// adopted daemon's attach).
    func serve(_ c: Component, _ link: Link) throws(IPCError) {
        try wire(c, link)
        try link.call(.daemonConfigured(c.setup), onReply: { _ in }, onFailure: { [unowned self] e in
            self.log.warning("\(c.name): setup not acknowledged: \(e)")
        })
    }

    /// SIGCHLD: reap, then let the table decide.
    func reaped(pid: Int32, how: String, code: Int32?) {
        guard let c = components.first(where: { $0.pid == pid }) else {
            if upgradePreflightEnded(pid: pid, how: how, code: code) { return }
            hooks.reaped(pid: pid, how: how)
            return
        }
        ended(c, how: how, code: code)
    }

    /// `c`'s process is gone: reaped (our child) or its pidfd said so (adopted).
    func ended(_ c: Component, how: String, code: Int32?) {
        guard let pid = c.pid else { return }
        log.notice("\(c.name) (pid \(pid)) ended: \(how)")
        c.pid = nil
        c.startedAt = nil
        c.lastExit = how
        forgetProcess(c)
        for t in [c.readyTimer, c.killTimer].compactMap({ $0 }) { loop.cancel(t) }
        c.readyTimer = nil; c.killTimer = nil
        stopWatchdog(c)
        c.link?.close()
        c.link = nil
        // Before the table: a daemon that failed on its new executable is
        // respawned from the old one (Router+Upgrade.swift).
        upgradeSawExit(c, pid: pid, how: how)
        apply(c, c.supervision.handle(.exited(permanent: code == 100), now: now, policy: config.policy))
        upgradeAfterExit(c)
        if c.removing { removed(c) } else if c.replacing { replaced(c) }
        if c.supervision.state == .failed {
            for (client, id) in c.readyWaiters { try? client.replyError(to: id, .failed, "\(c.name) failed: \(how)") }
            c.readyWaiters = []
        }
        bootProgressed(c)
    }

    private func linkClosed(_ c: Component, _ link: Link) {
        for (_, relay) in c.relays {
            try? relay.client.replyError(to: relay.callID, .unavailable, "\(c.name) went away")
        }
        c.relays = [:]
    }

    // MARK: messages from a daemon

    private func handle(_ c: Component, _ r: inout Received) {
        guard let link = c.link else { return }
        switch r.message {
        case .daemonReady:
            if let t = c.readyTimer { loop.cancel(t); c.readyTimer = nil }
            c.startedAt = Instant.now()
            apply(c, c.supervision.handle(.ready, now: now, policy: config.policy))
            startWatchdog(c)
            for (client, id) in c.readyWaiters { try? client.reply(to: id, .acknowledged) }
            c.readyWaiters = []
            upgradeSawReady(c)
            bootProgressed(c)
        case let .descriptorsDeposited(key, record, _):
            deposited(c, link, &r, key: key, record: record)
        case let .descriptorsWithdrawn(key):
            withdrawn(c, link, callID: r.callID, key: key)
        case .descriptorsQueried:
            restore(c, link, callID: r.callID)
        case let .tunRequested(count) where c.peer == .ncpd:
            // The one device pppinit opens for a daemon: a fixed path, no
            // parsing; ncpd names and configures the unit with CAP_NET_ADMIN.
            // Up to a batch in one reply (fewer if an open fails midway).
            var fds: [Int32] = []
            var failure: Int32 = 0
            for _ in 0..<Int(count) {
                let fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)
                if fd < 0 { failure = errno; break }
                fds.append(fd)
            }
            if fds.isEmpty {
                try? link.replyError(to: r.callID, .failed, "open(/dev/net/tun): \(Errno.describe(failure))")
            } else {
                try? link.reply(to: r.callID, .descriptorsReturned(key: "/dev/net/tun", record: [], count: UInt8(fds.count)), descriptors: fds)
                fds.forEach { _ = close($0) }
            }
        case let .hookRequested(request) where c.peer == .ncpd:
            hooks.requested(request, log: &log)
        case let .daemonCallRequested(target, method, arguments):
            relayDaemonCall(from: c, target: target, method: method, arguments: arguments, callID: r.callID)
        case let .eventPublished(json):
            guard let control, control.watching else { control?.passUnwatched(); return }
            // Read through its type: an event of no kind, with a field
            // missing or of another type, or of another publisher's kind
            // is dropped and logged, not passed on to watchers.
            guard let o = (try? JSON.parse(json))?.object, var event = Event(json: o), event.kind.publisher == c.peer else {
                log.warning("\(c.name): dropped an event outside the catalogue: \(json.prefix(200))")
                return
            }
            event.component = ComponentName(c.name)
            control.publish(event)
        default:
            try? link.replyError(to: r.callID, .invalidMessage, "\(r.message.type) is not for pppinit")
        }
    }

    func publish(_ c: Component, _ step: EventBody.Lifecycle) {
        let e = Event(.lifecycle(step, pid: c.pid, restarts: c.supervision.restarts,
                                 reason: c.lastExit.isEmpty ? nil : c.lastExit),
                      component: ComponentName(c.name))
        log.info("\(c.name): \(step.kind.rawValue)")
        control?.publish(e)
    }

    /// Forwards a call from pppctl to a daemon and relays every reply part.
    func relay(to c: Component, method: String, arguments: String, admin: Bool, client: Link, callID: UInt32) {
        guard let link = c.link, c.supervision.state == .running else {
            if c.supervision.state == .starting || c.supervision.state == .backoff || c.supervision.state == .stopping {
                try? client.replyBusy(to: callID, "\(c.name) is \(c.supervision.state.rawValue); try again")
            } else {
                try? client.replyError(to: callID, .unavailable, "\(c.name) is \(c.supervision.state.rawValue)")
            }
            return
        }
        do {
            var daemonCall: UInt32 = 0
            daemonCall = try link.call(.callRequested(method: method, arguments: arguments, admin: admin), timeout: 10,
                onReply: { [unowned c] r in
                    let flags = r.flags
                    _ = try? client.send(r.message, flags: flags, callID: callID)
                    if r.isFinal { c.relays[daemonCall] = nil }
                },
                onFailure: { [unowned c] e in
                    c.relays[daemonCall] = nil
                    try? client.replyError(to: callID, e == .timeout ? .timeout : .unavailable, "\(c.name): \(e)")
                })
            c.relays[daemonCall] = Component.Relay(client: client, callID: callID)
        } catch {
            try? client.replyError(to: callID, .unavailable, "\(c.name): \(error)")
        }
    }
}
