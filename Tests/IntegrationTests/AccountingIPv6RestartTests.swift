// Integration (issue 18): the prefixes and the IA_NA address ncpd gave a
// session from its pools stay in its accounting across `kill -9` of authd
// and of linkd. Both rebuild authd's slot from linkd's accountingResumed,
// and ncpd reports a session's prefixes only when they change; so authd asks
// ncpd for them when it resumes (ncpd's session-prefixes). The subscriber is
// Debian's dhcpcd on the far router's ppp0 (an IA_NA /128 and an IA_PD /56);
// FreeRADIUS's detail file must show Framed-IPv6-Prefix (RFC 3162 §2.3),
// Delegated-IPv6-Prefix (RFC 4818 §3) and Framed-IPv6-Address (RFC 6911
// §3.1) in the Interim-Updates after each restart and in the Stop.
import Foundation
import IPC
import Testing
import TestSupport

extension AuthSessionTests {
    @Test(.enabled(if: canRunFreeRadius && hasDhcpcd, "needs Debian's freeradius and dhcpcd-base"))
    func poolIPv6BindingsStayAccountedAcrossAuthdAndLinkdKill9() throws {
        let fr = try FreeRadius(netns: sharedTestNamespace)
        defer { fr.stop() }
        // The BRAS "ta" (FreeRADIUS, a /64, a /56 and a /128 pool) and a plain
        // subscriber router "tb" (no IPv6 services: its kernel sees the RAs
        // and DHCPv6 on its unit, where dhcpcd runs).
        let pair = try ipv6PoolPair(fr, namespace: "a6r", user: "carol", password: "c4rol", hosts: true)
        defer { pair.stop() }
        let a = pair.a, b = pair.b, nsB = pair.nsB, ifB = pair.ifB
        let prefix = "2001:db8:1::/64", delegated = "2001:db8:100::/56", address = "2001:db8:ffff::100"
        _ = try #require(a.waitForSession(seconds: 60, "RAs of the pool's /64") { $0["ipv6"]?["prefix"]?.string == prefix },
                         "A:\n\(a.log.suffix(3000))\nB:\n\(b.log.suffix(3000))")

        // dhcpcd on the subscriber's unit takes an address and a prefix.
        let run = tag()
        let conf = "/tmp/ppprouter-dhcpcd-acct-\(run).conf"
        defer { try? FileManager.default.removeItem(atPath: conf); PrivateDhcpcd.remove(tag: run) }
        try "duid\nnoipv6rs\nipv6only\nia_na 1\nia_pd 2\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let dirs = try PrivateDhcpcd(tag: run)
        let got = try nsB.exec(dirs.command(["-f", conf, "-B", "-d", "-1", "-t", "30", "-c", "/bin/true", ifB]), timeout: 60)
        #expect(got.status == 0, "dhcpcd: \(got.stdout)\(got.stderr)")
        let bound = { (s: JSON) -> Bool in
            s["ipv6"]?["prefix"]?.string == prefix && s["ipv6"]?["address"]?.string == address
                && s["ipv6"]?["delegated"]?.array?.compactMap(\.string) == [delegated]
        }
        let s = try #require(a.waitForSession(seconds: 30, "an IA_NA address and a delegated prefix", bound),
                             "\(a.log.suffix(3000))\ndhcpcd:\n\(got.stdout)\(got.stderr)")
        let id = try #require(s["id"]?.string)
        let all = { (r: String) in
            r.contains("Framed-IPv6-Prefix = \(prefix)") && r.contains("Delegated-IPv6-Prefix = \(delegated)")
                && r.contains("Framed-IPv6-Address = \(address)")
        }
        let interims = { self.detailRecords(fr.detail, "Interim-Update") }
        // An Interim-Update with all three once ncpd told authd; every later one too.
        #expect(eventually(seconds: 60) { interims().contains(where: all) }, "before any restart:\n\(fr.detail)")

        for daemon in ["authd", "linkd@ta"] {
            let seen = interims().count
            let (old, new) = try a.killAndWaitForRestart(daemon)
            // Until the new slot has ncpd's answer an Interim may lack them
            // (the resume and the first Interim race); then every one has them.
            #expect(eventually(seconds: 60) { interims().dropFirst(seen).contains(where: all) },
                    "after kill -9 \(daemon) (\(old) → \(new)), no Interim-Update carries the bindings:\n\(fr.detail.suffix(4000))\n\(a.log.suffix(4000))")
            let firstGood = seen + (interims().dropFirst(seen).firstIndex(where: all).map { $0 - seen } ?? 0)
            #expect(moreInterims(fr, 2), "\(fr.detail.suffix(3000))")
            let later = interims().dropFirst(firstGood)
            #expect(later.allSatisfy(all), "after kill -9 \(daemon), an Interim-Update lost them:\n\(later.joined(separator: "\n\n"))")
            print("kill -9 \(daemon): \(firstGood - seen) Interim-Update(s) before ncpd's answer, \(later.count) with the bindings")
            // The session kept its bindings, and `session show` says so.
            let show = try a.ctl(["--json", "session", "show", id])
            let view = try #require(try JSON.parse(show.stdout)["data"], "\(show.stdout)\(show.stderr)")
            #expect(bound(view), "session show after kill -9 \(daemon): \(show.stdout)")
            #expect(view["authd"]?["accounting"] == .bool(true), "\(show.stdout)")
        }

        #expect(try a.ctl(["session", "kill", id]).status == 0)
        #expect(detailContains(fr, "Acct-Status-Type = Stop"), "\(fr.detail)")
        let stops = detailRecords(fr.detail, "Stop")
        #expect(stops.count == 1 && stops.allSatisfy(all), "\(stops)\n\(a.log.suffix(3000))")
        let ids = Set(fr.detail.split(separator: "\n").filter { $0.contains("Acct-Session-Id = ") && !$0.contains("-on-") })
        #expect(ids.count == 1, "one Acct-Session-Id across both restarts: \(ids)")
        a.waitForNetwork("no session", { $0.isEmpty })
        let pools = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(!pools.contains("\"in_use\":1"), "the bindings went back to their pools: \(pools)")
        print("Stop: \(stops.first ?? "")")
    }
}

private func tag() -> String { "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))" }

/// Polls `condition` until it holds or `seconds` pass (a bound, not a
/// timing check: a loaded machine only makes it wait longer).
private func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() && Date() < deadline { usleep(200_000) }
    return condition()
}
