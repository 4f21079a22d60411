// What `pppctl reload` (and SIGHUP) does with a file that passed the check,
// section by section (issue 19 point 4), and the config the router runs
// afterwards (`next`). Applied without dropping a session:
// - the auth sections (authd restarts and reads them; sessions stay up);
// - ports: an added one's linkd starts, a removed one's stops (its sessions
//   end with "port removed"), a changed one's restarts in place (its
//   sessions resume from the fd store; new ones take the new settings);
// - pools, IPv6 pools and [ipv6.PORT] tables when each one the running
//   router has is still there unchanged (added ones only): ncpd restarts in
//   place and its sessions keep their leases. A pool changed or removed
//   under possible leases waits for a restart of the router;
// - [metrics]: metricsd starts, stops, or restarts on its new address.
// Every other section that differs is named with what it takes, instead of
// being ignored in silence (docs/design.md, Issue 19).
import IPC

struct ReloadReport: Equatable {
    /// Component → what it took up.
    var applied: [(String, String)] = []
    /// Section → what changed; applied at the next start of the router.
    var notApplied: [(String, String)] = []
    /// The running config after the reload: the file's sections that are
    /// applied, the running config's for the others (so a second reload
    /// still names what waits).
    var next: RouterConfig

    static func == (a: ReloadReport, b: ReloadReport) -> Bool {
        a.applied.map { "\($0.0)=\($0.1)" } == b.applied.map { "\($0.0)=\($0.1)" }
            && a.notApplied.map { "\($0.0)=\($0.1)" } == b.notApplied.map { "\($0.0)=\($0.1)" }
    }

    /// `running`: the config the router runs; `file`: the file now.
    /// `busy`: why components cannot change now (booting, an upgrade, a
    /// port still stopping), nil when they can; then only authd's sections
    /// are applied and the others are named with the reason.
    init(running: RouterConfig, file: RouterConfig, busy: String? = nil) {
        next = running
        next.auth = file.auth
        applied.append(("authd", running.auth == file.auth
            ? "auth, users and radius re-read (unchanged); authd restarted"
            : "auth, users and radius re-read; authd restarted"))
        func wait(_ section: String, _ what: String) {
            notApplied.append((section, busy.map { "\(what) (\($0); reload again)" } ?? what))
        }

        // Ports, with their bridge role and offload key (both go into the
        // port's linkd settings).
        let old = Dictionary(running.ports.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(file.ports.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func same(_ name: String) -> Bool {
            old[name] == new[name] && running.bridgeRoles[name] == file.bridgeRoles[name]
                && running.offload[name] == file.offload[name]
        }
        let added = new.keys.sorted().filter { old[$0] == nil }
        let removed = old.keys.sorted().filter { new[$0] == nil }
        let changed = old.keys.sorted().filter { new[$0] != nil && !same($0) }
        if busy == nil {
            next.ports = file.ports
            next.bridgeRoles = file.bridgeRoles
            next.offload = file.offload
            for n in added { applied.append(("linkd@\(n)", "port added: linkd started")) }
            for n in removed { applied.append(("linkd@\(n)", "port removed: linkd stopped, its sessions ended ('port removed')")) }
            for n in changed {
                if let o = old[n], let f = new[n], !o.sameTransport(as: f) {
                    applied.append(("linkd@\(n)", "port changed, its transport too: linkd stopped (its sessions ended, 'port removed') and started again"))
                } else {
                    applied.append(("linkd@\(n)", "port changed: linkd restarted in place; its sessions resume, new sessions take the new settings"))
                }
            }
        } else {
            for n in added { wait("port.\(n)", "added") }
            for n in removed { wait("port.\(n)", "removed") }
            for n in changed { wait("port.\(n)", "changed") }
        }

        // ncpd's sections: applied when nothing the running router has was
        // changed or removed, so every lease stays in its pool.
        let differs = running.pools != file.pools || running.pools6 != file.pools6 || running.ipv6Ports != file.ipv6Ports
        let kept = running.pools.allSatisfy(file.pools.contains) && running.pools6.allSatisfy(file.pools6.contains)
            && running.ipv6Ports.allSatisfy(file.ipv6Ports.contains)
        if differs && kept && busy == nil {
            next.pools = file.pools; next.pools6 = file.pools6; next.ipv6Ports = file.ipv6Ports
            applied.append(("ncpd", "pool, pool6 and ipv6 tables added: ncpd restarted in place; sessions keep their leases"))
        } else if differs {
            let why = kept ? "added" : "changed (a pool or [ipv6] table the running router has was changed or removed: its leases stay until a restart)"
            if running.pools != file.pools { wait("pool", why) }
            if running.pools6 != file.pools6 { wait("pool6", why) }
            if running.ipv6Ports != file.ipv6Ports { wait("ipv6", why) }
        }

        if running.metrics != file.metrics {
            if busy == nil {
                next.metrics = file.metrics
                let what = switch (running.metrics, file.metrics) {
                case (nil, _?): "metrics added: metricsd started"
                case (_?, nil): "metrics removed: metricsd stopped"
                default: "metrics changed: metricsd restarted on \(file.metrics?.listen ?? "")"
                }
                applied.append(("metricsd", what))
            } else {
                wait("metrics", "changed")
            }
        }

        func section(_ name: String, _ same: Bool) { if !same { notApplied.append((name, "changed")) } }
        section("bridge", running.bridgeRules == file.bridgeRules)
        section("hooks", running.hooks == file.hooks)
        section("supervisor", running.policy == file.policy)
        section("router", running.seccomp == file.seccomp && running.logLevel == file.logLevel
            && running.logFormat == file.logFormat && running.adminGroup == file.adminGroup
            && running.readGroup == file.readGroup && running.controlIdleTimeout == file.controlIdleTimeout)
        section("daemons", running.identities == file.identities)
    }

    /// `{"applied": {COMPONENT: WHAT}, "not_applied": {SECTION: WHAT}}`:
    /// what pppctl reload prints, and pppinit logs on SIGHUP.
    var json: JSON {
        .object(["applied": .object(JSONObject(applied.map { ($0.0, .string($0.1)) })),
                 "not_applied": .object(JSONObject(notApplied.map { ($0.0, .string($0.1 + "; needs a restart of the router")) }))])
    }

    var lines: [String] {
        applied.map { "\($0.0): \($0.1)" } + notApplied.map { "\($0.0): \($0.1), not applied: needs a restart of the router" }
    }
}
