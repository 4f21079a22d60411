// Integration: bridged between three routers in three network namespaces
// joined by veth pairs — subscriber —— LAC —— far router. The subscriber
// (our PPPoE client; in a smaller test our client on a UDP port) reaches the
// LAC's subscriber-facing port (our PPPoE access concentrator, or UDP); a
// bridging rule sends its session, after LCP and CHAP, to the LAC's upstream
// port, dialled on demand toward the far router (a UDP port with an address
// pool and ncpd). The NCPs run end to end: the subscriber gets its address
// from the far router and pings it, the LAC's ncpd never sees the session,
// kill -9 of the LAC's bridged mid-ping loses at most a few packets and no
// session, and a session going down on either side takes its partner down
// with a reason (toward the PPPoE subscriber: LCP Terminate and a PADT).
// Two more tests bridge two held sessions by hand (pppctl bridge/unbridge).
import Foundation
import IPC
import Testing

/// subscriber —(veth 10.231.1.0/24)— LAC —(veth 10.231.2.0/24)— far.
/// The veth pairs are made inside the namespaces, so their names cannot
/// clash with the host's; deleting the namespaces removes them.
struct BridgeLab {
    let sub: Netns, lac: Netns, far: Netns

    init() throws {
        sub = try Netns("s"); lac = try Netns("l"); far = try Netns("f")
        let steps: [[String]] = [
            ["-n", sub.name, "link", "add", "v-lac", "type", "veth", "peer", "name", "v-sub", "netns", lac.name],
            ["-n", lac.name, "link", "add", "v-far", "type", "veth", "peer", "name", "v-lac", "netns", far.name],
            ["-n", sub.name, "addr", "add", "10.231.1.2/24", "dev", "v-lac"],
            ["-n", lac.name, "addr", "add", "10.231.1.1/24", "dev", "v-sub"],
            ["-n", lac.name, "addr", "add", "10.231.2.1/24", "dev", "v-far"],
            ["-n", far.name, "addr", "add", "10.231.2.2/24", "dev", "v-lac"],
            ["-n", sub.name, "link", "set", "v-lac", "up"], ["-n", lac.name, "link", "set", "v-sub", "up"],
            ["-n", lac.name, "link", "set", "v-far", "up"], ["-n", far.name, "link", "set", "v-lac", "up"],
        ]
        for args in steps {
            let r = try run("/usr/sbin/ip", args)
            if r.status != 0 {
                delete()
                throw TestFailure("ip \(args.joined(separator: " ")): \(r.stderr)")
            }
        }
    }

    func delete() { sub.delete(); lac.delete(); far.delete() }

    static let timers = """
        lcp-restart = 2
        lcp-echo-interval = 1
        lcp-echo-failure = 5
        """

    static func udpPort(local: String, remote: String) -> String {
        "type = \"udp\"\nlocal = \"\(local):5000\"\nremote = \"\(remote):5000\""
    }

    /// The subscriber's UDP port toward the LAC.
    static let udpSubscriberPort = udpPort(local: "10.231.1.2", remote: "10.231.1.1")

    static func pppoePort(_ role: String, on interface: String, _ rest: String) -> String {
        "type = \"pppoe\"\nrole = \"\(role)\"\ninterface = \"\(interface)\"\n\(rest)"
    }

    /// The subscriber as a PPPoE client (RFC 2516's Host) on its veth.
    static let pppoeSubscriberPort = pppoePort("client", on: "v-lac", "service-name = \"far\"\npadi-timeout = 1")

    /// Our client: takes the address the far end assigns.
    static func subscriber(_ extra: String = "", port: String = udpSubscriberPort) -> String {
        """
        [router]
        seccomp = "kill"
        [port.sub]
        \(port)
        noipdefault = true
        ifname = "ppp-sub"
        \(timers)
        \(extra)
        """
    }

    /// The subscriber's account, known to its authd (as peer) and the LAC's.
    static let alice = "[users.\"alice@far.example\"]\npassword = \"wonderland\"\n"

    /// The LAC's subscriber-facing port `acc`, over UDP …
    static let udpAccessPort = udpPort(local: "10.231.1.1", remote: "10.231.1.2")

