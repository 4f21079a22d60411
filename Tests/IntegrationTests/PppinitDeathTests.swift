// Integration: `kill -9` of pppinit ends no session (docs/design.md, issue
// 20 point 2). Two routers with a session up (UDP, TCP, a pty, PPPoE) and a
// ping across it; each
// router's pppinit is SIGKILLed in turn and a new one is started on the same
// config and runtime dir after a gap. The daemons keep forwarding while no
// pppinit runs (the ping's losses are counted and printed, not bounded), the
// new pppinit adopts them (the pids stay), `pppctl sessions` lists the same
// sessions, and a `kill -9` of a linkd afterwards still resumes its session:
// the adopted daemons deposited their fd store entries again.
import Foundation
import IPC
import Testing

/// A ping from `ns` to `target` every 0.1 s until stopped (SIGINT: it prints its summary).
final class BackgroundPing {
    let process = Process()
    let path: String

    init(_ ns: String, _ target: String) throws {
        path = "/tmp/ppprouter-ping-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).txt"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        // -c bounds it should the test die before stopping it.
        process.arguments = ["netns", "exec", ns, "ping", "-n", "-i", "0.1", "-c", "3000", "-W", "1", target]
        process.standardOutput = FileHandle(forWritingAtPath: path)
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Stops it and returns (sent, received); nil without a summary.
    func stop() -> (sent: Int, received: Int)? {
        if process.isRunning { process.interrupt() }
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        guard let summary = out.split(separator: "\n").first(where: { $0.contains("packets transmitted") }) else { return nil }
        let numbers = summary.split(separator: " ").compactMap { Int($0) }
        return numbers.count >= 2 ? (numbers[0], numbers[1]) : nil
    }

    /// Replies so far (ping -n prints one "bytes from" line per reply).
    var replies: Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").components(separatedBy: "bytes from").count - 1
    }
}

