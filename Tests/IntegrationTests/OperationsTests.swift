// Integration: what an operator's tooling runs against the real executables:
// `--version` on every one, `pppinit --check` on a good and a broken file,
// and `pppctl reload` of a file broken after start (exit 1 with the reason,
// authd keeps running, unrestarted).
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
        let now = try router.allRunning()
        #expect(pid(now["authd"]) != pid(before["authd"]))
    }
}
