// The typed settings pppinit sends a linkd in DaemonSetup.settings: which
// port it runs. pppinit parses TOML; daemons only ever see this codec.

public enum PortKind: UInt8, Sendable, CaseIterable {
    case tty = 1, udp, tcp, pppoe, l2tp
    public var name: String {
        switch self {
        case .tty: "tty"
        case .udp: "udp"
        case .tcp: "tcp"
        case .pppoe: "pppoe"
        case .l2tp: "l2tp"
        }
    }
}

public struct PortSettings: Equatable, Sendable {
    public var name: String
    public var kind: PortKind
    /// tty: device path; pppoe: interface name; udp/tcp: unused.
    public var device: String = ""
    /// tty line speed in bit/s.
    public var speed: UInt32 = 115_200
    /// udp/tcp: local address "host:port" (tcp: listen here when set).
    public var local: String = ""
    /// udp/tcp: remote address "host:port" (tcp: connect here when set).
    public var remote: String = ""
    /// tty: ignore modem control lines (CLOCAL), as pppd's `local`.
    public var localLine: Bool = true
    /// tty: hardware flow control (pppd's `crtscts`).
    public var crtscts: Bool = false

    // LCP and session policy, with pppd's option names and defaults.
    /// RFC 1661 §6.1 MRU we ask for (pppd `mru`).
    public var mru: UInt16 = 1500
    /// RFC 1662 §7.1 receive ACCM we ask for on async links (pppd `asyncmap`).
    public var asyncMap: UInt32 = 0
    /// Seconds between LCP Echo-Requests, 0 = off (pppd `lcp-echo-interval`).
    public var echoInterval: UInt32 = 0
    /// Unanswered Echo-Requests before the peer is declared dead, 0 = never
    /// (pppd `lcp-echo-failure`).
    public var echoFailure: UInt32 = 0
    /// RFC 1661 §4.6 Restart timer in seconds (pppd `lcp-restart`).
    public var lcpRestart: UInt32 = 3
    /// RFC 1661 §4.6 Max-Configure (pppd `lcp-max-configure`).
    public var lcpMaxConfigure: UInt32 = 10
    /// Do not require the peer to authenticate (pppd `noauth`).
    public var noauth: Bool = true
    /// pppd `require-pap`, `require-chap` (CHAP-MD5), `require-mschap-v2`,
    /// `require-eap`: methods we ask the peer to authenticate with, in
    /// pppd's order of preference (EAP, MS-CHAPv2, CHAP, PAP).
    public var requirePAP: Bool = false
    public var requireCHAP: Bool = false
    public var requireMSCHAPv2: Bool = false
    public var requireEAP: Bool = false
    /// pppd `refuse-pap`, `refuse-chap`, `refuse-mschap-v2`, `refuse-eap`:
    /// methods we will not use to authenticate ourselves to the peer.
    public var refusePAP: Bool = false
    public var refuseCHAP: Bool = false
    public var refuseMSCHAPv2: Bool = false
    public var refuseEAP: Bool = false
    /// pppd `user` (our name as a peer), `remotename` (the peer's name for
    /// the secrets lookup), `name` (our name as authenticator).
    public var user: String = ""
    public var remoteName: String = ""
    public var localName: String = ""
    /// What the port asks of the NCPs (passed through to ncpd).
    public var network = NetworkSettings()
    /// Start a new session when one ends (pppd `persist`), after `holdoff`
    /// seconds, giving up after `maxfail` consecutive failures (0 = never).
    public var persist: Bool = false
    public var holdoff: UInt32 = 30
    public var maxfail: UInt32 = 10
    /// pppoe ports: role, discovery names and limits.
    public var pppoe = PPPoESettings()
    /// RFC 1990 multilink: pppd's `multilink`, `mrru`, `mpshortseq`, `endpoint`.
    public var multilink = MultilinkSettings()
    /// l2tp ports: role, secret, LNS list, accepted peers (RFC 2661).
    public var l2tp = L2TPSettings()

    public init(name: String, kind: PortKind) { self.name = name; self.kind = kind }

    /// The methods we require of the peer, most preferred first (pppd's
    /// order: EAP, MS-CHAPv2, CHAP-MD5, PAP).
    public var requiredMethods: [AuthMethod] {
        var m: [AuthMethod] = []
        if requireEAP { m.append(.eapMD5) }
        if requireMSCHAPv2 { m.append(.msChapV2) }
        if requireCHAP { m.append(.chapMD5) }
        if requirePAP { m.append(.pap) }
        return m
    }

    /// Whether we agree to authenticate ourselves with `method`.
    public func accepts(_ method: AuthMethod) -> Bool {
        switch method {
        case .pap: !refusePAP
        case .chapMD5: !refuseCHAP
        case .msChapV2: !refuseMSCHAPv2
        case .eapMD5: !refuseEAP
        }
    }

