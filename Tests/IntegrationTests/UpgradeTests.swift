// Integration: `pppctl upgrade` (issue 20) on a BRAS + CPE pair over PPP on
// UDP (SessionLab), the BRAS run from a copy of the build in a temp bin dir.
// "Rebuilt" executables are copies whose GNU build id note has its bytes
// inverted (the rest of the file is the same, so they still run), put in
// place by rename as a package manager does: the running processes keep
// their inodes, and /proc/PID/exe tells old from new.
import Foundation
import IPC
import Testing

/// A copy of the build's executables in a directory of its own.
func copyOfTheBuild(_ tag: String) throws -> String {
    let dir = "/tmp/ppprouter-upgrade-bin-\(tag)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for name in ["pppinit", "authd", "ncpd", "bridged", "linkd", "metricsd"]
    where FileManager.default.fileExists(atPath: binDir + "/" + name) {
        try FileManager.default.copyItem(atPath: binDir + "/" + name, toPath: dir + "/" + name)
    }
    return dir
}

/// Replaces DIR/NAME (by rename) with `bytes`, executable.
func install(_ bytes: [UInt8], as path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path + ".new"))
    chmod(path + ".new", 0o755)
    guard rename(path + ".new", path) == 0 else { throw POSIXError(.EIO) }
}

/// The executable with every octet of its build id inverted.
func rebuilt(_ path: String) throws -> [UInt8] {
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    let note = try BuildIDNote.find(in: bytes.prefix(ExecutableID.headLength))
    for i in note.offset..<note.offset + note.id.count { bytes[i] = ~bytes[i] }
    return bytes
}

extension RouterUnderTest {
    func upgrade(_ args: [String] = []) throws -> (status: Int32, reply: UpgradeReply?, stderr: String) {
        let r = try ctl(["--json", "upgrade"] + args)
        // The reply is the envelope's data (JSONDocument, kind "upgrade").
        let doc = (try? JSON.parse(r.stdout)).flatMap(JSONDocument.init(json:))
        let reply = doc.flatMap { $0.kind == "upgrade" ? try? UpgradeReply(json: $0.data) : nil }
        return (r.status, reply, r.stderr)
    }
}

