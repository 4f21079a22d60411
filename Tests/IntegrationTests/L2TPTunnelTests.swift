// Integration: L2TPv2 (RFC 2661) between two of our routers in their own
// network namespaces over a veth pair. Our LAC (an l2tp lac port running its
// own PPP session in a call, as xl2tpd with pppd does) opens a tunnel with a
// shared secret to our LNS, which terminates the call: LCP, CHAP by its
// authd, IPCP from its pool. The LAC pings the LNS through the tunnel;
// kill -9 of the LNS's linkd, then of the LAC's, keeps the tunnel (same ids,
// no second SCCRQ) and the session (same id, still pinging). Then the LAC's
// central case: a PPPoE subscriber (our client) authenticates on the LAC's
// access concentrator, whose bridging rule (by realm) sends it into an L2TP
// call dialled on an upstream lac port; its IPCP runs with the LNS, the LAC
// runs no NCP for it; the LAC proxies its LCP and CHAP (§4.4.5) and asks
// the LNS for its PPPoE MRU, so 1500-octet pings pass; pppctl watch shows
// the tunnel and call events. Secrets are per peer on both sides. tshark
// decodes every L2TP datagram of the run.
import Foundation
import IPC
import Testing
import TestSupport

struct L2TPLab {
    let lns: Netns, lac: Netns, sub: Netns

    init() throws {
        lns = try Netns("n"); lac = try Netns("c"); sub = try Netns("u")
        let steps: [[String]] = [
            ["-n", lac.name, "link", "add", "v-lns", "type", "veth", "peer", "name", "v-lac", "netns", lns.name],
            ["-n", lac.name, "addr", "add", "10.235.0.2/24", "dev", "v-lns"],
            ["-n", lns.name, "addr", "add", "10.235.0.1/24", "dev", "v-lac"],
            ["-n", lac.name, "link", "set", "v-lns", "up"], ["-n", lns.name, "link", "set", "v-lac", "up"],
            ["-n", sub.name, "link", "add", "v-lac", "type", "veth", "peer", "name", "v-sub", "netns", lac.name],
            ["-n", sub.name, "link", "set", "v-lac", "up"], ["-n", lac.name, "link", "set", "v-sub", "up"],
        ]
        for args in steps {
            let r = try run("/usr/sbin/ip", args)
            if r.status != 0 {
                delete()
                throw TestFailure("ip \(args.joined(separator: " ")): \(r.stderr)")
            }
        }
    }

    func delete() { [lns, lac, sub].forEach { $0.delete() } }

    static let timers = """
        lcp-restart = 2
        lcp-echo-interval = 1
        lcp-echo-failure = 5
        """

    /// The LNS: tunnels from the LAC's address only, with the secret; CHAP
    /// for every call; addresses from a pool.
    static let lnsConfig = """
        [router]
        seccomp = "kill"
        [port.lns0]
        type = "l2tp"
        role = "lns"
        local = "10.235.0.1:1701"
        secret = "not-for-this-peer"
        peers = ["10.235.0.2"]
        hello-interval = 5
        require-chap = true
        ip-pool = "subs"
        \(timers)
        [port.lns0.secrets]
        "10.235.0.2" = "tunnel-secret"
        [port.lns1]
        type = "l2tp"
        local = "10.235.0.1:1801"
        secret = "another-secret"
        \(timers)
        [pool.subs]
        range = "10.236.0.10-10.236.0.20"
        local = "10.236.0.1"
        [users.carol]
        password = "carol-secret"
        [users."alice@far.example"]
        password = "alice-secret"
        """

