// pppinit replaces its own image (issue 20): execve of its path on disk,
// carrying every descriptor that holds a session or a link: the control
// socket and its conversations, each daemon's init link, log pipe,
// rendezvous and listening socket, and the whole fd store. Those, and only
// those, get FD_CLOEXEC cleared; everything else pppinit holds (epoll,
// signalfd, timerfd, /dev/null) closes as usual. What the numbers mean goes
// in a versioned record (InitStateRecord) in a memfd, whose number the new
// image gets as `--resume-fd N`. The daemons are its children before and
// after (execve keeps the pid), so they notice nothing: their init link
// never hangs up, and SIGCHLD still comes here.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

extension Router {
    /// Stops new calls to the daemons, waits (at most 3 s) until no call
    /// is waiting for an answer and no reply is queued, then executes. A
    /// reply the old image is owed arrives at the new one, which did not
    /// make the call and drops it; waiting first keeps that from happening.
    func reexecute(_ run: UpgradeRun) {
        run.reexecuting = true
        for c in components { stopWatchdog(c) }
        quiesce(run, until: Instant.now().adding(seconds: 3))
    }

    private func quiesce(_ run: UpgradeRun, until deadline: Instant) {
        let busy = components.filter { c in
            !c.relays.isEmpty || (c.link.map { $0.pendingCalls > 0 || $0.queuedBytes > 0 } ?? false)
        }
        if !busy.isEmpty {
            if Instant.now() < deadline {
                loop.schedule(after: 0.02) { [unowned self] in self.quiesce(run, until: deadline) }
                return
            }
            log.warning("upgrade: re-executing with calls still open on \(busy.map(\.name).joined(separator: ", "))")
        }
        execute(run)
    }

    /// The state as it stands, with the upgrade's remaining steps.
    func stateRecord(_ run: UpgradeRun?) -> InitStateRecord {
        func raw(_ fd: Int32?) -> Int32? { fd.flatMap { $0 >= 0 ? $0 : nil } }
        let carried = components.map { c in
            InitStateRecord.Component(
                name: c.name, pid: c.pid, link: raw(c.link?.isOpen == true ? c.link?.raw : nil),
                logPipe: raw(c.log?.fd.raw), rendezvous: raw(c.rendezvous?.raw), listener: raw(c.listener?.raw),
                state: c.supervision.state.rawValue, want: c.supervision.want.rawValue,
                restarts: UInt32(clamping: c.supervision.restarts), earlyCrashes: UInt32(clamping: c.supervision.earlyCrashes),
                readyAt: c.supervision.readyAt.map { UInt64(max(0, $0) * 1e9) }, startedAt: c.startedAt?.nanoseconds,
                lastExit: c.lastExit, executablePath: c.executablePath)
        }
        var entries: [InitStateRecord.Entry] = []
        for name in store.componentNames {
            for (key, e) in store.list(name) {
                entries.append(InitStateRecord.Entry(component: name, key: key, record: e.record, descriptors: e.descriptors.map(\.raw)))
            }
        }
        let upgrade = run.map {
            InitStateRecord.Upgrade(client: $0.client.raw, callID: $0.callID, copies: $0.copies, pending: $0.pending, reply: $0.reply)
        }
        return InitStateRecord(generation: generation + 1, eventSeq: control?.eventSeq ?? 0,
                               control: control?.socketDescriptor ?? -1, components: carried,
                               entries: entries, clients: control?.carriedClients ?? [], upgrade: upgrade)
    }

    private func execute(_ run: UpgradeRun) {
        run.set("pppinit", .upgraded)
        let record = stateRecord(run)
        let bytes = record.encoded()
        let memfd = ppp_memfd("pppinit-state")
        guard memfd >= 0 else { return notExecuted(run, "memfd_create: \(Errno.describe(errno))", memfd: -1, fds: []) }
        Sys.write(memfd, bytes)
        guard lseek(memfd, 0, SEEK_SET) == 0 else { return notExecuted(run, "lseek: \(Errno.describe(errno))", memfd: memfd, fds: []) }
        let fds = record.descriptors
        for fd in fds where ppp_set_inherited(fd, 1) != 0 {
            return notExecuted(run, "fcntl(\(fd), F_SETFD): \(Errno.describe(errno))", memfd: memfd, fds: fds)
        }
        let argv = [selfPath, "--config", config.file, "--runtime-dir", config.runtimeDir, "--resume-fd", String(memfd)]
        log.notice("upgrade: re-executing \(selfPath) (generation \(record.generation)): \(fds.count) descriptors, \(record.entries.count) fd store entries, \(bytes.count) octets of state")
        var cargv = argv.map { strdup($0) } + [nil]
        _ = execve(selfPath, &cargv, environ)
        let err = errno
        cargv.forEach { free($0) }
        notExecuted(run, "execve(\(selfPath)): \(Errno.describe(err))", memfd: memfd, fds: fds)
    }

    /// execve (or what precedes it) failed: this image goes on as before.
    private func notExecuted(_ run: UpgradeRun, _ reason: String, memfd: Int32, fds: [Int32]) {
        for fd in fds { _ = ppp_set_inherited(fd, 0) }
        if memfd >= 0 { _ = close(memfd) }
        run.reexecuting = false
        for c in components where c.supervision.state == .running { startWatchdog(c) }
        finishUpgrade(reason + "; nothing changed", pppinit: .skipped)
    }

