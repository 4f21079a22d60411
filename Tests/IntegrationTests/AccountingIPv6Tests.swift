// Integration (issue 18): the IPv6 prefixes an Access-Accept assigns (RFC
// 3162 §2.3 Framed-IPv6-Prefix, RFC 4818 §3 Delegated-IPv6-Prefix) are the
// session's instead of the pools', and accounting carries them. FreeRADIUS's
// Accept for dave names 2001:db8:77::/64 and 2001:db8:7700::/56; the BRAS
// "ta" has pools too, which stay untouched. Our CPE "tb" (IPv6 client role)
// gets the /64 by RA and the /56 by DHCPv6 IA_PD; every Start, Interim-Update
// and Stop in FreeRADIUS's detail file names both; `kill -9 ncpd` keeps them.
// carol's Accept names none: the pools' prefixes, which ncpd reports to
// authd, are in the later Interim-Updates and the Stop.
import Foundation
import IPC
import Testing
import TestSupport

extension AuthSessionTests {
    /// A BRAS "ta" (FreeRADIUS, IPv6 pools, [ipv6.ta]) and our CPE "tb"
    /// (IPv6 client role) logging in as `user`, on a pty pair.
    func ipv6AccountingRouters(_ fr: FreeRadius, user: String, password: String) throws -> RadiusPair {
        try ipv6PoolPair(fr, namespace: "a6b", user: user, password: password, hosts: false, subscriber: """
            [ipv6.tb]
            mode = "client"
            prefix-hint = 56
            """)
    }

    @Test(.enabled(if: canRunFreeRadius, "needs Debian's freeradius"))
    func radiusIPv6PrefixesAreAssignedAndAccounted() throws {
        let fr = try FreeRadius(netns: sharedTestNamespace)
        defer { fr.stop() }
        let pair = try ipv6AccountingRouters(fr, user: "dave", password: "d4ve")
        defer { pair.stop() }
        let a = pair.a, b = pair.b
        let framed = "2001:db8:77::/64", delegated = "2001:db8:7700::/56"
        let bound = { (s: JSON) -> Bool in
            s["ipv6"]?["prefix"]?.string == framed && s["ipv6"]?["delegated"]?.array?.compactMap(\.string) == [delegated]
        }
        let s = try #require(a.waitForSession(seconds: 60, "RADIUS's prefixes bound", bound), "A:\n\(a.log.suffix(3000))\nB:\n\(b.log.suffix(3000))")
        #expect(b.waitForSession(seconds: 20, "the CPE holds RADIUS's prefixes", bound) != nil, "\(b.log.suffix(3000))")
        let ifA = try #require(s["interface"]?.string)
        let routes = try run("/usr/sbin/ip", ["-n", sharedTestNamespace, "-6", "route", "show", "dev", ifA]).stdout
        #expect(routes.contains(framed) && routes.contains(delegated), "\(routes)")
        // Neither came out of the pools.
        let pools = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(pools.contains("\"name\":\"subscribers\",\"prefix\":\"2001:db8:1::/48\",\"length\":64,\"size\":65536,\"in_use\":0"), "\(pools)")
        #expect(pools.contains("\"name\":\"delegated\",\"prefix\":\"2001:db8:100::/40\",\"length\":56,\"size\":65536,\"in_use\":0"), "\(pools)")

        #expect(detailContains(fr, "Acct-Status-Type = Start"), "\(fr.detail)\n\(a.log)")
        #expect(moreInterims(fr, 2), "\(fr.detail)")
        // kill -9 ncpd: the session resumes with the same prefixes and routes.
        _ = try a.killAndWaitForRestart("ncpd")
        #expect(a.waitForSession(seconds: 30, "the prefixes resumed", bound) != nil, "\(a.log.suffix(3000))")
        #expect(try run("/usr/sbin/ip", ["-n", sharedTestNamespace, "-6", "route", "show", delegated]).stdout.contains("dev \(ifA)"))
        #expect(moreInterims(fr, 2), "\(fr.detail)\n\(a.log)")
        let id = try #require(s["id"]?.string)
        #expect(try a.ctl(["session", "kill", id]).status == 0)
        #expect(detailContains(fr, "Acct-Status-Type = Stop"), "\(fr.detail)")
        a.waitForNetwork("no session", { $0.isEmpty })
        #expect(try run("/usr/sbin/ip", ["-n", sharedTestNamespace, "-6", "route", "show", delegated]).stdout.isEmpty)
        let detail = fr.detail
        let starts = detailRecords(detail, "Start"), interims = detailRecords(detail, "Interim-Update")
        let stops = detailRecords(detail, "Stop")
        #expect(starts.count == 1 && stops.count == 1 && interims.count >= 4, "\(detail)")
        for r in starts + interims + stops {
            #expect(r.contains("Framed-IPv6-Prefix = \(framed)") && r.contains("Delegated-IPv6-Prefix = \(delegated)"), "\(r)")
        }
        print("RADIUS prefixes \(framed), \(delegated) in \(starts.count) Start, \(interims.count) Interim-Update, \(stops.count) Stop")
    }

    /// Prefixes ncpd took from its own pools (carol's Accept names none):
    /// ncpd tells authd (session-prefixes through pppinit), so the
    /// Interim-Updates after the binding and the Stop carry them.
    @Test(.enabled(if: canRunFreeRadius, "needs Debian's freeradius"))
    func poolIPv6PrefixesAreAccounted() throws {
        let fr = try FreeRadius(netns: sharedTestNamespace)
        defer { fr.stop() }
        let pair = try ipv6AccountingRouters(fr, user: "carol", password: "c4rol")
        defer { pair.stop() }
        let a = pair.a
        let framed = "2001:db8:1::/64", delegated = "2001:db8:100::/56"
        let s = try #require(a.waitForSession(seconds: 60, "the pools' prefixes bound") {
            $0["ipv6"]?["prefix"]?.string == framed && $0["ipv6"]?["delegated"]?.array?.compactMap(\.string) == [delegated]
        }, "\(a.log.suffix(3000))")
        #expect(moreInterims(fr, 3), "\(fr.detail)")
        let id = try #require(s["id"]?.string)
        #expect(try a.ctl(["session", "kill", id]).status == 0)
        #expect(detailContains(fr, "Acct-Status-Type = Stop"), "\(fr.detail)")
        let detail = fr.detail
        let interims = detailRecords(detail, "Interim-Update"), stops = detailRecords(detail, "Stop")
        let both = { (r: String) in r.contains("Framed-IPv6-Prefix = \(framed)") && r.contains("Delegated-IPv6-Prefix = \(delegated)") }
        #expect(stops.count == 1 && stops.allSatisfy(both), "\(detail)\n\(a.log.suffix(3000))")
        #expect(interims.last.map(both) == true, "\(detail)")
        print("pool prefixes in \(interims.filter(both).count) of \(interims.count) Interim-Update and the Stop")
    }
}
