// pppinit dies, sessions don't (docs/design.md, issue 20 point 2). Daemons
// outlive pppinit and offer themselves to the next one on the control
// socket (DaemonRuntime+Attach.swift). This side: a pid file per spawned
// daemon (pid and start time), the start-up scan that adopts the daemons
// still running instead of starting second copies, the attach that gives an
// adopted daemon its init link back, and the pidfd that tells us it exited
// (it is not our child: its real parent reaps it, we only restart it).
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

extension Router {
    /// How long an adopted daemon has to attach before it is killed and
    /// started afresh (it offers itself once a second).
    static let attachTimeout = 10.0

    func pidFilePath(_ c: Component) -> String { config.runtimeDir + "/" + c.name + ".pid" }

    /// RUNDIR/NAME.pid: "PID STARTTIME", written through a rename so a
    /// pppinit killed meanwhile never leaves half a file.
    func writePidFile(_ c: Component, pid: Int32) {
        guard let start = ProcessStart.live(pid: pid) else { return }
        let path = pidFilePath(c), temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            log.warning("\(c.name): cannot write \(temporary): \(Errno.describe(errno)); it cannot be adopted after a crash of pppinit")
            return
        }
        Sys.write(fd, Array(start.fileText.utf8))
        _ = close(fd)
        if rename(temporary, path) != 0 { _ = unlink(temporary) }
    }

    /// The process of `c` is gone: its pid file and pidfd with it.
    func forgetProcess(_ c: Component) {
        _ = unlink(pidFilePath(c))
        if let fd = c.pidfd { loop.unwatch(fd.raw) }
        c.pidfd = nil
        c.adoptee = nil
    }

    /// At start, before any rendezvous point is bound: each daemon a
    /// previous pppinit left running (the pid file's pid, alive, with the
    /// same start time, so a reused pid does not pass) is adopted: watched
    /// through a pidfd, left `starting` until it attaches.
    func findAdoptees() {
        for c in components {
            let path = pidFilePath(c)
            guard let text = ProcStatus.readFile(path, limit: 64) else { continue }
            guard let recorded = ProcessStart.parse(fileText: Array(text.utf8)[...]),
                  ProcessStart.live(pid: recorded.pid) == recorded else {
                log.info("\(c.name): its pid file names no running process; it starts afresh")
                _ = unlink(path)
                continue
            }
            let raw = ppp_pidfd_open(recorded.pid)
            // Checked again once the pidfd holds the process: the pid may
            // have been reused between the two looks.
            guard raw >= 0, ProcessStart.live(pid: recorded.pid) == recorded else {
                if raw >= 0 { _ = close(raw) }
                log.warning("\(c.name): pid \(recorded.pid) cannot be adopted (\(raw < 0 ? Errno.describe(errno) : "gone")); it starts afresh")
                _ = unlink(path)
                continue
            }
            let pidfd = SharedDescriptor(FileDescriptor(adopting: raw))
            do {
                try loop.watch(raw) { [unowned self] _ in
                    self.ended(c, how: "exited (adopted: not our child, status unknown)", code: nil)
                }
            } catch {
                log.warning("\(c.name): cannot watch pid \(recorded.pid): \(error); it starts afresh")
                _ = unlink(path)
                continue
            }
            c.pidfd = pidfd
            c.adoptee = recorded
            c.pid = recorded.pid
            apply(c, c.supervision.handle(.spawned, now: now, policy: config.policy))
            c.readyTimer = loop.schedule(after: Self.attachTimeout) { [unowned self] in
                c.readyTimer = nil
                self.log.warning("\(c.name) (pid \(recorded.pid)) did not attach in \(Self.attachTimeout) s")
                self.apply(c, c.supervision.handle(.readyTimedOut, now: self.now, policy: self.config.policy))
            }
            log.notice("\(c.name): pid \(recorded.pid) is still running; adopting it instead of starting another")
        }
    }

    /// A `daemonAttached` datagram on the control socket. nil when `c`'s
    /// adopted daemon has its init link back, else why it was refused.
    func attachOffered(_ bytes: ArraySlice<UInt8>, _ descriptors: inout Descriptors, credentials cred: Credentials) -> String? {
        guard let sender = Peer.daemons.first(where: { config.identities[$0.description]?.uid == cred.uid }) else {
            return "an attach from uid \(cred.uid), which runs no daemon"
        }
        let message: Message
        do { message = try Codec.decode(bytes, from: sender, descriptorCount: descriptors.count).1 } catch {
            return "an attach from uid \(cred.uid) pid \(cred.pid): \(error)"
        }
        guard case let .daemonAttached(name, pid, startTime, _) = message else { return "not an attach" }
        guard let c = component(named: name), config.identities[c.executable]?.uid == cred.uid else {
            return "an attach as '\(name)' from uid \(cred.uid), which does not run it"
        }
        // The kernel's pid, not the claimed one, and its start time in /proc.
        let claimed = ProcessStart(pid: Int32(bitPattern: pid), startTime: startTime)
        guard claimed.pid == cred.pid, ProcessStart.live(pid: cred.pid) == claimed else {
            return "an attach as \(name) claiming pid \(pid) from pid \(cred.pid)"
        }
        guard c.adoptee == claimed, c.link == nil else {
            // A second copy (its pid file was lost, or it attached too late):
            // the component runs as another process now; this one stops.
            let raw = ppp_pidfd_open(cred.pid)
            if raw >= 0 { _ = ppp_pidfd_send_signal(raw, SIGTERM); _ = close(raw) }
            return "\(name) pid \(pid) attached, but \(name) is pid \(c.pid.map(String.init) ?? "none"): SIGTERM"
        }
        let link = Link(descriptors.take(0), remote: c.peer, loop: loop)
        guard Socket.isUnixSeqpacket(link.raw) else { return "\(name): its init link is not a SEQPACKET socket" }
        // What it inherited comes back in its layout's order, for its next start.
        var next = 1
        if c.hasRendezvous, next < descriptors.count { c.rendezvous = SharedDescriptor(descriptors.take(next)); next += 1 }
        if c.peer == .authd || c.peer == .metricsd, next < descriptors.count {
            c.listener = SharedDescriptor(descriptors.take(next)); next += 1
        }
        do { try serve(c, link) } catch { return "\(name): \(error)" }
        // Its stdout and stderr were a pipe to the dead pppinit: a new one,
        // which the daemon puts on its 1 and 2 (DaemonRuntime+Attach.swift).
        do {
            let pipe = try Sys.pipe()
            try watchLog(c, pipe.read)
            try link.send(.descriptorsReturned(key: DaemonRuntime.outputKey, record: [], count: 1), descriptors: [pipe.write.raw])
        } catch {
            log.warning("\(name): no new log pipe: \(error); its lines are lost until it restarts")
        }
        log.notice("\(name): pid \(pid) attached; it deposits its fd store entries again")
        return nil
    }
}
