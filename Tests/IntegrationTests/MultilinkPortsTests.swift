// Integration (issue 17 points 3, 5, 6, 7): links on ports of different
// types join one bundle. Two of our routers, each in its own network
// namespace, joined by a real pty pair (socat) plus a PPP-over-UDP port on a
// veth pair — or by two pty pairs. Each port is its own linkd, so the second
// link reaches the bundle from another process: through the bundle's own
// rendezvous point (DIR/bundle/<digest>) once the bundle exists. Checked:
// one bundle and one unit each side, pings larger than a link's MRU split
// over both links (per-link fragment counters), iperf3 through it with
// both links carrying its fragments, `kill -9` of the linkd that holds one
// link and of ncpd (the owner) keep the bundle and its traffic,
// one link taken down leaves the other carrying pings, and back up it
// rejoins through the bundle's socket; `pppctl watch` shows link-left and
// link-joined.
import Foundation
import IPC
import Testing

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"),
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/socat"), "needs socat for pty pairs"))
struct MultilinkPortsTests {
    /// `second`: the other link is a UDP port ("udp") or a second pty pair ("tty").
    @Test(arguments: ["udp", "tty"])
    func ttyAndAnotherPortFormOneBundle(second: String) throws {
        let nsA = try Netns("mpa"), nsB = try Netns("mpb")
        defer { nsA.delete(); nsB.delete() }
        _ = try VethLink(nsA, nsB, addressA: "10.97.3.1", addressB: "10.97.3.2")
        let tty1 = try SocatPty()
        defer { tty1.stop() }
        let tty2 = second == "tty" ? try SocatPty() : nil
        defer { tty2?.stop() }
        let udp = UInt16.random(in: 20_000...40_000)
        let roleA = "address = \"10.99.1.1:\"\nip-pool = \"clients\"", roleB = "noipdefault = true"
        func config(_ end: (SocatPty) -> String, local: String, remote: String, endpoint: String, role: String) -> String {
            var text = "[router]\nseccomp = \"kill\"\n"
            text += MultilinkConfig.port("t1", "type = \"tty\"\ndevice = \"\(end(tty1))\"", endpoint: endpoint, role: role)
            if let tty2 {
                text += MultilinkConfig.port("t2", "type = \"tty\"\ndevice = \"\(end(tty2))\"", endpoint: endpoint, role: role)
            } else {
                text += MultilinkConfig.port("u1", "type = \"udp\"\nlocal = \"\(local):\(udp)\"\nremote = \"\(remote):\(udp)\"",
                                            endpoint: endpoint, role: role)
            }
            return text
        }
        let ca = try TempConfig(config({ $0.a }, local: "10.97.3.1", remote: "10.97.3.2", endpoint: "IP:10.97.3.1", role: roleA)
                                + "[pool.clients]\nrange = \"10.99.1.10-10.99.1.20\"\nlocal = \"10.99.1.1\"\n")
        let cb = try TempConfig(config({ $0.b }, local: "10.97.3.2", remote: "10.97.3.1", endpoint: "IP:10.97.3.2", role: roleB))
        defer { ca.remove(); cb.remove() }
        let a = try RouterUnderTest(config: ca.path, netns: nsA.name)
        let b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        defer { a.stop(); b.stop() }
        let secondPort = tty2 == nil ? "u1" : "t2"

        // One bundle each side with both links, one unit, IPCP once.
        let ipcpUp: (JSON) -> Bool = { $0["ipcp"]?["state"]?.string == "opened" }
        let bundleA = try #require(a.waitForBundle(seconds: 90, "two links") { linkCount($0) == 2 && $0["interface"]?.string != nil })
        try #require(b.waitForBundle(seconds: 60, "two links") { linkCount($0) == 2 && $0["interface"]?.string != nil } != nil)
        try #require(a.waitForSession(seconds: 60, "IPCP opened", ipcpUp) != nil)
        try #require(b.waitForSession(seconds: 30, "IPCP opened", ipcpUp) != nil)
        let ports = Set((bundleA["links"]?.array ?? []).compactMap { $0["session"]?.string?.split(separator: ":").first.map(String.init) })
        #expect(ports == ["t1", secondPort], "links of both ports: \(bundleA)")
        #expect(a.sessions().filter(ipcpUp).count == 1, "IPCP runs once, on the bundle")
        #expect(try nsA.exec(["ip", "-o", "link", "show"]).stdout.components(separatedBy: ": ppp").count == 2, "one unit")
        let unit = try #require(bundleA["interface"]?.string)
        // The bundle's rendezvous point is bound, in DIR/bundle/, 0666.
        let path = try #require(bundleA["rendezvous"]?["path"]?.string, "\(bundleA)")
        #expect(path == BundleRendezvous.path(runtimeDir: a.runtimeDir, name: bundleA["name"]?.string ?? ""))
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFSOCK && st.st_mode & 0o777 == 0o666, "\(path)")
        // The tty link's weight is its line speed (RFC 1990 §3 leaves the
        // split to us; a tty's is what linkd knows).
        let ttyLink = try #require(bundleA["links"]?.array?.first { $0["session"]?.string?.hasPrefix("t1:") == true })
        #expect((ttyLink["weight"]?.int ?? 0) > 0, "\(ttyLink)")

