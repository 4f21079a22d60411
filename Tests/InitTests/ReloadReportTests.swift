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

    @Test func portsPoolsAndMetricsThatDifferAreNamed() throws {
        let running = try load(Self.base)
        let edited = Self.base
            .replacingOccurrences(of: "[port.b]\ntype = \"udp\"\nlocal = \"127.0.0.1:16003\"", with: "[port.c]\ntype = \"udp\"\nlocal = \"127.0.0.1:16003\"")
            .replacingOccurrences(of: "remote = \"127.0.0.1:16002\"", with: "remote = \"127.0.0.1:16009\"")
            .replacingOccurrences(of: "10.0.0.20", with: "10.0.0.30")
            + "[metrics]\nlisten = \"127.0.0.1:9361\"\n[users.bob]\npassword = \"x\"\n"
        let r = ReloadReport(running: running, file: try load(edited))
        #expect(r.notApplied.map { "\($0.0) \($0.1)" } == ["port.c added", "port.b removed", "port.a changed", "pool changed", "metrics changed"],
                "\(r.notApplied)")
        #expect(r.applied.first?.1.hasPrefix("auth, users and radius re-read;") == true)
        #expect(r.lines.contains("port.c: added, not applied: needs a restart of the router"))
    }
}
