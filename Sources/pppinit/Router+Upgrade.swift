// `pppctl upgrade` (issue 20): replace the running router with the
// executables on disk without ending a session. pppinit first re-executes
// itself when its own executable changed (Router+Reexec.swift), then
// restarts each changed daemon onto its new executable, one at a time, the
// way `pppctl restart` does (SIGUSR2: the daemon leaves its sessions in the
// fd store and the next one resumes them). A daemon that dies or is not
// ready in time on its new executable is spawned again from a copy of its
// old one (RUNDIR/upgrade/NAME, copied from /proc/PID/exe before anything
// changed), and the upgrade stops there with the reason in its reply.
#if canImport(Glibc)
import Glibc
#endif
import Config
import IPC

/// The upgrade in progress; it crosses pppinit's re-execution in the state
/// record (InitStateRecord.Upgrade).
final class UpgradeRun {
    let client: Link
    let callID: UInt32
    let copies: String
    var pending: [String]
    var reply: UpgradeReply
    /// The daemon being restarted, and the pid it had before.
    var current: Component?
    var oldPid: Int32?
    /// Why the upgrade stops, once the current daemon failed on its new executable.
    var failure: String?
    /// The new pppinit's `--check` run before it is executed.
    var preflightPid: Int32?
    var preflightTimer: TimerID?
    /// Between the decision to re-execute and execve: no new watchdog pings.
    var reexecuting = false

    init(client: Link, callID: UInt32, copies: String, pending: [String], reply: UpgradeReply) {
        self.client = client; self.callID = callID; self.copies = copies; self.pending = pending; self.reply = reply
    }

    func set(_ name: String, _ result: UpgradeReply.Result) {
        if let i = reply.components.firstIndex(where: { $0.name == name }) { reply.components[i].result = result }
    }
}

extension Router {
    /// Running against on-disk executable of pppinit and every component.
    func upgradeParts() -> [UpgradeReply.Part] {
        var onDisk: [String: String] = [:]
        func disk(_ path: String) -> String {
            if let id = onDisk[path] { return id }
            let id = ExecutableID.of(path: path) ?? ""
            onDisk[path] = id
            return id
        }
        func part(_ name: String, running: String?, path: String) -> UpgradeReply.Part {
            let d = disk(path)
            guard let running else { return UpgradeReply.Part(name: name, running: "", onDisk: d, result: .notRunning) }
            return UpgradeReply.Part(name: name, running: running, onDisk: d, result: running == d ? .unchanged : .changes)
        }
        var parts = [part("pppinit", running: ExecutableID.of(path: "/proc/self/exe") ?? "", path: selfPath)]
        for c in components {
            let running = c.pid.flatMap { c.supervision.state == .running ? ExecutableID.of(path: "/proc/\($0)/exe") : nil }
            parts.append(part(c.name, running: running, path: binDir + "/" + c.executable))
        }
        return parts
    }