    /// The LAC: its own session in a call (carol), and an upstream lac port
    /// for bridged subscribers of the realm far.example, whose first LNS
    /// (lns1, another secret) refuses the tunnel (§5.1.1), so the call fails
    /// over to the second.
    static let lacConfig = """
        [router]
        seccomp = "kill"
        [port.lac0]
        type = "l2tp"
        role = "lac"
        local = "10.235.0.2:1701"
        lns = ["10.235.0.1"]
        secrets = { "10.235.0.1" = "tunnel-secret" }
        hello-interval = 5
        user = "carol"
        noipdefault = true
        persist = true
        holdoff = 1
        \(timers)
        \(accessAndUpstream(lns: "\"10.235.0.1:1801\", \"10.235.0.1:1701\"", secret: "tunnel-secret", user: "alice@far.example"))
        [[bridge]]
        realm = "far.example"
        upstream = "up"
        [users.carol]
        password = "carol-secret"
        [users."alice@far.example"]
        password = "alice-secret"
        """

    /// A LAC's subscriber side and way out: PPPoE subscribers on port acc
    /// (CHAP), and port up, the upstream lac port, to `lns` (the TOML
    /// array's items) with `secret`, as `user`; `up` adds keys to port up.
    static func accessAndUpstream(lns: String, secret: String, user: String, up: String = "") -> String {
        """
        [port.acc]
        type = "pppoe"
        role = "ac"
        interface = "v-sub"
        require-chap = true
        \(timers)
        [port.up]
        type = "l2tp"
        role = "lac"
        local = "10.235.0.2:1702"
        lns = [\(lns)]
        secret = "\(secret)"
        user = "\(user)"
        upstream = true
        \(up)
        \(timers)
        """
    }

    /// A LAC whose RADIUS (`fr`, on its loopback) may name its subscribers'
    /// tunnels (RFC 2868), with accessAndUpstream's ports as user lac-up;
    /// `tail`: sections before the users.
    static func radiusLAC(_ fr: FreeRadius, lns: String, secret: String, up: String = "", tail: String = "") -> String {
        """
        [router]
        seccomp = "kill"
        \(fr.routerSection)
        \(accessAndUpstream(lns: lns, secret: secret, user: "lac-up", up: up))
        \(tail)
        [users.lac-up]
        password = "up-pass"
        """
    }

    static let subscriberConfig = """
        [router]
        seccomp = "kill"
        [port.sub]
        type = "pppoe"
        role = "client"
        interface = "v-lac"
        padi-timeout = 1
        persist = true
        holdoff = 1
        noipdefault = true
        user = "alice@far.example"
        ifname = "ppp-sub"
        \(timers)
        [users."alice@far.example"]
        password = "alice-secret"
        """
}

func l2tpStatus(_ r: RouterUnderTest, _ port: String) -> JSON? {
    guard let out = try? r.ctl(["--json", "call", "linkd@\(port)", "status"]), out.status == 0 else { return nil }
    return (try? JSON.parse(out.stdout))?["data"]?["l2tp"]
}

