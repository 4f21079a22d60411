// A daemon outlives pppinit (docs/design.md, issue 20 point 2). When fd 3
// hangs up it keeps its loop, sessions and timers, and once a second offers
// itself to the next pppinit on RUNDIR/control: a `daemonAttached` datagram
// with its name, pid and start time, one end of a fresh SEQPACKET pair (the
// new init link) and the descriptors it inherited (rendezvous, dae, metrics)
// so that pppinit holds them again for our next restart. pppinit answers on
// the pair with `daemonConfigured`, as at a start; we re-deposit everything
// live from our mirror and say ready.
#if canImport(Glibc)
import Glibc
#endif
import CShim

extension DaemonRuntime {
    /// How long the next pppinit may take to answer an offer.
    static let attachTimeout = 10.0
    /// The key of the pipe the adopting pppinit passes for our stdout and
    /// stderr (the old pipe's reader died with the old pppinit).
    public static let outputKey = "stdout"

    /// The adopting pppinit's log pipe onto fds 1 and 2 (dup3 is in the
    /// base allowlist); our log lines reach the router's log again.
    func takeOutput(_ r: inout Received) {
        guard r.descriptors.count == 1 else { return }
        let fd = r.descriptors.take(0)
        _ = ppp_dup3(fd.raw, 1)
        _ = ppp_dup3(fd.raw, 2)
        log.info("log lines go to the adopting pppinit again")
    }

    func orphaned() {
        attached = false
        guard identity != nil else {
            // Without our start time no pppinit can adopt us: end as before.
            log.notice("pppinit went away and our start time is unknown; exiting")
            shutdown(code: 0)
        }
        log.notice("pppinit went away; carrying on (\(mirror.count) deposits kept), re-attaching through \(setup.runtimeDir)/control")
        scheduleAttach()
    }

    func scheduleAttach() {
        guard attachTimer == nil, !attached else { return }
        attachTimer = loop.schedule(after: 1) { [unowned self] in
            self.attachTimer = nil
            self.offer()
        }
    }

    /// One offer to whoever owns RUNDIR/control now.
    private func offer() {
        guard !attached, attaching == nil, let identity else { return }
        // The runtime dir is removed by a clean stop of the router (and by
        // whoever deletes the router): then no pppinit comes back for us.
        var st = stat()
        if stat(setup.runtimeDir, &st) != 0 && errno == ENOENT {
            log.notice("runtime dir \(setup.runtimeDir) is gone: the router was removed; exiting")
            shutdown(code: 0)
        }
        do {
            let pair = try Socket.seqpacketPair()
            let extra = inherited.dropFirst().compactMap { $0.number(in: inherited) }
            let m = Message.daemonAttached(component: component.description, pid: UInt32(identity.pid),
                                           startTime: identity.startTime, count: UInt8(1 + extra.count))
            let bytes = try Codec.encode(m, flags: [], callID: 0)
            let socket = try Socket.datagram()
            // sendmsg with an address: no connect(2) (Sandbox.baseRules).
            guard try Socket.send(socket.raw, to: setup.runtimeDir + "/control", bytes,
                                  descriptors: [pair.second.raw] + extra) else {
                throw IPCError.system(call: "sendmsg(control)", errno: EAGAIN)
            }
            let l = Link(pair.first, remote: .pppinit, loop: loop)
            attaching = l
            l.onMessage = { [unowned self, unowned l] r in self.attachAnswered(l, &r) }
            l.onClose = { [unowned self, unowned l] in self.attachFailed(l, "pppinit closed the link") }
            try l.start()
            attachDeadline = loop.schedule(after: Self.attachTimeout) { [unowned self, unowned l] in
                self.attachDeadline = nil
                self.attachFailed(l, "no answer in \(Self.attachTimeout) s")
            }
        } catch {
            // ENOENT or ECONNREFUSED: no pppinit yet. Said once, not every second.
            attachFailures += 1
            if attachFailures == 1 { log.info("no pppinit on \(setup.runtimeDir)/control yet (\(error)); trying every second") }
            scheduleAttach()
        }
    }

    private func attachFailed(_ l: Link, _ why: String) {
        guard attaching === l else { return }
        attaching = nil
        if let t = attachDeadline { loop.cancel(t); attachDeadline = nil }
        l.onClose = nil
        l.close()
        log.warning("re-attach refused or failed: \(why); trying again")
        scheduleAttach()
    }

    private func attachAnswered(_ l: Link, _ r: inout Received) {
        guard attaching === l, case let .daemonConfigured(next) = r.message else {
            try? l.replyError(to: r.callID, .invalidMessage, "\(r.message.type) before daemonConfigured")
            return
        }
        try? l.reply(to: r.callID, .acknowledged)
        if let t = attachDeadline { loop.cancel(t); attachDeadline = nil }
        attaching = nil
        attachFailures = 0
        link = l
        attached = true
        serve(l)
        if next != setup {
            log.notice("the configuration changed while pppinit was away; it applies from our next restart")
        }
        let (entries, stale) = mirror.live()
        for key in stale {
            mirror.withdraw(key: key)
            log.warning("fd store: '\(key)' no longer names what was deposited; not deposited again")
        }
        for e in entries {
            try? link.call(.descriptorsDeposited(key: e.key, record: e.record, count: UInt8(e.descriptors.count)),
                           descriptors: e.descriptors.map(\.fd), onReply: { _ in },
                           onFailure: { [unowned self] err in self.log.warning("fd store re-deposit \(e.key): \(err)") })
        }
        log.notice("re-attached to pppinit: \(entries.count) deposits made again")
        do { try link.send(.daemonReady(pid: UInt32(getpid()))) } catch {
            log.warning("ready after re-attach: \(error)")
        }
    }
}
