// Integration (issue 18 point 4): `kill -9` of the owner of a session's
// IPv6 bindings (ncpd) while Debian's dhcpcd holds an IA_NA address and an
// IA_PD prefix from it and keeps renewing them. The lifetimes are short
// (preferred 16 s: T1 8 s, T2 12 s, RFC 8415 §21.4 defaults of 0.5 and 0.8)
// so dhcpcd renews several times within the test. After the kill: the
// address, the prefixes and their routes never leave the kernel, the new
// ncpd holds the same bindings (nothing new taken from the pools), sends RAs
// again, and answers dhcpcd's next Renew with a Reply. tshark on the
// subscriber's ppp0 must decode every ICMPv6 and DHCPv6 packet of the run.
import Foundation
import IPC
import Testing

extension IPv6SessionTests {
    static let restartTables = IPv6LabConfig.tables + """

        na-pool = "hosts"
        preferred-lifetime = 16
        valid-lifetime = 120
        [pool6.hosts]
        prefix = "2001:db8:ffff::100/120"
        length = 128
        """

    @Test(.enabled(if: hasRdisc6 && hasDhcpcd, "needs ndisc6 and dhcpcd-base (scripts/test.sh installs them)"))
    func iaNAAndIAPDSurviveKill9AndRenewalsAreAnswered() throws {
        let lab = try SessionLab(serverTables: Self.restartTables)
        defer { lab.remove() }
        let (nsA, nsB, a) = (lab.nsA, lab.nsB, lab.a)
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let ifA = try #require(lab.first["interface"]?.string)
        let address = "2001:db8:ffff::100", delegated = "2001:db8:100::/56", slash64 = "2001:db8:1::/64"

        let capture = try IPv6Capture(nsB, interface: "ppp0")

        // dhcpcd stays in the foreground (no -1), so it renews at T1.
        let conf = "/tmp/ppprouter-dhcpcd-restart-\(tag).conf"
        defer { try? FileManager.default.removeItem(atPath: conf); PrivateDhcpcd.remove(tag: tag) }
        try "duid\nnoipv6rs\nipv6only\nia_na 1\nia_pd 2\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let dirs = try PrivateDhcpcd(tag: tag)
        let dhcpcd = try NamespacedProcess(namespace: nsB.name, dirs.command(["-f", conf, "-B", "-d", "-c", "/bin/true", "ppp0"]))
        defer { stopDhcpcd(dhcpcd, nsB) }
        let bound = { (s: JSON) -> Bool in
            s["ipv6"]?["address"]?.string == address && s["ipv6"]?["prefix"]?.string == slash64
                && s["ipv6"]?["delegated"]?.array?.compactMap(\.string) == [delegated]
        }
        let before = a.waitForSession(seconds: 30, "an IA_NA address and a delegated prefix", bound)
        try #require(before != nil, "\(a.log.suffix(3000))\ndhcpcd:\n\(dhcpcd.output)")
        #expect(waitUntil(seconds: 20) { (try? nsB.exec(["ip", "-6", "addr", "show", "dev", "ppp0"]).stdout.contains("inet6 \(address)/128")) == true },
                "dhcpcd did not put the address on ppp0:\n\(dhcpcd.output)")
        // At least one Renew answered before the kill: the lifetimes work.
        #expect(waitUntil(seconds: 40) { renewalsAnswered(dhcpcd.output) >= 1 }, "no renewal before the kill:\n\(dhcpcd.output)")
        let routesBefore = try nsA.exec(["ip", "-6", "route", "show", "dev", ifA]).stdout
        for p in [slash64, delegated, address] { #expect(routesBefore.contains(p), "\(p) not routed: \(routesBefore)") }

        // kill -9 ncpd, the owner of the bindings.
        let renewedBefore = renewalsAnswered(dhcpcd.output)
        let ncpd = try a.killAndWaitForRestart("ncpd")
        print("ncpd \(ncpd.old) → \(ncpd.new); \(renewedBefore) renewal(s) answered before")
        let after = a.waitForSession(seconds: 30, "the bindings resumed") { $0["id"]?.string == lab.id && bound($0) }
        #expect(after != nil, "\(a.log.suffix(3000))")
        #expect(a.count("network phase (magic") == 1, "LCP renegotiated:\n\(a.log.suffix(3000))")
        let routesAfter = try nsA.exec(["ip", "-6", "route", "show", "dev", ifA]).stdout
        for p in [slash64, delegated, address] { #expect(routesAfter.contains(p), "\(p) lost its route: \(routesAfter)") }
        // Nothing new taken from the pools: the deposit's bindings were reserved again.
        let pools = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        for (name, prefix, length, size) in [("subscribers", "2001:db8:1::/48", 64, 65536), ("delegated", "2001:db8:100::/40", 56, 65536),
                                             ("hosts", "2001:db8:ffff::100/120", 128, 256)] {
            #expect(pools.contains("\"name\":\"\(name)\",\"prefix\":\"\(prefix)\",\"length\":\(length),\"size\":\(size),\"in_use\":1"), "\(pools)")
        }

        // The new ncpd answers dhcpcd's next Renew, and sends RAs (its counters start at 0).
        #expect(waitUntil(seconds: 60) { renewalsAnswered(dhcpcd.output) > renewedBefore },
                "no Renew answered after kill -9:\n\(dhcpcd.output.suffix(3000))\n\(a.log.suffix(3000))")
        let rd = try nsB.exec(["rdisc6", "-r", "3", "-w", "4000", "ppp0"], timeout: 40)
        #expect(rd.status == 0 && rd.stdout.contains(slash64) && rd.stdout.contains("2001:db8::53"), "after kill -9: \(rd.stdout) \(rd.stderr)")
        let counters = try #require(a.sessions().first { $0["id"]?.string == lab.id }?["ipv6"])
        #expect((counters["ra_sent"]?.int ?? 0) >= 1 && (counters["dhcpv6_sent"]?.int ?? 0) >= 1, "\(counters)")
        let addr = try nsB.exec(["ip", "-6", "addr", "show", "dev", "ppp0"]).stdout
        #expect(addr.contains("inet6 \(address)/128"), "the IA_NA address left ppp0: \(addr)")
        #expect(bound(try #require(a.sessions().first { $0["id"]?.string == lab.id })))
        let renewed = renewalsAnswered(dhcpcd.output)
        print("renewals answered: \(renewedBefore) before kill -9, \(renewed - renewedBefore) after; new ncpd counters \(counters)")

        // The end: routes withdrawn, everything back in the pools.
        stopDhcpcd(dhcpcd, nsB)
        #expect(try a.ctl(["session", "kill", lab.id]).status == 0)
        a.waitForNetwork("no session", { $0.isEmpty })
        for p in [delegated, address] { #expect(try nsA.exec(["ip", "-6", "route", "show", p]).stdout.isEmpty, "\(p) still routed") }
        let poolsEnd = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(!poolsEnd.contains("\"in_use\":1"), "\(poolsEnd)")

        if let capture {
            let lines = try capture.decoded()
            let info = lines.joined(separator: "\n")
            let renews = lines.filter { $0.contains("Renew XID") }.count, replies = lines.filter { $0.contains("Reply XID") }.count
            #expect(lines.contains { $0.contains("Router Advertisement") } && renews >= 2 && replies >= 3, "\(info)")
            print("capture: \(lines.count) ICMPv6/DHCPv6 packets (\(renews) Renew, \(replies) Reply) decoded by tshark, none malformed")
        }
    }
}

/// Renews dhcpcd sent that a Reply answered: each "broadcasting RENEW6
/// (xid …)" line followed (before the next one) by a "REPLY6 received"
/// line, as dhcpcd 9's debug log (-d) names them.
private func renewalsAnswered(_ log: String) -> Int {
    var answered = 0, waiting = false
    for line in log.split(separator: "\n") {
        if line.contains("RENEW6 (xid") { waiting = true }
        else if waiting && line.contains("REPLY6 received") { answered += 1; waiting = false }
    }
    return answered
}

/// Polls `condition` until it holds or `seconds` pass (a bound, not a
/// timing check: a loaded machine only makes it wait longer).
private func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() && Date() < deadline { usleep(200_000) }
    return condition()
}

/// dhcpcd 9's privilege-separation proxies outlive its main process on
/// SIGTERM (the privileged one ignores it) and keep the descriptor by which
/// Foundation's Process learns that its child ended, so `stop()` alone would
/// wait forever. The main process gets SIGTERM; then every dhcpcd left in
/// the subscriber's namespace (ours alone) SIGKILL, by pid.
private func stopDhcpcd(_ dhcpcd: NamespacedProcess, _ ns: Netns) {
    guard dhcpcd.process.isRunning else { return }
    kill(dhcpcd.process.processIdentifier, SIGTERM)
    for _ in 0..<50 {
        let pids = ((try? run("/usr/sbin/ip", ["netns", "pids", ns.name]).stdout) ?? "").split(separator: "\n").compactMap { Int32($0) }
        let left = pids.filter { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("dhcpcd") == true
                && (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") != true
        }
        if left.isEmpty { break }
        for pid in left where pid != dhcpcd.process.processIdentifier { kill(pid, SIGKILL) }
        usleep(100_000)
    }
    dhcpcd.stop()
}
