// Integration: two routers, each pppinit in its own network namespace, joined
// by a veth pair (MTU 1508): a PPPoE access concentrator with CHAP users and
// an address pool, and a PPPoE client. The whole session — discovery, LCP
// with RFC 4638's 1500-octet payload, CHAP, IPCP, a ping — then the ways a
// session ends: the operator's kill on the AC (PADT from the AC, the client
// reconnects as persist/holdoff say), both linkds SIGKILLed mid-ping (their
// successors resume the session from the fd store), the client's linkd
// SIGKILLed before the Network phase (its successor sends the stale
// session's PADT), the client router stopped
// (PADT from the client). tshark captures it all and must decode every
// frame without a malformed one.
import Foundation
import IPC
import Testing

let haveTShark = FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark")

/// Two namespaces joined by a veth pair `a` <-> `b`.
final class VethPair {
    let left: Netns, right: Netns
    init(_ a: String, _ b: String, mtu: Int = 1508) throws {
        left = try Netns("ac")
        right = try Netns("cl")
        let r = try run("/usr/sbin/ip", ["link", "add", a, "netns", left.name, "mtu", "\(mtu)", "type", "veth",
                                         "peer", "name", b, "netns", right.name, "mtu", "\(mtu)"])
        guard r.status == 0 else { throw TestFailure("ip link add: \(r.stderr)") }
        _ = try run("/usr/sbin/ip", ["-n", left.name, "link", "set", a, "up"])
        _ = try run("/usr/sbin/ip", ["-n", right.name, "link", "set", b, "up"])
    }
    deinit {
        left.delete()
        right.delete()
    }
}

func writeConfig(_ text: String) -> String {
    let path = "/tmp/ppprouter-pppoe-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).toml"
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
}

/// The PPPoE ports the session tests share (here and MultilinkPPPoETests):
/// an AC asking CHAP as `acName`, giving addresses from pool "subscribers"
/// (`pool(net)`: NET.10-NET.20, NET.1 its own), and a client logging in as
/// alice and reconnecting without end. Each ends with a newline.
enum PPPoELab {
    static func ac(_ port: String, interface: String, acName: String, mru: Int, echoFailure: Int, net: String) -> String {
        """
        [port.\(port)]
        type = "pppoe"
        role = "ac"
        interface = "\(interface)"
        ac-name = "\(acName)"
        service-names = ["internet"]
        mru = \(mru)
        require-chap = true
        name = "\(acName)"
        lcp-echo-interval = 1
        lcp-echo-failure = \(echoFailure)
        address = "\(net).1:"
        ip-pool = "subscribers"

        """
    }

    static func pool(_ net: String) -> String {
        "[pool.subscribers]\nrange = \"\(net).10-\(net).20\"\nlocal = \"\(net).1\"\n"
    }

    static func client(_ port: String, interface: String, acName: String, mru: Int) -> String {
        """
        [port.\(port)]
        type = "pppoe"
        role = "client"
        interface = "\(interface)"
        service-name = "internet"
        ac-name = "\(acName)"
        mru = \(mru)
        padi-timeout = 1
        user = "alice"
        noipdefault = true
        persist = true
        holdoff = 1
        maxfail = 0

        """
    }

    static let router = "[router]\nseccomp = \"kill\"\n"
    static let alice = "[users.alice]\npassword = \"wonderland\"\n"
}

let acConfig = PPPoELab.router + PPPoELab.ac("access", interface: "bras0", acName: "test-bras", mru: 1500, echoFailure: 3, net: "10.77.0")
    + PPPoELab.pool("10.77.0") + PPPoELab.alice

let clientConfig = PPPoELab.router + PPPoELab.client("wan", interface: "cpe0", acName: "test-bras", mru: 1500)
    + PPPoELab.alice + withoutWatchdog

extension RouterUnderTest {
    /// `port`: which linkd, where the router has more than one.
    func linkdStatus(_ port: String? = nil) -> JSON? {
        guard let r = try? ctl(["--json", "call", port.map { "linkd@" + $0 } ?? "linkd", "status"]), r.status == 0 else { return nil }
        return (try? JSON.parse(r.stdout))?["data"]
    }

    /// Polls `sessions` until one satisfies `condition` (bounded).
    func waitForSession(seconds: Double = 20, _ condition: (JSON) -> Bool) -> JSON? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let s = sessions().first(where: condition) { return s }
            usleep(50_000)
        }
        return nil
    }

    func waitForStatus(seconds: Double = 20, port: String? = nil, _ condition: (JSON) -> Bool) -> JSON? {
        let deadline = Date().addingTimeInterval(seconds)
        var last: JSON?
        while Date() < deadline {
            last = linkdStatus(port)
            if let l = last, condition(l) { return l }
            usleep(50_000)
        }
        return last
    }
}

func ipcpOpened(_ s: JSON) -> Bool { s["ipcp"]?["state"]?.string == "opened" }
func int(_ j: JSON?, _ path: String...) -> Int {
    var v = j
    for p in path { v = v?[p] }
    return Int(v?.int ?? -1)
}