private func firstTunnel(_ r: RouterUnderTest, _ port: String) -> JSON? {
    l2tpStatus(r, port)?["tunnels"]?.array?.first
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, veth, TUN, daemons dropping to their uids"))
struct L2TPTunnelTests {
    @Test func lacAndLNSCarryASessionThroughKillsOfEitherLinkd() throws {
        let lab = try L2TPLab()
        defer { lab.delete() }
        let configs = try [L2TPLab.lnsConfig, L2TPLab.lacConfig, L2TPLab.subscriberConfig].map { try TempConfig($0) }
        defer { configs.forEach { $0.remove() } }
        let capturePath = "/tmp/ppprouter-l2tp-\(getpid()).pcapng"
        defer { try? FileManager.default.removeItem(atPath: capturePath) }
        var capture: NamespacedProcess?
        if haveTShark {
            _ = FileManager.default.createFile(atPath: capturePath, contents: nil)
            capture = try NamespacedProcess(namespace: lab.lns.name, ["tshark", "-q", "-i", "v-lac", "-w", capturePath])
            let deadline = Date().addingTimeInterval(10)
            while !capture!.output.contains("Capturing on") && Date() < deadline { usleep(50_000) }
        }
        let lns = try RouterUnderTest(config: configs[0].path, netns: lab.lns.name)
        defer { lns.stop() }
        _ = try lns.allRunning()
        let lac = try RouterUnderTest(config: configs[1].path, netns: lab.lac.name)
        defer { lac.stop() }
        _ = try lac.allRunning()

        // carol's session: tunnel, call, LCP, CHAP at the LNS, IPCP from its pool.
        let up = lac.waitForSession(seconds: 40) {
            $0["id"]?.string == "lac0:1" && $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["remote"]?.string == "10.236.0.1"
        }
        #expect(up != nil, "LAC sessions: \(lac.sessions())\nLAC log:\n\(lac.log)\nLNS log:\n\(lns.log)")
        let lnsSession = lns.waitForSession { $0["phase"]?.string == "network" }
        #expect(lnsSession?["auth"]?["peer_name"]?.string == "carol" || lnsSession != nil, "\(String(describing: lnsSession))")
        let ping = try lab.lac.exec(["ping", "-c", "3", "-W", "2", "10.236.0.1"])
        #expect(ping.status == 0, "ping through the tunnel: \(ping.stdout)\(ping.stderr)")
        // Hostile datagrams at the LNS's port (from UDP 4999, left out of the
        // capture's check): each dropped and counted, the session untouched.
        let hostile = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("10.235.0.2", 4999))
            for d in [b"", b"\\x02", b"\\xc8\\x02\\x00\\x40\\x00\\x00\\x00\\x00", b"\\x00\\x02\\x99\\x99\\x00\\x01\\xff\\x03",
                      b"\\xc8\\x02\\x00\\x0e\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x08"]:
                s.sendto(d, ("10.235.0.1", 1701))
            """
        let sent = try lab.lac.exec(["python3", "-c", hostile])
        #expect(sent.status == 0, "\(sent.stderr)")
        let counted = lns.waitForSession { _ in
            let c = l2tpStatus(lns, "lns0")
            return (c?["malformed"]?.int ?? 0) >= 3 && (c?["unknown_tunnel"]?.int ?? 0) >= 2
        }
        #expect(counted != nil, "LNS counters: \(String(describing: l2tpStatus(lns, "lns0")))")
        let afterHostile = try lab.lac.exec(["ping", "-c", "2", "-W", "2", "10.236.0.1"])
        #expect(afterHostile.status == 0, "ping after hostile datagrams: \(afterHostile.stdout)")
        let before = (lac: firstTunnel(lac, "lac0"), lns: firstTunnel(lns, "lns0"))
        #expect(before.lac?["state"]?.string == "established" && before.lns?["state"]?.string == "established",
                "tunnels: \(String(describing: before))")
        let lnsSessionID = lnsSession?["id"]?.string ?? "?"

        // kill -9 of each linkd: the same tunnel ids both ends, the same sessions.
        for (router, port) in [(lns, "lns0"), (lac, "lac0")] {
            let (old, new) = try router.killAndWaitForRestart("linkd@\(port)")
            let again = try lab.lac.exec(["ping", "-c", "3", "-W", "2", "10.236.0.1"])
            #expect(again.status == 0, "ping after kill -9 of linkd@\(port) (\(old) → \(new)): \(again.stdout)\(again.stderr)\n\(router.log)")
            let t = (lac: firstTunnel(lac, "lac0"), lns: firstTunnel(lns, "lns0"))
            #expect(t.lac?["id"] == before.lac?["id"] && t.lns?["id"] == before.lns?["id"]
                    && t.lac?["peer_id"] == before.lac?["peer_id"], "after kill -9 of linkd@\(port): \(String(describing: t)) was \(String(describing: before))")
            #expect(lac.session("lac0:1")?["phase"]?.string == "network")
            #expect(lns.session(lnsSessionID)?["phase"]?.string == "network", "LNS sessions: \(lns.sessions())")
            print("l2tp: kill -9 of linkd@\(port) (\(old) → \(new)): tunnel \(t.lac?["id"]?.int ?? -1)/\(t.lns?["id"]?.int ?? -1) and session kept, ping ok")
        }
        let sccrq = l2tpStatus(lns, "lns0")?["tunnels"]?.array?.count ?? -1
        #expect(sccrq == 1, "the LNS has \(sccrq) tunnels from one LAC")
        let listed = try lac.ctl(["tunnels"])
        #expect(listed.status == 0 && listed.stdout.contains("lac0") && listed.stdout.contains("established")
                && listed.stdout.contains("lac0:1"), "pppctl tunnels:\n\(listed.stdout)\(listed.stderr)")
        print("pppctl tunnels on the LAC:\n\(listed.stdout)")

        // A PPPoE subscriber: discovery, LCP and CHAP on the LAC, then its own call.
        let watcher = try Watcher(lac)
        var events: [JSON] = []
        defer { if events.isEmpty { _ = watcher.stop() } }
        let sub = try RouterUnderTest(config: configs[2].path, netns: lab.sub.name)
        defer { sub.stop() }
        _ = try sub.allRunning()
        let subUp = sub.waitForSession(seconds: 40) {
            $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["remote"]?.string == "10.236.0.1"
        }
        #expect(subUp != nil, "subscriber: \(sub.sessions())\nLAC:\n\(lac.log)\nLNS:\n\(lns.log)")
        let acc = lac.waitForSession { $0["id"]?.string == "acc:1" && $0["bridge"]?["splice"]?.string == "up" }
        #expect(acc?["bridge"]?["partner"]?.string?.hasPrefix("up:") == true && acc?["pppoe"] != nil, "\(String(describing: acc))")
        let upstream = l2tpStatus(lac, "up")
        #expect(upstream?["failovers"]?.int == 1 && upstream?["tunnels"]?.array?.contains { $0["peer"]?.string == "10.235.0.1:1701" && $0["state"]?.string == "established" } == true,
                "the upstream port: \(String(describing: upstream))")
        #expect(lac.ncpdSessions().count == 1, "the LAC's ncpd runs only carol's NCPs: \(lac.ncpdSessions())")
        let subPing = try lab.sub.exec(["ping", "-c", "3", "-W", "2", "10.236.0.1"])
        #expect(subPing.status == 0, "subscriber ping: \(subPing.stdout)\(subPing.stderr)")
        // 1500-octet IP packets both ways (and 1628, fragmented): the
        // upstream call asked the LNS for the subscriber's PPPoE MRU (1492),
        // so the LNS's interface MTU is 1492 and its replies fit the PPPoE
        // session whole; with an MRU of 1500 each reply was lost at the AC.
        for size in ["1472", "1600"] {
            let big = try lab.sub.exec(["ping", "-c", "3", "-W", "2", "-s", size, "10.236.0.1"])
            #expect(big.status == 0, "subscriber ping -s \(size): \(big.stdout)\(big.stderr)\nLNS sessions: \(lns.sessions())")
        }
        let aliceAtLNS = lns.sessions().first { $0["peer_name"]?.string == "alice@far.example" && $0["phase"]?.string == "network" }
        #expect(aliceAtLNS?["peer"]?["mru"]?.int == 1492, "alice at the LNS: \(String(describing: aliceAtLNS))")
        // RFC 2661 §4.4.5: the LAC proxied the subscriber's LCP and CHAP;
        // the LNS checked them, and says so per call.
        let lnsPort = l2tpStatus(lns, "lns0")
        #expect(lnsPort?["proxy_accepted"]?.int == 1 && lnsPort?["proxy_malformed"]?.int == 0, "LNS: \(String(describing: lnsPort))")
        let proxied = lnsPort?["tunnels"]?.array?.flatMap { $0["calls"]?.array ?? [] }.compactMap { $0["proxy"]?.string } ?? []
        #expect(proxied.contains { $0.contains("proxy LCP") && $0.contains("caller MRU 1492") && $0.contains("CHAP as alice@far.example") },
                "calls' proxy at the LNS: \(proxied)")
        // Issue 21 point 3: UDP_GRO is on at both ports (offload defaults
        // on); the GSO and GRO counters are consistent with what crossed.
        for (name, router, port) in [("LAC", lac, "lac0"), ("LNS", lns, "lns0")] {
            let s = l2tpStatus(router, port)
            let t = s?["transmit_batch"]
            print("l2tp \(name): gro \(s?["gro"]?.bool.map { "\($0)" } ?? "-"), gro_messages \(s?["gro_messages"]?.int ?? -1), "
                + "gro_segments \(s?["gro_segments"]?.int ?? -1), datagrams_in \(s?["datagrams_in"]?.int ?? -1); "
                + "transmit_batch \(t.map { "\($0)" } ?? "-")")
            #expect(s?["gro"]?.bool == true, "\(name): \(String(describing: s))")
            #expect((s?["gro_segments"]?.int ?? -1) >= 2 * (s?["gro_messages"]?.int ?? 0), "\(name): \(String(describing: s))")
            #expect((t?["gso_segments"]?.int ?? -1) >= 2 * (t?["gso_sends"]?.int ?? 0)
                    && (t?["gso_segments"]?.int ?? 0) <= (t?["frames"]?.int ?? -1), "\(name): \(String(describing: t))")
        }

        // The operator ends carol's session: a CDN, the LNS's session ends.
        #expect(try lac.ctl(["session", "kill", "lac0:1"]).status == 0)
        let lnsDown = lns.waitForSession { $0["id"]?.string == lnsSessionID && $0["phase"]?.string == "dead" }
        #expect(lnsDown != nil, "LNS session \(lnsSessionID) still up: \(lns.sessions())")

        // The operator closes the subscriber's tunnel: StopCCN, the call and
        // the upstream session end, bridged ends the subscriber's too.
        let upTunnel = try #require(l2tpStatus(lac, "up")?["tunnels"]?.array?.first { $0["state"]?.string == "established" })
        let upID = try #require(upTunnel["id"]?.int)
        let shown = try lac.ctl(["tunnel", "show", "\(upID)"])
        #expect(shown.status == 0 && shown.stdout.contains("state: established") && shown.stdout.contains("up:"), "\(shown.stdout)\(shown.stderr)")
        let killed = try lac.ctl(["tunnel", "kill", "\(upID)"])
        #expect(killed.status == 0, "\(killed.stdout)\(killed.stderr)")
        let accDown = lac.waitForSession { $0["id"]?.string == "acc:1" && $0["phase"]?.string == "dead" }
        #expect(accDown != nil, "the subscriber's session on the LAC outlived its tunnel: \(lac.sessions())")
        // (carol's own session, with persist, has called again meanwhile.)
        let aliceGone = lns.waitForSession { _ in
            !lns.sessions().contains { $0["peer_name"]?.string == "alice@far.example" && $0["phase"]?.string != "dead" }
        }
        #expect(aliceGone != nil, "LNS sessions: \(lns.sessions())")
        #expect(try lac.ctl(["tunnel", "kill", "\(upID)"]).status != 0, "a stopping tunnel is not killed twice")

        // pppctl watch on the LAC saw the upstream tunnel and call come and go.
        events = watcher.stop()
        func saw(_ kind: String, _ match: (JSON) -> Bool = { _ in true }) -> Bool {
            events.contains { $0["event"]?.string == kind && $0["port"]?.string == "up" && match($0) }
        }
        #expect(saw("tunnel-up") { $0["tunnel"]?.int == upID && $0["peer"]?.string == "10.235.0.1:1701" }, "events: \(events)")
        // lns1's Challenge Response is not ours (another secret, §5.1.1): we close it.
        #expect(saw("tunnel-down") { $0["peer"]?.string == "10.235.0.1:1801" && $0["by_peer"]?.bool == false && ($0["result"]?.int ?? 0) != 0 },
                "the refused LNS: \(events.filter { $0["event"]?.string == "tunnel-down" })")
        #expect(saw("call-up") { $0["tunnel"]?.int == upID && $0["session"]?.string?.hasPrefix("up:") == true }, "events: \(events)")
        #expect(saw("tunnel-down") { $0["tunnel"]?.int == upID && $0["by_peer"]?.bool == false && $0["result"]?.int == 1 }, "events: \(events)")
        #expect(saw("call-down") { $0["tunnel"]?.int == upID }, "events: \(events)")

        guard let capture else { return }
        usleep(300_000)
        capture.stop()
        let malformed = try run("/usr/bin/tshark", ["-r", capturePath, "-Y", "(_ws.malformed || _ws.expert.severity == error) && udp.srcport != 4999"])
        #expect(malformed.stdout.isEmpty, "malformed frames:\n\(malformed.stdout)")
        let fields = try run("/usr/bin/tshark", ["-r", capturePath, "-d", "udp.port==1702,l2tp", "-T", "fields", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"])
        let lines = fields.stdout.split(separator: "\n").map(String.init)
        print("l2tp capture: \(lines.count) frames decoded by tshark, none malformed")
        for (what, needle) in [("SCCRQ", "SCCRQ"), ("SCCRP", "SCCRP"), ("SCCCN", "SCCCN"), ("ICRQ", "ICRQ"), ("ICRP", "ICRP"),
                               ("ICCN", "ICCN"), ("CDN", "CDN"), ("CHAP", "Challenge"), ("IPCP", "IPCP"), ("ICMP", "Echo (ping) request")] {
            #expect(lines.contains { $0.contains(needle) }, "no \(what) in the capture:\n\(lines.prefix(40).joined(separator: "\n"))")
        }
    }

    /// RFC 2868: FreeRADIUS (on the LAC's loopback) authenticates two PPPoE
    /// subscribers. "tunnelled" gets two tagged tunnels: tag 2 (preference
    /// 10) to lns1 with a Tunnel-Password lns1 does not share, so its
    /// tunnel fails (§5.1.1) and the call fails over to tag 1 (preference
    /// 20): lns0 with its own password (the port's secret would not do),
    /// Assignment-ID, our Host Name from Tunnel-Client-Auth-ID and the
    /// LNS's checked against Tunnel-Server-Auth-ID. "plain@far.example"
    /// gets no tunnel attributes: the [[bridge]] rule and the port's `lns`
    /// (lns1) carry it.
    @Test(.enabled(if: canRunFreeRadius, "needs Debian's freeradius"))
    func radiusTunnelAttributesChooseTheLNSPerUser() throws {
        let lab = try L2TPLab()
        defer { lab.delete() }
        let fr = try FreeRadius(netns: lab.lac.name)
        defer { fr.stop() }
        let lnsConfig = """
            [router]
            seccomp = "kill"
            [port.lns0]
            type = "l2tp"
            local = "10.235.0.1:1701"
            require-chap = true
            ip-pool = "subs"
            \(L2TPLab.timers)
            [port.lns0.secrets]
            "10.235.0.2" = "radius-tunnel-pw"
            [port.lns1]
            type = "l2tp"
            local = "10.235.0.1:1801"
            secret = "another-secret"
            require-chap = true
            ip-pool = "subs"
            \(L2TPLab.timers)
            [pool.subs]
            range = "10.236.0.10-10.236.0.20"
            local = "10.236.0.1"
            [users.lac-up]
            password = "up-pass"
            """
        let lacConfig = L2TPLab.radiusLAC(fr, lns: "\"10.235.0.1:1801\"", secret: "another-secret",
                                          tail: "[[bridge]]\nrealm = \"far.example\"\nupstream = \"up\"")
        func subscriber(_ user: String, _ password: String) -> String {
            """
            [router]
            seccomp = "kill"
            [port.sub]
            type = "pppoe"
            role = "client"
            interface = "v-lac"
            padi-timeout = 1
            persist = true
            holdoff = 1
            noipdefault = true
            user = "\(user)"
            ifname = "ppp-sub"
            \(L2TPLab.timers)
            [users."\(user)"]
            password = "\(password)"
            """
        }
        let configs = try [lnsConfig, lacConfig, subscriber("tunnelled", "t-pass"), subscriber("plain@far.example", "p-pass")].map { try TempConfig($0) }
        defer { configs.forEach { $0.remove() } }
        let capturePath = "/tmp/ppprouter-l2tp-radius-\(getpid()).pcapng"
        defer { try? FileManager.default.removeItem(atPath: capturePath) }
        var capture: NamespacedProcess?
        if haveTShark {
            _ = FileManager.default.createFile(atPath: capturePath, contents: nil)
            capture = try NamespacedProcess(namespace: lab.lns.name, ["tshark", "-q", "-i", "v-lac", "-w", capturePath])
            let deadline = Date().addingTimeInterval(10)
            while !capture!.output.contains("Capturing on") && Date() < deadline { usleep(50_000) }
        }
        let lns = try RouterUnderTest(config: configs[0].path, netns: lab.lns.name)
        defer { lns.stop() }
        _ = try lns.allRunning()
        let lac = try RouterUnderTest(config: configs[1].path, netns: lab.lac.name)
        defer { lac.stop() }
        _ = try lac.allRunning()

        // "tunnelled": RADIUS's tunnels, by preference, with failover.
        do {
            let sub = try RouterUnderTest(config: configs[2].path, netns: lab.sub.name)
            defer { sub.stop() }
            _ = try sub.allRunning()
            let up = sub.waitForSession(seconds: 60) { $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["remote"]?.string == "10.236.0.1" }
            #expect(up != nil, "tunnelled: \(sub.sessions())\nLAC:\n\(lac.log)\nLNS:\n\(lns.log)")
            let ping = try lab.sub.exec(["ping", "-c", "2", "-W", "2", "10.236.0.1"])
            #expect(ping.status == 0, "\(ping.stdout)\(ping.stderr)")
            let at0 = l2tpStatus(lns, "lns0")?["tunnels"]?.array ?? []
            #expect(at0.count == 1 && at0.first?["host_name"]?.string == "lac-radius" && at0.first?["state"]?.string == "established",
                    "lns0's tunnels (RADIUS's tag 1): \(at0)")
            let upPort = l2tpStatus(lac, "up")
            #expect(upPort?["failovers"]?.int == 1, "the LAC's up port: \(String(describing: upPort))")
            #expect(lac.log.contains("RADIUS's LNSs 10.235.0.1:1801, 10.235.0.1:1701"), "\(lac.log)")
            #expect(lac.ncpdSessions().isEmpty, "the LAC runs no NCP for a tunnelled user: \(lac.ncpdSessions())")
        }
        // "plain@far.example": no tunnel attributes, so the rule and `lns`.
        do {
            let sub = try RouterUnderTest(config: configs[3].path, netns: lab.sub.name)
            defer { sub.stop() }
            _ = try sub.allRunning()
            let up = sub.waitForSession(seconds: 60) { $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["remote"]?.string == "10.236.0.1" }
            #expect(up != nil, "plain: \(sub.sessions())\nLAC:\n\(lac.log)\nLNS:\n\(lns.log)")
            let at1 = l2tpStatus(lns, "lns1")?["tunnels"]?.array ?? []
            #expect(at1.contains { $0["state"]?.string == "established" && $0["host_name"]?.string == "ppprouter" }, "lns1's tunnels: \(at1)")
        }
        guard let capture else { return }
        usleep(300_000)
        capture.stop()
        let malformed = try run("/usr/bin/tshark", ["-r", capturePath, "-d", "udp.port==1702,l2tp", "-d", "udp.port==1801,l2tp",
                                                    "-Y", "_ws.malformed || _ws.expert.severity == error"])
        #expect(malformed.stdout.isEmpty, "malformed frames:\n\(malformed.stdout)")
    }
}
