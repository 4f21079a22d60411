// Integration: RFC 2867 tunnel accounting at both ends of one tunnel, and
// its ids across a kill -9 of each linkd. Our LAC (its own PPP session in a
// call, carol) and our LNS (CHAP by RADIUS, a pool) each send their
// accounting to a FreeRADIUS of their own (Debian's, on each namespace's
// loopback). Each side reports one Tunnel-Start and one Tunnel-Link-Start;
// then linkd is killed with -9 on the LNS and on the LAC (the tunnel and
// the session stay, the ids come back from the tunnel's deposited record,
// TunnelDeposit version 2: no second Start); the operator ends the session
// and the tunnel closes after the LAC's idle hold: each side's
// Tunnel-Link-Stop and Tunnel-Stop carry the Acct-Session-Id of its Start,
// the stops carry counters, and the LNS names the tunnel as the LAC does
// with the ends in RFC 2868 §3.3/§3.4's places (the LAC is the client).
import Foundation
import IPC
import Testing
import TestSupport

private enum AccountingLab {
    static func lns(_ fr: FreeRadius) -> String {
        """
        [router]
        seccomp = "kill"
        \(fr.routerSection)
        [port.lns0]
        type = "l2tp"
        role = "lns"
        local = "10.235.0.1:1701"
        host-name = "lns-acct"
        secret = "tunnel-secret"
        peers = ["10.235.0.2"]
        hello-interval = 5
        require-chap = true
        ip-pool = "subs"
        \(L2TPLab.timers)
        [pool.subs]
        range = "10.236.0.10-10.236.0.20"
        local = "10.236.0.1"
        """
    }

    static func lac(_ fr: FreeRadius) -> String {
        """
        [router]
        seccomp = "kill"
        \(fr.routerSection)
        [port.lac0]
        type = "l2tp"
        role = "lac"
        local = "10.235.0.2:1701"
        lns = ["10.235.0.1"]
        host-name = "lac-acct"
        secret = "tunnel-secret"
        hello-interval = 5
        idle-hold = 1
        user = "carol"
        noipdefault = true
        \(L2TPLab.timers)
        [users.carol]
        password = "c4rol"
        """
    }
}

@Suite(.serialized, .enabled(if: isRoot && canRunFreeRadius, "needs root and Debian's freeradius"))
struct L2TPAccountingTests {
    @Test func bothEndsAccountTheTunnelAndKeepTheIdsThroughKills() throws {
        let lab = try L2TPLab()
        defer { lab.delete() }
        let frLNS = try FreeRadius(netns: lab.lns.name)
        defer { frLNS.stop() }
        let frLAC = try FreeRadius(netns: lab.lac.name)
        defer { frLAC.stop() }
        let configs = try [AccountingLab.lns(frLNS), AccountingLab.lac(frLAC)].map { try TempConfig($0) }
        defer { configs.forEach { $0.remove() } }
        let lns = try RouterUnderTest(config: configs[0].path, netns: lab.lns.name)
        defer { lns.stop() }
        _ = try lns.allRunning()
        let lac = try RouterUnderTest(config: configs[1].path, netns: lab.lac.name)
        defer { lac.stop() }
        _ = try lac.allRunning()
        let diag = { "LAC:\n\(lac.log.suffix(5000))\nLNS:\n\(lns.log.suffix(5000))" }

        let up = lac.waitForSession(seconds: 40) { $0["id"]?.string == "lac0:1" && $0["ipcp"]?["state"]?.string == "opened" }
        #expect(up != nil, "LAC sessions: \(lac.sessions())\n\(diag())")
        let ping = try lab.lac.exec(["ping", "-c", "3", "-W", "2", "10.236.0.1"])
        #expect(ping.status == 0, "ping through the tunnel: \(ping.stdout)\(ping.stderr)")

        /// The records of `status` FreeRADIUS has, waiting (bounded) for `count`.
        func records(_ fr: FreeRadius, _ status: String, atLeast count: Int) -> [[String: String]] {
            let until = Date().addingTimeInterval(20)
            var found = detailRecords(fr.detail, status: status)
            while found.count < count && Date() < until {
                usleep(200_000)
                found = detailRecords(fr.detail, status: status)
            }
            return found
        }
        let sides = [("LNS", frLNS), ("LAC", frLAC)]
        var starts: [String: (tunnel: [String: String], link: [String: String])] = [:]
        for (side, fr) in sides {
            let t = records(fr, "Tunnel-Start", atLeast: 1), l = records(fr, "Tunnel-Link-Start", atLeast: 1)
            #expect(t.count == 1 && l.count == 1, "\(side): \(t) \(l)\n\(fr.detail)")
            if let t = t.first, let l = l.first { starts[side] = (t, l) }
        }
        // The same tunnel from both ends (RFC 2868 §3.3/§3.4: the LAC is the client).
        for (side, s) in starts {
            for r in [s.tunnel, s.link] {
                #expect(r["Tunnel-Type"] == "L2TP" && r["Tunnel-Medium-Type"] == "IPv4" && r["Tunnel-Client-Endpoint"] == "10.235.0.2"
                        && r["Tunnel-Server-Endpoint"] == "10.235.0.1" && r["Tunnel-Client-Auth-Id"] == "lac-acct"
                        && r["Tunnel-Server-Auth-Id"] == "lns-acct" && r["Acct-Tunnel-Connection"] != nil && r["Acct-Session-Id"] != nil,
                        "\(side): \(r)")
            }
            #expect(s.link["NAS-Port-Id"] != nil && s.link["Acct-Session-Id"] != s.tunnel["Acct-Session-Id"], "\(side): \(s.link)")
        }
        #expect(starts["LAC"]?.link["User-Name"] == "carol", "\(String(describing: starts["LAC"]))")

