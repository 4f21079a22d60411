// Integration: the Authenticate phase between two routers over a pty pair
// made by socat — linkd negotiates Auth-Protocol, authd on each side runs
// its role — for every method, one way and both ways; a wrong password fails
// cleanly with a reason on both ends; `pppctl auth test` and `reload`; and a
// session authenticated by a real FreeRADIUS, with accounting Start and Stop
// in its detail file.
import Foundation
import IPC
import Testing
import TestSupport

/// The require-* key of a method.
func requireKey(_ m: String) -> String {
    ["pap": "require-pap", "chap": "require-chap", "mschapv2": "require-mschap-v2", "eap": "require-eap"][m]!
}

/// One router's config on a tty: `port` keys plus the top-level auth
/// sections. The Network phase runs IPv6CP (no addresses needed) on a TUN
/// in the test namespace, so the session stays up after authentication.
/// pppd's lcp-restart of 3 s: with 1 s, on a loaded machine a retransmitted
/// Configure-Request can land after the peer reached Opened and restart LCP
/// (RFC 1661: RCR in Opened), again and again.
func authRouterConfig(device: String, port: String, auth: String) -> String {
    let name = device.hasSuffix("-a") ? "ta" : "tb"
    return """
    [router]
    seccomp = "kill"
    \(auth)
    [port.\(name)]
    type = "tty"
    device = "\(device)"
    lcp-restart = 3
    noip = true
    ipv6 = true
    ifname = "\(name)-\(String(UInt32.random(in: 0..<0xffff_ff), radix: 16))"
    \(port)
    """
}

@Suite(.serialized, .enabled(if: isRoot && hasSocat, "needs root and socat"))
struct AuthSessionTests {
    /// A's session once authenticated and in the Network phase; when it does
    /// not get there, B's log goes with the failure (A's is in waitForSession's).
    func openedOrExplain(_ a: RouterUnderTest, _ b: RouterUnderTest) -> JSON? {
        let s = a.waitForSession("authenticated", isOpened)
        if s == nil { Issue.record("the other router's log:\n\(b.log)") }
        return s
    }

    /// Starts two routers on a fresh pty pair; returns them with a cleanup.
    func routers(_ configA: (String) -> String, _ configB: (String) -> String)
        throws -> (RouterUnderTest, RouterUnderTest, () -> Void) {
        let pty = try SocatPty()
        let ca = try TempConfig(configA(pty.a)), cb = try TempConfig(configB(pty.b))
        let a = try RouterUnderTest(config: ca.path), b = try RouterUnderTest(config: cb.path)
        return (a, b, { a.stop(); b.stop(); ca.remove(); cb.remove(); pty.stop() })
    }

