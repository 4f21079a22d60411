// Integration: what an operator's tooling runs against the real executables:
// `--version` on every one, `pppinit --check` on a good and a broken file,
// and `pppctl reload` of a file broken after start (exit 1 with the reason,
// authd keeps running, unrestarted), mended (authd restarted), with a port
// and a pool added (applied: its linkd runs, ncpd restarted), and by SIGHUP
// the port removed (its linkd leaves the table) and the pool changed (named
// as waiting for a restart).
import Foundation
import IPC
import Testing

@Suite(.serialized) struct OperationsTests {
    @Test(arguments: ["pppinit", "pppctl", "linkd", "authd", "ncpd", "bridged", "metricsd"])
    func versionOnEveryExecutable(_ name: String) throws {
        let r = try run(binDir + "/" + name, ["--version"])
        #expect(r.status == 0, "\(name): \(r.stderr)")
        #expect(r.stdout.contains(Version.release) && r.stdout.contains(name), "\(name): \(r.stdout)")
    }

    @Test func checkSaysOkOrFileLineReason() throws {
        let good = try run(binDir + "/pppinit", ["--check", packageRoot + "/compose/minimal.toml"])
        #expect(good.status == 0 && good.stdout.contains("minimal.toml: ok"), "\(good.stdout)\(good.stderr)")
        let bad = try TempConfig("[router]\nseccomp = \"kill\"\n\n[port.u]\ntype = \"udp\"\nlocal = \"localhost:1\"\n")
        defer { bad.remove() }
        let r = try run(binDir + "/pppinit", ["--check", bad.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.hasPrefix("\(bad.path):6: port 'u': 'local'"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        // A start refuses the same file, with the same words.
        let start = try run(binDir + "/pppinit", ["--config", bad.path, "--runtime-dir", "/tmp/ppprouter-never-\(getpid())"])
        #expect(start.status != 0 && start.stderr.contains("\(bad.path):6: port 'u': 'local'"), "\(start.stderr)")
        #expect(try run(binDir + "/pppinit", ["--check"]).status == 2)
    }

    @Test(.enabled(if: isRoot, "needs root: daemons drop to their own uids"))
    func reloadOfABrokenFileChangesNothing() throws {
        let minimal = try String(contentsOfFile: packageRoot + "/compose/minimal.toml", encoding: .utf8)
        let config = try TempConfig(minimal)
        defer { config.remove() }
        let router = try RouterUnderTest(config: config.path)
        defer { router.stop() }
        let before = try router.allRunning()
        try (minimal + "\n[users.bob]\npasword = \"typo\"\n").write(toFile: config.path, atomically: true, encoding: .utf8)
        let r = try router.ctl(["reload"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains(config.path + ":") && r.stderr.contains("nothing reloaded"), "\(r.stderr)")
        let after = try router.components()
        #expect(pid(after["authd"]) == pid(before["authd"]), "authd was restarted")
        // Mended, the reload goes through: authd restarts and is ready again.
        try minimal.write(toFile: config.path, atomically: true, encoding: .utf8)
        let ok = try router.ctl(["reload"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("authd: auth, users and radius re-read") && !ok.stdout.contains("not applied"), "\(ok.stdout)")
        let now = try router.allRunning()
        #expect(pid(now["authd"]) != pid(before["authd"]))

        // A port added and a pool: applied, said so; the new port's linkd
        // runs, ncpd restarted in place.
        let withExtra = minimal + "\n[port.extra]\ntype = \"udp\"\nlocal = \"127.0.0.1:16011\"\nremote = \"127.0.0.1:16012\"\n"
            + "[pool.p]\nrange = \"10.9.0.10-10.9.0.20\"\n"
        try withExtra.write(toFile: config.path, atomically: true, encoding: .utf8)
        let ncpdBefore = pid(try router.allRunning()["ncpd"])
        let named = try router.ctl(["--json", "reload"])
        #expect(named.status == 0, "\(named.stderr)")
        let report = try JSON.parse(named.stdout)["data"]
        #expect(report?["applied"]?["linkd@extra"]?.string == "port added: linkd started"
                && report?["applied"]?["ncpd"]?.string?.hasPrefix("pool, pool6 and ipv6 tables added") == true
                && report?["not_applied"]?.object?.isEmpty == true, "\(named.stdout)")
        let grown = try router.waitFor { $0["linkd@extra"]?["state"]?.string == "running" && $0["ncpd"]?["state"]?.string == "running" }
        #expect(pid(grown["ncpd"]) != ncpdBefore && pid(grown["linkd@udp0"]) == pid(now["linkd@udp0"]))

        // SIGHUP is the same reload (systemctl reload may send it): the
        // port taken out again stops and leaves the table; the pool, which
        // the running ncpd has, stays until a restart (named in the log).
        let beforeHUP = pid(try router.allRunning()["authd"])
        try (minimal + "\n[pool.p]\nrange = \"10.9.0.10-10.9.0.30\"\n").write(toFile: config.path, atomically: true, encoding: .utf8)
        kill(router.process.processIdentifier, SIGHUP)
        let shrunk = try router.waitFor {
            pid($0["authd"]) != beforeHUP && $0["authd"]?["state"]?.string == "running" && $0["linkd@extra"] == nil
        }
        #expect(shrunk["linkd@extra"] == nil && pid(shrunk["linkd@udp0"]) == pid(now["linkd@udp0"]))
        #expect(router.log.contains("reload: linkd@extra: port removed"), "\(router.log.suffix(2000))")
        #expect(router.log.contains("reload: pool: changed (a pool"), "\(router.log.suffix(2000))")

        // A port's transport changed (its local address): its descriptors
        // cannot serve it, so its linkd stops, its fd store entries close,
        // and it starts on the new address.
        let udp0 = pid(shrunk["linkd@udp0"])
        try (minimal.replacingOccurrences(of: "127.0.0.1:16001", with: "127.0.0.1:16003")
             + "\n[pool.p]\nrange = \"10.9.0.10-10.9.0.30\"\n").write(toFile: config.path, atomically: true, encoding: .utf8)
        let moved = try router.ctl(["--json", "reload"])
        let movedReport = try JSON.parse(moved.stdout)["data"]
        #expect(moved.status == 0 && movedReport?["applied"]?["linkd@udp0"]?.string?.hasPrefix("port changed, its transport too") == true,
                "\(moved.stdout)\(moved.stderr)")
        try router.waitFor { pid($0["linkd@udp0"]) != udp0 && $0["linkd@udp0"]?["state"]?.string == "running" }
        #expect(router.log.contains("linkd@udp0: stopped for its new transport; 1 fd store entries closed"), "\(router.log.suffix(2000))")
        // A broken file and SIGHUP: refused in the log, authd left alone.
        try (minimal + "\n[users.bob]\npasword = \"typo\"\n").write(toFile: config.path, atomically: true, encoding: .utf8)
        let steady = pid(try router.allRunning()["authd"])
        kill(router.process.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(20)
        while !router.log.contains("reload refused") && Date() < deadline { usleep(50_000) }
        #expect(router.log.contains("reload refused: \(config.path):"), "\(router.log.suffix(2000))")
        #expect(pid(try router.components()["authd"]) == steady)
    }
}
