// Interop (issue 6): rp-pppoe's user-mode client `pppoe` (Debian package
// pppoe) carries the async-HDLC frames of one of our `tty` ports to our
// access concentrator, the way `pppd pty "pppoe -I eth0"` runs without
// kernel PPPoE. Two namespaces joined by a veth pair: in "cl", socat makes a
// pty whose other side is pppoe's stdin/stdout, and our router runs a tty
// port on that pty as a CHAP client taking its address; in "ac", our router
// runs a PPPoE access concentrator with CHAP users and a pool. LCP, CHAP and
// IPCP run end to end between our two routers with pppoe in the middle; a
// ping crosses the session; stopping the client side ends the AC's session
// with rp-pppoe's PADT (pppoe sends one on EOF from its PPP side).
import Foundation
import IPC
import Testing

let haveUserModePPPoE = FileManager.default.isExecutableFile(atPath: "/usr/sbin/pppoe")

/// Our router on the pty: a CHAP client (alice) taking the AC's address.
/// RFC 2516 §7: the AC Rejects ACFC and ACCM, so the frames on the pty keep
/// their address and control fields with every control character escaped,
/// which is what pppoe's async reader expects; mru 1492 because pppoe carries
/// no RFC 4638 tag.
func ptyClientConfig(device: String) -> String {
    """
    [router]
    seccomp = "kill"
    [port.pty]
    type = "tty"
    device = "\(device)"
    mru = 1492
    user = "alice"
    noipdefault = true
    ifname = "ppp-pty"
    lcp-restart = 1
    lcp-max-configure = 30
    lcp-echo-interval = 1
    lcp-echo-failure = 5
    [users.alice]
    password = "wonderland"
    """
}

/// `socat PTY,link=… EXEC:pppoe …` in a namespace: the pty appears at
/// `ptyPath`, pppoe's pid in `pidPath` (its -p). Socat is killed with
/// SIGKILL (it can sit in its SIGTERM handler with every signal blocked
/// while a pty side is open); `stop()` then gives pppoe a moment to see EOF
/// and send its PADT, SIGKILLs a pppoe still there after that, and removes
/// the link and pid file.
final class UserModePPPoE {
    let ptyPath: String, pidPath: String
    let socat: NamespacedProcess