    // MARK: the new image

    /// Reads the record from the memfd the old image left at `fd`.
    static func readStateRecord(fd: Int32) throws(IPCError) -> InitStateRecord {
        defer { _ = close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .system(call: "fstat(\(fd))", errno: errno) }
        guard st.st_size >= 0, st.st_size <= 1 << 30 else { throw .invalid(callID: 0, reason: "pppinit state of \(st.st_size) octets") }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var got = 0
        while got < bytes.count {
            let n = bytes[got...].withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(got)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .system(call: "pread(\(fd))", errno: n < 0 ? errno : EIO) }
            got += n
        }
        return try InitStateRecord.decode(bytes)
    }

    /// Whether `pid`'s parent is this process (/proc/PID/stat, the field
    /// after the command's closing parenthesis's state).
    static func isChild(_ pid: Int32) -> Bool {
        guard let text = ProcStatus.readFile("/proc/\(pid)/stat", limit: 4096),
              let close = text.lastIndex(of: ")") else { return false }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == getpid()
    }

    private func watchAdopted(_ c: Component, pid: Int32) {
        let raw = ppp_pidfd_open(pid)
        guard raw >= 0 else { log.warning("\(c.name): pidfd_open(\(pid)): \(Errno.describe(errno)); its exit goes unnoticed"); return }
        c.pidfd = SharedDescriptor(FileDescriptor(adopting: raw))
        c.adoptee = ProcessStart.live(pid: pid)
        do {
            try loop.watch(raw) { [unowned self] _ in
                self.ended(c, how: "exited (adopted: not our child, status unknown)", code: nil)
            }
        } catch {
            log.warning("\(c.name): cannot watch pid \(pid): \(error)")
        }
    }

    /// Adopts what the old image carried: the control socket and its
    /// conversations, each daemon (its pid, links, supervision state), the
    /// fd store; then goes on with the upgrade where it was.
    func resume(_ record: InitStateRecord) throws(IPCError) {
        // Every carried descriptor must be open: a number that is not would
        // be adopted as something it is not the moment it is reused.
        for fd in record.descriptors {
            guard ppp_set_inherited(fd, 0) == 0 else { throw .system(call: "fcntl(\(fd)) of the carried state", errno: errno) }
        }
        generation = record.generation
        bootIndex = components.count
        control = try ControlServer(socket: FileDescriptor(adopting: record.control), router: self, loop: loop)
        control?.eventSeq = record.eventSeq
        for s in record.components {
            guard let c = component(named: s.name) else {
                log.warning("\(s.name) is no longer in the config: SIGTERM to pid \(s.pid ?? 0)")
                if let pid = s.pid { _ = kill(pid, SIGTERM) }
                for fd in [s.link, s.logPipe, s.rendezvous, s.listener].compactMap({ $0 }) { _ = close(fd) }
                continue
            }
            c.pid = s.pid
            // A daemon adopted after a pppinit death (Router+Adoption.swift)
            // is not our child: its exit is told by a pidfd, which closed
            // with the old image; open another.
            if let pid = s.pid, !Self.isChild(pid) { watchAdopted(c, pid: pid) }
            c.rendezvous = s.rendezvous.map { SharedDescriptor(FileDescriptor(adopting: $0)) }
            c.listener = s.listener.map { SharedDescriptor(FileDescriptor(adopting: $0)) }
            c.supervision.state = RunState(rawValue: s.state) ?? .stopped
            c.supervision.want = Want(rawValue: s.want) ?? .up
            c.supervision.restarts = Int(s.restarts)
            c.supervision.earlyCrashes = Int(s.earlyCrashes)
            c.supervision.readyAt = s.readyAt.map { Double($0) / 1e9 }
            c.startedAt = s.startedAt.map { Instant(nanoseconds: $0) }
            c.lastExit = s.lastExit
            c.executablePath = s.executablePath
            if let fd = s.link { _ = try attachLink(c, FileDescriptor(adopting: fd)) }
            if let fd = s.logPipe { try attachLog(c, FileDescriptor(adopting: fd)) }
            switch c.supervision.state {
            case .running: startWatchdog(c)
            case .backoff where c.pid == nil:
                apply(c, c.supervision.handle(.backoffElapsed, now: now, policy: config.policy))
            default: break
            }
        }
        for e in record.entries where !store.deposit(e.component, key: e.key, record: e.record,
                                                      descriptors: e.descriptors.map { SharedDescriptor(FileDescriptor(adopting: $0)) }) {
            log.warning("\(e.component): carried fd store entry '\(e.key)' does not fit; dropped")
        }
        let links = control?.adoptCarried(record.clients) ?? [:]
        log.notice("re-executed (generation \(generation)): adopted \(record.components.compactMap(\.pid).count) daemons, \(record.entries.count) fd store entries, \(record.clients.count) control conversations")
        if let u = record.upgrade {
            guard let client = links[u.client] else {
                log.warning("upgrade: its caller's conversation was not carried; going on without an answer")
                return
            }
            upgrade = UpgradeRun(client: client, callID: u.callID, copies: u.copies, pending: u.pending, reply: u.reply)
            loop.schedule(after: 0) { [unowned self] in self.upgradeNext() }
        }
    }
}
