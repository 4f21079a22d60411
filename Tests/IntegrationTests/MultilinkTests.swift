// Integration: RFC 1990 multilink between two of our routers, each pppinit
// in its own network namespace, joined by two PPP-over-UDP ports on a veth
// pair: two ports, so two linkd processes per router, whose links meet in
// one bundle in ncpd (one session, one unit). The MRU of each link (600) is
// below the packets pinged (1400 + headers), so every ping is fragmented
// across both links; tshark's "mp" dissector reads the MP headers on the
// wire. One link killed: the bundle stays and pings go on; the link comes
// back and rejoins; `kill -9 ncpd`: the bundle resumes from the fd store.
import Foundation
import IPC
import Testing

enum MultilinkConfig {
    /// One router's two UDP ports (`multilink`, MRU 600) and its role's keys.
    static func router(local: String, remote: String, ports: (UInt16, UInt16), endpoint: String, role: String,
                       tail: String = "") -> String {
        var text = "[router]\nseccomp = \"kill\"\n"
        for (name, port) in [("ma", ports.0), ("mb", ports.1)] {
            text += Self.port(name, "type = \"udp\"\nlocal = \"\(local):\(port)\"\nremote = \"\(remote):\(port)\"",
                              endpoint: endpoint, role: role)
        }
        return text + tail
    }

    /// One port's table, of any type (`body`): `multilink`, MRU 600, keys
    /// for a long-lived link.
    static func port(_ name: String, _ body: String, endpoint: String, role: String) -> String {
        """
        [port.\(name)]
        \(body)
        lcp-restart = 1
        lcp-max-configure = 30
        lcp-echo-interval = 1
        lcp-echo-failure = 10
        persist = true
        holdoff = 1
        mru = 600
        multilink = true
        endpoint = "\(endpoint)"
        \(role)

        """
    }
}

extension RouterUnderTest {
    /// ncpd's bundles (`pppctl --json bundles`).
    func bundles() -> [JSON] {
        guard let r = try? ctl(["--json", "bundles"]), r.status == 0,
              let list = try? JSON.parse(r.stdout)["data"]?.array else { return [] }
        return list
    }

    /// Polls until the only bundle satisfies `condition` (bounded).
    @discardableResult
    func waitForBundle(seconds: Double = 60, _ what: String, _ condition: (JSON) -> Bool) -> JSON? {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [JSON] = []
        while Date() < deadline {
            last = bundles()
            if last.count == 1, condition(last[0]) { return last[0] }
            usleep(200_000)
        }
        Issue.record("no bundle became \(what) in \(seconds) s; last: \(last); log:\n\(log.suffix(6000))")
        return nil
    }
}