    /// … or as a PPPoE access concentrator on its veth toward the subscriber.
    static let pppoeAccessPort = pppoePort("ac", on: "v-sub", "ac-name = \"lac\"\nservice-names = [\"far\"]")

    /// The LAC: CHAP on `acc`, then rules sending the far realm's sessions
    /// to `up0`, dialled on demand toward the far router over UDP.
    static func lac(accessPort: String) -> String {
        """
        [router]
        seccomp = "kill"
        [port.acc]
        \(accessPort)
        require-chap = true
        \(timers)
        [port.up0]
        type = "udp"
        local = "10.231.2.1:5001"
        remote = "10.231.2.2:5001"
        upstream = true
        \(timers)
        [[bridge]]
        peer-name = "bob@far.example"
        upstream = "up0"
        [[bridge]]
        realm = "far.example"
        upstream = "up0"
        \(alice)
        """
    }

    /// The far router: a pool, and a session restarted until the LAC dials in.
    static let farRouter = """
        [router]
        seccomp = "kill"
        [port.lns]
        type = "udp"
        local = "10.231.2.2:5001"
        remote = "10.231.2.1:5001"
        ip-pool = "subs"
        ifname = "ppp-lns"
        persist = true
        holdoff = 1
        maxfail = 0
        \(timers)
        [pool.subs]
        range = "10.232.0.10-10.232.0.20"
        local = "10.232.0.1"
        """
}

/// The three routers of a LAC test in the lab, started far router and LAC
/// first; `stop()` stops them and removes the configs and namespaces.
final class LACLab {
    let lab: BridgeLab
    let far: RouterUnderTest, lac: RouterUnderTest, sub: RouterUnderTest
    let configs: [TempConfig]

    init(accessPort: String, subscriberPort: String, subscriberExtra: String = "") throws {
        lab = try BridgeLab()
        var configs: [TempConfig] = []
        do {
            configs = [try TempConfig(BridgeLab.farRouter), try TempConfig(BridgeLab.lac(accessPort: accessPort)),
                       try TempConfig(BridgeLab.subscriber("user = \"alice@far.example\"\n\(subscriberExtra)\n\(BridgeLab.alice)",
                                                           port: subscriberPort))]
            far = try RouterUnderTest(config: configs[0].path, netns: lab.far.name)
            lac = try RouterUnderTest(config: configs[1].path, netns: lab.lac.name)
            _ = try far.allRunning(); _ = try lac.allRunning()
            sub = try RouterUnderTest(config: configs[2].path, netns: lab.sub.name)
            _ = try sub.allRunning()
        } catch {
            configs.forEach { $0.remove() }
            lab.delete()
            throw error
        }
        self.configs = configs
    }

    func stop() {
        sub.stop(); lac.stop(); far.stop()
        configs.forEach { $0.remove() }
        lab.delete()
    }

