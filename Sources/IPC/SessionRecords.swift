// The typed records that travel between daemons about one session: what
// linkd tells authd when the Authenticate phase starts, authd's verdict, the
// counters linkd reports for accounting, the network settings of a port, and
// the session description that rides with a channel handed to ncpd or
// bridged. Each is versioned and decoded with exact lengths; none carries a
// secret.

/// The authentication methods of DESIGN.md's authd (numbers are wire values).
public enum AuthMethod: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case pap = 1, chapMD5, msChapV2, eapMD5
    public var description: String {
        switch self {
        case .pap: "pap"
        case .chapMD5: "chap"
        case .msChapV2: "mschapv2"
        case .eapMD5: "eap"
        }
    }
    public init?(name: String) {
        guard let m = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = m
    }
    /// The PPP protocol number carrying this method's packets.
    public var protocolNumber: UInt16 {
        switch self {
        case .pap: 0xc023
        case .chapMD5, .msChapV2: 0xc223
        case .eapMD5: 0xc227
        }
    }
}

extension ByteWriter {
    mutating func method(_ m: AuthMethod?) { u8(m?.rawValue ?? 0) }
}

extension ByteReader {
    mutating func method() throws(IPCError) -> AuthMethod? {
        let v = try u8()
        if v == 0 { return nil }
        guard let m = AuthMethod(rawValue: v) else { throw .invalid(callID: 0, reason: "unknown auth method \(v)") }
        return m
    }
    public mutating func version(_ expected: UInt8, _ what: String) throws(IPCError) {
        let v = try u8()
        guard v == expected else { throw .invalid(callID: 0, reason: "\(what) version \(v), expected \(expected)") }
    }
}

/// linkd → authd when LCP is Opened and an Auth-Protocol was negotiated in
/// either direction (RFC 1661 §3.5).
public struct AuthStart: Equatable, Sendable {
    public var session: String            // "PORT:N"
    public var port: String
    /// The method the peer must use to prove itself to us (we are the
    /// authenticator), from the Auth-Protocol option the peer acked.
    public var authenticatePeer: AuthMethod?
    /// The method we must use to prove ourselves to the peer, from the
    /// Auth-Protocol option we acked.
    public var authenticateSelf: AuthMethod?
    /// pppd `user`: our name as a peer (secrets are looked up by authd).
    public var user: String = ""
    /// pppd `remotename`: the authenticator's name for the secrets lookup.
    public var remoteName: String = ""
    /// pppd `name`: our name as authenticator (CHAP Name field).
    public var localName: String = ""
    /// Who is calling, for RADIUS Calling-Station-Id ("aa:bb:…", "addr:port").
    public var callingStation: String = ""
    /// Who was called, for RADIUS Called-Station-Id (RFC 2865 §5.30): our
    /// interface's MAC for PPPoE, our "addr:port" for udp/tcp, "" for a tty.
    public var calledStation: String = ""
    /// RFC 2865 §5.41 NAS-Port-Type of the port (NASPortType).
    public var nasPortType: UInt32 = NASPortType.virtual
    /// RFC 2869 §5.17 NAS-Port-Id when it is not the session id: a PPPoE
    /// session on a VLAN names "PORT:VID" or "PORT:SVID.CVID" (issue 13,
    /// the VLAN interface accel-ppp would name). Version 3; "" writes
    /// version 2, byte for byte what the release before sent.
    public var nasPortID: String = ""
    /// RFC 2661 §4.4.5, an LNS trusting its LAC (`proxy-auth`): the PAP or
    /// CHAP exchange the LAC ran with the caller, for authd to check as if
    /// the caller had sent it here (no packet goes to the caller). Version 4.
    public var proxied: ProxiedAuthentication?

    public init(session: String, port: String, authenticatePeer: AuthMethod?, authenticateSelf: AuthMethod?) {
        self.session = session; self.port = port
        self.authenticatePeer = authenticatePeer; self.authenticateSelf = authenticateSelf
    }