func linkCount(_ b: JSON) -> Int { b["links"]?.array?.count ?? 0 }

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct MultilinkTests {
    @Test func twoLinksOnTwoPortsFormOneBundle() throws {
        let nsA = try Netns("ma"), nsB = try Netns("mb")
        defer { nsA.delete(); nsB.delete() }
        let veth = try VethLink(nsA, nsB, addressA: "10.97.2.1", addressB: "10.97.2.2")
        let base = UInt16.random(in: 20_000...40_000)
        let ca = try TempConfig(MultilinkConfig.router(
            local: "10.97.2.1", remote: "10.97.2.2", ports: (base, base + 1), endpoint: "IP:10.97.2.1",
            role: "address = \"10.99.0.1:\"\nip-pool = \"clients\"",
            tail: "[pool.clients]\nrange = \"10.99.0.10-10.99.0.20\"\nlocal = \"10.99.0.1\"\n"))
        let cb = try TempConfig(MultilinkConfig.router(
            local: "10.97.2.2", remote: "10.97.2.1", ports: (base, base + 1), endpoint: "IP:10.97.2.2",
            role: "noipdefault = true"))
        defer { ca.remove(); cb.remove() }
        let a = try RouterUnderTest(config: ca.path, netns: nsA.name)
        let b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        defer { a.stop(); b.stop() }

        // One bundle each side, both links in it, IPCP opened once on it.
        let ipcpUp: (JSON) -> Bool = { $0["ipcp"]?["state"]?.string == "opened" }
        let bundleA = try #require(a.waitForBundle("two links") { linkCount($0) == 2 && $0["interface"]?.string != nil })
        let bundleB = try #require(b.waitForBundle("two links") { linkCount($0) == 2 && $0["interface"]?.string != nil })
        try #require(a.waitForSession(seconds: 60, "IPCP opened", ipcpUp) != nil)
        try #require(b.waitForSession(seconds: 30, "IPCP opened", ipcpUp) != nil)
        #expect(bundleA["name"]?.string == "bundle::IP:10.97.2.2", "\(bundleA)")
        #expect(bundleB["name"]?.string == "bundle::IP:10.97.2.1", "\(bundleB)")
        #expect(bundleA["peer_mrru"]?.int == 1500 && bundleA["local_mrru"]?.int == 1500)
        let ports = Set((bundleA["links"]?.array ?? []).compactMap { $0["session"]?.string?.split(separator: ":").first })
        #expect(ports == ["ma", "mb"], "links of both ports: \(bundleA)")
        #expect(a.sessions().filter(ipcpUp).count == 1, "IPCP runs once, on the bundle")
        // `bundle show` finds it by a member link's session id.
        let member = try #require(bundleA["links"]?.array?.last?["session"]?.string)
        let show = try a.ctl(["--json", "bundle", "show", member])
        #expect(show.status == 0 && (try? JSON.parse(show.stdout))?["data"]?["name"] == bundleA["name"], "\(show.stdout) \(show.stderr)")
        #expect(try a.ctl(["bundle", "show", "nosuch:1"]).status != 0)
        // `pppctl sessions` names the bundle on both links' sessions.
        let named = a.sessions().filter { $0["bundle"] == bundleA["name"] }.compactMap { $0["id"]?.string }
        #expect(Set(named.compactMap { $0.split(separator: ":").first.map(String.init) }) == ["ma", "mb"], "\(a.sessions())")
        // One unit for the bundle, its MTU the peer's MRRU, not a link's MRU.
        let unit = try #require(bundleA["interface"]?.string)
        let link = try nsA.exec(["ip", "link", "show", "dev", unit]).stdout
        #expect(link.contains("mtu 1500"), "\(link)")
        #expect(try nsA.exec(["ip", "-o", "link", "show"]).stdout.components(separatedBy: ": ppp").count == 2)

        // Pings larger than a link's MRU: fragments over both links, seen by
        // tshark as MP (RFC 1990 §3: B and E bits, 24-bit sequence numbers).
        let capturePath = "/tmp/ppprouter-mp-\(getpid())-\(base).pcapng"
        defer { try? FileManager.default.removeItem(atPath: capturePath) }
        let capture = try NamespacedProcess(namespace: nsA.name, ["tshark", "-q", "-i", veth.a, "-f", "udp", "-w", capturePath])
        for _ in 0..<100 where !capture.output.contains("Capturing on") { usleep(100_000) }
        // Fragments sent before a side's ncpd held the link may be lost at
        // the start (linkd drops them before the handoff); none from here on.
        let lostBefore = a.bundles().first?["counters"]?["lost"]?.int ?? -1
        let p1 = try nsB.exec(["ping", "-c", "5", "-i", "0.2", "-W", "3", "-s", "1400", "10.99.0.1"])
        #expect(p1.status == 0, "ping over the bundle: \(p1.stdout) \(p1.stderr)")
        usleep(500_000)
        capture.stop()
        let afterA = try #require(a.bundles().first), afterB = try #require(b.bundles().first)
        for l in afterB["links"]?.array ?? [] {
            #expect((l["fragments_out"]?.int ?? 0) > 0, "B sent no fragment on \(l)")
        }
        for l in afterA["links"]?.array ?? [] {
            #expect((l["fragments_in"]?.int ?? 0) > 0, "A received no fragment on \(l)")
        }
        #expect((afterA["counters"]?["reassembled"]?.int ?? 0) >= 5, "\(afterA)")
        #expect(afterA["counters"]?["lost"]?.int == lostBefore, "\(afterA)")
        try checkMPHeaders(capturePath, port: base)

        // One link killed: the bundle keeps the other and pings go on.
        let victim = try #require(afterA["links"]?.array?.first { $0["session"]?.string?.hasPrefix("mb:") == true }?["session"]?.string)
        let kill1 = try a.ctl(["session", "kill", victim])
        #expect(kill1.status == 0, "\(kill1.stderr)")
        a.waitForBundle(seconds: 30, "\(victim) left") { b in
            !(b["links"]?.array ?? []).contains { $0["session"]?.string == victim }
        }
        #expect(a.log.contains("\(victim) left"), "ncpd logged no link-left")
        let p2 = try nsB.exec(["ping", "-c", "5", "-i", "0.2", "-W", "3", "-s", "1400", "10.99.0.1"])
        #expect(p2.status == 0, "ping with one link: \(p2.stdout) \(p2.stderr)")
        #expect(a.sessions().filter(ipcpUp).count == 1, "the bundle's session stayed")
        // The port brings its link up again and it rejoins the bundle.
        a.waitForBundle(seconds: 60, "the link rejoined") { linkCount($0) == 2 }
        b.waitForBundle(seconds: 30, "the link rejoined") { linkCount($0) == 2 }

        // kill -9 ncpd: the bundle comes back from the fd store, same unit,
        // both links, and carries traffic; IPCP is not renegotiated.
        let ncpd = try #require(pid(try a.components()["ncpd"]))
        kill(ncpd, SIGKILL)
        _ = try a.waitFor(seconds: 30) { l in pid(l["ncpd"]) != nil && pid(l["ncpd"]) != ncpd && l["ncpd"]?["state"]?.string == "running" }
        let resumed = try #require(a.waitForBundle(seconds: 30, "resumed") { linkCount($0) == 2 })
        #expect(resumed["interface"]?.string == unit && resumed["name"] == bundleA["name"])
        #expect(a.log.contains("bundle resumed after a restart"), "\(a.log.suffix(3000))")
        let p3 = try nsB.exec(["ping", "-c", "5", "-i", "0.2", "-W", "3", "-s", "1400", "10.99.0.1"])
        #expect(p3.status == 0, "ping after kill -9 ncpd: \(p3.stdout) \(p3.stderr)")
        #expect(a.count("IPCP opened") == 1, "IPCP renegotiated after the restart")
        // Counters start again with the new ncpd: traffic after the restart
        // came over both links and was reassembled (the first packet may
        // be lost, as fragments in flight may).
        let final = try #require(a.bundles().first)
        #expect((final["counters"]?["reassembled"]?.int ?? 0) >= 1, "\(final)")
        for l in final["links"]?.array ?? [] {
            #expect((l["fragments_in"]?.int ?? 0) > 0, "after the restart no fragment on \(l)")
        }
    }

    /// The capture's UDP payloads are PPP frames: written as a DLT_PPP
    /// capture and read back with tshark, the MP frames carry B/E bits and
    /// consecutive sequence numbers.
    func checkMPHeaders(_ path: String, port: UInt16) throws {
        let payloads = try run("/usr/bin/tshark", ["-r", path, "-T", "fields", "-e", "udp.payload"])
        #expect(payloads.status == 0, "\(payloads.stderr)")
        var dump = ""
        for line in payloads.stdout.split(separator: "\n") where !line.isEmpty {
            let hex = line.replacingOccurrences(of: ":", with: "")
            var bytes: [String] = []
            var i = hex.startIndex
            while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
                bytes.append(String(hex[i..<j]))
                i = j
            }
            dump += "0000 " + bytes.joined(separator: " ") + "\n"
        }
        let text = path + ".txt", ppp = path + ".ppp.pcap"
        defer { for f in [text, ppp] { try? FileManager.default.removeItem(atPath: f) } }
        try dump.write(toFile: text, atomically: true, encoding: .utf8)
        let t = try run("/usr/bin/text2pcap", ["-q", "-l", "9", text, ppp])
        #expect(t.status == 0, "text2pcap: \(t.stderr)")
        let mp = try run("/usr/bin/tshark", ["-r", ppp, "-Y", "mp", "-T", "fields", "-e", "mp.first", "-e", "mp.last", "-e", "mp.seq"])
        let rows = mp.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count >= 10, "MP frames in the capture: \(mp.stdout) \(mp.stderr)")
        let truthy: (String) -> Bool = { $0 == "1" || $0 == "True" }
        #expect(rows.contains { $0.count == 3 && truthy($0[0]) && !truthy($0[1]) }, "no (B)eginning-only fragment: \(rows)")
        #expect(rows.contains { $0.count == 3 && !truthy($0[0]) && truthy($0[1]) }, "no (E)nding-only fragment: \(rows)")
        let malformed = try run("/usr/bin/tshark", ["-r", ppp, "-Y", "_ws.malformed"])
        #expect(malformed.stdout.isEmpty, "malformed frames: \(malformed.stdout)")
        print("multilink capture: \(rows.count) MP frames decoded by tshark")
    }
}