    init(namespace: String, interface: String) throws {
        let id = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        ptyPath = "/tmp/ppprouter-pty-\(id)"
        pidPath = "/tmp/ppprouter-pppoe-\(id).pid"
        // -U: Host-Uniq (its pid), so answers for another pppoe on the
        // segment are not taken; -T 80: pppoe exits after 80 s without
        // session traffic, so nothing outlives a test whose teardown failed.
        socat = try NamespacedProcess(namespace: namespace, [
            "/usr/bin/socat", "PTY,link=\(ptyPath),raw,echo=0",
            "EXEC:/usr/sbin/pppoe -I \(interface) -U -T 80 -S internet -C test-bras -p \(pidPath)",
        ])
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: ptyPath), socat.process.isRunning, Date() < deadline { usleep(20_000) }
        guard FileManager.default.fileExists(atPath: ptyPath) else {
            stop()
            throw TestFailure("socat made no pty: \(socat.output)")
        }
    }

    var pppoePID: Int32? {
        (try? String(contentsOfFile: pidPath, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    var pppoeRunning: Bool { pppoePID.map(processExists) ?? false }

    /// Waits (bounded) for pppoe to exit by itself.
    @discardableResult
    func waitForPPPoEExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while pppoeRunning && Date() < deadline { usleep(20_000) }
        return !pppoeRunning
    }

    /// The pty's holder goes away, as when pppd hangs up its pty: socat
    /// dies (it keeps the pty's slave side open itself, so our router
    /// closing the line is no EOF to it) and pppoe reads EOF on its input.
    func hangUp() {
        if socat.process.isRunning { kill(socat.process.processIdentifier, SIGKILL) }
        socat.process.waitUntilExit()
    }

    func stop() {
        hangUp()
        // pppoe is socat's child, reparented when socat dies (reaped by init).
        if !waitForPPPoEExit(seconds: 3), let pid = pppoePID { kill(pid, SIGKILL) }
        for p in [ptyPath, pidPath] { try? FileManager.default.removeItem(atPath: p) }
    }

    deinit { stop() }
}

@Suite(.serialized) struct PPPoEPtyTests {
    @Test(.enabled(if: isRoot && haveUserModePPPoE && hasSocat, "needs root, rp-pppoe's pppoe and socat (scripts/test.sh installs them)"))
    func rpPPPoEOnAPtyCarriesOurTtyPortToOurAccessConcentrator() throws {
        let net = try VethPair("bras0", "cpe0")  // left: "ac", right: "cl"
        let acPath = writeConfig(acConfig)
        defer { try? FileManager.default.removeItem(atPath: acPath) }
        let ac = try RouterUnderTest(config: acPath, netns: net.left.name)
        defer { ac.stop() }
        _ = try ac.allRunning()

        let started = Date()
        let pppoe = try UserModePPPoE(namespace: net.right.name, interface: "cpe0")
        defer { pppoe.stop() }
        let clientPath = writeConfig(ptyClientConfig(device: pppoe.ptyPath))
        defer { try? FileManager.default.removeItem(atPath: clientPath) }
        let client = try RouterUnderTest(config: clientPath, netns: net.right.name)
        defer { client.stop() }

        // LCP, CHAP as alice and IPCP, from our tty port through pppoe.
        let up = try #require(client.waitForSession(seconds: 40, ipcpOpened),
                              "no session; pppoe/socat:\n\(pppoe.socat.output)\nclient log:\n\(client.log)\nAC log:\n\(ac.log)")
        let clientUp = Date().timeIntervalSince(started)
        let acSide = try #require(ac.waitForSession(ipcpOpened), "AC sessions: \(ac.sessions())\nAC log:\n\(ac.log)")
        print(String(format: "pppoe on a pty: IPCP opened on our tty client %.2f s after socat/pppoe started (AC: %.2f s)",
                     clientUp, Date().timeIntervalSince(started)))
        let address = try #require(up["ipcp"]?["local"]?.string)
        #expect(up["type"]?.string == "tty" && up["lcp"]?.string == "opened" && up["phase"]?.string == "network")
        #expect(up["auth"]?.string == "chap" && up["peer"]?["auth"]?.string == "chapMD5", "the AC had us authenticate with CHAP: \(up)")
        #expect(up["local"]?["mru"]?.int == 1492)
        #expect(address.hasPrefix("10.77.0.") && up["ipcp"]?["remote"]?.string == "10.77.0.1", "\(up)")
        #expect(up["interface"]?.string == "ppp-pty")
        #expect(acSide["lcp"]?.string == "opened")
        #expect(acSide["peer_name"]?.string == "alice" && acSide["auth"]?.string == "chap", "\(acSide)")
        #expect(acSide["ipcp"]?["remote"]?.string == address && acSide["ipcp"]?["local"]?.string == "10.77.0.1")
        // pppoe asks for no RFC 4638 payload: the standard 1492.
        #expect(acSide["pppoe"]?["max_payload"]?.int == 1492, "\(String(describing: acSide["pppoe"]))")
        #expect(acSide["pppoe"]?["service_name"]?.string == "internet")

        // From the client's TUN address to the AC's local address.
        let ping = try net.right.exec(["ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", address, "10.77.0.1"])
        print(ping.stdout.split(separator: "\n").suffix(2).joined(separator: "\n"))
        #expect(ping.status == 0, "ping through pppoe: \(ping.stdout)\(ping.stderr)\nclient log:\n\(client.log)")
        let clientAfter = client.sessions().first
        #expect(clientAfter?["errors"]?["lcp_malformed"]?.int == 0)

        // The client side stops: our router ends its session on the way out
        // (an LCP Terminate-Request through pppoe, issue 19) and exits, and
        // the pty is hung up; pppoe reads EOF on its input and ends the
        // session with a PADT ("RP-PPPoE: EOF in asyncReadFromPPP").
        let padtBefore = int(ac.linkdStatus(), "pppoe", "ac", "padt_received")
        let acID = try #require(acSide["id"]?.string)
        client.stop()
        pppoe.hangUp()
        let stoppedAt = Date()
        let after = ac.waitForStatus { int($0, "pppoe", "ac", "padt_received") > padtBefore }
        #expect(int(after, "pppoe", "ac", "padt_received") == padtBefore + 1,
                "no PADT from pppoe; AC status: \(String(describing: after))\npppoe/socat:\n\(pppoe.socat.output)")
        let ended = ac.waitForSession { $0["id"]?.string == acID && $0["phase"]?.string == "dead" }
        // Whichever reached the AC first: the Terminate-Request or the PADT.
        let reason = ended?["reason"]?.string ?? ""
        #expect(reason == "peer terminated: router stopping" || reason.hasPrefix("PADT from the host"), "AC sessions: \(ac.sessions())")
        #expect(pppoe.waitForPPPoEExit(seconds: 10), "pppoe still running after its PADT")
        print(String(format: "pppoe on a pty: AC session ended %.2f s after the pty was hung up: %@",
                     Date().timeIntervalSince(stoppedAt), ended?["reason"]?.string ?? "?"))
    }
}