    public func encode(into w: inout ByteWriter) {
        // Version 4 only with proxied credentials: other starts keep the
        // bytes the release before sent.
        let v: UInt8 = proxied != nil ? 4 : nasPortID.isEmpty ? 2 : 3
        w.u8(v)
        w.string(session); w.string(port); w.method(authenticatePeer); w.method(authenticateSelf)
        w.string(user); w.string(remoteName); w.string(localName); w.string(callingStation)
        w.string(calledStation); w.u32(nasPortType)
        if v >= 3 { w.string(nasPortID) }
        if let proxied { proxied.encode(into: &w) }
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> AuthStart {
        let v = try r.u8()
        guard (2...4).contains(v) else { throw .invalid(callID: 0, reason: "auth start version \(v), expected 2 to 4") }
        let session = try r.string(), port = try r.string()
        let peer = try r.method(), me = try r.method()
        var s = AuthStart(session: session, port: port, authenticatePeer: peer, authenticateSelf: me)
        s.user = try r.string(); s.remoteName = try r.string(); s.localName = try r.string()
        s.callingStation = try r.string()
        s.calledStation = try r.string(); s.nasPortType = try r.u32()
        if v == 3 {
            s.nasPortID = try r.string()
            guard !s.nasPortID.isEmpty else { throw .invalid(callID: 0, reason: "auth start: empty NAS-Port-Id") }
        }
        if v == 4 {
            s.nasPortID = try r.string()
            let p = try ProxiedAuthentication.decode(&r)
            guard p.method == s.authenticatePeer else { throw .invalid(callID: 0, reason: "auth start: proxied \(p.method), not the method asked of the peer") }
            s.proxied = p
        }
        return s
    }
}

/// RFC 2661 §4.4.5: what a LAC proxied of the caller's authentication, as
/// an LNS's linkd hands it to authd: PAP (Proxy Authen Type 3: the name and
/// password) or CHAP-MD5 (type 2: the name, the Identifier and Challenge the
/// LAC sent, the caller's Response). Each value fits one AVP (and one PAP or
/// CHAP field: at most 255 octets).
public struct ProxiedAuthentication: Equatable, Sendable {
    public var method: AuthMethod
    public var name: [UInt8]
    public var identifier: UInt8
    public var challenge: [UInt8]
    public var response: [UInt8]

    public init(method: AuthMethod, name: [UInt8], identifier: UInt8 = 0, challenge: [UInt8] = [], response: [UInt8]) {
        self.method = method; self.name = name; self.identifier = identifier; self.challenge = challenge; self.response = response
    }

