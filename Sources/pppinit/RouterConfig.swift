// The router's configuration as pppinit sees it: parsed from one TOML file
// with every key checked (unknown keys are errors, reported as file:line).
// Daemons never see TOML; they get typed settings over their init link.
import Config
import IPC

struct SupervisorPolicy: Equatable {
    /// Crashes within `window` seconds that mark a component failed.
    var burst = 5
    var window = 60.0
    /// Backoff doubles from 1 s after the first (immediate) restart, up to this.
    var backoffMax = 30.0
    /// A daemon that is not ready by then counts as crashed.
    var readyTimeout = 10.0
    /// SIGTERM, then SIGKILL after this many seconds.
    var stopTimeout = 3.0
    /// A crash counts toward `burst` only when the daemon never became
    /// ready or died within this many seconds of ready: a daemon that
    /// cannot start is throttled and marked failed, one that crashes now and
    /// then after running is always restarted (its sessions resume from the
    /// fd store, so a restart loses nothing).
    var earlyExit = 1.0
    /// The watchdog: a running daemon is pinged over its init link every
    /// `watchdogInterval` seconds; one that does not answer within
    /// `watchdogTimeout` is killed and restarted. 0 turns it off. The
    /// timeout leaves room for a daemon at scale that blocks in one kernel
    /// call for seconds (ncpd deleting thousands of TUN units in one
    /// rtnetlink request): killing it then only restarts it into resuming
    /// the same sessions.
    var watchdogInterval = 5.0
    var watchdogTimeout = 30.0
}

struct DaemonIdentity: Equatable {
    var uid: UInt32
    var gid: UInt32
}

struct RouterConfig {
    var file: String
    var runtimeDir = DaemonSetup.defaultRuntimeDir
    /// Members of this group (besides root) may change things through pppctl.
    var adminGroup: UInt32? = nil
    /// When set, only root, the admin group and this group may read
    /// (components, daemon status, sessions, events) through pppctl; when
    /// nil anyone who can reach the control socket may (issue 15 point 8).
    var readGroup: UInt32? = nil
    /// A control conversation that sends nothing for this long is closed
    /// (watchers excepted), so idle ones cannot hold the slots.
    var controlIdleTimeout = 60.0
    var seccomp: SeccompMode = .kill
    var logLevel = Log.Level.info
    /// How pppinit writes every line out (its own and its daemons').
    var logFormat = Log.Format.plain
    var policy = SupervisorPolicy()
    /// Defaults need no /etc/passwd entry: numeric ids in a range no distro
    /// hands out to people.
    var identities: [String: DaemonIdentity] = [
        "linkd": DaemonIdentity(uid: 61001, gid: 61001),
        "authd": DaemonIdentity(uid: 61002, gid: 61002),
        "ncpd": DaemonIdentity(uid: 61003, gid: 61003),
        "bridged": DaemonIdentity(uid: 61004, gid: 61004),
        "metricsd": DaemonIdentity(uid: 61005, gid: 61005),
    ]
    var ports: [PortSettings] = []
    /// [auth], [users.NAME], [radius]: authd's settings (RouterConfig+Auth.swift).
    var auth = AuthSettings()
    /// ncpd's pools and pppinit's hooks (RouterConfig+Network.swift).
    var pools: [AddressPoolSettings] = []
    var hooks = HookConfig()
    /// [pool6.NAME] and [ipv6.PORT] (RouterConfig+IPv6.swift).
    var pools6: [IPv6PoolSettings] = []
    var ipv6Ports: [IPv6PortSettings] = []
    /// Bridging: each port's role and the [[bridge]] rules (RouterConfig+Bridge.swift).
    var bridgeRoles: [String: BridgeRole] = [:]
    var bridgeRules: [BridgeRule] = []
    /// Each port's `offload` key (issue 21), default true.
    var offload: [String: Bool] = [:]
    /// [metrics]: where metricsd serves /metrics; nil: no metricsd.
    var metrics: MetricsdSettings?

    static let daemonNames = ["authd", "ncpd", "bridged", "linkd", "metricsd"]

    static func load(path: String) throws(ConfigError) -> RouterConfig {
        guard let text = ProcStatus.readFile(path) else {
            throw ConfigError(file: path, line: 0, reason: "cannot read the file")
        }
        return try parse(text, file: path)
    }