@Suite(.serialized) struct PPPoESessionTests {
    @Test(.enabled(if: isRoot)) func clientAndAccessConcentratorOverVeth() throws {
        let net = try VethPair("bras0", "cpe0")
        let acPath = writeConfig(acConfig), clientPath = writeConfig(clientConfig)
        defer { for p in [acPath, clientPath] { try? FileManager.default.removeItem(atPath: p) } }
        let capturePath = "/tmp/ppprouter-pppoe-\(getpid()).pcapng"
        defer { try? FileManager.default.removeItem(atPath: capturePath) }
        var capture: NamespacedProcess?
        if haveTShark {
            FileManager.default.createFile(atPath: capturePath, contents: nil)
            capture = try NamespacedProcess(namespace: net.right.name, ["tshark", "-q", "-i", "cpe0", "-w", capturePath])
            let deadline = Date().addingTimeInterval(10)
            while !capture!.output.contains("Capturing on") && Date() < deadline { usleep(50_000) }
        }

        let ac = try RouterUnderTest(config: acPath, netns: net.left.name)
        defer { ac.stop() }
        try ac.allRunning()
        let started = Date()
        let client = try RouterUnderTest(config: clientPath, netns: net.right.name)
        defer { client.stop() }

        // Discovery, LCP, CHAP as alice, IPCP from the AC's pool.
        let up = try #require(client.waitForSession(ipcpOpened), "no session; client log:\n\(client.log)\nAC log:\n\(ac.log)")
        print(String(format: "PPPoE session (discovery, LCP, CHAP, IPCP) up in %.2f s", Date().timeIntervalSince(started)))
        #expect(up["ipcp"]?["local"]?.string == "10.77.0.10" && up["ipcp"]?["remote"]?.string == "10.77.0.1")
        #expect(up["pppoe"]?["max_payload"]?.int == 1500 && up["local"]?["mru"]?.int == 1500)
        let acSide = try #require(ac.waitForSession(ipcpOpened))
        #expect(acSide["peer_name"]?.string == "alice" && acSide["auth"]?.string == "chap")
        let ping = try net.right.exec(["ping", "-c", "3", "-i", "0.2", "-W", "2", "-s", "1472", "-M", "do", "10.77.0.1"])
        print(ping.stdout.split(separator: "\n").suffix(2).joined(separator: "\n"))
        #expect(ping.status == 0, "ping through the session: \(ping.stdout)\(ping.stderr)")

        // The operator kills the session on the AC: Terminate, then the AC's
        // PADT; the client comes back after holdoff with a new session.
        let firstID = try #require(acSide["id"]?.string)
        #expect(try ac.ctl(["session", "kill", firstID]).status == 0)
        let again = client.waitForSession { $0["id"]?.string != "wan:1" && ipcpOpened($0) }
        #expect(again != nil, "no new session after the kill; client log:\n\(client.log)")
        let afterKill = ac.waitForStatus { int($0, "pppoe", "ac", "padt_sent") >= 1 }
        #expect(int(afterKill, "pppoe", "ac", "padt_sent") >= 1)

        // Each side's linkd dies hard mid-ping: pppinit restarts it and the
        // new one resumes the PPPoE session from the fd store, same SESSION_ID,
        // no discovery, no renegotiation.
        let session = try #require(again?["id"]?.string)
        let pppoeID = again?["pppoe"]?["session_id"]?.int
        let pinger = try NamespacedProcess(namespace: net.right.name, ["ping", "-c", "100", "-i", "0.03", "-W", "1", "10.77.0.1"])
        usleep(500_000)
        for (router, component) in [(client, "linkd@wan"), (ac, "linkd@access")] {
            let old = try #require(pid(try router.components()[component]))
            kill(old, SIGKILL)
            try router.waitFor { pid($0[component]) != nil && pid($0[component]) != old && $0[component]?["state"]?.string == "running" }
            usleep(300_000)
        }
        pinger.process.waitUntilExit()
        let summary = pinger.output.split(separator: "\n").first { $0.contains("packets transmitted") } ?? "?"
        print("PPPoE: ping across kill -9 of both linkds: \(summary)")
        #expect(pinger.output.contains(" received"), "\(pinger.output)")
        let resumed = client.session(session)
        #expect(resumed?["phase"]?.string == "network" && resumed?["pppoe"]?["session_id"]?.int == pppoeID,
                "after the restarts: \(String(describing: resumed))\nclient log:\n\(client.log)")
        #expect(client.log.contains("resumed after a restart") && ac.log.contains("resumed after a restart"))
        // The restarted AC counts from zero: no PADS means no new discovery.
        #expect(int(ac.linkdStatus(), "pppoe", "ac", "pads_sent") == 0, "a new discovery ran")
        #expect(int(ac.linkdStatus(), "pppoe", "ac", "sessions") == 1, "AC log:\n\(ac.log)")
        let echo = try net.right.exec(["ping", "-c", "2", "-W", "2", "10.77.0.1"])
        #expect(echo.status == 0, "after the restarts: \(echo.stdout)")