func results(_ reply: UpgradeReply?) -> [String: UpgradeReply.Result] {
    Dictionary(uniqueKeysWithValues: (reply?.components ?? []).map { ($0.name, $0.result) })
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct UpgradeTests {
    @Test func upgradeUnderPingKeepsTheSessionAndReplacesEveryProcess() throws {
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let bin = try copyOfTheBuild(tag)
        defer { try? FileManager.default.removeItem(atPath: bin) }
        let lab = try SessionLab(echoFailure: 5, serverBin: bin)
        defer { lab.remove() }
        let a = lab.a
        let before = try a.allRunning()
        let names = before.keys.sorted()
        let pppinit = a.process.processIdentifier

        // Nothing on disk differs yet.
        let same = try a.upgrade(["--check"])
        #expect(same.status == 0 && same.reply?.outcome == .checked, "\(same.stderr)")
        #expect(results(same.reply) == Dictionary(uniqueKeysWithValues: (["pppinit"] + names).map { ($0, .unchanged) }))

        for name in ["pppinit", "authd", "ncpd", "bridged", "linkd"] {
            try install(try rebuilt(bin + "/" + name), as: bin + "/" + name)
        }
        let check = try a.upgrade(["--check"])
        #expect(check.status == 0 && check.reply?.outcome == .checked)
        #expect(results(check.reply) == Dictionary(uniqueKeysWithValues: (["pppinit"] + names).map { ($0, .changes) }))
        for p in check.reply?.components ?? [] {
            #expect(p.running.hasPrefix("build-id:") && p.onDisk.hasPrefix("build-id:") && p.running != p.onDisk, "\(p)")
        }
        // Admin only.
        let refused = try a.ctl(["upgrade"], asUser: 65534)
        #expect(refused.status != 0 && refused.stderr.contains("root or the admin group"), "\(refused.stderr)")

        let pingOut = "/tmp/ppprouter-ping-\(tag).txt"
        _ = FileManager.default.createFile(atPath: pingOut, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: pingOut) }
        let ping = Process()
        ping.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        ping.arguments = ["netns", "exec", lab.nsB.name, "ping", "-n", "-i", "0.1", "-c", "150", "-W", "1", "10.99.0.1"]
        ping.standardOutput = FileHandle(forWritingAtPath: pingOut)
        ping.standardError = FileHandle.nullDevice
        try ping.run()
        defer { if ping.isRunning { ping.terminate() }; ping.waitUntilExit() }
        sleep(2)

        // A watcher carried across the re-execution: the new image's events
        // (each daemon's restart) number on from the old image's, with no
        // reset to 1 that would read as a restart of the router.
        let watcher = try Watcher(a, timeout: 120)
        let up = try a.upgrade()
        #expect(up.status == 0 && up.reply?.outcome == .done, "\(up.stderr)\n\(a.log.suffix(4000))")
        #expect(results(up.reply) == Dictionary(uniqueKeysWithValues: (["pppinit"] + names).map { ($0, .upgraded) }))
        // pppinit re-executed in place (execve keeps the pid); every daemon is a new process.
        #expect(a.process.isRunning && a.process.processIdentifier == pppinit)
        #expect(a.log.contains("re-executed (generation 1)"), "\(a.log.suffix(3000))")
        let after = try a.allRunning()
        for name in names {
            #expect(pid(after[name]) != nil && pid(after[name]) != pid(before[name]), "\(name): \(before[name]!) → \(after[name]!)")
        }
        let again = try a.upgrade(["--check"])
        #expect(results(again.reply) == Dictionary(uniqueKeysWithValues: (["pppinit"] + names).map { ($0, .unchanged) }))
        #expect(!FileManager.default.fileExists(atPath: a.runtimeDir + "/upgrade"), "old executables' copies left behind")

        // linkd goes last; its new process's start is the new image's event.
        let linkdBack = watcher.first(seconds: 10) {
            $0["component"]?.string == "linkd@sa" && ["started", "restarted"].contains($0["event"]?.string ?? "")
        }
        #expect(linkdBack != nil, "\(watcher.lines)")
        let seqs = watcher.stop().compactMap { $0["seq"]?.int }
        #expect(!seqs.isEmpty && seqs.first! > 1 && zip(seqs, seqs.dropFirst()).allSatisfy { $0.1 > $0.0 }, "\(seqs)")
        lab.expectSessionKept("across pppctl upgrade")
        ping.waitUntilExit()
        let out = (try? String(contentsOfFile: pingOut, encoding: .utf8)) ?? ""
        let summary = out.split(separator: "\n").first { $0.contains("packets transmitted") }.map(String.init) ?? "?"
        let numbers = summary.split(separator: " ").compactMap { Int($0) }
        if numbers.count >= 2 {
            print("upgrade: ping across pppctl upgrade of pppinit and \(names.count) daemons: \(numbers[0]) sent, \(numbers[1]) received, \(numbers[0] - numbers[1]) lost")
        }
        #expect(numbers.count >= 2 && numbers[1] > 0, "\(out)")
    }

    @Test func daemonThatCannotStartIsRolledBack() throws {
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let bin = try copyOfTheBuild(tag)
        defer { try? FileManager.default.removeItem(atPath: bin) }
        let lab = try SessionLab(echoFailure: 5, serverBin: bin)
        defer { lab.remove() }
        let a = lab.a
        let before = try a.allRunning()

        // pppinit and authd rebuilt; linkd replaced by one that exits at start.
        try install(try rebuilt(bin + "/pppinit"), as: bin + "/pppinit")
        try install(try rebuilt(bin + "/authd"), as: bin + "/authd")
        try install(Array("#!/bin/sh\necho 'linkd that cannot start' >&2\nexit 1\n".utf8), as: bin + "/linkd")
        let check = try a.upgrade(["--check"])
        #expect(results(check.reply) == ["pppinit": .changes, "authd": .changes, "ncpd": .unchanged,
                                         "bridged": .unchanged, "linkd@sa": .changes])
        #expect(check.reply?.components.first { $0.name == "linkd@sa" }?.onDisk.hasPrefix("fnv1a64:") == true)

        let up = try a.upgrade()
        #expect(up.status == 1, "pppctl upgrade should fail: \(up.stderr)")
        #expect(up.reply?.outcome == .failed && up.reply?.reason?.contains("linkd@sa") == true, "\(String(describing: up.reply))")
        #expect(results(up.reply) == ["pppinit": .upgraded, "authd": .upgraded, "ncpd": .unchanged,
                                      "bridged": .unchanged, "linkd@sa": .rolledBack])
        #expect(a.log.contains("linkd that cannot start"))
        let after = try a.allRunning()
        #expect(pid(after["linkd@sa"]) != pid(before["linkd@sa"]) && pid(after["authd"]) != pid(before["authd"]))
        #expect(pid(after["ncpd"]) == pid(before["ncpd"]), "unchanged daemons are left alone")
        // The rolled-back linkd runs the old executable's copy, kept for its restarts.
        let linkd = try #require(pid(after["linkd@sa"]))
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(linkd)/exe")) ?? ""
        #expect(exe == a.runtimeDir + "/upgrade/linkd", "\(exe)")
        #expect(!FileManager.default.fileExists(atPath: a.runtimeDir + "/upgrade/authd"))
        let still = try a.upgrade(["--check"])
        #expect(results(still.reply)["linkd@sa"] == .changes && results(still.reply)["authd"] == .unchanged)
        lab.expectSessionKept("after a rolled-back upgrade")
    }
}
