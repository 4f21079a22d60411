// pppinit --check and the start both go through RouterConfig.checked: a
// table of broken configs, each refused with file:line: reason, and the few
// that pass (one with a warning).
#if canImport(Glibc)
import Glibc
#endif
import Config
import Foundation
import IPC
import Testing
@testable import pppinit

/// A file under /tmp removed by `remove()`.
struct ScratchFile {
    let path: String
    init(_ text: String, mode: mode_t = 0o600, suffix: String = ".toml") {
        path = "/tmp/ppprouter-check-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))\(suffix)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        chmod(path, mode)
    }
    func remove() { unlink(path) }
}

@Suite struct ConfigCheckTests {
    /// (config, line, what the reason says)
    static let broken: [(String, Int, String)] = [
        ("[port.u]\ntype = \"udp\"\nlocal = \"localhost:1\"\n", 3, "'local' is ADDRESS:PORT with a literal address"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"127.0.0.1:1\"\nremote = \"127.0.0.1\"\n", 4, "'remote' is ADDRESS:PORT"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"127.0.0.1:70000\"\n", 3, "literal address"),
        ("[port.t]\ntype = \"tcp\"\nconnect = \"example.com:80\"\n", 3, "'connect' is ADDRESS:PORT"),
        ("[port.t]\ntype = \"tcp\"\nlisten = \"[::1:80\"\n", 3, "'listen' is ADDRESS:PORT"),
        ("\n[metrics]\nlisten = \"any:9361\"\n", 2, "metrics: 'listen'"),
        ("[metrics]\nlisten = \"127.0.0.1:9361\"\nbogus = 1\n", 3, "bogus"),
        ("[auth]\nchap-secrets = \"/nonexistent/ppprouter-chap\"\n", 2, "chap-secrets /nonexistent/ppprouter-chap: "),
        ("[auth]\npap-secrets = \"/tmp\"\n", 2, "not a regular file"),
        ("[hooks]\nip-up = \"$SCRIPT\"\n", 2, "not an executable file"),
        ("[hooks]\nip-down = \"/nonexistent/ip-down\"\n", 2, "hook ip-down /nonexistent/ip-down"),
        ("[router]\nlog-level = \"loud\"\n", 2, "log-level"),
        ("[router]\nlog-format = \"xml\"\n", 2, "log-format"),
        ("[daemons.metricsd]\nuid = 0\n", 2, "uid"),
        // Issue 13: VLANs on pppoe ports.
        ("[port.v]\ntype = \"pppoe\"\ninterface = \"eth0\"\nrole = \"ac\"\nvlan-mon = \"200-100\"\n", 5, "'vlan-mon' is"),
        ("[port.v]\ntype = \"pppoe\"\ninterface = \"eth0\"\nrole = \"ac\"\nvlan-mon = \"0,5\"\n", 5, "'vlan-mon' is"),
        ("[port.v]\ntype = \"pppoe\"\ninterface = \"eth0\"\nrole = \"ac\"\nvlan-mon = \"4095\"\n", 5, "'vlan-mon' is"),
        ("[port.v]\ntype = \"pppoe\"\ninterface = \"eth0\"\nvlan-mon = \"any\"\n", 4, "'vlan-mon' is for role"),
        ("[port.v]\ntype = \"pppoe\"\ninterface = \"eth0\"\nrole = \"ac\"\nvlan = 100\n", 5, "'vlan' is for role"),
        ("[port.v]\ntype = \"pppoe\"\ninterface = \"eth0\"\nvlan = 4095\n", 4, "vlan"),
        ("[port.v]\ntype = \"pppoe\"\ninterface = \"eth0\"\nrole = \"ac\"\nvlan-outer = 10\n", 5, "'vlan-outer' (QinQ) needs"),
        ("[port.v]\ntype = \"pppoe\"\ninterface = \"eth0\"\nvlan = 7\nvlan-outer = 10\nvlan-outer-tpid = \"0x9100\"\n", 6, "'vlan-outer-tpid' is"),
        ("[port.u]\ntype = \"udp\"\n", 1, "local"),
        ("[port.u\n", 1, "expected ']'"),
    ]

    @Test(arguments: broken.indices)
    func brokenConfigIsRefusedWithFileAndLine(_ i: Int) throws {
        let (text, line, reason) = Self.broken[i]
        let script = ScratchFile("#!/bin/sh\n", mode: 0o644, suffix: ".sh")
        let f = ScratchFile(text.replacingOccurrences(of: "$SCRIPT", with: script.path))
        defer { f.remove(); script.remove() }
        var warnings: [ConfigError] = []
        #expect(performing: { _ = try RouterConfig.checked(path: f.path, warnings: &warnings) }, throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.file == f.path && e.line == line && e.reason.contains(reason)
                && e.description.hasPrefix("\(f.path):\(line): ")
        })
    }

    @Test func goodConfigPasses() throws {
        let secrets = ScratchFile("alice * pw *\n", mode: 0o600, suffix: ".secrets")
        defer { secrets.remove() }
        let f = ScratchFile("""
            [router]
            log-level = "notice"
            log-format = "json"
            [auth]
            chap-secrets = "\(secrets.path)"
            [metrics]
            listen = "[::1]:9361"
            per-session = true
            [port.u]
            type = "udp"
            local = "127.0.0.1:5000"
            remote = "[::1]:5001"
            """)
        defer { f.remove() }
        var warnings: [ConfigError] = []
        let c = try RouterConfig.checked(path: f.path, warnings: &warnings)
        #expect(warnings.isEmpty)
        #expect(c.logLevel == .notice && c.logFormat == .json)
        #expect(c.metrics == MetricsdSettings(listen: "[::1]:9361", perSession: true))
        #expect(c.identities["metricsd"]?.uid == 61005)
        let r = Router(config: c, loop: try EventLoop())
        #expect(r.components.map(\.name) == ["authd", "ncpd", "bridged", "linkd@u", "metricsd"])
        #expect(r.component(named: "metricsd")!.setup.syscalls == [SyscallRule("accept4")])
        #expect(r.component(named: "metricsd")!.setup.capabilities.isEmpty)
    }

    @Test func secretsOthersMayReadAreAWarning() throws {
        let open = ScratchFile("alice * pw *\n", mode: 0o644, suffix: ".secrets")
        let f = ScratchFile("# a comment\n[auth]\npap-secrets = \"\(open.path)\"\n")
        defer { f.remove(); open.remove() }
        var warnings: [ConfigError] = []
        _ = try RouterConfig.checked(path: f.path, warnings: &warnings)
        #expect(warnings.count == 1 && warnings.first?.line == 3 && warnings.first?.reason.contains("mode 644") == true, "\(warnings)")
    }

    @Test func noMetricsTableNoMetricsd() throws {
        let c = try RouterConfig.parse("[port.u]\ntype = \"udp\"\nlocal = \"127.0.0.1:1\"\n", file: "r.toml")
        #expect(c.metrics == nil)
        #expect(Router(config: c, loop: try EventLoop()).component(named: "metricsd") == nil)
    }
}
