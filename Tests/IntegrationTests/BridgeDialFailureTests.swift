// Integration: an upstream dialled for a subscriber fails before its Network
// phase, and the subscriber's session ends at once with the upstream's
// reason (issue 7: "when one side goes down the other is terminated
// cleanly") instead of waiting out bridged's partner timeout. The BridgeLab
// namespaces, with nothing answering in the far one: a PPPoE upstream whose
// discovery gets no PADO (the subscriber is our PPPoE client: LCP
// Terminate-Request and the AC's PADT), and a UDP upstream whose peer is
// silent (LCP never opens; the subscriber over UDP).
import Foundation
import IPC
import Testing

private enum DialFailureLab {
    /// The LAC: CHAP on `acc`, the far realm's sessions to `up0`.
    static func lac(accessPort: String, upstream: String) -> String {
        """
        [router]
        seccomp = "kill"
        [port.acc]
        \(accessPort)
        require-chap = true
        \(BridgeLab.timers)
        [port.up0]
        \(upstream)
        upstream = true
        user = "lac"
        [[bridge]]
        realm = "far.example"
        upstream = "up0"
        \(BridgeLab.alice)
        """
    }

    /// A pppoe client upstream on the veth toward the far namespace, where
    /// no AC runs: two PADIs, 1 s then 2 s, and discovery gives up.
    static let pppoeUpstream = """
        type = "pppoe"
        interface = "v-far"
        service-name = "transit"
        padi-timeout = 1
        padi-attempts = 2
        """

    /// A UDP upstream toward an address with nobody on the port: three
    /// Configure-Requests a second apart, then LCP gives up.
    static let udpUpstream = """
        type = "udp"
        local = "10.231.2.1:5001"
        remote = "10.231.2.2:5001"
        lcp-restart = 1
        lcp-max-configure = 3
        """

    static func subscriber(port: String) -> String {
        BridgeLab.subscriber("user = \"alice@far.example\"\n\(BridgeLab.alice)", port: port)
    }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, veth, AF_PACKET, daemons dropping to their uids"))
struct BridgeDialFailureTests {
    /// Runs one failure: the subscriber comes up to the LAC, its upstream
    /// dial fails with `upstreamReason`, and both sides' sessions, counters
    /// and events are checked. Returns the LAC and subscriber for more checks.
    private func expectPromptEnd(accessPort: String, subscriberPort: String, upstream: String,
                                 upstreamReason: String, label: String,
                                 more: (RouterUnderTest, RouterUnderTest) throws -> Void) throws {
        let lab = try BridgeLab()
        defer { lab.delete() }
        let cfgLAC = try TempConfig(DialFailureLab.lac(accessPort: accessPort, upstream: upstream))
        let cfgSub = try TempConfig(DialFailureLab.subscriber(port: subscriberPort))
        defer { [cfgLAC, cfgSub].forEach { $0.remove() } }
        let lac = try RouterUnderTest(config: cfgLAC.path, netns: lab.lac.name)
        defer { lac.stop() }
        _ = try lac.allRunning()
        let watcher = try Watcher(lac)
        var events: [JSON] = []
        defer { if events.isEmpty { _ = watcher.stop() } }
        let sub = try RouterUnderTest(config: cfgSub.path, netns: lab.sub.name)
        defer { sub.stop() }
        _ = try sub.allRunning()

        // The subscriber authenticated at the LAC and its channel went to
        // bridged naming the upstream session the dial promised.
        let handed = lac.waitForSession(seconds: 30, "handed to bridged") {
            $0["id"]?.string == "acc:1" && $0["bridge"]?["state"]?.string == "handed"
        }
        let handedAt = Date()
        #expect(handed?["bridge"]?["partner"]?.string == "up0:1", "\(String(describing: handed))")

        // The upstream fails; the subscriber's session ends well before
        // bridged would have given up on its partner.
        let subDown = sub.waitForSession(seconds: 30, "sub:1 down") {
            $0["id"]?.string == "sub:1" && $0["phase"]?.string == "dead"
        }
        let elapsed = Date().timeIntervalSince(handedAt)
        let accDown = lac.waitForSession(seconds: 10, "acc:1 down") { $0["id"]?.string == "acc:1" && $0["phase"]?.string == "dead" }
        let upDown = lac.session("up0:1")
        print("dial failure (\(label)): subscriber's session ended \(String(format: "%.2f", elapsed)) s after its channel went to bridged (bridged's partner timeout: 15 s); reason: \(subDown?["reason"]?.string ?? "?")")

        // The upstream session's own reason, and the subscriber's at the LAC
        // naming the upstream port and that reason.
        #expect(upDown?["phase"]?.string == "dead" && upDown?["reason"]?.string == upstreamReason,
                "\(String(describing: upDown))\nLAC:\n\(lac.log)")
        #expect(upDown?["bridge"]?["state"]?.string == "failed" && upDown?["bridge"]?["dialled_for"]?.string == "acc:1",
                "\(String(describing: upDown?["bridge"]))")
        let expected = "upstream up0: \(upstreamReason)"
        #expect(accDown?["reason"]?.string == expected, "\(String(describing: accDown))\nLAC:\n\(lac.log)")
        #expect(accDown?["bridge"]?["state"]?.string == "failed", "\(String(describing: accDown?["bridge"]))")
        // The subscriber got our Terminate-Request, whose data is that reason.
        #expect(subDown?["reason"]?.string == "peer terminated: \(expected)", "\(String(describing: subDown))\nsubscriber:\n\(sub.log)")