    public func encode(into w: inout ByteWriter) {
        w.method(method); w.blob(Array(name.prefix(255))); w.u8(identifier)
        w.blob(Array(challenge.prefix(255))); w.blob(Array(response.prefix(255)))
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> ProxiedAuthentication {
        guard let m = try r.method(), m == .pap || m == .chapMD5 else { throw .invalid(callID: 0, reason: "proxied authentication: not PAP or CHAP") }
        let name = try r.blob(max: 255), id = try r.u8(), challenge = try r.blob(max: 255), response = try r.blob(max: 255)
        // RFC 1994 §4.1: a CHAP Challenge and Response Value are at least one octet.
        if m == .chapMD5, challenge.isEmpty || response.isEmpty { throw .invalid(callID: 0, reason: "proxied CHAP without challenge or response") }
        return ProxiedAuthentication(method: m, name: name, identifier: id, challenge: challenge, response: response)
    }
}

/// authd → linkd: the outcome of the Authenticate phase (both directions),
/// or a later failure (a periodic re-challenge that fails).
public struct AuthVerdict: Equatable, Sendable {
    public var session: String
    public var success: Bool
    /// Why it failed, or a note on success ("radius", "secrets").
    public var reason: String = ""
    /// The name the peer authenticated as (empty when only we authenticated).
    public var peerName: String = ""
    public var method: AuthMethod?
    /// RFC 2865 attributes an authenticator may assign; 0 = none.
    public var framedAddress: UInt32 = 0
    public var framedNetmask: UInt32 = 0
    public var sessionTimeout: UInt32 = 0
    public var idleTimeout: UInt32 = 0
    /// Seconds between accounting updates linkd should send, 0 = none.
    public var interimInterval: UInt32 = 0
    /// RFC 2865 §5.25 Class, echoed in accounting.
    public var radiusClass: [UInt8] = []
    /// RFC 2866 §5.5 Acct-Session-Id authd chose, so accounting carries on
    /// under the same id after linkd or authd restarts (accountingResumed).
    public var accountingSessionID: String = ""
    /// RFC 2869 §5.18 Framed-Pool: the ncpd pool the peer's address comes
    /// from instead of the port's ("" = the port's).
    public var framedPool: String = ""
    /// RFC 2865 §5.22 Framed-Route: routes ncpd adds on the interface.
    public var framedRoutes: [FramedRoute] = []
    /// RFC 2865 §5.12 Framed-MTU (64-65535; 0 = none): the interface's MTU
    /// is at most this.
    public var framedMTU: UInt32 = 0
    /// RFC 2548 §2.7.6-7 MS-Primary/Secondary-DNS-Server: what IPCP offers
    /// (RFC 1877) instead of the port's ms-dns; at most two.
    public var dns: [UInt32] = []
    /// linkd's progress, not authd's grant: the accounting Start went out.
    /// linkd sets it and deposits the verdict again, so that after a
    /// restart of linkd or authd inside the wait for IPCP the Start is still
    /// sent, once (accountingResumed carries it to authd).
    public var accountingStarted = false
    /// RFC 3162 §2.3 Framed-IPv6-Prefix: the prefix ncpd advertises in its
    /// RAs instead of one from the port's ra-pool (a /64; nil = the pool's).
    /// Version 4.
    public var framedIPv6Prefix: IPv6PrefixValue?
    /// RFC 4818 §3 Delegated-IPv6-Prefix: what DHCPv6 IA_PD delegates instead
    /// of one from the port's pd-pool (nil = the pool's). Version 4.
    public var delegatedIPv6Prefix: IPv6PrefixValue?
    /// RFC 2868: the L2TP tunnels an Access-Accept assigns, in the order
    /// to try them (TunnelChoice); empty = none.
    /// Version 5.
    public var tunnels: [TunnelChoice] = []

    public static let maximumRoutes = 16

    public init(session: String, success: Bool) { self.session = session; self.success = success }

    public func encode(into w: inout ByteWriter) {
        // Version 3 while RADIUS assigned no IPv6 prefix, so a verdict
        // deposited for an IPv4 session reads the same bytes as before.
        let ipv6 = framedIPv6Prefix != nil || delegatedIPv6Prefix != nil
        // Version 5 only with RFC 2868 tunnels (and the IPv6 fields, maybe none).
        let version: UInt8 = !tunnels.isEmpty ? 5 : ipv6 ? 4 : 3
        w.u8(version)
        w.string(session); w.bool(success); w.string(reason); w.string(peerName); w.method(method)
        w.u32(framedAddress); w.u32(framedNetmask); w.u32(sessionTimeout); w.u32(idleTimeout)
        w.u32(interimInterval); w.blob(radiusClass)
        w.string(accountingSessionID)
        w.string(framedPool)
        w.u8(UInt8(min(framedRoutes.count, Self.maximumRoutes)))
        for r in framedRoutes.prefix(Self.maximumRoutes) { r.encode(into: &w) }
        w.u32(framedMTU)
        w.u8(UInt8(min(dns.count, 2))); for a in dns.prefix(2) { w.u32(a) }
        w.bool(accountingStarted)
        if version >= 4 {
            IPv6PrefixValue.encode(framedIPv6Prefix, into: &w)
            IPv6PrefixValue.encode(delegatedIPv6Prefix, into: &w)
        }
        if version >= 5 {
            w.u8(UInt8(min(tunnels.count, TunnelChoice.maximum)))
            for t in tunnels.prefix(TunnelChoice.maximum) { t.encode(into: &w) }
        }
    }

