// The typed settings pppinit sends authd in DaemonSetup.settings: where the
// pppd-format secrets files are, the users of the TOML config, the auth
// timers and failure policy, and the RADIUS servers. They carry secrets, so
// they travel only on authd's init link, and nothing here is ever logged.

public struct RadiusServer: Equatable, Sendable {
    /// IPv4 address of the server.
    public var address: UInt32
    /// RFC 2865 authentication port; RFC 2866 accounting port (0 = none).
    public var authPort: UInt16 = 1812
    public var acctPort: UInt16 = 1813
    /// The shared secret (RFC 2865 §3).
    public var secret: String
    public init(address: UInt32, secret: String) { self.address = address; self.secret = secret }
}

/// A Dynamic Authorization Client (RFC 5176 §1.1): the address it sends
/// Disconnect-Request and CoA-Request from, and the secret it shares with us.
public struct DynamicAuthorizationClient: Equatable, Sendable {
    public var address: UInt32
    public var secret: String
    public init(address: UInt32, secret: String) { self.address = address; self.secret = secret }
}

public struct AuthSettings: Equatable, Sendable {
    /// pppd-format secrets files, read by authd as root; "" = none.
    public var papSecrets: String = ""
    public var chapSecrets: String = ""
    /// `[users.NAME] password = "…"`, sorted by name.
    public var users: [(name: String, password: String)] = []
    /// pppd's auth timers: `chap-restart`, `chap-max-challenge`,
    /// `chap-interval`, `pap-restart`, `pap-max-authreq`, `pap-timeout` (seconds).
    public var chapRestart: UInt32 = 3
    public var chapMaxChallenge: UInt32 = 10
    public var chapInterval: UInt32 = 0
    public var papRestart: UInt32 = 3
    public var papMaxAuthreq: UInt32 = 10
    public var papTimeout: UInt32 = 30
    /// Failed attempts that end a session, and the first delay (seconds,
    /// doubled after each failure) before a failed attempt is answered.
    public var maxFailures: UInt32 = 3
    public var failureDelay: UInt32 = 1
    /// RADIUS (RFC 2865/2866): servers tried in order, per-try timeout in
    /// seconds, tries per server, NAS-Identifier, default interim interval.
    public var radiusServers: [RadiusServer] = []
    public var radiusTimeout: UInt32 = 3
    public var radiusRetries: UInt32 = 3
    public var nasIdentifier: String = "ppprouter"
    public var interimInterval: UInt32 = 0
    /// BlastRADIUS (CVE-2024-3596): an Access-Accept, -Reject or -Challenge
    /// without a valid Message-Authenticator (RFC 2869 §5.14) is dropped.
    public var requireMessageAuthenticator = true
    /// RFC 5176 Dynamic Authorization Server: where pppinit binds the UDP
    /// socket it hands authd (port 0 = no listener), the clients allowed to
    /// send Disconnect/CoA requests, and the Event-Timestamp window (§3.5,
    /// §6.3; 0 = Event-Timestamp not required).
    public var daeAddress: UInt32 = 0
    public var daePort: UInt16 = 0
    public var daeClients: [DynamicAuthorizationClient] = []
    public var daeEventWindow: UInt32 = 300

    public init() {}

    public static func == (a: AuthSettings, b: AuthSettings) -> Bool { a.encoded() == b.encoded() }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(2)
        w.string(papSecrets); w.string(chapSecrets)
        w.u32(UInt32(users.count))
        for u in users { w.string(u.name); w.string(u.password) }
        for v in [chapRestart, chapMaxChallenge, chapInterval, papRestart, papMaxAuthreq, papTimeout,
                  maxFailures, failureDelay] { w.u32(v) }
        w.u8(UInt8(radiusServers.count))
        for s in radiusServers { w.u32(s.address); w.u16(s.authPort); w.u16(s.acctPort); w.string(s.secret) }
        w.u32(radiusTimeout); w.u32(radiusRetries); w.string(nasIdentifier); w.u32(interimInterval)
        w.u8(requireMessageAuthenticator ? 1 : 0)
        w.u32(daeAddress); w.u16(daePort); w.u32(daeEventWindow)
        w.u8(UInt8(daeClients.count))
        for c in daeClients { w.u32(c.address); w.string(c.secret) }
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> AuthSettings {
        var r = ByteReader(bytes)
        try r.version(2, "auth settings")
        var s = AuthSettings()
        s.papSecrets = try r.string(); s.chapSecrets = try r.string()
        let count = try r.u32()
        guard count <= 10_000 else { throw .invalid(callID: 0, reason: "\(count) users, at most 10000") }
        for _ in 0..<count { s.users.append((try r.string(), try r.string())) }
        s.chapRestart = try r.u32(); s.chapMaxChallenge = try r.u32(); s.chapInterval = try r.u32()
        s.papRestart = try r.u32(); s.papMaxAuthreq = try r.u32(); s.papTimeout = try r.u32()
        s.maxFailures = try r.u32(); s.failureDelay = try r.u32()
        let servers = try r.u8()
        guard servers <= 8 else { throw .invalid(callID: 0, reason: "\(servers) RADIUS servers, at most 8") }
        for _ in 0..<servers {
            var server = RadiusServer(address: try r.u32(), secret: "")
            server.authPort = try r.u16(); server.acctPort = try r.u16(); server.secret = try r.string()
            s.radiusServers.append(server)
        }
        s.radiusTimeout = try r.u32(); s.radiusRetries = try r.u32()
        s.nasIdentifier = try r.string(); s.interimInterval = try r.u32()
        s.requireMessageAuthenticator = try r.u8() != 0
        s.daeAddress = try r.u32(); s.daePort = try r.u16(); s.daeEventWindow = try r.u32()
        let clients = try r.u8()
        guard clients <= 64 else { throw .invalid(callID: 0, reason: "\(clients) dynamic authorization clients, at most 64") }
        for _ in 0..<clients { s.daeClients.append(DynamicAuthorizationClient(address: try r.u32(), secret: try r.string())) }
        try r.finish()
        return s
    }
}
