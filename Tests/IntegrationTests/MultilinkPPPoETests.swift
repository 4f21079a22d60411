// Integration (issue 17 points 3, 5, 7): two PPPoE sessions joined in one
// RFC 1990 bundle. Two of our routers in their own network namespaces,
// joined by two veth pairs (two "DSL lines"): our access concentrator with
// a port on each, and our PPPoE client with a port on each, so each side
// has two linkds whose sessions meet in one bundle in its ncpd. The AC
// authenticates the client with CHAP (both links bundle under the peer name
// "alice" and the client's discriminator, RFC 1990 §5.1.3); the client
// authenticates nobody, so its links bundle by the AC's discriminator alone.
// MRU 600 on every port, so pings of 1400 are fragmented over both links.
// Checked: one bundle and one unit each side, IPCP once, fragments in and
// out on both sessions both ways, iperf3 through it with both links
// carrying its fragments, `kill -9` of a linkd holding one link on each
// side keeps the bundle with both links and pings go on.
import Foundation
import IPC
import Testing

/// PPPoELab's ports with MRU 600, multilink and an endpoint discriminator
/// (RFC 1990 §5.1.3); the client probes LCP every second as the AC does.
enum MultilinkPPPoE {
    static func ac(_ name: String, interface: String) -> String {
        PPPoELab.ac(name, interface: interface, acName: "mp-bras", mru: 600, echoFailure: 10, net: "10.78.0")
            + "multilink = true\nendpoint = \"IP:10.78.0.1\"\n"
    }

