// What a reload applies and what it names as waiting for a restart
// (ReloadReport, issue 19): the auth sections always (authd restarts);
// every other section only when it differs, ports by name.
import Config
import IPC
import Testing
@testable import pppinit

@Suite struct ReloadReportTests {
    static let base = """
        [router]
        seccomp = "kill"
        [port.a]
        type = "udp"
        local = "127.0.0.1:16001"
        remote = "127.0.0.1:16002"
        [port.b]
        type = "udp"
        local = "127.0.0.1:16003"
        remote = "127.0.0.1:16004"
        [pool.p]
        range = "10.0.0.10-10.0.0.20"

        """

    func load(_ text: String) throws -> RouterConfig { try RouterConfig.parse(text, file: "reload.toml") }

    @Test func sameFileAppliesAuthOnly() throws {
        let c = try load(Self.base)
        let r = ReloadReport(running: c, file: c)
        #expect(r.applied.map(\.0) == ["authd"] && r.notApplied.isEmpty)
        #expect(r.json["not_applied"]?.object?.isEmpty == true)
    }

    static let edited = base
        .replacingOccurrences(of: "[port.b]\ntype = \"udp\"\nlocal = \"127.0.0.1:16003\"", with: "[port.c]\ntype = \"udp\"\nlocal = \"127.0.0.1:16003\"")
        .replacingOccurrences(of: "remote = \"127.0.0.1:16002\"", with: "remote = \"127.0.0.1:16009\"")
        + "[metrics]\nlisten = \"127.0.0.1:9361\"\n[users.bob]\npassword = \"x\"\n"

    @Test func portsAddedPoolsAndMetricsAreApplied() throws {
        let running = try load(Self.base)
        let file = try load(Self.edited + "[pool.q]\nrange = \"10.0.1.10-10.0.1.20\"\n")
        let r = ReloadReport(running: running, file: file)
        #expect(r.applied.map(\.0) == ["authd", "linkd@c", "linkd@b", "linkd@a", "ncpd", "metricsd"], "\(r.applied)")
        #expect(r.applied.first { $0.0 == "linkd@b" }?.1.contains("'port removed'") == true)
        // a's remote address changed: its transport, so its sessions end.
        #expect(r.applied.first { $0.0 == "linkd@a" }?.1.hasPrefix("port changed, its transport too") == true)
        #expect(r.notApplied.isEmpty, "\(r.notApplied)")
        // The router runs the file's ports, pools and metrics from now on.
        #expect(r.next.ports.map(\.name) == ["a", "c"] && r.next.pools == file.pools && r.next.metrics == file.metrics)
        #expect(r.json["applied"]?["linkd@c"]?.string == "port added: linkd started")
    }

    @Test func aPoolChangedUnderLeasesWaits() throws {
        let running = try load(Self.base)
        let file = try load(Self.base.replacingOccurrences(of: "10.0.0.20", with: "10.0.0.30"))
        let r = ReloadReport(running: running, file: file)
        #expect(r.notApplied.map(\.0) == ["pool"] && r.notApplied.first?.1.hasPrefix("changed (a pool") == true, "\(r.notApplied)")
        #expect(r.next.pools == running.pools)
        #expect(r.lines.contains { $0.hasPrefix("pool: changed (a pool") && $0.hasSuffix("not applied: needs a restart of the router") })
    }

    /// While the router starts (or upgrades, or a removed port still
    /// stops), only authd's sections apply; the rest is named with why.
    @Test func aBusyRouterAppliesAuthOnly() throws {
        let running = try load(Self.base)
        let r = ReloadReport(running: running, file: try load(Self.edited), busy: "the router is starting")
        #expect(r.applied.map(\.0) == ["authd"])
        #expect(r.notApplied.map(\.0) == ["port.c", "port.b", "port.a", "metrics"], "\(r.notApplied)")
        #expect(r.notApplied.first?.1 == "added (the router is starting; reload again)")
        #expect(r.next.ports == running.ports && r.next.metrics == nil)
    }

    /// `pppctl upgrade` refuses a config that names other components than
    /// run (the new image must adopt the same ones); the refusal says which
    /// and that a reload applies it, since only ports and [metrics] add or
    /// remove components and a reload applies both.
    @Test func upgradeRefusalNamesTheChangeAndReload() {
        let running = ["authd", "ncpd", "bridged", "linkd@a", "linkd@b"]
        let text = Router.componentsDiffer(running: running, inFile: ["authd", "ncpd", "bridged", "linkd@a", "linkd@c", "metricsd"])
        #expect(text == "the config file now names other components (+linkd@c, +metricsd, -linkd@b); apply it with `pppctl reload`, then upgrade")
        #expect(!text.contains("restart"))
        let reordered = Router.componentsDiffer(running: running, inFile: ["authd", "ncpd", "bridged", "linkd@b", "linkd@a"])
        #expect(reordered.contains("(the same, in another order)") && reordered.contains("pppctl reload"))
    }
}