    static func parse(_ text: String, file: String) throws(ConfigError) -> RouterConfig {
        var c = RouterConfig(file: file)
        var root = TableReader(try TOML.parse(text, file: file), file: file)
        if var r = try root.table("router") {
            c.runtimeDir = try r.string("runtime-dir", default: c.runtimeDir)
            c.adminGroup = try r.optionalInteger("admin-group", in: 0...UInt32.max)
            c.readGroup = try r.optionalInteger("read-group", in: 0...UInt32.max)
            c.controlIdleTimeout = try r.float("control-idle-timeout", default: c.controlIdleTimeout, in: 1...86_400)
            c.seccomp = switch try r.enumeration("seccomp", ["kill", "errno", "log"], default: "kill") {
            case "errno": .errno
            case "log": .log
            default: .kill
            }
            c.logLevel = Log.Level(tag: try r.enumeration("log-level", Log.Level.allCases.map(\.tag), default: "info")) ?? .info
            c.logFormat = try r.enumeration("log-format", ["text", "json"], default: "text") == "json" ? .json : .plain
            try r.finish()
        }
        if var r = try root.table("supervisor") {
            c.policy.burst = try r.integer("restart-burst", default: c.policy.burst, in: 1...1000)
            c.policy.window = try r.float("restart-window", default: c.policy.window, in: 1...86_400)
            c.policy.backoffMax = try r.float("backoff-max", default: c.policy.backoffMax, in: 0...3600)
            c.policy.readyTimeout = try r.float("ready-timeout", default: c.policy.readyTimeout, in: 0.1...600)
            c.policy.stopTimeout = try r.float("stop-timeout", default: c.policy.stopTimeout, in: 0.1...600)
            c.policy.earlyExit = try r.float("early-exit", default: c.policy.earlyExit, in: 0...3600)
            c.policy.watchdogInterval = try r.float("watchdog-interval", default: c.policy.watchdogInterval, in: 0...3600)
            c.policy.watchdogTimeout = try r.float("watchdog-timeout", default: c.policy.watchdogTimeout, in: 0.1...3600)
            try r.finish()
        }
        if var daemons = try root.table("daemons") {
            for (name, var r) in try daemons.subtables() {
                guard let current = c.identities[name] else {
                    throw ConfigError(file: file, line: r.line, reason: "unknown daemon '\(name)' (one of \(daemonNames.joined(separator: ", ")))")
                }
                let uid: UInt32 = try r.integer("uid", default: current.uid, in: 1...UInt32.max - 1)
                let gid: UInt32 = try r.integer("gid", default: uid, in: 1...UInt32.max - 1)
                c.identities[name] = DaemonIdentity(uid: uid, gid: gid)
                try r.finish()
            }
            try daemons.finish()
        }
        for (name, var r) in try root.namedTables("port") {
            let port = try parsePort(name: name, &r)
            c.ports.append(port)
            c.bridgeRoles[name] = try parseBridgeRole(port, &r)
            // Issue 21: TUN offloads and super-packets on the channel (used
            // by pppoe ports; others accept the key and run as before).
            c.offload[name] = try r.bool("offload", default: true)
            try r.finish()
        }
        c.auth = try parseAuth(&root)
        try parseNetworkSections(&root, into: &c)
        try parseIPv6Sections(&root, into: &c)
        try parseBridgeSections(&root, into: &c)
        c.metrics = try parseMetrics(&root)
        try root.finish()
        return c
    }

