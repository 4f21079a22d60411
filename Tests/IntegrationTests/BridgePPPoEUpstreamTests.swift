// Integration: a PPPoE client session as bridging upstream, one per
// subscriber. Four namespaces: two subscribers (our clients on UDP ports)
// reach the LAC, whose bridging rule sends each session, after LCP and CHAP
// on the LAC, to its upstream port: a pppoe client on the far link that
// runs a discovery and a PPPoE session per subscriber toward the far router
// (our access concentrator with an address pool). The NCPs run end to end,
// so each subscriber gets its own address from the far router's pool and
// pings it; one subscriber going down ends its upstream session with a PADT
// and leaves the other's alone.
import Foundation
import IPC
import Testing

/// sub1 —(veth)— LAC —(veth)— sub2, and LAC —(veth v-far/v-lac)— far.
private struct UpstreamLab {
    let sub1: Netns, sub2: Netns, lac: Netns, far: Netns

    init() throws {
        sub1 = try Netns("a"); sub2 = try Netns("b"); lac = try Netns("l"); far = try Netns("f")
        var steps: [[String]] = [
            ["-n", lac.name, "link", "add", "v-far", "type", "veth", "peer", "name", "v-lac", "netns", far.name],
            ["-n", lac.name, "link", "set", "v-far", "up"], ["-n", far.name, "link", "set", "v-lac", "up"],
        ]
        for (i, sub) in [sub1, sub2].enumerated() {
            let n = i + 1
            steps += [
                ["-n", sub.name, "link", "add", "v-lac", "type", "veth", "peer", "name", "v-sub\(n)", "netns", lac.name],
                ["-n", sub.name, "addr", "add", "10.233.\(n).2/24", "dev", "v-lac"],
                ["-n", lac.name, "addr", "add", "10.233.\(n).1/24", "dev", "v-sub\(n)"],
                ["-n", sub.name, "link", "set", "v-lac", "up"], ["-n", lac.name, "link", "set", "v-sub\(n)", "up"],
            ]
        }
        for args in steps {
            let r = try run("/usr/sbin/ip", args)
            if r.status != 0 {
                delete()
                throw TestFailure("ip \(args.joined(separator: " ")): \(r.stderr)")
            }
        }
    }

    func delete() { [sub1, sub2, lac, far].forEach { $0.delete() } }

    /// Subscriber N: a UDP client authenticating as `user`.
    static func subscriber(_ n: Int, user: String) -> String {
        """
        [router]
        seccomp = "kill"
        [port.sub]
        type = "udp"
        local = "10.233.\(n).2:5000"
        remote = "10.233.\(n).1:5000"
        noipdefault = true
        user = "\(user)"
        ifname = "ppp-sub"
        \(BridgeLab.timers)
        [users."\(user)"]
        password = "secret-\(n)"
        """
    }

    /// The LAC: two subscriber ports, CHAP for both, and the pppoe upstream.
    static let lac = """
        [router]
        seccomp = "kill"
        [port.acc1]
        type = "udp"
        local = "10.233.1.1:5000"
        remote = "10.233.1.2:5000"
        require-chap = true
        \(BridgeLab.timers)
        [port.acc2]
        type = "udp"
        local = "10.233.2.1:5000"
        remote = "10.233.2.2:5000"
        require-chap = true
        \(BridgeLab.timers)
        [port.up]
        type = "pppoe"
        interface = "v-far"
        service-name = "transit"
        padi-timeout = 1
        user = "lac"
        upstream = true
        \(BridgeLab.timers)
        [[bridge]]
        realm = "far.example"
        upstream = "up"
        [users."alice@far.example"]
        password = "secret-1"
        [users."bob@far.example"]
        password = "secret-2"
        [users.lac]
        password = "lac-secret"
        """