    /// The subscriber's IPCP ran with the far router through the splice of
    /// a live `acc` session and its `up0` partner; the LAC ran no NCP.
    /// `ended`: subscriber sessions already over, not to be taken.
    @discardableResult
    func expectAddressFromTheFarRouter(ended: [String] = []) -> (address: String, acc: String?, up: String?) {
        let started = Date()
        let s = sub.waitForSession(seconds: 40, "given an address by the far router") {
            !ended.contains($0["id"]?.string ?? "") && $0["ipcp"]?["state"]?.string == "opened"
                && $0["ipcp"]?["remote"]?.string == "10.232.0.1"
        }
        let address = s?["ipcp"]?["local"]?.string ?? "?"
        #expect(address.hasPrefix("10.232.0."), "\(String(describing: s))")
        print("bridge: \(s?["id"]?.string ?? "?") has \(address) from the far router after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

        // The LAC: the pair, no NCP of its own, bridged's counters merged.
        let acc = lac.waitForSession("spliced") { $0["phase"]?.string == "network" && $0["bridge"]?["splice"]?.string == "up" }
        let (accID, upID) = (acc?["id"]?.string, acc?["bridge"]?["partner"]?.string)
        #expect(upID?.hasPrefix("up0:") == true, "\(String(describing: acc))")
        #expect(acc?["bridge"]?["upstream"]?.string == "up0")
        #expect(acc?["peer_name"]?.string == "alice@far.example" && acc?["auth"]?.string == "chap")
        #expect(acc?["channel"]?["owner"]?.string == "bridged")
        #expect(acc?["errors"]?["protocol_rejects_sent"]?.int == 0)
        let up = upID.flatMap(lac.session)
        #expect(up?["bridge"]?["partner"]?.string == accID)
        #expect(up?["bridge"]?["dialled_for"]?.string == accID)
        #expect(up?["phase"]?.string == "network")
        #expect(lac.ncpdSessions().isEmpty, "the LAC's ncpd has a session: \(lac.ncpdSessions())")
        return (address, accID, upID)
    }

    /// 150 pings, 20 ms apart, from the subscriber to the far router while
    /// `disrupt` runs (after the first second); ping's output.
    func pingWhile(_ what: String, _ disrupt: () throws -> Void) throws -> String {
        let pinger = Process()
        pinger.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        pinger.arguments = ["netns", "exec", lab.sub.name, "ping", "-c", "150", "-i", "0.02", "-W", "1", "10.232.0.1"]
        let out = Pipe()
        pinger.standardOutput = out
        pinger.standardError = out
        try pinger.run()
        defer {
            if pinger.isRunning { pinger.terminate() }
        }
        usleep(1_000_000)
        try disrupt()
        let deadline = Date().addingTimeInterval(20)
        while pinger.isRunning && Date() < deadline { usleep(50_000) }
        if pinger.isRunning { pinger.terminate() }
        pinger.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let summary = text.split(separator: "\n").first { $0.contains("packets transmitted") }.map(String.init) ?? text
        print("bridge: ping through kill -9 of \(what): \(summary)")
        return text
    }

    /// A few pings from the subscriber to the far router's address.
    func expectPing(_ when: String) throws {
        let ping = try lab.sub.exec(["ping", "-c", "3", "-W", "2", "10.232.0.1"])
        #expect(ping.status == 0, "\(when): \(ping.stdout)\(ping.stderr)\nLAC:\n\(lac.log)\nsubscriber:\n\(sub.log)\nfar:\n\(far.log)")
    }
}

extension RouterUnderTest {
    func session(_ id: String) -> JSON? { sessions().first { $0["id"]?.string == id } }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, veth, TUN, daemons dropping to their uids"))
struct BridgeTests {
    /// Issue 7: the subscriber is our PPPoE client, the LAC's subscriber
    /// port our access concentrator; LCP and CHAP end at the LAC, the NCPs
    /// run between the subscriber and the far router.
    @Test func subscriberGetsItsAddressFromTheFarRouterThroughTheLAC() throws {
        // persist: after the far router ends the first session the
        // subscriber dials again, for the other direction of teardown.
        let t = try LACLab(accessPort: BridgeLab.pppoeAccessPort, subscriberPort: BridgeLab.pppoeSubscriberPort,
                           subscriberExtra: "persist = true\nholdoff = 1\nmaxfail = 0")
        defer { t.stop() }
        let (lab, far, lac, sub) = (t.lab, t.far, t.lac, t.sub)
        let (address, acc, up) = t.expectAddressFromTheFarRouter()
        #expect(acc == "acc:1" && up == "up0:1")
        #expect(lac.session("acc:1")?["pppoe"]?["service_name"]?.string == "far")
        try t.expectPing("first ping")
        let after = lac.session("acc:1")
        let toPartner = after?["bridge"]?["to_partner"]?["frames"]?.int ?? 0
        #expect(toPartner >= 3, "\(String(describing: after?["bridge"]))")

        // kill -9 of bridged mid-ping: the fd store holds both channel ends,
        // the restarted bridged resumes the splice, nobody renegotiates.
        let lcpBefore = (sub.session("sub:1")?["counters"]?["frames_in"]?.int, far.session("lns:1") != nil)
        let text = try t.pingWhile("bridged") {
            guard let bridged = lac.pid(of: "bridged") else {
                Issue.record("no bridged pid")
                return
            }
            kill(bridged, SIGKILL)
            let killedAt = Date()
            try lac.waitFor { pid($0["bridged"]) != nil && pid($0["bridged"]) != bridged && $0["bridged"]?["state"]?.string == "running" }
            print("bridge: bridged restarted \(String(format: "%.2f", Date().timeIntervalSince(killedAt))) s after kill -9")
        }
        #expect(text.contains(" received"), "\(text)")

        // Same sessions, still up, same address; the splice came back.
        let splices = try lac.ctl(["--json", "call", "bridged", "splices"])
        #expect(splices.stdout.contains("acc:1") && splices.stdout.contains("up0:1"), "\(splices.stdout)\(splices.stderr)")
        let subAfter = sub.session("sub:1")
        #expect(subAfter?["phase"]?.string == "network" && subAfter?["ipcp"]?["local"]?.string == address)
        #expect(lac.session("acc:1")?["phase"]?.string == "network" && lac.session("up0:1")?["phase"]?.string == "network")
        #expect(far.session("lns:1")?["phase"]?.string == "network")
        #expect(lcpBefore.1)
        try t.expectPing("after the restart")
        #expect(lac.ncpdSessions().isEmpty)

        // kill -9 of the LAC's two linkds mid-ping: each resumes its half
        // of the pair from the fd store (LCP state, channel end, PPPoE
        // binding) and the splice carries on; nobody renegotiates.
        let linkdPing = try t.pingWhile("the LAC's linkds") {
            for port in ["linkd@acc", "linkd@up0"] {
                let (old, new) = try lac.killAndWaitForRestart(port)
                print("bridge: \(port) \(old) → \(new)")
            }
        }
        #expect(linkdPing.contains(" received"), "\(linkdPing)")
        let resumed = (lac.session("acc:1"), lac.session("up0:1"))
        #expect(resumed.0?["phase"]?.string == "network" && resumed.0?["bridge"]?["partner"]?.string == "up0:1"
                && resumed.0?["bridge"]?["upstream"]?.string == "up0" && resumed.0?["channel"]?["owner"]?.string == "bridged",
                "\(String(describing: resumed.0))")
        #expect(resumed.1?["phase"]?.string == "network" && resumed.1?["bridge"]?["dialled_for"]?.string == "acc:1",
                "\(String(describing: resumed.1))")
        #expect(sub.session("sub:1")?["phase"]?.string == "network" && far.session("lns:1")?["phase"]?.string == "network")
        #expect(lac.count("session acc:1: resumed after a restart") == 1 && lac.count("session up0:1: resumed after a restart") == 1,
                "\(lac.log)")
        try t.expectPing("after the linkd restarts")

