// Integration (issue 19 point 4): `pppctl reload` applies ports without
// dropping a session it does not have to. A server and a client with a
// session pinging across it (SessionLab, port sa); the server's file gains a
// port sx towards a third router in its own namespace: the reload starts
// linkd@sx and a second session comes up on it. The file loses sx again:
// linkd@sx stops, its session ends with "port removed" (session-down, and
// the peer's Terminate-Request says so), and it leaves the table. A broken
// file changes nothing and reload exits 1. Through all of it the first
// session keeps its id and its linkd its pid, and the ping goes on; last,
// the first port's own table changes: its linkd restarts in place and the
// session resumes with the same id.
import Foundation
import IPC
import Testing

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct ReloadPortsTests {
    @Test func reloadAddsAndRemovesAPortWhileAnotherPortsSessionPings() throws {
        let lab = try SessionLab()
        defer { lab.remove() }
        let nsC = try Netns("wc")
        defer { nsC.delete() }
        _ = try VethLink(lab.nsA, nsC, addressA: "10.97.2.1", addressB: "10.97.2.2")
        let a = lab.a
        let ping = try BackgroundPing(lab.nsB.name, "10.99.0.1")
        var pinging = true
        defer { if pinging { _ = ping.stop() } }
        func morePings(_ n: Int) {
            let from = ping.replies
            var waited = 0
            while ping.replies < from + n && waited < 200 { usleep(100_000); waited += 1 }
        }
        morePings(5)
        let before = try a.allRunning()

        // Added: the reload starts linkd@sx, nothing else restarts.
        let file = lab.configs[0].path
        let original = try String(contentsOfFile: file, encoding: .utf8)
        let udp = UInt16.random(in: 41_000...50_000)
        let sx = """

            [port.sx]
            type = "udp"
            local = "10.97.2.1:\(udp)"
            remote = "10.97.2.2:\(udp)"
            lcp-restart = 1
            address = "10.99.0.1:"
            ip-pool = "clients"

            """
        try (original + sx).write(toFile: file, atomically: true, encoding: .utf8)
        let added = try a.ctl(["--json", "reload"])
        #expect(added.status == 0, "\(added.stderr)")
        let report = try JSON.parse(added.stdout)["data"]
        #expect(report?["applied"]?["linkd@sx"]?.string == "port added: linkd started"
                && report?["not_applied"]?.object?.isEmpty == true, "\(added.stdout)")
        let grown = try a.waitFor { $0["linkd@sx"]?["state"]?.string == "running" }
        for name in ["linkd@sa", "ncpd", "bridged"] {
            #expect(pid(grown[name]) == pid(before[name]), "\(name) restarted by adding a port")
        }

        // A third router on the new port: a second session comes up there.
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let resolv = "/tmp/ppprouter-resolv-\(tag)-c.conf"
        let cc = try TempConfig(NetworkPathConfig.client(port: "cc", body: """
            type = "udp"
            local = "10.97.2.2:\(udp)"
            remote = "10.97.2.1:\(udp)"
            """, resolv: resolv))
        let c = try RouterUnderTest(config: cc.path, netns: nsC.name)
        defer { c.stop(); cc.remove(); try? FileManager.default.removeItem(atPath: resolv) }
        let onSX = a.waitForSession(seconds: 60, "a session on sx") {
            $0["id"]?.string?.hasPrefix("sx:") == true && $0["ipcp"]?["state"]?.string == "opened"
        }
        let sxID = try #require(onSX?["id"]?.string)
        morePings(3)

        // Removed: its session ends saying why, then linkd@sx leaves.
        let watcher = try Watcher(a, timeout: 60)
        try original.write(toFile: file, atomically: true, encoding: .utf8)
        let removed = try a.ctl(["--json", "reload"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect((try JSON.parse(removed.stdout))["data"]?["applied"]?["linkd@sx"]?.string?.hasPrefix("port removed") == true,
                "\(removed.stdout)")
        let shrunk = try a.waitFor { $0["linkd@sx"] == nil }
        #expect(shrunk["linkd@sx"] == nil && pid(shrunk["linkd@sa"]) == pid(before["linkd@sa"]))
        let down = watcher.first { $0["event"]?.string == "session-down" && $0["session"]?.string == sxID }
        #expect(down?["reason"]?.string == "port removed", "\(down.map { "\($0)" } ?? "no session-down for \(sxID)")")
        // The peer got our Terminate-Request and its reason (RFC 1661 §5.5).
        let peerEnd = c.waitForSession("dead") { $0["phase"]?.string == "dead" }
        #expect(peerEnd?["reason"]?.string == "peer terminated: port removed", "\(peerEnd.map { "\($0)" } ?? "none")")
        #expect(a.log.contains("linkd@sx: removed from the config"), "\(a.log.suffix(3000))")

        // A broken file: reload exits 1 with file:line, nothing restarts.
        let steady = try a.allRunning()
        try (original + "\n[port.sy]\ntype = \"udp\"\nlocal = \"localhost:1\"\n").write(toFile: file, atomically: true, encoding: .utf8)
        let broken = try a.ctl(["reload"])
        #expect(broken.status == 1 && broken.stderr.contains(file + ":") && broken.stderr.contains("nothing reloaded"),
                "\(broken.stdout)\(broken.stderr)")
        let after = try a.components()
        #expect(after.keys.sorted() == steady.keys.sorted(), "\(after.keys.sorted())")
        for (name, component) in steady { #expect(pid(after[name]) == pid(component), "\(name) restarted by a broken file") }

        // Its own port changed (what new sessions offer as DNS): linkd@sa
        // restarts in place and resumes the session from the fd store.
        let dns = original.replacingOccurrences(of: "192.0.2.53", with: "192.0.2.54")
        #expect(dns != original)
        try dns.write(toFile: file, atomically: true, encoding: .utf8)
        let changed = try a.ctl(["--json", "reload"])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect((try JSON.parse(changed.stdout))["data"]?["applied"]?["linkd@sa"]?.string?.hasPrefix("port changed") == true,
                "\(changed.stdout)")
        let restarted = try a.waitFor { pid($0["linkd@sa"]) != pid(before["linkd@sa"]) && $0["linkd@sa"]?["state"]?.string == "running" }
        #expect(pid(restarted["ncpd"]) == pid(before["ncpd"]))

        // The first session: the same id at both ends, opened, pinging.
        let kept = a.waitForSession(seconds: 30, "the first session resumed") {
            $0["id"]?.string == lab.id && isOpened($0) && ipcpAndIPv6CPOpened($0)
        }
        morePings(5)
        #expect(kept.map(isOpened) == true && kept.map(ipcpAndIPv6CPOpened) == true, "\(a.sessions())")
        let peer = lab.b.sessions().filter { $0["phase"]?.string != "dead" }
        #expect(peer.count == 1 && peer.first?["id"]?.string == lab.idB, "\(peer)")
        pinging = false
        let counts = ping.stop()
        #expect((counts?.received ?? 0) > 0)
        if let counts {
            print("reload ports: ping across add, remove and a broken reload: \(counts.sent) sent, \(counts.received) received, \(counts.sent - counts.received) lost")
        }
    }
}
