// Integration: two routers over TCP (one listens, one connects), links on all
// three transports staying up through 30 s of echoes (run side by side so the
// wait is paid once), a silent TCP peer declared dead by echoes, a killed
// caller ending its session at once, and the
// Network-phase handoff: the session's channel held by ncpd until the
// session is killed.
import Foundation
import IPC
import Testing

/// A loopback TCP port unlikely to collide with another test run.
func freeTCPPort() -> UInt16 { UInt16.random(in: 20_000...40_000) }

extension RouterUnderTest {
    /// ncpd's `sessions`: the channels it holds.
    func ncpdChannels() -> [JSON] {
        guard let r = try? ctl(["--json", "call", "ncpd", "sessions"]), r.status == 0,
              let list = try? JSON.parse(r.stdout)["data"]?.array else { return [] }
        return list
    }

    func pid(of component: String) -> Int32? {
        (try? components()).flatMap { IntegrationTests.pid($0[component]) }
    }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: daemons drop to their own uids"))
struct TransportTests {
    func tcpPair(extra: String = "") throws -> (listener: RouterUnderTest, caller: RouterUnderTest, [TempConfig]) {
        let port = freeTCPPort()
        let cl = try TempConfig(portConfig(name: "tl", body: """
            type = "tcp"
            listen = "127.0.0.1:\(port)"
            """, extra: extra))
        let cc = try TempConfig(portConfig(name: "tc", body: """
            type = "tcp"
            connect = "127.0.0.1:\(port)"
            persist = true
            holdoff = 1
            """, extra: extra))
        let l = try RouterUnderTest(config: cl.path)
        // The listener binds before its drop; give it a moment so the first
        // connect is not refused (persist would retry anyway).
        _ = try l.allRunning()
        return (l, try RouterUnderTest(config: cc.path), [cl, cc])
    }

    @Test func tcpPairOpensWithAsyncFramingAndTheCallerIsNamed() throws {
        let (l, c, configs) = try tcpPair(extra: "asyncmap = \"000a0000\"")
        defer { l.stop(); c.stop(); configs.forEach { $0.remove() } }
        let sl = try #require(l.waitForSession("opened", isOpened))
        let sc = try #require(c.waitForSession("opened", isOpened))
        #expect(sl["type"]?.string == "tcp" && sc["type"]?.string == "tcp")
        #expect(sl["id"]?.string == "tl:1" && sc["id"]?.string == "tc:1")
        #expect(sl["local"]?["accm"]?.string == "0x000a0000" && sc["peer"]?["accm"]?.string == "0x000a0000")
        #expect(sl["local"]?["magic"] == sc["peer"]?["magic"])
        #expect(sl["auth"] == .null && sl["peer_name"] == .null)
        #expect(sl["errors"]?["bad_fcs"]?.int == 0)
    }