        // kill -9 of each linkd: the tunnel and the session stay.
        for (router, port) in [(lns, "lns0"), (lac, "lac0")] {
            let (old, new) = try router.killAndWaitForRestart("linkd@\(port)")
            let again = try lab.lac.exec(["ping", "-c", "2", "-W", "2", "10.236.0.1"])
            #expect(again.status == 0, "ping after kill -9 of linkd@\(port) (\(old) → \(new)): \(again.stdout)\n\(diag())")
        }

        // The operator ends carol's session (CDN); the tunnel goes after the idle hold.
        #expect(try lac.ctl(["session", "kill", "lac0:1"]).status == 0)
        for (side, fr) in sides {
            let linkStops = records(fr, "Tunnel-Link-Stop", atLeast: 1)
            let stops = records(fr, "Tunnel-Stop", atLeast: 1)
            print("RFC 2867 at the \(side): Tunnel-Start \(detailRecords(fr.detail, status: "Tunnel-Start").count), Tunnel-Link-Start \(detailRecords(fr.detail, status: "Tunnel-Link-Start").count), Tunnel-Link-Stop \(linkStops.count), Tunnel-Stop \(stops.count)")
            // No second Start after the restarts: the ids came back from the record.
            #expect(detailRecords(fr.detail, status: "Tunnel-Start").count == 1 && detailRecords(fr.detail, status: "Tunnel-Link-Start").count == 1,
                    "\(side):\n\(fr.detail)")
            #expect(linkStops.count == 1 && stops.count == 1, "\(side):\n\(fr.detail)\n\(diag())")
            guard let start = starts[side], let linkStop = linkStops.first, let stop = stops.first else { continue }
            #expect(linkStop["Acct-Session-Id"] == start.link["Acct-Session-Id"] && stop["Acct-Session-Id"] == start.tunnel["Acct-Session-Id"],
                    "\(side): starts \(start) stops \(linkStop) \(stop)")
            #expect(linkStop["Acct-Tunnel-Connection"] == start.link["Acct-Tunnel-Connection"]
                    && stop["Acct-Tunnel-Connection"] == start.tunnel["Acct-Tunnel-Connection"], "\(side): \(linkStop) \(stop)")
            #expect(stop["Tunnel-Client-Auth-Id"] == "lac-acct" && stop["Tunnel-Server-Auth-Id"] == "lns-acct", "\(side): \(stop)")
            // The pings' packets, counted by the call and summed into the tunnel's stop.
            #expect((Int(linkStop["Acct-Input-Packets"] ?? "") ?? 0) > 0 && (Int(stop["Acct-Input-Packets"] ?? "") ?? 0) > 0
                    && linkStop["Acct-Tunnel-Packets-Lost"] != nil && linkStop["User-Name"] == "carol", "\(side): \(linkStop) \(stop)")
        }
        #expect(detailRecords(frLNS.detail, status: "Tunnel-Stop").first?["Acct-Terminate-Cause"] == "Host-Request",
                "the LAC closed the tunnel: \(frLNS.detail)")
        #expect(detailRecords(frLAC.detail, status: "Tunnel-Stop").first?["Acct-Terminate-Cause"] == "Idle-Timeout", "\(frLAC.detail)")
    }
}
