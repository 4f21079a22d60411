// The watchdog (issue 15 point 5; after systemd's WatchdogSec and s6's
// readiness timeouts, but driven from our side): a stopped or wedged daemon
// still holds its sockets, so nothing else would notice it while its peers
// give up on its sessions. pppinit calls `ping` on each running daemon's
// init link every `watchdog-interval` seconds; any answer (even an error)
// proves the daemon's loop turns. No answer within `watchdog-timeout`: the
// daemon is killed (SIGKILL: a stopped process cannot act on SIGTERM) and
// restarted like after a crash, its sessions resuming from the fd store.
import IPC

extension Router {
    /// Starts pinging `c` once it is ready; ends by itself when the process
    /// that was pinged is gone.
    func startWatchdog(_ c: Component) {
        guard config.policy.watchdogInterval > 0, let link = c.link, upgrade?.reexecuting != true else { return }
        if let t = c.watchdogTimer { loop.cancel(t) }
        c.watchdogTimer = loop.schedule(after: config.policy.watchdogInterval) { [unowned self, weak link] in
            c.watchdogTimer = nil
            guard let link, c.link === link, c.supervision.state == .running else { return }
            self.ping(c, link)
        }
    }

    private func ping(_ c: Component, _ link: Link) {
        let timeout = config.policy.watchdogTimeout
        let sent = Instant.now()
        do {
            try link.call(.callRequested(method: DaemonMethod.ping.name, arguments: "", admin: false), timeout: timeout,
                onReply: { [unowned self] r in
                    if r.isFinal { self.startWatchdog(c) }
                },
                onFailure: { [unowned self] e in
                    // A hang-up is the reaper's business; only silence is ours.
                    guard e == .timeout, c.link === link else { return }
                    let waited = Instant.now().seconds(since: sent)
                    self.log.warning("\(c.name) (pid \(c.pid ?? 0)) did not answer the watchdog in \(waited) s: SIGKILL")
                    c.lastExit = "unresponsive for \(waited) s"
                    self.apply(c, c.supervision.handle(.unresponsive, now: self.now, policy: self.config.policy))
                })
        } catch {
            log.warning("\(c.name): watchdog ping not sent: \(error)")
        }
    }

    func stopWatchdog(_ c: Component) {
        if let t = c.watchdogTimer { loop.cancel(t) }
        c.watchdogTimer = nil
    }
}