    /// The issue's "stays up through 30 s of echoes", for pty, UDP and TCP
    /// at once (three pairs of routers) so the 30 s are paid once.
    @Test(.enabled(if: hasSocat, "needs socat (scripts/test.sh installs it)"))
    func linksStayUpThrough30SecondsOfEchoes() throws {
        let pty = try SocatPty()
        defer { pty.stop() }
        let (ua, ub) = freeUDPPortPair()
        // Six routers start at once on a shared machine: let LCP wait up to
        // 30 s for a slow peer rather than give up after 10.
        let patient = "lcp-max-configure = 30"
        var configs: [TempConfig] = []
        for (name, body) in [("pa", "type = \"tty\"\ndevice = \"\(pty.a)\""), ("pb", "type = \"tty\"\ndevice = \"\(pty.b)\""),
                             ("ua", "type = \"udp\"\nlocal = \"127.0.0.1:\(ua)\"\nremote = \"127.0.0.1:\(ub)\""),
                             ("ub", "type = \"udp\"\nlocal = \"127.0.0.1:\(ub)\"\nremote = \"127.0.0.1:\(ua)\"")] {
            configs.append(try TempConfig(portConfig(name: name, body: body, extra: patient)))
        }
        var routers = try configs.map { try RouterUnderTest(config: $0.path) }
        let (tl, tc, tcpConfigs) = try tcpPair(extra: patient)
        routers += [tl, tc]
        configs += tcpConfigs
        defer { routers.forEach { $0.stop() }; configs.forEach { $0.remove() } }
        var first: [JSON] = []
        for r in routers { first.append(try #require(r.waitForSession("opened", isOpened))) }
        let start = Date()
        sleep(30)
        for (r, before) in zip(routers, first) {
            let now = try #require(r.sessions().first { $0["id"] == before["id"] })
            let name = before["id"]?.string ?? "?"
            #expect(isOpened(now), "\(name): \(now)")
            let sent = now["counters"]?["echo_requests_sent"]?.int ?? 0
            let replies = now["counters"]?["echo_replies_received"]?.int ?? 0
            #expect(replies > (before["counters"]?["echo_replies_received"]?.int ?? 0), "\(name)")
            // A tty's first frame can arrive cut (the far side opened the pty
            // and flushed it mid-frame): bad FCS may be counted before LCP
            // opened, never after.
            #expect(now["errors"]?["bad_fcs"] == before["errors"]?["bad_fcs"] && now["errors"]?["lcp_malformed"]?.int == 0,
                    "\(name): \(now["errors"] ?? .null)")
            #expect(r.sessions().count == 1, "\(name): one session all along")
            print("\(name) (\(now["type"]?.string ?? "?")): up \(now["up"]?.double ?? 0) s after \(String(format: "%.1f", Date().timeIntervalSince(start))) s of waiting, echo requests \(sent), replies \(replies)")
        }
    }

    @Test func silentTCPPeerIsDeclaredDeadByEchoes() throws {
        let (l, c, configs) = try tcpPair(extra: withoutWatchdog)
        defer { l.stop(); c.stop(); configs.forEach { $0.remove() } }
        _ = try #require(l.waitForSession("opened", isOpened))
        _ = try #require(c.waitForSession("opened", isOpened))
        // SIGSTOP keeps the connection open but the peer silent, so only the
        // echo keepalive can notice (a killed process would close it: FIN).
        let linkd = try #require(c.pid(of: "linkd@tc"))
        kill(linkd, SIGSTOP)
        defer { kill(linkd, SIGCONT) }
        let stopped = Date()
        let s = l.waitForSession("dead") { $0["phase"]?.string == "dead" }
        #expect(s?["reason"]?.string?.hasPrefix("peer not responding") == true, "\(String(describing: s))")
        print("silent TCP peer: dead \(String(format: "%.2f", Date().timeIntervalSince(stopped))) s after SIGSTOP (echo 1 s × 3, then Terminate-Request retries, 2 × lcp-restart 1 s)")
    }

    /// A caller that dies (its kernel closes the connection: FIN) ends its
    /// session at once. The caller is a bare process holding a connection
    /// (bash's /dev/tcp, then `exec sleep`), SIGKILLed: a killed linkd no
    /// longer closes its connection once the session is in the fd store
    /// (TCPRestartTests).
    @Test func killedTCPCallerEndsTheSessionAtOnce() throws {
        let port = freeTCPPort()
        let cl = try TempConfig(portConfig(name: "tl", body: """
            type = "tcp"
            listen = "127.0.0.1:\(port)"
            """))
        let l = try RouterUnderTest(config: cl.path)
        defer { l.stop(); cl.remove() }
        _ = try l.allRunning()
        let caller = Process()
        let script = "exec 3<>/dev/tcp/127.0.0.1/\(port) && exec sleep 60"
        caller.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        caller.arguments = ["netns", "exec", sharedTestNamespace, "/bin/bash", "-c", script]
        try caller.run()
        defer { if caller.isRunning { kill(caller.processIdentifier, SIGKILL) }; caller.waitUntilExit() }
        _ = try #require(l.waitForSession("establishing") { $0["id"]?.string == "tl:1" && $0["phase"]?.string != "dead" })
        kill(caller.processIdentifier, SIGKILL)
        let killed = Date()
        let s = l.waitForSession("dead") { $0["phase"]?.string == "dead" }
        // FIN, or RST when our Configure-Request was still unread in its
        // receive queue (RFC 1122 §4.2.2.13): either names the connection.
        let reason = s?["reason"]?.string ?? ""
        #expect(reason.hasPrefix("hangup (end of file on connection to 127.0.0.1:")
                || reason.hasPrefix("read error on connection to 127.0.0.1:"), "\(String(describing: s))")
        print("killed TCP caller: session dead \(String(format: "%.2f", Date().timeIntervalSince(killed))) s after SIGKILL")
    }

    @Test func networkPhaseHandsTheChannelToNcpdUntilTheSessionEnds() throws {
        let (a, b, configs) = try udpRouterPair()
        defer { a.stop(); b.stop(); configs.forEach { $0.remove() } }
        let s = try #require(a.waitForSession("channel held by ncpd") {
            isOpened($0) && $0["channel"]?["state"]?.string == "relaying"
        })
        let id = try #require(s["id"]?.string)
        let ncpdPID = a.pid(of: "ncpd")
        #expect(s["channel"]?["owner_pid"]?.int.map { Int32($0) } == ncpdPID)
        let held = a.ncpdChannels()
        #expect(held.contains { $0["id"]?.string == id && $0["port"]?.string == "ua" }, "ncpd: \(held)")
        #expect(try a.ctl(["session", "kill", id]).status == 0)
        let deadline = Date().addingTimeInterval(10)
        while a.ncpdChannels().contains(where: { $0["id"]?.string == id }), Date() < deadline { usleep(100_000) }
        #expect(!a.ncpdChannels().contains { $0["id"]?.string == id }, "ncpd let go of the channel")
        let dead = a.waitForSession("dead") { $0["id"]?.string == id && $0["phase"]?.string == "dead" }
        #expect(dead?["channel"]?["state"]?.string == "closed")
    }
}
