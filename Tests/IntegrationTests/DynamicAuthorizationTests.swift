// Integration: RFC 5176 against FreeRADIUS's own client, radclient, in the
// routers' namespace. A session authenticated by a real FreeRADIUS is ended
// by a Disconnect-Request naming its User-Name (ACK, then a Stop with
// Acct-Terminate-Cause Admin-Reset in the detail file); a request for an
// unknown user is NAKed with Error-Cause 503; one signed with a wrong secret
// gets no answer and is counted; a CoA-Request with Session-Timeout = 5 is
// ACKed and the session later ends with cause Session-Timeout.
import Foundation
import IPC
import Testing
import TestSupport

let radclientBinary = "/usr/bin/radclient"
let canRunRadclient = canRunFreeRadius && FileManager.default.isExecutableFile(atPath: radclientBinary)

/// radclient in the routers' namespace: one request (`disconnect` or
/// `coa`), one try of 3 s; its -x output says what came back.
func radclient(_ kind: String, port: UInt16, secret: String, _ attributes: [String]) throws -> String {
    let file = "/tmp/ppprouter-radclient-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
    defer { try? FileManager.default.removeItem(atPath: file) }
    // §6.3: Event-Timestamp for the replay window; Message-Authenticator (§3.4) signed by radclient.
    let lines = attributes + ["Event-Timestamp = \(Int(Date().timeIntervalSince1970))", "Message-Authenticator = 0x00"]
    try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
    let r = try run("/usr/sbin/ip", ["netns", "exec", sharedTestNamespace, radclientBinary, "-x", "-r", "1", "-t", "3",
                                     "-f", file, "127.0.0.1:\(port)", kind, secret])
    return r.stdout + r.stderr
}

extension AuthSessionTests {
    /// Two routers on a pty pair; A authenticates B's `user` by FreeRADIUS
    /// and, given `daePort`, listens there for Disconnect/CoA.
    func radiusRouters(_ fr: FreeRadius, user: String = "alice", password: String = "wonderland", daePort: UInt16? = nil)
        throws -> (RouterUnderTest, RouterUnderTest, () -> Void) {
        var auth = fr.routerSection
        if let daePort {
            auth += """

                [dynamic-authorization]
                listen = "127.0.0.1"
                port = \(daePort)
                [[dynamic-authorization.client]]
                address = "127.0.0.1"
                secret = "coa-secret"
                """
        }
        return try routers(
            { authRouterConfig(device: $0, port: "require-pap = true", auth: auth) },
            { authRouterConfig(device: $0, port: "user = \"\(user)\"", auth: "[users.\(user)]\npassword = \"\(password)\"") })
    }

    /// Polls FreeRADIUS's detail file (bounded) until `text` is in it.
    func detailContains(_ fr: FreeRadius, _ text: String, seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !fr.detail.contains(text) && Date() < deadline { usleep(100_000) }
        return fr.detail.contains(text)
    }

    /// FreeRADIUS, the two routers, and A's session up with its Start
    /// recorded; then `body` with the server, router A and the DAE port.
    func withLiveRadiusSession(_ body: (FreeRadius, RouterUnderTest, UInt16) throws -> Void) throws {
        let fr = try FreeRadius(netns: sharedTestNamespace)
        defer { fr.stop() }
        let daePort = UInt16.random(in: 20_000...29_999)
        let (a, b, cleanup) = try radiusRouters(fr, daePort: daePort)
        defer { cleanup() }
        _ = try #require(openedOrExplain(a, b))
        #expect(detailContains(fr, "Acct-Status-Type = Start"), "\(fr.detail)")
        try body(fr, a, daePort)
    }

    @Test(.enabled(if: canRunRadclient, "needs Debian's freeradius and freeradius-utils"))
    func radclientDisconnectEndsTheSessionWithAdminReset() throws {
        try withLiveRadiusSession { fr, a, daePort in
            let unknown = try radclient("disconnect", port: daePort, secret: "coa-secret", ["User-Name = \"mallory\""])
            #expect(unknown.contains("Received Disconnect-NAK") && unknown.contains("Error-Cause = Session-Context-Not-Found"), "\(unknown)")

            let forged = try radclient("disconnect", port: daePort, secret: "not-the-secret", ["User-Name = \"alice\""])
            #expect(!forged.contains("Received"), "\(forged)")
            let status = try a.ctl(["call", "authd", "status"])
            let st = try #require(try? JSON.parse(status.stdout), "\(status.stderr)\n\(a.log)")
            #expect(st["dynamic_authorization"]?["bad_authenticator"]?.int == 1 && st["sessions"]?.int == 1, "\(st)")

            let ack = try radclient("disconnect", port: daePort, secret: "coa-secret", ["User-Name = \"alice\""])
            #expect(ack.contains("Received Disconnect-ACK"), "\(ack)\n\(a.log)")
            #expect(detailContains(fr, "Acct-Status-Type = Stop"), "\(fr.detail)\n\(a.log)")
            #expect(fr.detail.contains("Acct-Terminate-Cause = Admin-Reset"), "\(fr.detail)")
            // A clean stop of the router: Accounting-Off (RFC 2866 §5.1).
            a.stop()
            #expect(detailContains(fr, "Acct-Status-Type = Accounting-Off"), "\(fr.detail)")
            print("radclient Disconnect-Request: \(ack.split(separator: "\n").filter { $0.contains("Received") })")
        }
    }

    @Test(.enabled(if: canRunRadclient, "needs Debian's freeradius and freeradius-utils"))
    func radclientCoASessionTimeoutEndsTheSessionLater() throws {
        try withLiveRadiusSession { fr, a, daePort in
            let ack = try radclient("coa", port: daePort, secret: "coa-secret", ["User-Name = \"alice\"", "Session-Timeout = 5"])
            #expect(ack.contains("Received CoA-ACK"), "\(ack)\n\(a.log)")
            #expect(a.log.contains("limits changed by RADIUS CoA (Session-Timeout 5"), "\(a.log)")
            // An attribute we cannot apply: NAK 401.
            let nak = try radclient("coa", port: daePort, secret: "coa-secret", ["User-Name = \"alice\"", "Filter-Id = \"gold\""])
            #expect(nak.contains("Received CoA-NAK") && nak.contains("Error-Cause = Unsupported-Attribute"), "\(nak)")
            #expect(detailContains(fr, "Acct-Status-Type = Stop", seconds: 60), "\(fr.detail)\n\(a.log)")
            #expect(fr.detail.contains("Acct-Terminate-Cause = Session-Timeout"), "\(fr.detail)")
        }
    }
}