extension RouterUnderTest {
    /// `kill -9` of pppinit, a gap while the ping runs, then a new pppinit:
    /// every daemon survives it and is adopted under the same pid, and the
    /// same sessions are listed. Returns the replies seen during the gap.
    @discardableResult
    func killInitAndAdopt(_ context: String, while ping: BackgroundPing) throws -> Int {
        let before = try allRunning().compactMapValues { IntegrationTests.pid($0) }
        let sessionsBefore = Set(sessions().compactMap { $0["id"]?.string })
        let (adoptedBefore, attachedBefore) = (count("adopting it"), count(" attached; "))
        let relogged = count("log lines go to the adopting pppinit again")
        killInit()
        // The gap: no pppinit. Forwarding must go on; wait for a few
        // replies (bounded) rather than for a time.
        let repliesAtKill = ping.replies
        var waited = 0
        while ping.replies < repliesAtKill + 10 && waited < 100 { usleep(100_000); waited += 1 }
        let gapReplies = ping.replies - repliesAtKill
        #expect(gapReplies >= 10, "\(context): no forwarding while pppinit was gone (\(gapReplies) replies)")
        for (name, p) in before {
            #expect(ProcessStart.live(pid: p) != nil, "\(context): \(name) (pid \(p)) ended with pppinit")
        }
        try startInit()
        let after = try waitFor(seconds: 40) { l in
            before.allSatisfy { l[$0.key]?["state"]?.string == "running" }
        }
        for (name, p) in before {
            #expect(IntegrationTests.pid(after[name]) == p, "\(context): \(name) was not adopted: \(after[name] ?? .null)\n\(log.suffix(4000))")
        }
        #expect(count("adopting it") - adoptedBefore == before.count, "\(context):\n\(log.suffix(4000))")
        #expect(count(" attached; ") - attachedBefore == before.count, "\(context):\n\(log.suffix(4000))")
        // Their lines reach the new pppinit's log (a new pipe on attach).
        let deadline = Date().addingTimeInterval(10)
        while count("log lines go to the adopting pppinit again") - relogged < before.count && Date() < deadline { usleep(50_000) }
        #expect(count("log lines go to the adopting pppinit again") - relogged == before.count, "\(context):\n\(log.suffix(4000))")
        let sessionsAfter = Set(sessions().compactMap { $0["id"]?.string })
        #expect(sessionsAfter == sessionsBefore, "\(context): sessions \(sessionsBefore) became \(sessionsAfter)")
        return gapReplies
    }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct PppinitDeathTests {
    /// Both routers' pppinit killed and replaced in turn, then the
    /// server's linkd killed: the session stays throughout.
    func exercise(_ link: SessionLab.Link, _ name: String) throws {
        let lab = try SessionLab(link: link)
        defer { lab.remove() }
        let (a, b, id) = (lab.a, lab.b, lab.id)
        let ping = try BackgroundPing(lab.nsB.name, "10.99.0.1")
        var stopped = false
        defer { if !stopped { _ = ping.stop() } }
        let warm = ping.replies
        var waited = 0
        while ping.replies < warm + 5 && waited < 100 { usleep(100_000); waited += 1 }

        try a.killInitAndAdopt("\(name): the server's pppinit", while: ping)
        lab.expectSessionKept("\(name): after the server's pppinit was replaced")
        try b.killInitAndAdopt("\(name): the client's pppinit", while: ping)
        lab.expectSessionKept("\(name): after the client's pppinit was replaced")

        // The fd store was rebuilt: a linkd killed now resumes its session.
        let restart = try a.killAndWaitForRestart("linkd@sa")
        lab.expectSessionKept("\(name): after kill -9 of the adopted linkd")
        #expect(a.count("resumed after a restart") == 1, "\(a.log.suffix(3000))")
        let resumed = a.waitForSession(seconds: 30, "resumed") { $0["id"]?.string == id && isOpened($0) }
        #expect(resumed != nil)
        let tail = ping.replies
        waited = 0
        while ping.replies < tail + 5 && waited < 100 { usleep(100_000); waited += 1 }
        stopped = true
        let counts = ping.stop()
        if let counts {
            print("\(name): ping across kill -9 of both pppinits and of linkd@sa (\(restart.old) → \(restart.new)): \(counts.sent) sent, \(counts.received) received, \(counts.sent - counts.received) lost")
        }
        #expect((counts?.received ?? 0) > 0)
        for (r, side) in [(a, "server"), (b, "client")] {
            #expect(r.count("IPCP opened: local") == 1, "\(name): the \(side) renegotiated IPCP:\n\(r.log.suffix(3000))")
        }
    }

    @Test func udpSessionOutlivesPppinit() throws { try exercise(.udp, "udp") }
    @Test func tcpSessionOutlivesPppinit() throws { try exercise(.tcp, "tcp") }
    @Test(.enabled(if: hasSocat, "needs socat (scripts/test.sh installs it)"))
    func ttySessionOutlivesPppinit() throws {
        let pty = try SocatPty()
        defer { pty.stop() }
        try exercise(.tty(pty.a, pty.b), "tty")
    }

    /// A PPPoE client and access concentrator (PppoeSessionTests' configs):
    /// the AC's pppinit, then the client's, then the AC's linkd.
    @Test func pppoeSessionOutlivesPppinit() throws {
        let net = try VethPair("bras0", "cpe0")
        let acPath = writeConfig(acConfig), clientPath = writeConfig(clientConfig)
        defer { for p in [acPath, clientPath] { try? FileManager.default.removeItem(atPath: p) } }
        let ac = try RouterUnderTest(config: acPath, netns: net.left.name)
        defer { ac.stop() }
        try ac.allRunning()
        let client = try RouterUnderTest(config: clientPath, netns: net.right.name)
        defer { client.stop() }
        let up = try #require(client.waitForSession(seconds: 60, ipcpOpened), "client log:\n\(client.log)\nAC log:\n\(ac.log)")
        let (session, pppoeID) = (up["id"]?.string, up["pppoe"]?["session_id"]?.int)
        let ping = try BackgroundPing(net.right.name, "10.77.0.1")
        var stopped = false
        defer { if !stopped { _ = ping.stop() } }

        try ac.killInitAndAdopt("pppoe: the AC's pppinit", while: ping)
        try client.killInitAndAdopt("pppoe: the client's pppinit", while: ping)
        let restart = try ac.killAndWaitForRestart("linkd@access")
        let resumed = client.waitForSession(seconds: 30) { $0["id"]?.string == session && ipcpOpened($0) }
        #expect(resumed?["pppoe"]?["session_id"]?.int == pppoeID, "client log:\n\(client.log.suffix(3000))")
        #expect(ac.count(": resumed after a restart (LCP opened") == 1, "\(ac.log.suffix(3000))")
        // No new discovery: the restarted AC's linkd sent no PADS.
        #expect(int(ac.linkdStatus(), "pppoe", "ac", "pads_sent") == 0, "a new discovery ran")
        #expect(int(ac.linkdStatus(), "pppoe", "ac", "sessions") == 1)
        let tail = ping.replies
        var waited = 0
        while ping.replies < tail + 5 && waited < 100 { usleep(100_000); waited += 1 }
        stopped = true
        let counts = ping.stop()
        if let counts {
            print("pppoe: ping across kill -9 of both pppinits and of linkd@access (\(restart.old) → \(restart.new)): \(counts.sent) sent, \(counts.received) received, \(counts.sent - counts.received) lost")
        }
        #expect((counts?.received ?? 0) > 0)
    }

    /// A bridged pair (BridgeTests' LACLab, UDP subscriber): the LAC's
    /// pppinit killed and replaced, then its bridged and the subscriber
    /// side's linkd killed: the splice comes back from the rebuilt store.
    @Test func bridgedPairOutlivesPppinit() throws {
        let t = try LACLab(accessPort: BridgeLab.udpAccessPort, subscriberPort: BridgeLab.udpSubscriberPort)
        defer { t.stop() }
        let (_, acc, up) = t.expectAddressFromTheFarRouter()
        let ping = try BackgroundPing(t.lab.sub.name, "10.232.0.1")
        var stopped = false
        defer { if !stopped { _ = ping.stop() } }
        var waited = 0
        while ping.replies < 5 && waited < 100 { usleep(100_000); waited += 1 }

        try t.lac.killInitAndAdopt("bridge: the LAC's pppinit", while: ping)
        let bridged = try t.lac.killAndWaitForRestart("bridged")
        let linkd = try t.lac.killAndWaitForRestart("linkd@acc")
        let again = t.lac.waitForSession("spliced again") {
            $0["id"]?.string == acc && $0["bridge"]?["splice"]?.string == "up"
        }
        #expect(again?["bridge"]?["partner"]?.string == up, "\(t.lac.log.suffix(3000))")
        let tail = ping.replies
        waited = 0
        while ping.replies < tail + 5 && waited < 100 { usleep(100_000); waited += 1 }
        stopped = true
        let counts = ping.stop()
        if let counts {
            print("bridge: ping across kill -9 of the LAC's pppinit, bridged (\(bridged.old) → \(bridged.new)) and linkd@acc (\(linkd.old) → \(linkd.new)): \(counts.sent) sent, \(counts.received) received, \(counts.sent - counts.received) lost")
        }
        #expect((counts?.received ?? 0) > 0)
        #expect(t.sub.sessions().filter { $0["phase"]?.string != "dead" }.count == 1, "the subscriber lost its session")
        try t.expectPing("after the LAC's pppinit, bridged and linkd@acc were killed")
    }
}
