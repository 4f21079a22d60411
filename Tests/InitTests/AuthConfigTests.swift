// The [auth], [users.NAME] and [radius] sections: every key parsed into
// AuthSettings, refusals with file:line, and the settings codec's round trip
// and rejection of truncated or trailing bytes.
import IPC
import Testing
@testable import pppinit

@Test func authSectionsParse() throws {
    let c = try RouterConfig.parse("""
        [auth]
        pap-secrets = "/etc/ppp/pap-secrets"
        chap-secrets = "/etc/ppp/chap-secrets"
        chap-restart = 2
        chap-max-challenge = 5
        chap-interval = 60
        pap-restart = 4
        pap-max-authreq = 6
        pap-timeout = 20
        max-failures = 2
        failure-delay = 0
        [users.zed]
        password = "z"
        [users.alice]
        password = "wonderland"
        [radius]
        timeout = 2
        retries = 4
        nas-identifier = "nas1"
        acct-interim-interval = 300
        require-message-authenticator = false
        [[radius.server]]
        address = "192.0.2.1"
        secret = "s1"
        [[radius.server]]
        address = "192.0.2.2"
        auth-port = 11812
        acct-port = 0
        secret = "s2"
        [dynamic-authorization]
        listen = "127.0.0.1"
        event-timestamp-window = 60
        [[dynamic-authorization.client]]
        address = "192.0.2.9"
        secret = "coa"
        """, file: "t.toml")
    let a = c.auth
    #expect(a.papSecrets == "/etc/ppp/pap-secrets" && a.chapSecrets == "/etc/ppp/chap-secrets")
    #expect([a.chapRestart, a.chapMaxChallenge, a.chapInterval, a.papRestart, a.papMaxAuthreq, a.papTimeout,
             a.maxFailures, a.failureDelay] == [2, 5, 60, 4, 6, 20, 2, 0])
    #expect(a.users.map(\.name) == ["alice", "zed"] && a.users[0].password == "wonderland")
    #expect(a.radiusTimeout == 2 && a.radiusRetries == 4 && a.nasIdentifier == "nas1" && a.interimInterval == 300)
    #expect(a.radiusServers.count == 2)
    #expect(a.radiusServers[0].address == IPv4.parse("192.0.2.1") && a.radiusServers[0].authPort == 1812
            && a.radiusServers[0].acctPort == 1813 && a.radiusServers[0].secret == "s1")
    #expect(a.radiusServers[1].authPort == 11812 && a.radiusServers[1].acctPort == 0)
    #expect(!a.requireMessageAuthenticator)
    // RFC 5176 §2.3: 3799 unless the config says otherwise.
    #expect(a.daeAddress == IPv4.parse("127.0.0.1") && a.daePort == 3799 && a.daeEventWindow == 60)
    #expect(a.daeClients == [DynamicAuthorizationClient(address: IPv4.parse("192.0.2.9")!, secret: "coa")])
    #expect(try AuthSettings.decode(a.encoded()) == a)
}

@Test func authDefaultsWithoutSections() throws {
    let a = try RouterConfig.parse("", file: "t.toml").auth
    #expect(a == AuthSettings())
    #expect(a.maxFailures == 3 && a.failureDelay == 1 && a.chapInterval == 0 && a.radiusServers.isEmpty)
    // BlastRADIUS protection is on unless turned off; no RFC 5176 listener unless configured.
    #expect(a.requireMessageAuthenticator && a.daePort == 0 && a.daeClients.isEmpty)
}

@Test(arguments: [
    ("[auth]\nmax-failure = 3", "max-failure"),
    ("[auth]\nmax-failures = 0", "max-failures"),
    ("[users.bob]\npasswd = \"x\"", "password"),
    ("[radius]\n[[radius.server]]\naddress = \"radius.example\"\nsecret = \"s\"", "not an IPv4 address"),
    ("[radius]\n[[radius.server]]\naddress = \"10.0.0.1\"\nsecret = \"\"", "non-empty 'secret'"),
    ("[radius]\n[[radius.server]]\naddress = \"10.0.0.1\"", "secret"),
    ("[radius]\ntimeout = 0", "timeout"),
    ("[dynamic-authorization]\nport = 3799", "needs 1 to 64"),
    ("[dynamic-authorization]\n[[dynamic-authorization.client]]\naddress = \"x\"\nsecret = \"s\"", "not an IPv4 address"),
    ("[dynamic-authorization]\n[[dynamic-authorization.client]]\naddress = \"10.0.0.1\"\nsecret = \"\"", "non-empty 'secret'"),
    ("[dynamic-authorization]\nlisten = \"any\"\n[[dynamic-authorization.client]]\naddress = \"10.0.0.1\"\nsecret = \"s\"", "listen"),
])
func authConfigErrors(_ text: String, _ mention: String) {
    do {
        _ = try RouterConfig.parse(text, file: "t.toml")
        Issue.record("accepted: \(text)")
    } catch {
        #expect("\(error)".contains("t.toml:") && "\(error)".contains(mention), "\(error)")
    }
}

@Test func authSettingsCodecRejectsTruncatedAndTrailing() throws {
    var a = AuthSettings()
    a.users = [("u", "p")]
    a.radiusServers = [RadiusServer(address: 1, secret: "s")]
    a.daeClients = [DynamicAuthorizationClient(address: 2, secret: "d")]
    let bytes = a.encoded()
    #expect(try AuthSettings.decode(bytes) == a)
    for n in [0, 1, bytes.count / 2, bytes.count - 1] {
        #expect(throws: IPCError.self) { try AuthSettings.decode(Array(bytes.prefix(n))) }
    }
    #expect(throws: IPCError.self) { try AuthSettings.decode(bytes + [0]) }
    var wrongVersion = bytes; wrongVersion[0] = 1
    #expect(throws: IPCError.self) { try AuthSettings.decode(wrongVersion) }
}