        // The far side ends the session: the LAC's upstream session goes
        // down, its partner is terminated cleanly (LCP Terminate, then the
        // AC's PADT, RFC 2516 §5.5) and the subscriber's session ends with
        // a reason.
        let padtSent = int(lac.linkdStatus("acc"), "pppoe", "ac", "padt_sent")
        #expect(try far.ctl(["session", "kill", "lns:1"]).status == 0)
        let accDown = lac.waitForSession("acc:1 down") { $0["id"]?.string == "acc:1" && $0["phase"]?.string == "dead" }
        #expect(accDown?["reason"]?.string == "bridged partner up0:1 went down", "\(String(describing: accDown))")
        let sent = lac.waitForStatus(port: "acc") { int($0, "pppoe", "ac", "padt_sent") > padtSent }
        #expect(int(sent, "pppoe", "ac", "padt_sent") == padtSent + 1, "\(String(describing: sent))")
        let subDown = sub.waitForSession("sub:1 down") { $0["id"]?.string == "sub:1" && $0["phase"]?.string == "dead" }
        #expect(subDown?["reason"]?.string?.contains("bridged partner up0:1 went down") == true, "\(String(describing: subDown))")
        print("bridge: subscriber's session ended: \(subDown?["reason"]?.string ?? "?")")

