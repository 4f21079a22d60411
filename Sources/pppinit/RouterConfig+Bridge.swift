// bridged's part of the config: per port, `upstream = true` (sessions are
// dialled on demand for a subscriber and spliced to it) or `bridge =
// "manual"` (sessions wait for `pppctl bridge A B` instead of going to ncpd);
// and `[[bridge]]` rules that send a subscriber's session, after LCP and
// authentication on our side, to an upstream port:
//   [[bridge]]
//   realm = "far.example"   # and/or peer-name = "alice@far.example", port = "sub0"
//   upstream = "up0"
import Config
import IPC

extension RouterConfig {
    /// The port keys `upstream` and `bridge`, read before the port's table is finished.
    static func parseBridgeRole(_ port: PortSettings, _ r: inout TableReader) throws(ConfigError) -> BridgeRole {
        let name = port.name
        let upstream = try r.bool("upstream", default: false)
        let manual = try r.enumeration("bridge", ["none", "manual"], default: "none") == "manual"
        if upstream && manual {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'upstream' and 'bridge = \"manual\"' exclude each other")
        }
        guard upstream else { return manual ? .manual : .none }
        // Upstream types: PPP over UDP, TCP connect (a session per dial
        // opens its own connection) and a PPPoE client (a discovery and a
        // session per subscriber), and an L2TP LAC (a call per subscriber
        // in a tunnel to its LNS).
        switch port.kind {
        case .udp:
            break
        case .tcp where port.local.isEmpty:
            break
        case .pppoe where port.pppoe.role == .client:
            break
        case .l2tp where port.l2tp.role == .lac:
            break
        case .l2tp:
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': an LNS answers its LACs; only an l2tp lac port can be an upstream")
        case .pppoe:
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': an access concentrator answers its callers; only a pppoe client port can be an upstream")
        default:
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'upstream' works on udp, tcp connect, pppoe client and l2tp lac ports, not on this \(port.kind.name) port")
        }
        if port.persist {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': an upstream port is dialled on demand; 'persist' does not apply")
        }
        return .upstream
    }

    static func parseBridgeSections(_ root: inout TableReader, into c: inout RouterConfig) throws(ConfigError) {
        for var r in try root.tableArray("bridge") {
            var rule = BridgeRule(upstream: try r.string("upstream"))
            rule.peerName = try r.string("peer-name", default: "")
            rule.realm = try r.string("realm", default: "")
            rule.port = try r.string("port", default: "")
            guard !(rule.peerName.isEmpty && rule.realm.isEmpty && rule.port.isEmpty) else {
                throw ConfigError(file: r.file, line: r.line, reason: "bridge rule: give at least one of 'peer-name', 'realm', 'port'")
            }
            guard c.bridgeRoles[rule.upstream] == .upstream else {
                throw ConfigError(file: r.file, line: r.line, reason: "bridge rule: upstream '\(rule.upstream)' is not a port with 'upstream = true'")
            }
            if !rule.port.isEmpty {
                guard let role = c.bridgeRoles[rule.port] else {
                    throw ConfigError(file: r.file, line: r.line, reason: "bridge rule: no port '\(rule.port)'")
                }
                guard role == .none else {
                    throw ConfigError(file: r.file, line: r.line, reason: "bridge rule: port '\(rule.port)' is \(role.name == "upstream" ? "an upstream" : "bridged by hand"); rules apply to subscriber ports")
                }
            }
            if rule.realm.contains("@") {
                throw ConfigError(file: r.file, line: r.line, reason: "bridge rule: realm '\(rule.realm)' is the part after '@', without it")
            }
            try r.finish()
            c.bridgeRules.append(rule)
        }
        if c.bridgeRules.count > LinkdSettings.maxRules {
            throw ConfigError(file: c.file, line: 0, reason: "at most \(LinkdSettings.maxRules) [[bridge]] rules")
        }
    }

    /// What the linkd of `port` gets: its port, its role, and the rules
    /// that can match its sessions (none for upstream or manual ports).
    func linkdSettings(_ port: PortSettings) -> LinkdSettings {
        var s = LinkdSettings(port: port)
        s.offload = offload[port.name] ?? true
        s.role = bridgeRoles[port.name] ?? .none
        if s.role == .none {
            s.rules = bridgeRules.filter { $0.port.isEmpty || $0.port == port.name }
            s.tunnelUpstream = tunnelUpstream ?? ""
        }
        return s
    }

    /// RFC 2868 tunnels from RADIUS go through the first l2tp lac port
    /// with `upstream = true` (config order): its socket places the calls.
    var tunnelUpstream: String? {
        ports.first { $0.kind == .l2tp && $0.l2tp.role == .lac && bridgeRoles[$0.name] == .upstream }?.name
    }

    /// The allowlisted daemon→daemon calls: a linkd may ask an upstream
    /// port's linkd to `dial` (pppinit relays it; see Router.relayDaemonCall).
    func isUpstream(component name: String) -> Bool {
        guard let port = ComponentName(name)?.port else { return false }
        return bridgeRoles[port] == .upstream
    }

    /// A port some bridging rule can send to an upstream: an upstream's
    /// linkd may tell it `partner-failed` (Router.relayDaemonCall).
    func isSubscriber(component name: String) -> Bool {
        guard let port = ComponentName(name)?.port else { return false }
        guard bridgeRoles[port] == BridgeRole.none else { return false }
        return tunnelUpstream != nil || bridgeRules.contains { $0.port.isEmpty || $0.port == port }
    }
}