    static func client(_ name: String, interface: String) -> String {
        PPPoELab.client(name, interface: interface, acName: "mp-bras", mru: 600)
            + "lcp-echo-interval = 1\nlcp-echo-failure = 10\nmultilink = true\nendpoint = \"magic:0a4e0002\"\n"
    }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, AF_PACKET, TUN, daemons dropping to their uids"))
struct MultilinkPPPoETests {
    @Test func twoPPPoESessionsFormOneBundle() throws {
        let nsA = try Netns("mpac"), nsB = try Netns("mpcl")
        defer { nsA.delete(); nsB.delete() }
        for (ac, cl) in [("bras1", "cpe1"), ("bras2", "cpe2")] {
            let r = try run("/usr/sbin/ip", ["link", "add", ac, "netns", nsA.name, "mtu", "1500", "type", "veth",
                                             "peer", "name", cl, "netns", nsB.name, "mtu", "1500"])
            try #require(r.status == 0, "ip link add: \(r.stderr)")
            _ = try nsA.exec(["ip", "link", "set", ac, "up"])
            _ = try nsB.exec(["ip", "link", "set", cl, "up"])
        }
        let ca = try TempConfig(PPPoELab.router + MultilinkPPPoE.ac("ac1", interface: "bras1")
            + MultilinkPPPoE.ac("ac2", interface: "bras2") + PPPoELab.pool("10.78.0") + PPPoELab.alice)
        let cb = try TempConfig(PPPoELab.router + MultilinkPPPoE.client("w1", interface: "cpe1")
            + MultilinkPPPoE.client("w2", interface: "cpe2") + PPPoELab.alice)
        defer { ca.remove(); cb.remove() }
        let a = try RouterUnderTest(config: ca.path, netns: nsA.name)
        let b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        defer { a.stop(); b.stop() }

        // One bundle each side with both sessions, one unit, IPCP once.
        let bundleA = try #require(a.waitForBundle(seconds: 90, "two PPPoE links") { linkCount($0) == 2 && $0["interface"]?.string != nil })
        let bundleB = try #require(b.waitForBundle(seconds: 60, "two PPPoE links") { linkCount($0) == 2 && $0["interface"]?.string != nil })
        try #require(a.waitForSession(seconds: 60, ipcpOpened) != nil)
        try #require(b.waitForSession(seconds: 30, ipcpOpened) != nil)
        func ports(_ bundle: JSON) -> Set<String> {
            Set((bundle["links"]?.array ?? []).compactMap { $0["session"]?.string?.split(separator: ":").first.map(String.init) })
        }
        #expect(ports(bundleA) == ["ac1", "ac2"], "\(bundleA)")
        #expect(ports(bundleB) == ["w1", "w2"], "\(bundleB)")
        #expect(bundleA["peer_name"]?.string == "alice", "the AC keys its bundle by the CHAP name: \(bundleA)")
        #expect(bundleB["peer_name"]?.string == "", "the client authenticates nobody: \(bundleB)")
        #expect(a.sessions().filter(ipcpOpened).count == 1, "IPCP runs once on the AC")
        #expect(b.sessions().filter(ipcpOpened).count == 1, "IPCP runs once on the client")
        for ns in [nsA, nsB] {
            #expect(try ns.exec(["ip", "-o", "link", "show"]).stdout.components(separatedBy: ": ppp").count == 2, "one unit in \(ns.name)")
        }
        let unitA = try #require(bundleA["interface"]?.string)

        // Pings over the links' MRU: both sessions carry fragments both ways.
        func ping(_ what: String) throws {
            let p = try nsB.exec(["ping", "-c", "5", "-i", "0.2", "-W", "3", "-s", "1400", "10.78.0.1"])
            #expect(p.status == 0, "ping \(what): \(p.stdout) \(p.stderr)")
        }
        try ping("over the PPPoE bundle")
        let afterA = try #require(a.bundles().first), afterB = try #require(b.bundles().first)
        for (side, bundle) in [("AC", afterA), ("client", afterB)] {
            for l in bundle["links"]?.array ?? [] {
                #expect((l["fragments_out"]?.int ?? 0) > 0, "the \(side) sent no fragment on \(l)")
                #expect((l["fragments_in"]?.int ?? 0) > 0, "the \(side) received no fragment on \(l)")
            }
            #expect((bundle["counters"]?["reassembled"]?.int ?? 0) >= 5, "\(bundle)")
        }

        // iperf3 (TCP, client to AC): both sessions carry its fragments.
        let rate = try iperf(from: nsB, to: nsA, address: "10.78.0.1", seconds: 2)
        let afterIperf = try #require(a.bundles().first)
        for l in afterIperf["links"]?.array ?? [] {
            let before = (afterA["links"]?.array ?? []).first { $0["session"] == l["session"] }?["fragments_in"]?.int ?? 0
            #expect((l["fragments_in"]?.int ?? 0) > before + 100, "iperf3 left a link idle: \(l)")
        }
        let clientBundle = try #require(b.bundles().first)
        // Issue 17: the client's bundle dropped no fragment for a full link channel.
        for l in clientBundle["links"]?.array ?? [] { #expect(l["transmit_full"]?.int == 0, "\(l)") }
        print("multilink pppoe iperf3: \(rate ?? "-"); AC's links \((afterIperf["links"]?.array ?? []).map { "\($0["session"]?.string ?? "?") in \($0["fragments_in"]?.int ?? 0)" }), lost \(afterIperf["counters"]?["lost"]?.int ?? -1)")
        print("  client: bundle \(clientBundle["links"]?.array?.map { "\($0["session"]?.string ?? "?") out \($0["fragments_out"]?.int ?? 0) full \($0["transmit_full"]?.int ?? -1) held \($0["held"]?.int ?? -1)" } ?? []), backpressure \(clientBundle["counters"]?["backpressure"]?.int ?? -1); linkds \(b.sessions().map { "\($0["id"]?.string ?? "?") wire drops \($0["errors"]?["transmit_dropped"]?.int ?? -1)" })")
        print("  AC: linkds \(a.sessions().map { "\($0["id"]?.string ?? "?") channel drops \($0["errors"]?["channel_dropped"]?.int ?? -1)" }); AC's AF_PACKET drops \(a.linkdStatus("ac1")?["pppoe"].map { "\($0)" } ?? "-")")

        // Point 5: kill -9 of the linkd holding one link, on each side in
        // turn: its successor resumes the session from the fd store, the
        // bundle keeps both links and its unit, the pings go on.
        for (router, port) in [(a, "ac1"), (b, "w1")] {
            let name = "linkd@\(port)"
            let before = try #require(router.bundles().first)
            let session = try #require(before["links"]?.array?.compactMap { $0["session"]?.string }.first { $0.hasPrefix(port + ":") })
            let linkd = try #require(pid(try router.components()[name]), "no \(name)")
            kill(linkd, SIGKILL)
            _ = try router.waitFor(seconds: 30) { l in pid(l[name]) != nil && pid(l[name]) != linkd && l[name]?["state"]?.string == "running" }
            try ping("after kill -9 of \(name)")
            let kept = try #require(router.bundles().first)
            #expect(linkCount(kept) == 2 && kept["links"]?.array?.contains { $0["session"]?.string == session } == true,
                    "\(session) stayed in the bundle: \(kept)")
            #expect(kept["interface"] == before["interface"])
            // Both links still carry fragments after the restart.
            let p = try nsB.exec(["ping", "-c", "5", "-i", "0.2", "-W", "3", "-s", "1400", "10.78.0.1"])
            #expect(p.status == 0, "\(p.stdout)")
            let now = try #require(router.bundles().first)
            for l in now["links"]?.array ?? [] {
                let was = (before["links"]?.array ?? []).first { $0["session"] == l["session"] }?["fragments_in"]?.int ?? 0
                #expect((l["fragments_in"]?.int ?? 0) > was, "after kill -9 of \(name), no fragment in on \(l)")
            }
        }
        #expect(a.bundles().first?["interface"]?.string == unitA)
        #expect(a.count("IPCP opened") == 1, "IPCP renegotiated on the AC")
    }
}
