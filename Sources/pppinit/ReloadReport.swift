// What `pppctl reload` (and SIGHUP) did with a file that passed the check,
// section by section (issue 19 point 4): the auth sections are applied
// (authd restarts and reads them; sessions stay up), and every other
// section that differs from the running config is named with what it takes
// to apply it, instead of being ignored in silence. Ports, pools, metrics
// and the rest are still read only at start (docs/design.md, Issue 19).
import IPC

struct ReloadReport: Equatable {
    /// Component → what it took up.
    var applied: [(String, String)] = []
    /// Section → what changed; applied at the next start of the router.
    var notApplied: [(String, String)] = []

    static func == (a: ReloadReport, b: ReloadReport) -> Bool {
        a.applied.map { "\($0.0)=\($0.1)" } == b.applied.map { "\($0.0)=\($0.1)" }
            && a.notApplied.map { "\($0.0)=\($0.1)" } == b.notApplied.map { "\($0.0)=\($0.1)" }
    }

    /// `running`: the config pppinit started with; `file`: the file now.
    init(running: RouterConfig, file: RouterConfig) {
        applied.append(("authd", running.auth == file.auth
            ? "auth, users and radius re-read (unchanged); authd restarted"
            : "auth, users and radius re-read; authd restarted"))
        let old = Dictionary(running.ports.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(file.ports.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in new.keys.sorted() where old[name] == nil { notApplied.append(("port.\(name)", "added")) }
        for name in old.keys.sorted() where new[name] == nil { notApplied.append(("port.\(name)", "removed")) }
        for name in old.keys.sorted() where new[name] != nil && new[name] != old[name] {
            notApplied.append(("port.\(name)", "changed"))
        }
        func section(_ name: String, _ same: Bool) { if !same { notApplied.append((name, "changed")) } }
        section("pool", running.pools == file.pools)
        section("pool6", running.pools6 == file.pools6)
        section("ipv6", running.ipv6Ports == file.ipv6Ports)
        // Roles of ports added or removed are part of that port's change.
        let common = Set(old.keys).intersection(new.keys)
        section("bridge", running.bridgeRoles.filter { common.contains($0.key) } == file.bridgeRoles.filter { common.contains($0.key) }
            && running.bridgeRules == file.bridgeRules)
        section("metrics", running.metrics == file.metrics)
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