        // The AC's ncpd dies hard mid-ping too (issue 13 point 1): the new
        // one gets linkd's mux back from the fd store, once, and the
        // session's unit, and carries on; no channel per session any more.
        let pinger2 = try NamespacedProcess(namespace: net.right.name, ["ping", "-c", "60", "-i", "0.03", "-W", "1", "10.77.0.1"])
        usleep(300_000)
        let ncpdRestart = try ac.killAndWaitForRestart("ncpd")
        pinger2.process.waitUntilExit()
        let summary2 = pinger2.output.split(separator: "\n").first { $0.contains("packets transmitted") } ?? "?"
        print("PPPoE: ping across kill -9 of the AC's ncpd (\(ncpdRestart.old) → \(ncpdRestart.new)), on the mux: \(summary2)")
        #expect(pinger2.output.contains(" received"), "\(pinger2.output)")
        let ncpdStatus = ac.call("ncpd", "status")
        #expect(int(ncpdStatus, "sessions") == 1 && int(ncpdStatus, "resumed") == 1, "ncpd: \(ncpdStatus.map { "\($0)" } ?? "-")\nAC log:\n\(ac.log)")
        #expect(ac.log.components(separatedBy: "ncpd: mux of access held").count - 1 == 2, "the mux, handed over once and resumed once:\n\(ac.log)")
        let echo2 = try net.right.exec(["ping", "-c", "2", "-W", "2", "10.77.0.1"])
        #expect(echo2.status == 0, "after ncpd's restart: \(echo2.stdout)")

        // A session that never reached the Network phase is not deposited:
        // with the client's authd stopped, a new session waits in the
        // Authenticate phase; linkd dies hard there, and its successor ends
        // that session (stale-padt) before discovering again.
        let padtBefore = int(ac.linkdStatus(), "pppoe", "ac", "padt_received")
        let authd = try #require(pid(try client.components()["authd"]))
        kill(authd, SIGSTOP)
        #expect(try ac.ctl(["session", "kill", try #require(ac.waitForSession(ipcpOpened)?["id"]?.string)]).status == 0)
        let waiting = client.waitForSession { $0["phase"]?.string == "authenticate" }
        #expect(waiting != nil, "client sessions: \(client.sessions())")
        let linkd = try #require(pid(try client.components()["linkd@wan"]))
        kill(linkd, SIGKILL)
        let stale = ac.waitForStatus { int($0, "pppoe", "ac", "padt_received") > padtBefore }
        kill(authd, SIGCONT)
        #expect(int(stale, "pppoe", "ac", "padt_received") > padtBefore, "no PADT for the stale session; client log:\n\(client.log)")
        let third = client.waitForSession { ipcpOpened($0) && $0["phase"]?.string == "network" }
        #expect(third != nil, "no session after the restart; client log:\n\(client.log)")
        #expect(client.log.contains("PADT for stale session"))

        // Stopping the client router: LCP Terminate-Request and PADT on the way out.
        let before = int(ac.linkdStatus(), "pppoe", "ac", "padt_received")
        client.stop()
        let after = ac.waitForStatus { int($0, "pppoe", "ac", "padt_received") > before }
        #expect(int(after, "pppoe", "ac", "padt_received") > before, "no PADT when the client stopped")
        let ended = ac.waitForSession { $0["phase"]?.string == "dead" && ($0["reason"]?.string ?? "").contains("router stopping") }
        #expect(ended != nil, "AC sessions: \(ac.sessions())")
        print("PADTs: AC sent \(int(after, "pppoe", "ac", "padt_sent")), received \(int(after, "pppoe", "ac", "padt_received")); AC status \(after.map { "\($0["pppoe"] ?? .null)" } ?? "-")")

        guard let capture else { return }
        usleep(300_000)
        capture.stop()
        // Every frame decodes: discovery, LCP, CHAP, IPCP, ICMP, PADT, none malformed.
        let malformed = try run("/usr/bin/tshark", ["-r", capturePath, "-Y", "_ws.malformed || _ws.expert.severity == error"])
        #expect(malformed.stdout.isEmpty, "malformed frames:\n\(malformed.stdout)")
        let fields = try run("/usr/bin/tshark", ["-r", capturePath, "-T", "fields", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"])
        let lines = fields.stdout.split(separator: "\n").map(String.init)
        print("capture: \(lines.count) frames decoded by tshark, none malformed")
        for (what, needle) in [("PADI", "(PADI)"), ("PADO", "(PADO)"), ("PADR", "(PADR)"), ("PADS", "(PADS)"),
                               ("PADT", "(PADT)"), ("LCP", "Configuration Request"), ("CHAP", "Challenge"),
                               ("CHAP success", "Success"), ("IPCP", "IPCP"), ("ICMP", "Echo (ping) request")] {
            #expect(lines.contains { $0.contains(needle) }, "no \(what) in the capture")
        }
    }
}