        // The subscriber dials again (persist) and stops: its PADT reaches
        // the LAC, and the far router's session is terminated with a reason.
        // (A dial may be refused while up0:1 still waits out its Restart
        // time after the Terminate-Ack, RFC 1661 §3.7; persist dials again.)
        let again = t.expectAddressFromTheFarRouter(ended: ["sub:1"])
        let (acc2, up2) = (try #require(again.acc), try #require(again.up))
        let lns = try #require(far.waitForSession("a second session") { $0["phase"]?.string == "network" }?["id"]?.string)
        let padtReceived = int(lac.linkdStatus("acc"), "pppoe", "ac", "padt_received")
        sub.stop()
        let received = lac.waitForStatus(port: "acc") { int($0, "pppoe", "ac", "padt_received") > padtReceived }
        #expect(int(received, "pppoe", "ac", "padt_received") == padtReceived + 1, "\(String(describing: received))")
        let upDown = lac.waitForSession("\(up2) down") { $0["id"]?.string == up2 && $0["phase"]?.string == "dead" }
        #expect(upDown?["reason"]?.string == "bridged partner \(acc2) went down", "\(String(describing: upDown))")
        let lnsDown = far.waitForSession("\(lns) down") { $0["id"]?.string == lns && $0["phase"]?.string == "dead" }
        #expect(lnsDown?["reason"]?.string?.contains("bridged partner \(acc2) went down") == true, "\(String(describing: lnsDown))")
        print("bridge: far router's session ended: \(lnsDown?["reason"]?.string ?? "?")")
    }

    /// The same rule for a subscriber over UDP; the subscriber's operator
    /// kill takes the far router's session down with a reason.
    @Test func udpSubscriberGetsItsAddressFromTheFarRouterThroughTheLAC() throws {
        let t = try LACLab(accessPort: BridgeLab.udpAccessPort, subscriberPort: BridgeLab.udpSubscriberPort)
        defer { t.stop() }
        t.expectAddressFromTheFarRouter()
        try t.expectPing("first ping")
        let kill = try t.sub.ctl(["session", "kill", "sub:1"])
        #expect(kill.status == 0, "\(kill.stderr)")
        let upDown = t.lac.waitForSession("up0:1 down") { $0["id"]?.string == "up0:1" && $0["phase"]?.string == "dead" }
        #expect(upDown?["reason"]?.string == "bridged partner acc:1 went down", "\(String(describing: upDown))")
        let lnsDown = t.far.waitForSession("lns:1 down") { $0["id"]?.string == "lns:1" && $0["phase"]?.string == "dead" }
        #expect(lnsDown?["reason"]?.string?.contains("bridged partner acc:1 went down") == true, "\(String(describing: lnsDown))")
    }