    /// pppinit's `upgrade` method (ControlServer+Own.swift).
    func startUpgrade(client: Link, callID: UInt32, check: Bool) {
        let parts = upgradeParts()
        if check {
            try? client.reply(to: callID, .callReplied(json: UpgradeReply(outcome: .checked, components: parts).json.encoded()))
            return
        }
        func refuse(_ reason: String) {
            log.warning("upgrade refused: \(reason)")
            var reply = UpgradeReply(outcome: .failed, reason: reason + "; nothing changed", components: parts)
            for i in reply.components.indices where reply.components[i].result == .changes { reply.components[i].result = .skipped }
            try? client.reply(to: callID, .callReplied(json: reply.json.encoded()))
        }
        guard upgrade == nil else { try? client.replyBusy(to: callID, "an upgrade is in progress"); return }
        if let c = components.first(where: { [.starting, .stopping, .backoff].contains($0.supervision.state) }) {
            try? client.replyBusy(to: callID, "\(c.name) is \(c.supervision.state.rawValue); try again"); return
        }
        if let p = parts.first(where: { $0.result == .changes && $0.onDisk.isEmpty }) {
            return refuse("\(p.name): its executable on disk cannot be read")
        }
        // The components come from the config: a re-executed pppinit reads
        // the file again and must find the same ones to adopt. Only ports
        // (linkd@…) and [metrics] (metricsd) make the list differ, and
        // `pppctl reload` applies both (Router+Reload.swift).
        var warnings: [ConfigError] = []
        do {
            let fresh = try RouterConfig.checked(path: config.file, warnings: &warnings)
            let names = Service.table.flatMap { s in s.instances(fresh).map { $0.name.description } }
            guard names == components.map(\.name) else {
                return refuse(Self.componentsDiffer(running: components.map(\.name), inFile: names))
            }
        } catch {
            return refuse("the config file does not check: \(error)")
        }
        let changed = parts.dropFirst().filter { $0.result == .changes }.map(\.name)
        let copies = config.runtimeDir + "/upgrade"
        do {
            try keepOldExecutables(of: changed.compactMap { component(named: $0) }, in: copies)
        } catch {
            return refuse("keeping the old executables in \(copies): \(error)")
        }
        let run = UpgradeRun(client: client, callID: callID, copies: copies, pending: changed,
                             reply: UpgradeReply(outcome: .done, components: parts))
        upgrade = run
        log.notice("upgrade: \(parts[0].result == .changes ? "pppinit and " : "")\(changed.count) daemons change")
        if parts[0].result == .changes { preflight(run) } else { upgradeNext() }
    }

    /// The refusal when the config file names other components than run:
    /// which come and go, and that `pppctl reload` applies that first.
    static func componentsDiffer(running: [String], inFile: [String]) -> String {
        let added = inFile.filter { !running.contains($0) }, removed = running.filter { !inFile.contains($0) }
        var change = (added.map { "+\($0)" } + removed.map { "-\($0)" }).joined(separator: ", ")
        if change.isEmpty { change = "the same, in another order" }
        // reload rebuilds the table in the file's order, so an upgrade after it finds the same list.
        return "the config file now names other components (\(change)); apply it with `pppctl reload`, then upgrade"
    }

    /// Copies each changed daemon's running executable (through
    /// /proc/PID/exe, which still opens the old inode after the path was
    /// replaced) to DIR/NAME, once per executable. Written beside and
    /// renamed: a copy a rolled-back daemon still runs cannot be opened
    /// for writing (ETXTBSY), but can be replaced.
    private func keepOldExecutables(of changed: [Component], in dir: String) throws(IPCError) {
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { throw .system(call: "mkdir(\(dir))", errno: errno) }
        var done = Set<String>()
        for c in changed where !done.contains(c.executable) {
            guard let pid = c.pid else { continue }
            let target = dir + "/" + c.executable
            try Sys.copyFile(from: "/proc/\(pid)/exe", to: target + ".new", mode: 0o700)
            if rename(target + ".new", target) != 0 { throw .system(call: "rename(\(target))", errno: errno) }
            done.insert(c.executable)
        }
    }

    /// The new pppinit must at least start and accept the config
    /// (`pppinit --check FILE`) before this one is replaced by it: an
    /// execve that fails leaves this image running, but one that succeeds
    /// into a binary that cannot start would take every session with it.
    private func preflight(_ run: UpgradeRun) {
        do {
            let null = try Sys.devNull()
            let pid = try Sys.spawn(path: selfPath, argv: [selfPath, "--check", config.file], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                                    stdin: null.raw, output: null.raw, fds: [])
            run.preflightPid = pid
            run.preflightTimer = loop.schedule(after: config.policy.readyTimeout) { [weak run] in
                run?.preflightTimer = nil
                if let pid = run?.preflightPid { _ = kill(pid, SIGKILL) }
            }
        } catch {
            finishUpgrade("cannot run the new pppinit: \(error)", pppinit: .skipped)
        }
    }