    @Test(arguments: ["pap", "chap", "mschapv2", "eap"])
    func peerAuthenticatesToUs(_ m: String) throws {
        let started = Date()
        let (a, b, cleanup) = try routers(
            { authRouterConfig(device: $0, port: "\(requireKey(m)) = true\nname = \"routerA\"",
                               auth: "[users.bob]\npassword = \"b0b's secret\"") },
            { authRouterConfig(device: $0, port: "user = \"bob\"", auth: "[users.bob]\npassword = \"b0b's secret\"") })
        defer { cleanup() }
        let sa = try #require(openedOrExplain(a, b))
        let sb = try #require(b.waitForSession("authenticated", isOpened))
        #expect(sa["peer_name"]?.string == "bob" && sa["auth"]?.string == m, "\(sa)")
        #expect(sa["auth_state"]?.string == "success" && sb["auth_state"]?.string == "success")
        #expect(sb["peer"]?["auth"] != nil && sb["peer"]?["auth"] != .null, "B proved itself: \(sb)")
        print("\(m) one way over a pty: both in the Network phase after \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        let status = try a.ctl(["call", "authd", "status"])
        let st = try JSON.parse(status.stdout)
        #expect(st["succeeded"]?.int == 1 && st["failed"]?.int == 0 && st["local_checks"]?.int == 1, "\(status.stdout)")
    }

    @Test(arguments: ["pap", "chap", "mschapv2", "eap"])
    func bothAuthenticateEachOther(_ m: String) throws {
        let users = "[users.alice]\npassword = \"alice pw\"\n[users.bob]\npassword = \"bob pw\""
        let (a, b, cleanup) = try routers(
            { authRouterConfig(device: $0, port: "\(requireKey(m)) = true\nuser = \"alice\"\nname = \"A\"", auth: users) },
            { authRouterConfig(device: $0, port: "\(requireKey(m)) = true\nuser = \"bob\"\nname = \"B\"", auth: users) })
        defer { cleanup() }
        let sa = try #require(openedOrExplain(a, b))
        let sb = try #require(b.waitForSession("authenticated", isOpened))
        #expect(sa["peer_name"]?.string == "bob" && sb["peer_name"]?.string == "alice", "\(sa) \(sb)")
        #expect(sa["auth"]?.string == m && sb["auth"]?.string == m)
        #expect(sa["auth_state"]?.string == "success" && sb["auth_state"]?.string == "success")
    }

    @Test(arguments: ["pap", "chap", "mschapv2", "eap"])
    func wrongPasswordFailsCleanly(_ m: String) throws {
        let (a, b, cleanup) = try routers(
            { authRouterConfig(device: $0, port: "\(requireKey(m)) = true",
                               auth: "[auth]\nmax-failures = 1\n[users.bob]\npassword = \"Rt-9x7q\"") },
            { authRouterConfig(device: $0, port: "user = \"bob\"", auth: "[users.bob]\npassword = \"Wr-3k2z\"") })
        defer { cleanup() }
        let da = try #require(a.waitForSession("dead") { $0["phase"]?.string == "dead" })
        let db = try #require(b.waitForSession("dead") { $0["phase"]?.string == "dead" })
        let ra = da["reason"]?.string ?? "", rb = db["reason"]?.string ?? ""
        print("\(m) wrong password: A: \(ra) | B: \(rb)")
        // A sends its Failure/Nak, then its verdict reaches its linkd; B may
        // terminate on the Failure before that, so A's reason is its own or B's.
        #expect(ra.contains("authentication failed: peer 'bob' failed \(m) authentication 1 time")
                 || ra.hasPrefix("peer terminated: authentication failed: authenticator refused us"), "\(ra)")
        #expect(rb.contains("authenticator refused us") || rb.contains("failed \(m) authentication 1 time"), "\(rb)")
        // A's authd concluded the failure either way, and said why.
        let st = try JSON.parse(try a.ctl(["call", "authd", "status"]).stdout)
        #expect(st["failed"]?.int == 1 && st["succeeded"]?.int == 0, "\(st)")
        #expect(a.log.contains("authentication failed: peer 'bob' failed \(m) authentication 1 time"))
        #expect(a.sessions().allSatisfy { $0["phase"]?.string != "network" })
        #expect(!a.log.contains("Rt-9x7q") && !b.log.contains("Wr-3k2z"), "a secret in a log")
    }