    /// Versions 1 (no Acct-Session-Id), 2 (no pool, routes, MTU, DNS,
    /// Start flag: read as started), 3 (no IPv6 prefixes) and 4 (no L2TP
    /// tunnels) are still read: linkd deposits verdicts in the fd store,
    /// and an upgrade must not lose them.
    public static func decode(_ r: inout ByteReader) throws(IPCError) -> AuthVerdict {
        let version = try r.u8()
        guard (1...5).contains(version) else { throw .invalid(callID: 0, reason: "auth verdict version \(version), expected 1 to 5") }
        var v = AuthVerdict(session: try r.string(), success: try r.bool())
        v.reason = try r.string(); v.peerName = try r.string(); v.method = try r.method()
        v.framedAddress = try r.u32(); v.framedNetmask = try r.u32()
        v.sessionTimeout = try r.u32(); v.idleTimeout = try r.u32(); v.interimInterval = try r.u32()
        v.radiusClass = try r.blob(max: 253)
        if version >= 2 { v.accountingSessionID = try r.string() }
        guard version >= 3 else {
            v.accountingStarted = v.success
            return v
        }
        v.framedPool = try r.string()
        let routes = try r.u8()
        guard routes <= maximumRoutes else { throw .invalid(callID: 0, reason: "\(routes) framed routes, at most \(maximumRoutes)") }
        for _ in 0..<routes { v.framedRoutes.append(try FramedRoute.decode(&r)) }
        v.framedMTU = try r.u32()
        let servers = try r.u8()
        guard servers <= 2 else { throw .invalid(callID: 0, reason: "\(servers) DNS servers, at most 2") }
        for _ in 0..<servers { v.dns.append(try r.u32()) }
        v.accountingStarted = try r.bool()
        if version >= 4 {
            v.framedIPv6Prefix = try IPv6PrefixValue.decodeOptional(&r)
            v.delegatedIPv6Prefix = try IPv6PrefixValue.decodeOptional(&r)
        }
        if version >= 5 {
            let tunnels = try r.u8()
            guard tunnels <= TunnelChoice.maximum else { throw .invalid(callID: 0, reason: "\(tunnels) tunnels, at most \(TunnelChoice.maximum)") }
            for _ in 0..<tunnels { v.tunnels.append(try TunnelChoice.decode(&r)) }
        }
        return v
    }
}

/// RFC 5176 in linkd's terms: end a session (Disconnect-Request, with the
/// reason its accounting Stop maps to Admin-Reset), or change the limits of
/// a live one (CoA-Request; nil = unchanged, 0 = none). Session-Timeout
/// counts from the change, as an operator who sends one expects.
public struct AuthChange: Equatable, Sendable {
    public var session: String
    public var disconnect: Bool
    public var reason: String = ""
    public var sessionTimeout: UInt32?
    public var idleTimeout: UInt32?
    public var interimInterval: UInt32?

    public init(session: String, disconnect: Bool) { self.session = session; self.disconnect = disconnect }

    public func encode(into w: inout ByteWriter) {
        w.u8(1)
        w.string(session); w.bool(disconnect); w.string(reason)
        for v in [sessionTimeout, idleTimeout, interimInterval] {
            w.bool(v != nil); w.u32(v ?? 0)
        }
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> AuthChange {
        try r.version(1, "auth change")
        var c = AuthChange(session: try r.string(), disconnect: try r.bool())
        c.reason = try r.string()
        func optional(_ r: inout ByteReader) throws(IPCError) -> UInt32? {
            let present = try r.bool(), v = try r.u32()
            return present ? v : nil
        }
        c.sessionTimeout = try optional(&r); c.idleTimeout = try optional(&r); c.interimInterval = try optional(&r)
        return c
    }
}

/// Per-session traffic counters, as RADIUS accounting reports them (RFC 2866
/// §5.3–5.8): "input" is what the peer sent us.
public struct SessionCounters: Equatable, Sendable {
    public var inputOctets: UInt64 = 0
    public var outputOctets: UInt64 = 0
    public var inputPackets: UInt64 = 0
    public var outputPackets: UInt64 = 0
    /// Seconds since the Network phase began.
    public var sessionSeconds: UInt32 = 0
    public init() {}