    /// Line speeds Linux termios can set (the Bxxx constants); pppinit
    /// refuses others at start rather than letting linkd fail in a loop.
    public static let ttySpeeds: Set<UInt32> = [
        50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600,
        115_200, 230_400, 460_800, 500_000, 576_000, 921_600, 1_000_000, 1_152_000, 1_500_000,
        2_000_000, 2_500_000, 3_000_000, 3_500_000, 4_000_000,
    ]

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(9)  // settings version (4: PPPoE settings; 5: multilink; 6: L2TP; 7: L2TP peer secrets; 8: PPPoE VLANs; 9: L2TP proxy trust)
        w.string(name); w.u8(kind.rawValue); w.string(device); w.u32(speed)
        w.string(local); w.string(remote); w.bool(localLine); w.bool(crtscts)
        w.u16(mru); w.u32(asyncMap); w.u32(echoInterval); w.u32(echoFailure)
        w.u32(lcpRestart); w.u32(lcpMaxConfigure)
        w.bool(noauth); w.bool(requirePAP); w.bool(requireCHAP)
        w.bool(persist); w.u32(holdoff); w.u32(maxfail)
        w.bool(requireMSCHAPv2); w.bool(requireEAP)
        w.bool(refusePAP); w.bool(refuseCHAP); w.bool(refuseMSCHAPv2); w.bool(refuseEAP)
        w.string(user); w.string(remoteName); w.string(localName)
        network.encode(into: &w)
        pppoe.encode(into: &w)
        multilink.encode(into: &w)
        l2tp.encode(into: &w)
        pppoe.vlan.encode(into: &w)
        l2tp.encodeProxy(into: &w)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> PortSettings {
        var r = ByteReader(bytes)
        // Version 5 (before L2TP) is still read: it is what a linkd of the
        // release before deposited as its port's record (issue 20).
        let version = try r.u8()
        guard (5...9).contains(version) else { throw .invalid(callID: 0, reason: "port settings version \(version)") }
        let name = try r.string()
        guard let kind = PortKind(rawValue: try r.u8()) else { throw .invalid(callID: 0, reason: "port kind") }
        var s = PortSettings(name: name, kind: kind)
        s.device = try r.string(); s.speed = try r.u32()
        s.local = try r.string(); s.remote = try r.string()
        s.localLine = try r.bool(); s.crtscts = try r.bool()
        s.mru = try r.u16(); s.asyncMap = try r.u32(); s.echoInterval = try r.u32(); s.echoFailure = try r.u32()
        s.lcpRestart = try r.u32(); s.lcpMaxConfigure = try r.u32()
        s.noauth = try r.bool(); s.requirePAP = try r.bool(); s.requireCHAP = try r.bool()
        s.persist = try r.bool(); s.holdoff = try r.u32(); s.maxfail = try r.u32()
        s.requireMSCHAPv2 = try r.bool(); s.requireEAP = try r.bool()
        s.refusePAP = try r.bool(); s.refuseCHAP = try r.bool(); s.refuseMSCHAPv2 = try r.bool(); s.refuseEAP = try r.bool()
        s.user = try r.string(); s.remoteName = try r.string(); s.localName = try r.string()
        s.network = try NetworkSettings.decode(&r)
        s.pppoe = try PPPoESettings.decode(&r)
        s.multilink = try MultilinkSettings.decode(&r)
        // Version 6 (L2TP without peer secrets) is what a linkd of this
        // release's earlier builds deposited; still read.
        if version >= 6 { s.l2tp = try L2TPSettings.decode(&r, peerSecrets: version >= 7) }
        // Version 8 adds the PPPoE VLANs (issue 13); before it, none.
        if version >= 8 { s.pppoe.vlan = try PPPoEVLANSettings.decode(&r) }
        // Version 9 adds the LNS's proxy trust (issue 16); before it, none.
        if version >= 9 { try s.l2tp.decodeProxy(&r) }
        try r.finish()
        return s
    }
}

extension PortSettings {
    /// Whether `other` opens the same descriptors (issue 19, reload): a
    /// port whose other settings change keeps its deposited descriptors,
    /// and the sessions on them, across its linkd's restart, and the new
    /// settings apply to new sessions; one whose transport changes (kind,
    /// device, addresses, line settings, VLANs, the PPPoE role) is opened
    /// anew, and its sessions cannot be carried over.
    public func sameTransport(as other: PortSettings) -> Bool {
        name == other.name && kind == other.kind && device == other.device && local == other.local
            && remote == other.remote && speed == other.speed && localLine == other.localLine
            && crtscts == other.crtscts && pppoe.role == other.pppoe.role && pppoe.vlan == other.pppoe.vlan
    }
}