    @Test func authTestAndReloadWithoutALink() throws {
        let chap = "/tmp/ppprouter-chap-secrets-\(getpid())"
        try "# pppd format\ncarol * \"c@rol pw\" 10.0.0.9\n".write(toFile: chap, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: chap) }
        let config = try TempConfig("""
            [router]
            seccomp = "kill"
            [auth]
            chap-secrets = "\(chap)"
            [users.alice]
            password = "wonderland"
            """)
        let r = try RouterUnderTest(config: config.path)
        defer { r.stop(); config.remove() }
        try r.allRunning()
        func test(_ user: String, _ pw: String, _ m: String, asUser uid: UInt32? = nil) throws -> CommandResult {
            let pwFile = "/tmp/ppprouter-pw-\(getpid())"
            try (pw + "\n").write(toFile: pwFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: pwFile) }
            let sh = "exec \(binDir)/pppctl --runtime-dir \(r.runtimeDir) --json auth test \(user) --method \(m) < \(pwFile)"
            if let uid {
                return try run("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/bin/sh", "-c", sh])
            }
            return try run("/bin/sh", ["-c", sh])
        }
        for m in ["pap", "chap", "mschapv2", "eap"] {
            let ok = try test("alice", "wonderland", m)
            #expect(ok.status == 0 && (try? JSON.parse(ok.stdout))?["data"]?["accepted"] == .bool(true), "\(m): \(ok.stdout) \(ok.stderr)")
            let bad = try test("alice", "looking-glass", m)
            #expect(bad.status == 1 && (try? JSON.parse(bad.stdout))?["data"]?["accepted"] == .bool(false), "\(m): \(bad.stdout)")
        }
        let carol = try JSON.parse(try test("carol", "c@rol pw", "mschapv2").stdout)["data"] ?? .null
        #expect(carol["accepted"] == .bool(true) && carol["framed_address"]?.string == "10.0.0.9")
        #expect(try test("nobody", "x", "pap").stdout.contains("unknown user"))
        // Not an oracle for everyone: admin only.
        let denied = try test("alice", "wonderland", "pap", asUser: 65534)
        #expect(denied.status != 0 && denied.stderr.contains("not-permitted"), "\(denied.stderr)")
        // No secret reached the log.
        #expect(!r.log.contains("wonderland") && !r.log.contains("looking-glass") && !r.log.contains("c@rol"))

        // reload: authd restarts and reads the edited file and secrets.
        try "carol * \"new pw\"\n".write(toFile: chap, atomically: true, encoding: .utf8)
        let reload = try r.ctl(["reload"])
        #expect(reload.status == 0, "\(reload.stderr)")
        #expect(try test("carol", "new pw", "chap").status == 0)
        #expect(try test("carol", "c@rol pw", "chap").status == 1)
    }

    /// pppd `chap-interval` goes on after authd and then linkd are killed:
    /// the restarted daemon challenges the peer again (counted by linkd as
    /// auth frames each way) and the session stays up.
    @Test
    func rechallengeContinuesAfterRestarts() throws {
        let (a, b, cleanup) = try routers(
            { authRouterConfig(device: $0, port: "require-chap = true\nname = \"routerA\"",
                               auth: "[auth]\nchap-interval = 1\n[users.bob]\npassword = \"pw\"") },
            { authRouterConfig(device: $0, port: "user = \"bob\"", auth: "[users.bob]\npassword = \"pw\"") })
        defer { cleanup() }
        let sa = try #require(openedOrExplain(a, b))
        let id = try #require(sa["id"]?.string)
        let sb = try #require(b.waitForSession("authenticated", isOpened))
        func counters() -> (out: Int, in: Int)? {
            guard let s = a.sessions().first(where: { $0["id"]?.string == id }),
                  let o = s["counters"]?["auth_frames_out"]?.int, let i = s["counters"]?["auth_frames_in"]?.int else { return nil }
            return (Int(o), Int(i))
        }
        /// Waits for two more challenges answered (Challenge and Success out, Response in, twice).
        func rechallenged(after base: (out: Int, in: Int)) -> (out: Int, in: Int)? {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if let c = counters(), c.out >= base.out + 4, c.in >= base.in + 2 { return c }
                usleep(100_000)
            }
            return nil
        }
        for component in ["authd", "linkd@ta"] {
            let (old, new) = try a.killAndWaitForRestart(component)
            // linkd's counters start again with the resumed session.
            let base = component == "authd" ? try #require(counters()) : (out: 0, in: 0)
            let after = rechallenged(after: base)
            #expect(after != nil, "no re-challenge after kill -9 of \(component) (\(old) → \(new)): \(String(describing: counters()))\n\(a.log)")
            print("chap-interval across kill -9 of \(component): auth frames out/in \(base.out)/\(base.in) → \(after.map { "\($0.out)/\($0.in)" } ?? "none")")
        }
        // Still the same session on both sides, still authenticated.
        let sb2 = try #require(b.sessions().first { $0["id"] == sb["id"] })
        #expect(isOpened(sb2) && sb2["auth_state"]?.string == "success", "\(sb2)")
        let sa2 = try #require(a.sessions().first { $0["id"]?.string == id })
        #expect(isOpened(sa2), "\(sa2)")
        #expect(!a.log.contains("failed re-authentication"), "\(a.log)")
    }

    @Test(.enabled(if: canRunFreeRadius, "needs Debian's freeradius"))
    func sessionAuthenticatedByFreeRadiusWithAccounting() throws {
        // In the routers' namespace, where their loopback is.
        let fr = try FreeRadius(netns: sharedTestNamespace)
        defer { fr.stop() }
        // The first server is dead: authd fails over to FreeRADIUS.
        let radius = """
            [radius]
            timeout = 1
            retries = 1
            [[radius.server]]
            address = "127.0.0.1"
            auth-port = \(fr.port + 500)
            acct-port = 0
            secret = "dead"
            [[radius.server]]
            address = "127.0.0.1"
            auth-port = \(fr.port)
            acct-port = \(fr.port + 1)
            secret = "\(fr.secret)"
            """
        let (a, b, cleanup) = try routers(
            { authRouterConfig(device: $0, port: "require-mschap-v2 = true", auth: radius) },
            { authRouterConfig(device: $0, port: "user = \"alice\"", auth: "[users.alice]\npassword = \"wonderland\"") })
        defer { cleanup() }
        let sa = try #require(openedOrExplain(a, b))
        #expect(sa["peer_name"]?.string == "alice")
        _ = try #require(b.waitForSession("authenticated", isOpened))
        let st = try JSON.parse(try a.ctl(["call", "authd", "status"]).stdout)
        #expect(st["radius_checks"]?.int == 1 && st["radius"]?["failovers"]?.int == 1, "\(st)")
        // Accounting Start when the Network phase begins, with the Class and address from the Accept.
        let deadline = Date().addingTimeInterval(10)
        while !fr.detail.contains("Acct-Status-Type = Start") && Date() < deadline { usleep(100_000) }
        #expect(fr.detail.contains("Acct-Status-Type = Start") && fr.detail.contains("User-Name = \"alice\""), "\(fr.detail)")
        #expect(fr.detail.contains("Class = 0x676f6c64") && fr.detail.contains("Framed-IP-Address = 10.1.2.3"))
        // linkd dies hard, then authd restarts (pppctl reload): each time
        // authd takes the session's accounting back, so the Stop still goes
        // out, under the same Acct-Session-Id as the Start.
        _ = try a.killAndWaitForRestart("linkd@ta")
        let reload = try a.ctl(["reload"])
        #expect(reload.status == 0, "\(reload.stderr)")
        let resumedDeadline = Date().addingTimeInterval(10)
        while a.log.components(separatedBy: "accounting resumed").count - 1 < 2 && Date() < resumedDeadline { usleep(100_000) }
        #expect(a.log.components(separatedBy: "accounting resumed").count - 1 == 2, "\(a.log)")
        let st2 = try JSON.parse(try a.ctl(["call", "authd", "status"]).stdout)
        #expect(st2["sessions"]?.int == 1, "\(st2)")
        let id = try #require(sa["id"]?.string)
        // Selectors, like accel-cmd terminate: by user, with a count of what matched.
        let listed = try JSON.parse(try a.ctl(["--json", "sessions", "--user", "alice"]).stdout)["data"]?.array ?? []
        #expect(listed.count == 1 && listed.first?["id"]?.string == id, "\(listed)")
        let none = try a.ctl(["session", "kill", "--user", "mallory"])
        #expect(none.status != 0 && none.stdout.contains("0 matched, 0 killed"), "\(none)")
        let kill = try a.ctl(["session", "kill", "--user", "alice"])
        #expect(kill.status == 0 && kill.stdout.contains("1 matched, 1 killed: \(id)"), "\(kill)")
        let stopDeadline = Date().addingTimeInterval(10)
        while !fr.detail.contains("Acct-Status-Type = Stop") && Date() < stopDeadline { usleep(100_000) }
        #expect(fr.detail.contains("Acct-Status-Type = Stop") && fr.detail.contains("Acct-Terminate-Cause = Admin-Reset"), "\(fr.detail)")
        let detail = fr.detail
        let ids = Set(detail.split(separator: "\n").filter { $0.contains("Acct-Session-Id = ") && !$0.contains("ppprouter-on-") })
        #expect(ids.count == 1, "Acct-Session-Ids: \(ids)")
        // RFC 2866 §5.1: Accounting-On once at the router's start, not again
        // when authd restarts (pppctl reload), which would close every session.
        #expect(detail.components(separatedBy: "Acct-Status-Type = Accounting-On").count - 1 == 1, "\(detail)")
        #expect(detail.components(separatedBy: "Acct-Status-Type = Start").count - 1 == 1
                && detail.components(separatedBy: "Acct-Status-Type = Stop").count - 1 == 1, "\(detail)")
        print("accounting across kill -9 linkd and pppctl reload: \(detail.components(separatedBy: "Acct-Status-Type = ").count - 1) records, one Acct-Session-Id \(ids.first.map { String($0) } ?? "?")")
        #expect(!a.log.contains(fr.secret) && !a.log.contains("wonderland"))
    }
}