    public func encode(into w: inout ByteWriter) {
        w.u64(inputOctets); w.u64(outputOctets); w.u64(inputPackets); w.u64(outputPackets); w.u32(sessionSeconds)
    }
    public static func decode(_ r: inout ByteReader) throws(IPCError) -> SessionCounters {
        var c = SessionCounters()
        c.inputOctets = try r.u64(); c.outputOctets = try r.u64()
        c.inputPackets = try r.u64(); c.outputPackets = try r.u64(); c.sessionSeconds = try r.u32()
        return c
    }
}

/// What a port asks of the NCPs (pppd's names in the config). Carried from
/// pppinit to linkd in PortSettings and from linkd to ncpd in ChannelRecord,
/// so ncpd needs no per-port configuration of its own.
public struct NetworkSettings: Equatable, Sendable {
    /// pppd `local:remote`; 0 = not given. Host byte order.
    public var localAddress: UInt32 = 0
    public var remoteAddress: UInt32 = 0
    /// Pool to take the remote address from when none is given (server role).
    public var pool: String = ""
    /// Interface name ("" = ppp<unit>), pppd `ifname`.
    public var ifname: String = ""
    /// pppd `noip` (false) and `+ipv6` (true).
    public var ipv4: Bool = true
    public var ipv6: Bool = false
    /// pppd `noipdefault`: accept the address the peer assigns us.
    public var noIPDefault: Bool = false
    public var defaultRoute: Bool = false
    public var defaultRoute6: Bool = false
    /// pppd `usepeerdns`.
    public var usePeerDNS: Bool = false
    /// pppd `ms-dns` (RFC 1877 addresses we offer), at most two.
    public var dns: [UInt32] = []
    /// RFC 1661 §4.6 Restart timer of each NCP in seconds (pppd
    /// `ipcp-restart`, `ipv6cp-restart`).
    public var ipcpRestart: UInt32 = Self.defaultRestart
    public var ipv6cpRestart: UInt32 = Self.defaultRestart
    public static let defaultRestart: UInt32 = 3

    public init() {}

    public func encode(into w: inout ByteWriter) {
        w.u8(2)
        w.u32(localAddress); w.u32(remoteAddress); w.string(pool); w.string(ifname)
        w.bool(ipv4); w.bool(ipv6); w.bool(noIPDefault); w.bool(defaultRoute); w.bool(defaultRoute6)
        w.bool(usePeerDNS); w.u8(UInt8(dns.count)); for a in dns { w.u32(a) }
        w.u32(ipcpRestart); w.u32(ipv6cpRestart)
    }

    /// Version 1 (no restart timers: pppd's 3 s) is still read, as it
    /// rides in the records linkd and ncpd deposit in the fd store.
    public static func decode(_ r: inout ByteReader) throws(IPCError) -> NetworkSettings {
        let version = try r.u8()
        guard version == 1 || version == 2 else {
            throw .invalid(callID: 0, reason: "network settings version \(version), expected 1 or 2")
        }
        var n = NetworkSettings()
        n.localAddress = try r.u32(); n.remoteAddress = try r.u32(); n.pool = try r.string(); n.ifname = try r.string()
        n.ipv4 = try r.bool(); n.ipv6 = try r.bool(); n.noIPDefault = try r.bool()
        n.defaultRoute = try r.bool(); n.defaultRoute6 = try r.bool(); n.usePeerDNS = try r.bool()
        let count = try r.u8()
        guard count <= 2 else { throw .invalid(callID: 0, reason: "\(count) DNS servers, at most 2") }
        for _ in 0..<count { n.dns.append(try r.u32()) }
        if version == 2 {
            n.ipcpRestart = try r.u32(); n.ipv6cpRestart = try r.u32()
            guard (1...3600).contains(n.ipcpRestart), (1...3600).contains(n.ipv6cpRestart) else {
                throw .invalid(callID: 0, reason: "NCP restart timer out of range (1-3600 s)")
            }
        }
        return n
    }
}

/// The session description that travels with a channel (channelHandedOver's
/// record): DESIGN.md "Channels" — negotiated LCP, magic numbers, the
/// authenticated name and what authd assigned, and the port's NCP settings.
public struct ChannelRecord: Equatable, Sendable {
    public var session: String           // "PORT:N"
    public var port: String
    /// RFC 1661 §6.1: the MRU we receive and the peer's MRU (our send limit).
    public var localMRU: UInt16 = 1500
    public var peerMRU: UInt16 = 1500
    public var localMagic: UInt32 = 0
    public var peerMagic: UInt32 = 0
    public var verdict: AuthVerdict?
    public var network = NetworkSettings()
    /// For bridged: the session this channel is to be spliced to (its
    /// channel arrives separately); empty for ncpd.
    public var bridgeWith: String = ""
    /// RFC 1990: what LCP negotiated for multilink on this link; nil when no
    /// MRRU was agreed either way (an ordinary session). Version 2.
    public var multilink: ChannelMultilink?
    /// Issue 21: what linkd can do with super-packets on this channel
    /// (PPP's ChannelOffload flags: it segments what it takes, it sends
    /// coalesced ones); 0 = nothing, the owner sends PPP frames only.
    /// Version 3.
    public var offload: UInt8 = 0