    /// SIGCHLD for a pid that is no component: the preflight's?
    func upgradePreflightEnded(pid: Int32, how: String, code: Int32?) -> Bool {
        guard let run = upgrade, run.preflightPid == pid else { return false }
        run.preflightPid = nil
        if let t = run.preflightTimer { loop.cancel(t); run.preflightTimer = nil }
        if code == 0 {
            reexecute(run)
        } else {
            finishUpgrade("the new pppinit (\(selfPath) --check) ended with \(how)", pppinit: .skipped)
        }
        return true
    }

    /// Restarts the next changed daemon onto BIN_DIR/NAME.
    func upgradeNext() {
        guard let run = upgrade else { return }
        guard !run.pending.isEmpty else { finishUpgrade(nil); return }
        let name = run.pending.removeFirst()
        guard let c = component(named: name), c.supervision.state == .running, let pid = c.pid else {
            log.warning("upgrade: \(name) is not running; its next start takes the new executable")
            run.set(name, .skipped)
            upgradeNext()
            return
        }
        run.current = c
        run.oldPid = pid
        run.failure = nil
        c.executablePath = nil
        log.notice("upgrade: restarting \(name) (pid \(pid)) onto \(executablePath(c))")
        apply(c, c.supervision.handle(.restartRequested, now: now, policy: config.policy))
    }

    /// Before the supervision table sees an exit: the daemon being upgraded
    /// died before it was ready on its new executable (an exit at start, or
    /// the ready timeout's SIGKILL), so its respawn takes the old one.
    func upgradeSawExit(_ c: Component, pid: Int32, how: String) {
        guard let run = upgrade, run.current === c, pid != run.oldPid else { return }
        if run.failure == nil {
            run.failure = "\(c.name) did not come up on its new executable (\(how)); rolled back to the old one"
            c.executablePath = run.copies + "/" + c.executable
            log.warning("upgrade: \(c.name) (pid \(pid)) ended before ready on its new executable: \(how); respawning \(executablePath(c))")
        } else {
            log.error("upgrade: \(c.name) (pid \(pid)) ended on its old executable too: \(how)")
            run.current = nil
            finishUpgrade((run.failure ?? "") + ", which failed too (\(how))", current: .skipped)
        }
    }

    /// After the table: a rollback goes on even when the crash made the
    /// table give the daemon up (restart-burst reached).
    func upgradeAfterExit(_ c: Component) {
        guard let run = upgrade, run.current === c, run.failure != nil, c.supervision.state == .failed else { return }
        apply(c, c.supervision.handle(.restartRequested, now: now, policy: config.policy))
    }

    /// A daemon said ready: the one being upgraded moves the upgrade on.
    func upgradeSawReady(_ c: Component) {
        guard let run = upgrade, run.current === c, c.pid != run.oldPid else { return }
        run.current = nil
        if let failure = run.failure {
            run.set(c.name, .rolledBack)
            finishUpgrade(failure)
        } else {
            run.set(c.name, .upgraded)
            log.notice("upgrade: \(c.name) runs its new executable (pid \(c.pid ?? 0))")
            upgradeNext()
        }
    }

    /// Answers the caller and removes the old executables' copies, except
    /// those a rolled-back daemon now runs from (its restarts need them).
    func finishUpgrade(_ failure: String?, pppinit: UpgradeReply.Result? = nil, current: UpgradeReply.Result? = nil) {
        guard let run = upgrade else { return }
        upgrade = nil
        if let pppinit { run.set("pppinit", pppinit) }
        if let current, let c = run.current { run.set(c.name, current) }
        for i in run.reply.components.indices where run.reply.components[i].result == .changes {
            run.reply.components[i].result = .skipped
        }
        run.reply.outcome = failure == nil ? .done : .failed
        run.reply.reason = failure
        if let failure { log.warning("upgrade failed: \(failure)") } else { log.notice("upgrade done") }
        try? run.client.reply(to: run.callID, .callReplied(json: run.reply.json.encoded()))
        let kept = Set(components.compactMap(\.executablePath))
        for name in Set(components.map(\.executable)) where !kept.contains(run.copies + "/" + name) {
            _ = unlink(run.copies + "/" + name)
        }
        _ = rmdir(run.copies)  // fails while a kept copy is in it
    }
}
