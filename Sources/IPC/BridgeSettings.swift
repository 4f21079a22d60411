// Bridging as a linkd sees it (DESIGN.md "bridged"): whether its port's
// sessions go to ncpd, wait for an operator's `pppctl bridge`, or are an
// upstream dialled on demand for a subscriber, and the rules that send a
// subscriber's session to an upstream port after LCP and authentication.
// pppinit parses the TOML; a linkd gets LinkdSettings (its port plus this).

/// What a port's sessions do at the Network phase.
public enum BridgeRole: UInt8, Sendable, CaseIterable {
    /// ncpd, unless a bridging rule sends the session to an upstream.
    case none = 0
    /// Held (NCP frames dropped silently) until `pppctl bridge A B`.
    case manual = 1
    /// Never started on its own: another linkd dials a session here for a
    /// subscriber, and its channel goes to bridged spliced to that subscriber.
    case upstream = 2

    public var name: String {
        switch self {
        case .none: "none"
        case .manual: "manual"
        case .upstream: "upstream"
        }
    }
}

/// One `[[bridge]]` rule: every condition given must hold; the first rule
/// that matches sends the session to `upstream` (a port with `upstream = true`).
/// Like mpd5's `set link action forward LINK REGEX` on the authenticated name,
/// with realms spelled out as RADIUS proxies and L2TP LACs name them.
public struct BridgeRule: Equatable, Sendable {
    /// The authenticated peer name, exactly.
    public var peerName: String = ""
    /// The part of the authenticated name after its last '@' (`user@realm`),
    /// compared case-insensitively (realms are domain names).
    public var realm: String = ""
    /// The subscriber's port.
    public var port: String = ""
    /// The upstream port the session is bridged to.
    public var upstream: String

    public init(upstream: String) { self.upstream = upstream }

    /// Whether a session on `port` whose peer authenticated as `name` (nil:
    /// no authentication of the peer) matches.
    public func matches(port: String, peerName name: String?) -> Bool {
        if !self.port.isEmpty && self.port != port { return false }
        if !peerName.isEmpty && peerName != name { return false }
        if !realm.isEmpty {
            guard let name, let at = name.lastIndex(of: "@") else { return false }
            if Self.lowercased(name[name.index(after: at)...]) != Self.lowercased(realm[...]) { return false }
        }
        return true
    }

    static func lowercased(_ s: Substring) -> String {
        String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}

/// What pppinit sends a linkd in DaemonSetup.settings.
public struct LinkdSettings: Equatable, Sendable {
    public var port: PortSettings
    public var role: BridgeRole = .none
    /// The rules that apply to this port, in config order.
    public var rules: [BridgeRule] = []
    /// RFC 2868: the upstream port (an l2tp lac port with `upstream = true`)
    /// for a session whose Access-Accept names L2TP tunnels; "" = none.
    /// It takes precedence over the rules for such a session.
    public var tunnelUpstream: String = ""
    /// Issue 21: the port's `offload` key: linkd offers super-packets to the
    /// channel owner (segmenting and coalescing them itself) on transports
    /// that can do it. Version 3.
    public var offload = true

    public init(port: PortSettings) { self.port = port }

    /// At most this many rules reach one linkd (a config is refused beyond).
    public static let maxRules = 256

    /// The upstream port for a session, by the first matching rule.
    public func upstream(peerName: String?) -> String? {
        rules.first { $0.matches(port: port.name, peerName: peerName) }?.upstream
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(3)
        w.blob(port.encoded())
        w.u8(role.rawValue)
        w.u16(UInt16(rules.count))
        for r in rules { w.string(r.peerName); w.string(r.realm); w.string(r.port); w.string(r.upstream) }
        w.string(tunnelUpstream)
        w.bool(offload)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> LinkdSettings {
        var r = ByteReader(bytes)
        // Version 1 (no tunnel upstream) and 2 (no offload flag: read as
        // offload off, what it did) still read.
        let version = try r.u8()
        guard (1...3).contains(version) else { throw .invalid(callID: 0, reason: "linkd settings version \(version)") }
        var s = LinkdSettings(port: try PortSettings.decode(try r.blob()))
        guard let role = BridgeRole(rawValue: try r.u8()) else { throw .invalid(callID: 0, reason: "bridge role") }
        s.role = role
        let count = Int(try r.u16())
        guard count <= maxRules else { throw .invalid(callID: 0, reason: "\(count) bridge rules, at most \(maxRules)") }
        for _ in 0..<count {
            let peerName = try r.string(), realm = try r.string(), port = try r.string()
            var rule = BridgeRule(upstream: try r.string())
            rule.peerName = peerName; rule.realm = realm; rule.port = port
            s.rules.append(rule)
        }
        if version >= 2 { s.tunnelUpstream = try r.string() }
        s.offload = version >= 3 ? try r.bool() : false
        try r.finish()
        return s
    }
}