    private static func parsePort(name: String, _ r: inout TableReader) throws(ConfigError) -> PortSettings {
        let kindName = try r.enumeration("type", PortKind.allCases.map(\.name))
        let kind = PortKind.allCases.first { $0.name == kindName }!
        var p = PortSettings(name: name, kind: kind)
        switch kind {
        case .tty:
            p.device = try r.string("device")
            p.speed = try r.integer("speed", default: p.speed, in: 50...4_000_000)
            guard PortSettings.ttySpeeds.contains(p.speed) else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': speed \(p.speed) is not a termios speed (e.g. 9600, 38400, 115200)")
            }
            p.localLine = try r.bool("local", default: p.localLine)
            p.crtscts = try r.bool("crtscts", default: p.crtscts)
        case .udp:
            p.local = try r.string("local")
            p.remote = try r.string("remote", default: "")
        case .tcp:
            p.local = try r.string("listen", default: "")
            p.remote = try r.string("connect", default: "")
            if p.local.isEmpty == p.remote.isEmpty {
                throw ConfigError(file: r.file, line: r.line, reason: "tcp port '\(name)' needs exactly one of 'listen' or 'connect'")
            }
        case .pppoe:
            p.device = try r.string("interface")
            guard !p.device.isEmpty, p.device.utf8.count < 16, !p.device.contains("/") else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'interface' must be a Linux interface name")
            }
            p.pppoe = try parsePPPoE(port: name, &r)
        case .l2tp:
            try parseL2TP(port: name, &r, into: &p)
        }
        try parseSessionOptions(port: name, &r, into: &p)
        return p
    }

    /// LCP and session keys, named and defaulted as pppd's options.
    private static func parseSessionOptions(port name: String, _ r: inout TableReader,
                                            into p: inout PortSettings) throws(ConfigError) {
        // RFC 1661 §6.1: pppd refuses an MRU below 128; 16384 is its maximum.
        // RFC 2516 §7: PPPoE's MRU is 1492 unless RFC 4638 raises it (linkd
        // asks for PPP-Max-Payload when `mru` is above 1492 and the interface
        // MTU allows it).
        p.mru = try r.integer("mru", default: p.kind == .pppoe ? 1492 : 1500, in: 128...16_384)
        if let map = try r.optionalString("asyncmap") {
            // pppd writes the map in hex ("asyncmap 000a0000"); TOML has no hex
            // integers here, so it is a string, with or without 0x.
            let digits = map.hasPrefix("0x") ? String(map.dropFirst(2)) : map
            guard !digits.isEmpty, digits.count <= 8, let v = UInt32(digits, radix: 16) else {
                throw ConfigError(file: r.file, line: r.line, reason: "'asyncmap' of port '\(name)' must be up to 8 hex digits, e.g. \"000a0000\"")
            }
            p.asyncMap = v
        }
        p.echoInterval = try r.integer("lcp-echo-interval", default: p.echoInterval, in: 0...86_400)
        p.echoFailure = try r.integer("lcp-echo-failure", default: p.echoFailure, in: 0...1000)
        p.lcpRestart = try r.integer("lcp-restart", default: p.lcpRestart, in: 1...3600)
        p.lcpMaxConfigure = try r.integer("lcp-max-configure", default: p.lcpMaxConfigure, in: 1...1000)
        p.requirePAP = try r.bool("require-pap", default: p.requirePAP)
        p.requireCHAP = try r.bool("require-chap", default: p.requireCHAP)
        p.requireMSCHAPv2 = try r.bool("require-mschap-v2", default: p.requireMSCHAPv2)
        p.requireEAP = try r.bool("require-eap", default: p.requireEAP)
        p.refusePAP = try r.bool("refuse-pap", default: p.refusePAP)
        p.refuseCHAP = try r.bool("refuse-chap", default: p.refuseCHAP)
        p.refuseMSCHAPv2 = try r.bool("refuse-mschap-v2", default: p.refuseMSCHAPv2)
        p.refuseEAP = try r.bool("refuse-eap", default: p.refuseEAP)
        p.user = try r.string("user", default: p.user)
        p.remoteName = try r.string("remotename", default: p.remoteName)
        p.localName = try r.string("name", default: p.localName)
        // As in pppd, a require-* key implies auth; noauth is the default
        // only without one.
        let requires = !p.requiredMethods.isEmpty
        p.noauth = try r.bool("noauth", default: !requires)
        if p.noauth && requires {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'noauth' contradicts the 'require-*' keys")
        }
        p.network = try parseNetwork(port: name, &r)
        p.persist = try r.bool("persist", default: p.persist)
        p.holdoff = try r.integer("holdoff", default: p.holdoff, in: 0...86_400)
        p.maxfail = try r.integer("maxfail", default: p.maxfail, in: 0...1_000_000)
        p.multilink = try parseMultilink(port: name, &r)
    }

    /// NCP keys (pppd's names): `address = "local:remote"` (either side may
    /// be empty), `ip-pool`, `ifname`, `noip`, `ipv6` (pppd `+ipv6`),
    /// `noipdefault`, `defaultroute`, `defaultroute6`, `usepeerdns`, `ms-dns`,
    /// `ipcp-restart`, `ipv6cp-restart`.
    private static func parseNetwork(port name: String, _ r: inout TableReader) throws(ConfigError) -> NetworkSettings {
        var n = NetworkSettings()
        if let pair = try r.optionalString("address") {
            let sides = pair.split(separator: ":", omittingEmptySubsequences: false)
            guard sides.count == 2 else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'address' is \"local:remote\" (either may be empty), got \"\(pair)\"")
            }
            for (i, side) in sides.enumerated() where !side.isEmpty {
                guard let a = IPv4.parse(String(side)) else {
                    throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': '\(side)' is not an IPv4 address")
                }
                if i == 0 { n.localAddress = a } else { n.remoteAddress = a }
            }
        }
        n.pool = try r.string("ip-pool", default: "")
        n.ifname = try r.string("ifname", default: n.ifname)
        guard n.ifname.utf8.count < 16, !n.ifname.contains("/"), !n.ifname.contains(" ") else {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'ifname' must be a Linux interface name (under 16 bytes, no '/' or space)")
        }
        n.ipv4 = !(try r.bool("noip", default: false))
        n.ipv6 = try r.bool("ipv6", default: n.ipv6)
        n.noIPDefault = try r.bool("noipdefault", default: n.noIPDefault)
        n.defaultRoute = try r.bool("defaultroute", default: n.defaultRoute)
        n.defaultRoute6 = try r.bool("defaultroute6", default: n.defaultRoute6)
        n.usePeerDNS = try r.bool("usepeerdns", default: n.usePeerDNS)
        n.ipcpRestart = try r.integer("ipcp-restart", default: NetworkSettings.defaultRestart, in: 1...3600)
        n.ipv6cpRestart = try r.integer("ipv6cp-restart", default: NetworkSettings.defaultRestart, in: 1...3600)
        let dns = try r.stringArray("ms-dns", default: [])
        guard dns.count <= 2 else {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': at most two 'ms-dns' servers (RFC 1877 primary and secondary)")
        }
        for d in dns {
            guard let a = IPv4.parse(d) else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': ms-dns '\(d)' is not an IPv4 address")
            }
            n.dns.append(a)
        }
        return n
    }
}