    /// The far router: an access concentrator that knows the LAC, and a pool.
    static let far = """
        [router]
        seccomp = "kill"
        [port.bras]
        type = "pppoe"
        role = "ac"
        interface = "v-lac"
        ac-name = "far-bras"
        service-names = ["transit"]
        require-chap = true
        ip-pool = "subs"
        \(BridgeLab.timers)
        [pool.subs]
        range = "10.234.0.10-10.234.0.20"
        local = "10.234.0.1"
        [users.lac]
        password = "lac-secret"
        """
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, veth, TUN, AF_PACKET, daemons dropping to their uids"))
struct BridgePPPoEUpstreamTests {
    @Test func eachSubscriberGetsItsOwnPPPoESessionUpstream() throws {
        let lab = try UpstreamLab()
        defer { lab.delete() }
        let configs = try [UpstreamLab.far, UpstreamLab.lac, UpstreamLab.subscriber(1, user: "alice@far.example"),
                           UpstreamLab.subscriber(2, user: "bob@far.example")].map { try TempConfig($0) }
        defer { configs.forEach { $0.remove() } }
        let far = try RouterUnderTest(config: configs[0].path, netns: lab.far.name)
        let lac = try RouterUnderTest(config: configs[1].path, netns: lab.lac.name)
        defer { far.stop(); lac.stop() }
        _ = try far.allRunning(); _ = try lac.allRunning()
        let started = Date()
        let subs = try [(configs[2], lab.sub1), (configs[3], lab.sub2)].map { try RouterUnderTest(config: $0.path, netns: $1.name) }
        defer { subs.forEach { $0.stop() } }
        for s in subs { _ = try s.allRunning() }

        // Each subscriber's IPCP ran with the far router, through its own
        // upstream PPPoE session.
        var addresses: [String] = []
        for (i, sub) in subs.enumerated() {
            let s = sub.waitForSession(seconds: 40) {
                $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["remote"]?.string == "10.234.0.1"
            }
            let address = s?["ipcp"]?["local"]?.string ?? "?"
            #expect(address.hasPrefix("10.234.0."), "subscriber \(i + 1): \(String(describing: s))\nLAC:\n\(lac.log)\nfar:\n\(far.log)")
            addresses.append(address)
        }
        print("pppoe upstream: subscribers have \(addresses) from the far router after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(Set(addresses).count == 2, "\(addresses)")

        // The LAC: each subscriber spliced to an upstream session of its own,
        // each a PPPoE session with its own id; no NCP on the LAC.
        var upstreamIDs: [String: Int] = [:]
        for acc in ["acc1:1", "acc2:1"] {
            let a = lac.waitForSession { $0["id"]?.string == acc && $0["bridge"]?["splice"]?.string == "up" }
            let partner = a?["bridge"]?["partner"]?.string ?? "?"
            #expect(partner.hasPrefix("up:"), "\(String(describing: a))")
            let u = lac.session(partner)
            #expect(u?["bridge"]?["dialled_for"]?.string == acc && u?["phase"]?.string == "network", "\(String(describing: u))")
            upstreamIDs[acc] = Int(u?["pppoe"]?["session_id"]?.int ?? -1)
        }
        #expect(Set(upstreamIDs.values).count == 2 && !upstreamIDs.values.contains(-1), "\(upstreamIDs)")
        #expect(lac.ncpdSessions().isEmpty, "the LAC's ncpd has a session: \(lac.ncpdSessions())")
        #expect(far.sessions().filter { $0["phase"]?.string == "network" }.count == 2)

        for (i, sub) in [lab.sub1, lab.sub2].enumerated() {
            let ping = try sub.exec(["ping", "-c", "3", "-W", "2", "10.234.0.1"])
            #expect(ping.status == 0, "subscriber \(i + 1): \(ping.stdout)\(ping.stderr)")
        }

        // kill -9 of the LAC's upstream linkd: both PPPoE client sessions
        // resume (their dials Established again under the same SESSION_IDs)
        // and stay spliced; the far router sees no new discovery.
        let farPADS = int(try JSON.parse(try far.ctl(["--json", "call", "linkd@bras", "status"]).stdout)["data"]?["pppoe"]?["ac"], "pads_sent")
        let (old, new) = try lac.killAndWaitForRestart("linkd@up")
        for (acc, id) in upstreamIDs {
            let a = lac.session(acc), partner = a?["bridge"]?["partner"]?.string ?? "?"
            let u = lac.waitForSession { $0["id"]?.string == partner && $0["phase"]?.string == "network" }
            #expect(u?["pppoe"]?["session_id"]?.int == Int64(id) && u?["bridge"]?["dialled_for"]?.string == acc,
                    "after kill -9 of linkd@up (\(old) → \(new)): \(String(describing: u))")
        }
        for (i, sub) in [lab.sub1, lab.sub2].enumerated() {
            let ping = try sub.exec(["ping", "-c", "3", "-W", "2", "10.234.0.1"])
            #expect(ping.status == 0, "subscriber \(i + 1) after kill -9 of linkd@up: \(ping.stdout)\(ping.stderr)\nLAC:\n\(lac.log)")
        }
        let farAfter = int(try JSON.parse(try far.ctl(["--json", "call", "linkd@bras", "status"]).stdout)["data"]?["pppoe"]?["ac"], "pads_sent")
        #expect(farAfter == farPADS, "the far AC sent PADS again: \(farPADS) → \(farAfter)")
        print("pppoe upstream: kill -9 of the LAC's linkd@up (\(old) → \(new)): both sessions resumed, far AC PADS \(farPADS) → \(farAfter)")

        // Subscriber 1 goes down: its upstream session ends with a PADT to
        // the far router; subscriber 2's pair is untouched.
        let up1 = lac.session("acc1:1")?["bridge"]?["partner"]?.string ?? "?"
        #expect(try subs[0].ctl(["session", "kill", "sub:1"]).status == 0)
        let upDown = lac.waitForSession { $0["id"]?.string == up1 && $0["phase"]?.string == "dead" }
        #expect(upDown?["reason"]?.string == "bridged partner acc1:1 went down", "\(String(describing: upDown))")
        let farStatus = try far.ctl(["--json", "call", "linkd@bras", "status"])
        let farAC = try JSON.parse(farStatus.stdout)["data"]?["pppoe"]?["ac"]
        let lacUp = try JSON.parse(try lac.ctl(["--json", "call", "linkd@up", "status"]).stdout)["data"]?["pppoe"]
        print("pppoe upstream: after subscriber 1 went down: LAC upstream PADTs sent \(int(lacUp, "padt_sent")), far AC PADTs received \(int(farAC, "padt_received")), far AC sessions \(int(farAC, "sessions"))")
        #expect(int(lacUp, "padt_sent") >= 1)
        let farDown = far.waitForSession { $0["phase"]?.string == "dead" }
        #expect(farDown != nil, "the far router's session for subscriber 1 did not end")
        #expect(subs[1].session("sub:1")?["phase"]?.string == "network")
        #expect(lac.session("acc2:1")?["phase"]?.string == "network")
        let again = try lab.sub2.exec(["ping", "-c", "2", "-W", "2", "10.234.0.1"])
        #expect(again.status == 0, "subscriber 2 after subscriber 1 left: \(again.stdout)\(again.stderr)")
    }
}