    public init(session: String, port: String) { self.session = session; self.port = port }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        // Version 1 while there is no multilink and no offload, 2 with
        // multilink only, so an older ncpd or a record deposited before an
        // upgrade reads the same bytes; 3 adds the offload flags and says
        // whether multilink follows.
        let version: UInt8 = offload != 0 ? 3 : multilink == nil ? 1 : 2
        w.u8(version)
        w.string(session); w.string(port); w.u16(localMRU); w.u16(peerMRU); w.u32(localMagic); w.u32(peerMagic)
        w.bool(verdict != nil)
        verdict?.encode(into: &w)
        network.encode(into: &w)
        w.string(bridgeWith)
        if version == 3 { w.u8(offload); w.bool(multilink != nil) }
        multilink?.encode(into: &w)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> ChannelRecord {
        var r = ByteReader(bytes)
        let version = try r.u8()
        guard (1...3).contains(version) else {
            throw .invalid(callID: 0, reason: "channel record version \(version), expected 1 to 3")
        }
        var c = ChannelRecord(session: try r.string(), port: try r.string())
        c.localMRU = try r.u16(); c.peerMRU = try r.u16(); c.localMagic = try r.u32(); c.peerMagic = try r.u32()
        if try r.bool() { c.verdict = try AuthVerdict.decode(&r) }
        c.network = try NetworkSettings.decode(&r)
        c.bridgeWith = try r.string()
        var hasMultilink = version == 2
        if version == 3 { c.offload = try r.u8(); hasMultilink = try r.bool() }
        if hasMultilink { c.multilink = try ChannelMultilink.decode(&r) }
        try r.finish()
        return c
    }
}

/// RFC 1990 §5.1 as negotiated on one link, for the bundle's owner: the
/// MRRU each way, the sequence formats and the peer's Endpoint
/// Discriminator (Class, then Address; the null class when it sent none).
public struct ChannelMultilink: Equatable, Sendable {
    /// §5.1.1: what the peer acked for us (we receive) and what we acked
    /// for it (we send); 0 = not negotiated that way. One is non-zero.
    public var localMRRU: UInt16 = 0
    public var peerMRRU: UInt16 = 0
    /// §5.1.2: 12-bit sequence numbers towards us / towards the peer.
    public var receiveShortSequence = false
    public var transmitShortSequence = false
    /// §5.1.3: the peer's discriminator option value (Class + Address).
    public var peerDiscriminator: [UInt8] = [0]
    /// The link's speed (bit/s) the fragmenter weights it by; 0 = unknown
    /// (equal shares).
    public var speed: UInt64 = 0

    public init() {}

    public func encode(into w: inout ByteWriter) {
        w.u16(localMRRU); w.u16(peerMRRU); w.bool(receiveShortSequence); w.bool(transmitShortSequence)
        w.blob(peerDiscriminator); w.u64(speed)
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> ChannelMultilink {
        var m = ChannelMultilink()
        m.localMRRU = try r.u16(); m.peerMRRU = try r.u16()
        m.receiveShortSequence = try r.bool(); m.transmitShortSequence = try r.bool()
        // RFC 1661 §6: an option value is at most 253 octets; Class comes first.
        m.peerDiscriminator = try r.blob(max: 253)
        m.speed = try r.u64()
        guard m.localMRRU != 0 || m.peerMRRU != 0 else {
            throw .invalid(callID: 0, reason: "channel multilink without an MRRU")
        }
        guard !m.peerDiscriminator.isEmpty else {
            throw .invalid(callID: 0, reason: "channel multilink discriminator without a class")
        }
        return m
    }
}