        // It came from the report, not from bridged's timeout: one report
        // sent and one that closed a session; bridged saw the channel go.
        let upStatus = lac.linkdStatus("up0"), accStatus = lac.linkdStatus("acc")
        #expect(int(upStatus, "partner_failed", "sent") == 1 && int(upStatus, "partner_failed", "unanswered") == 0,
                "\(String(describing: upStatus?["partner_failed"]))")
        #expect(int(accStatus, "partner_failed", "closed") == 1 && int(accStatus, "partner_failed", "stale") == 0,
                "\(String(describing: accStatus?["partner_failed"]))")
        let splices = try lac.ctl(["--json", "call", "bridged", "splices"])
        #expect(splices.status == 0 && (try? JSON.parse(splices.stdout)["data"]?.array?.isEmpty) == true, "\(splices.stdout)")

        // The same report again (a duplicate, or one for a session that has
        // ended) changes nothing and is counted; bad arguments are refused.
        let again = try lac.ctl(["--json", "call", "linkd@acc", "partner-failed",
                                 #"{"session": "acc:1", "partner": "up0:1", "reason": "again"}"#])
        #expect(again.status == 0 && (try? JSON.parse(again.stdout)["data"]?["closed"]) == .bool(false), "\(again.stdout)\(again.stderr)")
        #expect(int(lac.linkdStatus("acc"), "partner_failed", "stale") == 1)
        let bad = try lac.ctl(["call", "linkd@acc", "partner-failed", #"{"session": "acc:1"}"#])
        #expect(bad.status == 1 && bad.stderr.contains("bad-arguments"), "\(bad.stdout)\(bad.stderr)")

        // pppctl watch showed it as bridge events: both sessions failed,
        // and bridged's lone half went with the subscriber, no timeout.
        try more(lac, sub)
        usleep(500_000)
        events = watcher.stop()
        let bridgeEvents = events.filter { ($0["event"]?.string ?? "").contains("bridge") }
        print("dial failure (\(label)): LAC bridge events: \(bridgeEvents.map { $0.encoded() })")
        #expect(events.contains { $0["event"]?.string == "session-bridge" && $0["session"]?.string == "acc:1"
            && $0["state"]?.string == "failed" && $0["reason"]?.string == expected }, "\(bridgeEvents)")
        #expect(events.contains { $0["event"]?.string == "session-bridge" && $0["session"]?.string == "up0:1"
            && $0["state"]?.string == "failed" && $0["reason"]?.string == upstreamReason }, "\(bridgeEvents)")
        #expect(!events.contains { $0["event"]?.string == "bridge-failed" && ($0["reason"]?.string ?? "").contains("did not arrive") },
                "\(bridgeEvents)")
    }

    /// PPPoE all the way: discovery on the upstream gets no PADO; the
    /// subscriber (our PPPoE client) sees LCP Terminate-Request, then the
    /// AC's PADT.
    @Test func pppoeDiscoveryWithNoAnswerEndsThePPPoESubscriber() throws {
        try expectPromptEnd(accessPort: BridgeLab.pppoeAccessPort, subscriberPort: BridgeLab.pppoeSubscriberPort,
                            upstream: DialFailureLab.pppoeUpstream,
                            upstreamReason: "PPPoE discovery failed: no PADO after 2 PADI", label: "pppoe") { lac, sub in
            let ac = lac.waitForStatus(port: "acc") { int($0, "pppoe", "ac", "padt_sent") >= 1 }
            #expect(int(ac, "pppoe", "ac", "padt_sent") == 1, "\(String(describing: ac?["pppoe"]))")
            let client = sub.waitForStatus(port: "sub") { int($0, "pppoe", "padt_received") >= 1 }
            #expect(int(client, "pppoe", "padt_received") == 1, "\(String(describing: client?["pppoe"]))")
            // The upstream's discovery is over and nothing is left of it.
            #expect(lac.linkdStatus("up0")?["pppoe"]?["dials"]?.array?.isEmpty == true)
        }
    }

    /// A UDP upstream whose peer never answers: LCP gives up after
    /// Max-Configure; the UDP subscriber sees the Terminate-Request.
    @Test func silentUDPUpstreamEndsTheUDPSubscriber() throws {
        try expectPromptEnd(accessPort: BridgeLab.udpAccessPort, subscriberPort: BridgeLab.udpSubscriberPort,
                            upstream: DialFailureLab.udpUpstream,
                            upstreamReason: "LCP: no agreement (Max-Configure reached or peer stopped)", label: "udp") { _, _ in }
    }
}