        // Pings larger than a link's MRU: fragments over both links.
        let watcher = try Watcher(a, timeout: 600)
        func ping(_ what: String) throws {
            let p = try nsB.exec(["ping", "-c", "5", "-i", "0.2", "-W", "3", "-s", "1400", "10.99.1.1"])
            #expect(p.status == 0, "ping \(what): \(p.stdout) \(p.stderr)")
        }
        try ping("over the bundle")
        let afterA = try #require(a.bundles().first), afterB = try #require(b.bundles().first)
        for l in afterB["links"]?.array ?? [] { #expect((l["fragments_out"]?.int ?? 0) > 0, "B sent no fragment on \(l)") }
        for l in afterA["links"]?.array ?? [] { #expect((l["fragments_in"]?.int ?? 0) > 0, "A received no fragment on \(l)") }
        #expect((afterA["counters"]?["reassembled"]?.int ?? 0) >= 5, "\(afterA)")
        print("multilink \(second): A's links \((afterA["links"]?.array ?? []).map { "\($0["session"]?.string ?? "?") in \($0["fragments_in"]?.int ?? 0) out \($0["fragments_out"]?.int ?? 0)" })")
        // iperf3 (TCP, B to A) through the bundle: both links carry its
        // fragments (the rate is printed, never asserted).
        let rate = try iperf(from: nsB, to: nsA, address: "10.99.1.1", seconds: 2)
        let afterIperf = try #require(a.bundles().first)
        for l in afterIperf["links"]?.array ?? [] {
            let before = (afterA["links"]?.array ?? []).first { $0["session"] == l["session"] }?["fragments_in"]?.int ?? 0
            #expect((l["fragments_in"]?.int ?? 0) > before + 100, "iperf3 left a link idle: \(l)")
        }
        // Issue 17: nothing dropped for a full queue on the sending side.
        // B's tty links hold what the pty cannot take (never a drop, never
        // half a frame), and B's bundle holds what a link's channel cannot
        // take (counted drops, not timing).
        for s in b.sessions() where s["id"]?.string?.hasPrefix("t") == true {
            #expect(s["errors"]?["transmit_dropped"]?.int == 0 && s["errors"]?["transmit_errors"]?.int == 0, "\(s)")
        }
        let bundleB = try #require(b.bundles().first)
        for l in bundleB["links"]?.array ?? [] { #expect(l["transmit_full"]?.int == 0, "\(l)") }
        print("multilink \(second) iperf3: \(rate ?? "-"); A's links \((afterIperf["links"]?.array ?? []).map { "\($0["session"]?.string ?? "?") in \($0["fragments_in"]?.int ?? 0)" }), lost \(afterIperf["counters"]?["lost"]?.int ?? -1); B's wire drops (EAGAIN) \(b.sessions().map { "\($0["id"]?.string ?? "?") \($0["errors"]?["transmit_dropped"]?.int ?? -1) held \($0["errors"]?["transmit_held"]?.int ?? -1)" }); B's bundle held \((bundleB["links"]?.array ?? []).map { $0["held"]?.int ?? -1 }), backpressure \(bundleB["counters"]?["backpressure"]?.int ?? -1)")

        // Point 5: kill -9 of the linkd holding the tty link. It resumes the
        // link from the fd store; the bundle never loses it.
        let linkdName = "linkd@t1"
        let comps = try a.components()
        let linkd = try #require(pid(comps[linkdName]), "\(comps.keys)")
        let ttySession = try #require(ttyLink["session"]?.string)
        kill(linkd, SIGKILL)
        _ = try a.waitFor(seconds: 30) { l in pid(l[linkdName]) != nil && pid(l[linkdName]) != linkd && l[linkdName]?["state"]?.string == "running" }
        try ping("after kill -9 of \(linkdName)")
        let kept = try #require(a.bundles().first)
        #expect(linkCount(kept) == 2 && kept["links"]?.array?.contains { $0["session"]?.string == ttySession } == true,
                "the tty link stayed in the bundle: \(kept)")
        #expect(kept["interface"]?.string == unit)

        // One link down: the other carries the pings; back up, it rejoins
        // through the bundle's own socket.
        let kill1 = try a.ctl(["session", "kill", ttySession])
        #expect(kill1.status == 0, "\(kill1.stderr)")
        a.waitForBundle(seconds: 30, "\(ttySession) left") { b in
            !(b["links"]?.array ?? []).contains { $0["session"]?.string == ttySession }
        }
        try ping("with one link")
        #expect(a.sessions().filter(ipcpUp).count == 1, "the bundle's session stayed")
        let rejoined = try #require(a.waitForBundle(seconds: 90, "the tty link rejoined") { b in
            linkCount(b) == 2 && (b["links"]?.array ?? []).contains { $0["session"]?.string?.hasPrefix("t1:") == true }
        })
        b.waitForBundle(seconds: 30, "the tty link rejoined") { linkCount($0) == 2 }
        #expect(a.log.contains("joins \(bundleA["name"]?.string ?? "?") through the bundle's socket"), "\(a.log.suffix(4000))")
        #expect((rejoined["rendezvous"]?["arrivals"]?.int ?? 0) >= 1, "\(rejoined)")
        try ping("after the rejoin")

        // Point 5: kill -9 of ncpd, the bundle's owner: it resumes the
        // bundle (same unit, both links) and takes the stale socket over.
        let ncpd = try #require(pid(try a.components()["ncpd"]))
        kill(ncpd, SIGKILL)
        _ = try a.waitFor(seconds: 30) { l in pid(l["ncpd"]) != nil && pid(l["ncpd"]) != ncpd && l["ncpd"]?["state"]?.string == "running" }
        let resumed = try #require(a.waitForBundle(seconds: 30, "resumed") { linkCount($0) == 2 })
        #expect(resumed["interface"]?.string == unit && resumed["name"] == bundleA["name"])
        #expect(resumed["rendezvous"]?["path"]?.string == path, "the socket is bound again: \(resumed)")
        try ping("after kill -9 ncpd")
        #expect(a.count("IPCP opened") == 1, "IPCP renegotiated")

        let events = watcher.stop().map { $0["data"] ?? $0 }.compactMap { $0["event"]?.string }
        #expect(events.contains("link-left") && events.contains("link-joined"), "events: \(events)")
    }
}
