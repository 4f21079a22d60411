// Integration (issue 14's tests): kill -9 of linkd, then ncpd, then authd
// while pings cross a session authenticated by a real FreeRADIUS; the detail
// file shows one Start, Interim-Updates whose octets never decrease and one
// Stop whose octets equal `pppctl sessions`' counters, all under one
// Acct-Session-Id with Framed-IP-Address. And a RADIUS outage: FreeRADIUS
// stopped while the session ends; the Stop waits in authd's queue (counted)
// and reaches the server started again on the same port.
import Foundation
import IPC
import Testing
import TestSupport

extension AuthSessionTests {
    /// Router A (FreeRADIUS, pool) and B (carol, own namespace) on a pty pair.
    func poolSession(_ fr: FreeRadius, _ body: (RouterUnderTest, String, JSON, String) throws -> Void) throws {
        let (pair, net) = try ipv4PoolPair(fr, namespace: "akb")
        defer { pair.stop() }
        let a = pair.a, b = pair.b
        let s = try #require(a.waitForSession("IPCP opened") { $0["ipcp"]?["state"]?.string == "opened" }, "B:\n\(b.log)")
        #expect(detailContains(fr, "Acct-Status-Type = Start"), "\(fr.detail)\n\(a.log)")
        try body(a, pair.nsB.name, s, "\(net).1")
    }

    /// The session's RFC 2866 counters as `pppctl sessions` shows them.
    func ctlCounters(_ a: RouterUnderTest, _ id: String) -> (input: Int, output: Int)? {
        guard let s = a.sessions().first(where: { $0["id"]?.string == id }),
              let i = s["counters"]?["input_octets"]?.int, let o = s["counters"]?["output_octets"]?.int else { return nil }
        return (Int(i), Int(o))
    }

    func field(_ record: String, _ name: String) -> Int? {
        record.split(separator: "\n").compactMap { line -> Int? in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix(name + " = ") ? Int(t.dropFirst(name.count + 3)) : nil
        }.first
    }

    @Test(.enabled(if: canRunFreeRadius, "needs Debian's freeradius"))
    func killNineOfEachDaemonKeepsBillableAccounting() throws {
        let fr = try FreeRadius(netns: sharedTestNamespace)
        defer { fr.stop() }
        try poolSession(fr) { a, nsB, s, target in
            let id = try #require(s["id"]?.string)
            let peer = try #require(s["ipcp"]?["remote"]?.string)
            for component in ["linkd@ta", "ncpd", "authd"] {
                // Pings across the kill (their count is what is bounded, not time).
                let ping = Process()
                ping.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
                ping.arguments = ["netns", "exec", nsB, "ping", "-q", "-c", "40", "-i", "0.2", "-W", "1", target]
                ping.standardOutput = FileHandle.nullDevice; ping.standardError = FileHandle.nullDevice
                try ping.run()
                #expect(moreInterims(fr, 1), "\(fr.detail)")
                _ = try a.killAndWaitForRestart(component)
                ping.waitUntilExit()
                #expect(moreInterims(fr, 2), "after kill -9 \(component):\n\(fr.detail)\n\(a.log)")
            }
            let counters = try #require(ctlCounters(a, id))
            #expect(try a.ctl(["session", "kill", id]).status == 0)
            #expect(detailContains(fr, "Acct-Status-Type = Stop"), "\(fr.detail)\n\(a.log)")
            let detail = fr.detail
            let starts = detailRecords(detail, "Start"), interims = detailRecords(detail, "Interim-Update")
            let stops = detailRecords(detail, "Stop")
            #expect(starts.count == 1 && stops.count == 1, "\(detail)")
            let octets = interims.compactMap { field($0, "Acct-Input-Octets") }
            #expect(zip(octets, octets.dropFirst()).allSatisfy { $0 <= $1 }, "octets went back: \(octets)")
            let stop = try #require(stops.first)
            #expect(field(stop, "Acct-Input-Octets") == counters.input && field(stop, "Acct-Output-Octets") == counters.output,
                    "Stop \(stop) vs pppctl \(counters)")
            #expect(counters.input > (octets.first ?? 0), "the pings were counted: \(counters) \(octets)")
            for r in starts + interims + stops { #expect(r.contains("Framed-IP-Address = \(peer)"), "\(r)") }
            let ids = Set(detail.split(separator: "\n").filter { $0.contains("Acct-Session-Id = ") && !$0.contains("-on-") })
            #expect(ids.count == 1, "\(ids)")
            print("kill -9 linkd, ncpd, authd: interim octets \(octets), Stop = pppctl \(counters)")
        }
    }

    @Test(.enabled(if: canRunFreeRadius, "needs Debian's freeradius"))
    func aStopQueuedThroughARadiusOutageArrives() throws {
        let fr = try FreeRadius(netns: sharedTestNamespace)
        var back: FreeRadius?
        defer { fr.stop(); back?.stop() }
        try poolSession(fr) { a, _, s, _ in
            let id = try #require(s["id"]?.string)
            fr.stop()
            #expect(try a.ctl(["session", "kill", id]).status == 0)
            // The Stop times out at the server and waits; at least one
            // retry round fails too before the server is back.
            func queue() -> JSON? { (try? JSON.parse(try a.ctl(["call", "authd", "status"]).stdout))?["accounting_queue"] }
            var q = queue()
            for _ in 0..<600 where (q?["resent"]?.int ?? 0) < 1 { usleep(100_000); q = queue() }
            #expect((q?["queued"]?.int ?? 0) >= 1 && q?["dropped"]?.int == 0, "\(String(describing: q))\n\(a.log)")
            back = try FreeRadius(netns: sharedTestNamespace, port: fr.port)
            let server = try #require(back)
            #expect(detailContains(server, "Acct-Status-Type = Stop", seconds: 60), "\(server.detail)\n\(a.log)")
            #expect(server.detail.contains("Acct-Delay-Time = "), "\(server.detail)")
            q = queue()
            for _ in 0..<100 where q?["waiting"]?.int != 0 { usleep(100_000); q = queue() }
            #expect(q?["waiting"]?.int == 0 && q?["dropped"]?.int == 0, "\(String(describing: q))")
            print("RADIUS outage: \(String(describing: q))")
        }
    }
}