    /// Two ports with bridge = "manual": sessions wait (their NCP frames
    /// dropped, never Protocol-Rejected) until `pppctl bridge A B`;
    /// `pppctl unbridge` ends both.
    @Test func operatorBridgesTwoHeldSessions() throws {
        let lab = try BridgeLab()
        defer { lab.delete() }
        let cfgLAC = try TempConfig("""
            [router]
            seccomp = "kill"
            [port.m1]
            type = "udp"
            local = "10.231.1.1:5000"
            remote = "10.231.1.2:5000"
            bridge = "manual"
            \(BridgeLab.timers)
            [port.m2]
            type = "udp"
            local = "10.231.2.1:5001"
            remote = "10.231.2.2:5001"
            bridge = "manual"
            \(BridgeLab.timers)
            """)
        let cfgSub = try TempConfig(BridgeLab.subscriber()), cfgFar = try TempConfig(BridgeLab.farRouter)
        defer { [cfgLAC, cfgSub, cfgFar].forEach { $0.remove() } }
        let lac = try RouterUnderTest(config: cfgLAC.path, netns: lab.lac.name)
        defer { lac.stop() }
        _ = try lac.allRunning()
        let far = try RouterUnderTest(config: cfgFar.path, netns: lab.far.name)
        let sub = try RouterUnderTest(config: cfgSub.path, netns: lab.sub.name)
        defer { sub.stop(); far.stop() }

        let held1 = lac.waitForSession("m1 held") { $0["id"]?.string == "m1:1" && $0["bridge"]?["state"]?.string == "held" }
        let held2 = lac.waitForSession("m2 held") { $0["id"]?.string == "m2:1" && $0["bridge"]?["state"]?.string == "held" }
        #expect(held1 != nil && held2 != nil)
        // A bridge with a session that is not held is refused.
        let bad = try lac.ctl(["bridge", "m1:1", "m1:7"])
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        // The subscriber's IPCP Configure-Requests reach nobody meanwhile.
        usleep(1_500_000)
        let waiting = lac.session("m1:1")
        #expect(waiting?["errors"]?["protocol_rejects_sent"]?.int == 0)
        #expect((waiting?["channel"]?["dropped_before_handoff"]?.int ?? 0) > 0, "\(String(describing: waiting?["channel"]))")
        #expect(waiting?["channel"]?["state"]?.string == "waiting")

        let r = try lac.ctl(["bridge", "m1:1", "m2:1"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let s = sub.waitForSession(seconds: 40, "given an address by the far router") {
            $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["remote"]?.string == "10.232.0.1"
        }
        #expect(s != nil)
        let ping = try lab.sub.exec(["ping", "-c", "2", "-W", "2", "10.232.0.1"])
        #expect(ping.status == 0, "\(ping.stdout)\(ping.stderr)")
        #expect(lac.ncpdSessions().isEmpty)

        let u = try lac.ctl(["unbridge", "m2:1"])
        #expect(u.status == 0, "\(u.stdout)\(u.stderr)")
        let m2 = lac.waitForSession("m2:1 down") { $0["id"]?.string == "m2:1" && $0["phase"]?.string == "dead" }
        #expect(m2?["reason"]?.string == "unbridged by the operator")
        let m1 = lac.waitForSession("m1:1 down") { $0["id"]?.string == "m1:1" && $0["phase"]?.string == "dead" }
        #expect(m1?["reason"]?.string == "bridged partner m2:1 went down")
    }

    /// Two held sessions on one linkd (a TCP listen port): pppctl bridge
    /// sends both channels to bridged in one transfer (channelPairHandedOver).
    @Test func sessionsOfOneLinkdTravelAsOnePair() throws {
        let lab = try BridgeLab()
        defer { lab.delete() }
        let cfgLAC = try TempConfig("""
            [router]
            seccomp = "kill"
            [port.t]
            type = "tcp"
            listen = "0.0.0.0:5002"
            bridge = "manual"
            \(BridgeLab.timers)
            """)
        func caller(_ connect: String, _ extra: String) -> String {
            """
            [router]
            seccomp = "kill"
            [port.c]
            type = "tcp"
            connect = "\(connect):5002"
            \(BridgeLab.timers)
            \(extra)
            """
        }
        let cfgA = try TempConfig(caller("10.231.1.1", "noipdefault = true\nifname = \"ppp-a\""))
        let cfgB = try TempConfig(caller("10.231.2.1", "address = \"10.233.0.1:10.233.0.2\"\nifname = \"ppp-b\""))
        defer { [cfgLAC, cfgA, cfgB].forEach { $0.remove() } }
        let lac = try RouterUnderTest(config: cfgLAC.path, netns: lab.lac.name)
        defer { lac.stop() }
        _ = try lac.allRunning()
        let a = try RouterUnderTest(config: cfgA.path, netns: lab.sub.name)
        let b = try RouterUnderTest(config: cfgB.path, netns: lab.far.name)
        defer { a.stop(); b.stop() }
        let deadline = Date().addingTimeInterval(30)
        var held: [String] = []
        while Date() < deadline {
            held = lac.sessions().filter { $0["bridge"]?["state"]?.string == "held" }.compactMap { $0["id"]?.string }
            if held.count == 2 { break }
            usleep(100_000)
        }
        #expect(held.count == 2, "held: \(held); \(lac.sessions())")
        guard held.count == 2 else { return }
        let r = try lac.ctl(["bridge", held[0], held[1]])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let s = a.waitForSession(seconds: 40, "given 10.233.0.2 by the other caller") {
            $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["local"]?.string == "10.233.0.2"
        }
        #expect(s != nil)
        let ping = try lab.sub.exec(["ping", "-c", "2", "-W", "2", "10.233.0.1"])
        #expect(ping.status == 0, "\(ping.stdout)\(ping.stderr)")
        #expect(lac.log.contains("both channels to bridged in one transfer"))
        let splices = try lac.ctl(["--json", "call", "bridged", "splices"])
        #expect(splices.stdout.contains(held[0]) && splices.stdout.contains(held[1]), "\(splices.stdout)")
        // Each relay made one handoff attempt: the pair's.
        for id in held { #expect(lac.session(id)?["channel"]?["handoff_attempts"]?.int == 1) }
        #expect(lac.ncpdSessions().isEmpty)
    }
}
