// Integration: sessions survive `kill -9` of the daemons that carry them
// (DESIGN.md "Restart without losing sessions"). Two routers over PPP on UDP
// on a veth pair; a ping runs across the link while the server's ncpd and
// then its linkd are SIGKILLed. Both come back from pppinit's fd store: the
// session id and Magic-Numbers stay, neither side renegotiates LCP or the
// NCPs, and the ping loses at most a few packets (printed, not asserted).
import Foundation
import IPC
import Testing

extension RouterUnderTest {
    /// SIGKILLs a component and waits until pppinit has it running again.
    func killAndWaitForRestart(_ component: String) throws -> (old: Int32, new: Int32) {
        let old = try #require(pid(of: component))
        kill(old, SIGKILL)
        let list = try waitFor(seconds: 30) { l in
            l[component]?["state"]?.string == "running" && IntegrationTests.pid(l[component]).map { $0 != old } == true
        }
        return (old, IntegrationTests.pid(list[component]) ?? -1)
    }

    func count(_ needle: String) -> Int { log.components(separatedBy: needle).count - 1 }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct RestartTests {
    @Test func sessionSurvivesKillingNcpdThenLinkd() throws {
        let lab = try SessionLab(echoFailure: 5)
        defer { lab.remove() }
        let (nsA, nsB, a, b) = (lab.nsA, lab.nsB, lab.a, lab.b)
        let (sa, id, idB) = (lab.first, lab.id, lab.idB)
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"

        // A ping from the client across the link for the whole exercise.
        let pingOut = "/tmp/ppprouter-ping-\(tag).txt"
        _ = FileManager.default.createFile(atPath: pingOut, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: pingOut) }
        let ping = Process()
        ping.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        ping.arguments = ["netns", "exec", nsB.name, "ping", "-n", "-i", "0.1", "-c", "150", "-W", "1", "10.99.0.1"]
        ping.standardOutput = FileHandle(forWritingAtPath: pingOut)
        ping.standardError = FileHandle.nullDevice
        try ping.run()
        defer { if ping.isRunning { ping.terminate() }; ping.waitUntilExit() }
        sleep(2)

        let ncpd = try a.killAndWaitForRestart("ncpd")
        let afterNcpd = a.waitForSession(seconds: 20, "resumed by the new ncpd") {
            $0["id"]?.string == id && ipcpAndIPv6CPOpened($0)
        }
        #expect(afterNcpd?["interface"] == sa["interface"])
        sleep(2)
        let linkd = try a.killAndWaitForRestart("linkd@sa")
        let afterLinkd = a.waitForSession(seconds: 20, "resumed by the new linkd") {
            $0["id"]?.string == id && isOpened($0) && ipcpAndIPv6CPOpened($0)
        }
        print("restart: ncpd \(ncpd.old) → \(ncpd.new), linkd@sa \(linkd.old) → \(linkd.new)")
        // The operator's restart (SIGUSR2 from pppinit) keeps sessions too;
        // only a stop (SIGTERM) ends them.
        for component in ["ncpd", "linkd@sa"] {
            sleep(1)
            let old = try #require(pid(try a.components()[component]))
            let r = try a.ctl(["restart", component])
            #expect(r.status == 0, "pppctl restart \(component): \(r.stderr)")
            let now = try a.waitFor { pid($0[component]) != nil && pid($0[component]) != old && $0[component]?["state"]?.string == "running" }
            print("restart: pppctl restart \(component): \(old) → \(pid(now[component]) ?? -1)")
        }
        let afterRestarts = a.waitForSession(seconds: 20, "resumed after pppctl restart") {
            $0["id"]?.string == id && isOpened($0) && ipcpAndIPv6CPOpened($0)
        }
        #expect(afterRestarts != nil)
        ping.waitUntilExit()
        let out = (try? String(contentsOfFile: pingOut, encoding: .utf8)) ?? ""
        let summary = out.split(separator: "\n").first { $0.contains("packets transmitted") }.map(String.init) ?? "?"
        let numbers = summary.split(separator: " ").compactMap { Int($0) }
        if numbers.count >= 2 {
            print("restart: ping across kill -9 and pppctl restart of ncpd and linkd: \(numbers[0]) sent, \(numbers[1]) received, \(numbers[0] - numbers[1]) lost")
        }
        #expect(numbers.count >= 2 && numbers[1] > 0, "\(out)")

        // Same session, same Magic-Numbers, on both ends.
        let nowA = try #require(afterLinkd)
        let nowB = try #require(b.sessions().first { $0["id"]?.string == idB })
        #expect(nowA["local"]?["magic"] == sa["local"]?["magic"] && nowA["peer"]?["magic"] == sa["peer"]?["magic"])
        #expect(nowB["peer"]?["magic"] == sa["local"]?["magic"], "the peer still knows our Magic-Number")
        #expect(isOpened(nowB) && ipcpAndIPv6CPOpened(nowB))
        #expect(nowA["ipcp"]?["local"] == sa["ipcp"]?["local"] && nowA["ipcp"]?["remote"] == sa["ipcp"]?["remote"])
        #expect(nowA["ipv6cp"]?["remote_id"] == sa["ipv6cp"]?["remote_id"])
        // No renegotiation anywhere: each side logged its Network phase and
        // each NCP's opening once; the new daemons logged resumes.
        for (r, name) in [(a, "server"), (b, "client")] {
            #expect(r.count("network phase (magic") == 1, "\(name) renegotiated LCP:\n\(r.log)")
            #expect(r.count("IPCP opened: local") == 1, "\(name) renegotiated IPCP:\n\(r.log)")
            #expect(r.count("IPv6CP opened: local") == 1, "\(name) renegotiated IPv6CP:\n\(r.log)")
        }
        #expect(a.count("resumed after a restart") == 4, "\(a.log)")
        #expect(a.count("restarting; sessions stay") == 2, "\(a.log)")
        #expect(b.count("peer terminates") == 0 && b.count("down:") == 0, "\(b.log)")
        let status = try a.ctl(["--json", "call", "ncpd", "status"]).stdout
        #expect(status.contains("\"resumed\":1"), "\(status)")

        // Still a working session: killing it removes the unit and frees the
        // lease (the fd store let go of the channel and the TUN).
        #expect(try a.ctl(["session", "kill", id]).status == 0)
        a.waitForNetwork("no session", { $0.isEmpty })
        b.waitForNetwork("no session", { $0.isEmpty })
        #expect(try nsA.exec(["ip", "link", "show", "ppp0"]).status != 0, "the unit outlived the session")
        #expect(try nsB.exec(["ip", "link", "show", "ppp0"]).status != 0)
        #expect(try a.ctl(["--json", "call", "ncpd", "pools"]).stdout.contains("\"leased\":0"))
    }
}
