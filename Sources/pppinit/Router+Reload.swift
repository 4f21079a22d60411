// A reload, asked by `pppctl reload` or SIGHUP (issue 19): the whole file is
// checked as a start would check it, and a broken one changes nothing. A
// good one restarts authd, which reads the auth sections again, and applies
// what ReloadReport says it can: each daemon whose setup the new config
// changes restarts in place (its sessions resume from the fd store), a
// daemon the config gained starts, one it lost stops (its sessions end with
// "port removed") and leaves the table. Sessions of other ports never see it.
import Config
import IPC

extension Router {
    /// Checks the file; on success applies it and returns the report with
    /// the authd component (its readiness ends a pppctl reload).
    func reload() -> Result<(ReloadReport, Component), ConfigError> {
        var warnings: [ConfigError] = []
        let file: RouterConfig
        do {
            file = try RouterConfig.checked(path: config.file, warnings: &warnings)
        } catch {
            log.warning("reload refused: \(error)")
            return .failure(error)
        }
        for w in warnings { log.warning("\(w)") }
        guard let authd = component(named: "authd") else {
            return .failure(ConfigError(file: config.file, line: 0, reason: "no authd to reload"))
        }
        let report = ReloadReport(running: config, file: file, busy: busy)
        for line in report.lines { log.notice("reload: \(line)") }
        if busy == nil { applyComponents(report.next) }
        apply(authd, authd.supervision.handle(.restartRequested, now: now, policy: config.policy))
        return .success((report, authd))
    }

    /// Why the component table cannot change now, nil when it can.
    var busy: String? {
        if shuttingDown { return "the router is stopping" }
        if bootIndex < components.count || booting != nil { return "the router is starting" }
        if upgrade != nil { return "an upgrade is in progress" }
        if let c = components.first(where: { $0.removing || $0.replacing }) { return "\(c.name) is still stopping" }
        return nil
    }

    /// Makes the table what `next` asks for, in the service table's order
    /// (a re-executed pppinit builds it from the file in that order).
    private func applyComponents(_ next: RouterConfig) {
        let old = config
        config = next
        var table: [Component] = []
        var wanted = Set<String>()
        for service in Service.table where service.peer != .authd {
            for (name, settings) in service.instances(next) {
                let setup = service.setup(name, settings: settings, config: next)
                wanted.insert(name.description)
                if let c = component(named: name.description) {
                    table.append(c)
                    guard c.setup != setup else { continue }
                    c.setup = setup
                    // metricsd's socket on its new address, bound at spawn.
                    if c.peer == .metricsd && old.metrics?.listen != next.metrics?.listen { c.listener = nil }
                    if let port = name.port, let was = old.ports.first(where: { $0.name == port }),
                       let will = next.ports.first(where: { $0.name == port }), !was.sameTransport(as: will) {
                        // Its descriptors cannot serve the new transport:
                        // stopped like a removed port, its fd store entries
                        // dropped, then started (replaced(_:)).
                        log.notice("reload: \(c.name): new transport; stopping it, then starting it again")
                        c.replacing = true
                        apply(c, c.supervision.handle(.stopRequested, now: now, policy: config.policy))
                        if c.pid == nil { replaced(c) }
                        continue
                    }
                    log.notice("reload: \(c.name): new settings; restarting it in place")
                    apply(c, c.supervision.handle(.restartRequested, now: now, policy: config.policy))
                } else {
                    let c = Component(name: name.description, peer: service.peer, setup: setup)
                    table.append(c)
                    log.notice("reload: \(c.name): added; starting it")
                    apply(c, c.supervision.handle(.restartRequested, now: now, policy: config.policy))
                }
            }
        }
        let gone = components.filter { $0.peer != .authd && !wanted.contains($0.name) }
        components = components.filter { $0.peer == .authd } + table + gone
        bootIndex = components.count
        for c in gone {
            log.notice("reload: \(c.name): removed; stopping it")
            c.removing = true
            if let t = c.backoffTimer { loop.cancel(t); c.backoffTimer = nil }
            apply(c, c.supervision.handle(.stopRequested, now: now, policy: config.policy))
            if c.pid == nil { removed(c) }
        }
    }

    /// A component whose transport changed has stopped: what it left in
    /// the fd store closes, and it starts on its new settings.
    func replaced(_ c: Component) {
        guard c.pid == nil, !shuttingDown else { return }
        c.replacing = false
        let entries = store.removeAll(c.name)
        log.notice("\(c.name): stopped for its new transport; \(entries) fd store entries closed; starting it")
        apply(c, c.supervision.handle(.restartRequested, now: now, policy: config.policy))
    }

    /// A removed component has stopped: it leaves the table, and what it
    /// left in the fd store (its port's sockets) closes.
    func removed(_ c: Component) {
        guard c.pid == nil, !shuttingDown else { return }
        components.removeAll { $0 === c }
        let entries = store.removeAll(c.name)
        c.listener = nil
        c.rendezvous = nil
        log.notice("\(c.name): removed from the config; \(entries) fd store entries closed")
    }
}
