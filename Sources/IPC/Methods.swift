// The method catalogue: every method a daemon serves through `callRequested`
// (from pppctl via pppinit, or another daemon via pppinit's DaemonCalls
// table), with the daemon that serves it, whether it changes state (root or
// the admin group only), and the shape of its arguments. A daemon registers
// a method by its case here, so the name and the admin flag are written once;
// the argument types below are each method's one JSON codec (the replies':
// MethodReplies.swift).

/// One daemon method. Methods of the same name on different daemons with
/// different arguments (`unbridge`, `sessions`) are separate cases.
public enum DaemonMethod: CaseIterable, Sendable, CustomStringConvertible {
    /// Every daemon: identity, uptime, IPC counters and its own fields.
    case status
    /// Every daemon: pppinit's watchdog; answering at all proves the loop turns.
    case ping
    /// Every daemon: the level below which its log lines are dropped, from
    /// now until it restarts (`pppctl log-level`).
    case logLevel
    // linkd
    case linkdSessions, sessionKill, dial, bridge, linkdUnbridge, partnerFailed, tunnels, tunnelKill
    // authd
    case authdSessions, authTest, sessionPrefixes
    // ncpd
    case ncpdSessions, pools, bundles, ncpdSessionPrefixes
    // bridged
    case splices, bridgedUnbridge

    /// The name on the wire (`pppctl call DAEMON NAME`).
    public var name: String {
        switch self {
        case .status: "status"
        case .ping: "ping"
        case .logLevel: "log-level"
        case .linkdSessions, .authdSessions, .ncpdSessions: "sessions"
        case .sessionKill: "session-kill"
        case .dial: "dial"
        case .bridge: "bridge"
        case .linkdUnbridge, .bridgedUnbridge: "unbridge"
        case .partnerFailed: "partner-failed"
        case .tunnels: "tunnels"
        case .tunnelKill: "tunnel-kill"
        case .authTest: "auth-test"
        case .sessionPrefixes, .ncpdSessionPrefixes: "session-prefixes"
        case .pools: "pools"
        case .bundles: "bundles"
        case .splices: "splices"
        }
    }

    /// The daemon that serves it; nil: every daemon.
    public var target: Peer? {
        switch self {
        case .status, .ping, .logLevel: nil
        case .linkdSessions, .sessionKill, .dial, .bridge, .linkdUnbridge, .partnerFailed, .tunnels, .tunnelKill: .linkd
        case .authdSessions, .authTest, .sessionPrefixes: .authd
        case .ncpdSessions, .pools, .bundles, .ncpdSessionPrefixes: .ncpd
        case .splices, .bridgedUnbridge: .bridged
        }
    }

    /// Changes state, or (auth-test) answers whether a password is right and
    /// so is a guessing oracle: refused unless the caller is root or in the
    /// admin group. Daemon-to-daemon calls relayed by pppinit are admin.
    public var needsAdmin: Bool {
        switch self {
        case .status, .ping, .linkdSessions, .authdSessions, .ncpdSessions, .pools, .bundles, .splices, .tunnels,
             .ncpdSessionPrefixes: false
        case .sessionKill, .dial, .bridge, .linkdUnbridge, .partnerFailed, .authTest, .bridgedUnbridge, .tunnelKill, .logLevel,
             .sessionPrefixes: true
        }
    }

    /// What the arguments look like, for error replies and the README.
    public var arguments: String {
        switch self {
        case .status, .ping, .authdSessions, .pools, .bundles, .splices, .tunnels: "{}"
        case .linkdSessions, .ncpdSessions: PageArguments.shape
        case .sessionKill, .linkdUnbridge, .ncpdSessionPrefixes: SessionArguments.shape
        case .dial: DialArguments.shape
        case .bridge: BridgeArguments.shape
        case .partnerFailed: PartnerFailedArguments.shape
        case .authTest: AuthTestArguments.shape
        case .bridgedUnbridge: SpliceArguments.shape
        case .tunnelKill: TunnelArguments.shape
        case .logLevel: LogLevelArguments.shape
        case .sessionPrefixes: SessionPrefixesArguments.shape
        }
    }

    /// The type of its reply (MethodReplies.swift, ListingReplies.swift):
    /// the daemon encodes through it, and pppctl decodes what it prints.
    public var reply: any MethodReply.Type {
        switch self {
        case .status: StatusReply.self
        case .ping: PingReply.self
        case .linkdSessions, .authdSessions, .ncpdSessions: SessionListing.self
        case .sessionKill: SessionKillReply.self
        case .dial: DialReply.self
        case .bridge: BridgeReply.self
        case .linkdUnbridge: UnbridgeReply.self
        case .partnerFailed: PartnerFailedReply.self
        case .authTest: AuthTestReply.self
        case .pools: PoolsReply.self
        case .splices: SplicesReply.self
        case .bridgedUnbridge: SpliceUnbridgeReply.self
        case .tunnels: TunnelsReply.self
        case .tunnelKill: TunnelKillReply.self
        case .bundles: BundlesReply.self
        case .logLevel: LogLevelReply.self
        case .sessionPrefixes: SessionPrefixesReply.self
        case .ncpdSessionPrefixes: NcpdSessionPrefixesReply.self
        }
    }

    /// The method `target` serves under `name`, if any.
    public static func named(_ name: String, on target: Peer) -> DaemonMethod? {
        allCases.first { $0.name == name && ($0.target == nil || $0.target == target) }
    }

    public var description: String { "\(target.map { "\($0)" } ?? "every daemon") \(name)" }
}

/// A method's arguments: one JSON object, decoded once with a typed refusal.
public protocol MethodArguments: Sendable, Equatable {
    /// `{"key": TYPE, …}` as error replies and documentation show it.
    static var shape: String { get }
    init(json: JSON) throws(MethodError)
    var json: JSON { get }
}

extension MethodArguments {
    static func string(_ json: JSON, _ key: String, _ method: String) throws(MethodError) -> String {
        guard case let .string(s)? = json[key], !s.isEmpty else {
            throw MethodError(.badArguments, "\(method) needs \(shape)")
        }
        return s
    }
}

/// linkd's and ncpd's `sessions`: a page from `from` on (JSONPages), or the
/// whole list when absent. With "parts": K (issue 13, point 4) the reply is
/// up to K pages in a row, each a part of the one reply (MORE … END), so a
/// listing of thousands of sessions costs a round trip per K pages, not per
/// page; K is bounded (`maxParts`) so one call's reply stays well inside
/// what pppinit queues for a pppctl (ControlServer.queueLimit). A daemon of
/// the release before ignores "parts" and answers one page, which reads
/// the same.
public struct PageArguments: MethodArguments {
    public static let shape = #"{} or {"from": N} or {"from": N, "parts": K (1-\#(maxParts))}"#
    /// 16 pages of JSONPages.budget (48 KiB): 768 KiB of items per call.
    public static let maxParts = 16
    public var from: Int?
    /// Pages to send as parts of the reply; nil: one, as a plain reply.
    public var parts: Int?
    public init(from: Int? = nil, parts: Int? = nil) { self.from = from; self.parts = parts }
    public init(json: JSON) throws(MethodError) {
        guard let v = json["from"] else {
            guard json["parts"] == nil else { throw MethodError(.badArguments, "sessions takes \(Self.shape)") }
            from = nil; parts = nil; return
        }
        guard let n = v.int, n >= 0 else { throw MethodError(.badArguments, "sessions takes \(Self.shape)") }
        from = Int(clamping: n)
        if let p = json["parts"] {
            guard let k = p.int, k >= 1, k <= Int64(Self.maxParts) else {
                throw MethodError(.badArguments, "sessions takes \(Self.shape)")
            }
            parts = Int(k)
        }
    }
    public var json: JSON {
        guard let from else { return .object([:]) }
        var o: JSONObject = ["from": .int(Int64(from))]
        if let parts { o["parts"] = .int(Int64(parts)) }
        return .object(o)
    }
}

/// linkd's `session-kill` and `unbridge`: one of its sessions.
public struct SessionArguments: MethodArguments {
    public static let shape = #"{"id": "PORT:N"}"#
    public var id: String
    public init(id: String) { self.id = id }
    public init(json: JSON) throws(MethodError) { id = try Self.string(json, "id", "the method") }
    public var json: JSON { .object(["id": .string(id)]) }
}

/// linkd's `bridge`: splice a held session with another held one.
public struct BridgeArguments: MethodArguments {
    public static let shape = #"{"id": "PORT:N", "with": "PORT:M"}"#
    public var id: String
    public var with: String
    public init(id: String, with: String) { self.id = id; self.with = with }
    public init(json: JSON) throws(MethodError) {
        id = try Self.string(json, "id", "bridge")
        with = try Self.string(json, "with", "bridge")
    }
    public var json: JSON { .object(["id": .string(id), "with": .string(with)]) }
}

/// An upstream linkd's `dial`: a session for the subscriber's session `for`.
public struct DialArguments: MethodArguments {
    public static let shape = #"{"for": "PORT:N", "peer_name": NAME (optional), "proxy": {...} (optional)}"#
    public var subscriber: String
    /// The name the subscriber authenticated with, for the upstream's own
    /// authentication; nil when it has none.
    public var peerName: String?
    /// The subscriber's LCP and authentication and its MRU (DialProxy.swift).
    public var proxy: DialProxy?
    /// RFC 2868 tunnels RADIUS assigned the subscriber, in order (an L2TP
    /// LAC tries them instead of its `lns`).
    public var tunnels: [TunnelChoice] = []
    public init(subscriber: String, peerName: String? = nil, proxy: DialProxy? = nil, tunnels: [TunnelChoice] = []) {
        self.subscriber = subscriber; self.peerName = peerName; self.proxy = proxy; self.tunnels = tunnels
    }
    public init(json: JSON) throws(MethodError) {
        subscriber = try Self.string(json, "for", "dial")
        peerName = json["peer_name"]?.string
        if let p = json["proxy"] {
            guard case let .object(o) = p else { throw MethodError(.badArguments, "dial: 'proxy' must be an object") }
            proxy = try DialProxy(json: o)
        }
        if let t = json["tunnels"] {
            guard case let .array(items) = t, items.count <= TunnelChoice.maximum else {
                throw MethodError(.badArguments, "dial: 'tunnels' must be an array of at most \(TunnelChoice.maximum)")
            }
            for item in items {
                guard case let .object(o) = item else { throw MethodError(.badArguments, "dial: a tunnel must be an object") }
                tunnels.append(try TunnelChoice(json: o))
            }
        }
    }
    public var json: JSON {
        var o: JSONObject = ["for": .string(subscriber)]
        if let peerName, !peerName.isEmpty { o["peer_name"] = .string(peerName) }
        if let proxy { o["proxy"] = .object(proxy.json) }
        if !tunnels.isEmpty { o["tunnels"] = .array(tunnels.map { .object($0.json) }) }
        return .object(o)
    }
}

/// authd's `auth-test`: check a credential against the configured sources.
public struct AuthTestArguments: MethodArguments {
    public static let shape = #"{"user": NAME, "password": TEXT, "method": pap|chap|mschapv2|eap, "server": NAME}"#
    public var user: String
    public var password: String
    /// pap, chap, mschapv2 or eap; authd checks the name.
    public var method: String
    public var server: String
    public init(user: String, password: String, method: String = "pap", server: String = "") {
        self.user = user; self.password = password; self.method = method; self.server = server
    }
    public init(json: JSON) throws(MethodError) {
        user = try Self.string(json, "user", "auth-test")
        guard let p = json["password"]?.string else { throw MethodError(.badArguments, "auth-test needs \(Self.shape)") }
        password = p
        method = json["method"]?.string ?? "pap"
        server = json["server"]?.string ?? ""
    }
    public var json: JSON {
        .object(["user": .string(user), "password": .string(password), "method": .string(method), "server": .string(server)])
    }
}

/// linkd's `partner-failed` (PartnerFailed.swift, a file of its
/// own for its fuzz target).
extension PartnerFailedArguments: MethodArguments {}

/// bridged's `unbridge`: the splice (or waiting channel) of a session.
public struct SpliceArguments: MethodArguments {
    public static let shape = #"{"session": "PORT:N"}"#
    public var session: String
    public init(session: String) { self.session = session }
    public init(json: JSON) throws(MethodError) { session = try Self.string(json, "session", "unbridge") }
    public var json: JSON { .object(["session": .string(session)]) }
}

/// Every daemon's `log-level`: the new threshold of its log.
public struct LogLevelArguments: MethodArguments {
    public static let shape = #"{"level": debug|info|notice|warning|error}"#
    public var level: Log.Level
    public init(level: Log.Level) { self.level = level }
    public init(json: JSON) throws(MethodError) {
        guard let tag = json["level"]?.string, let level = Log.Level(tag: tag) else {
            throw MethodError(.badArguments, "log-level needs \(Self.shape)")
        }
        self.level = level
    }
    public var json: JSON { .object(["level": .string(level.tag)]) }
}

/// authd's `session-prefixes`, called by ncpd through pppinit's daemon-call
/// table: the IPv6 prefixes ncpd gave a session from its own pools (the /64
/// of its RAs, the prefix DHCPv6 delegated, the IA_NA address), for the
/// session's accounting (RFC 3162 §2.3 Framed-IPv6-Prefix, RFC 4818 §3
/// Delegated-IPv6-Prefix, RFC 6911 §3.1 Framed-IPv6-Address). The same
/// object is ncpd's answer to its own `session-prefixes`, which authd asks
/// when it resumes a session's accounting (NcpdSessionPrefixesReply).
/// A prefix travels as 32 hex digits, "/", its length: IPC has no IPv6 text
/// form; the address as a /128. An absent key is no prefix (released).
public struct SessionPrefixesArguments: MethodArguments {
    public static let shape = #"{"session": "PORT:N", "prefix": "HEX32/LEN" (optional), "delegated": "HEX32/LEN" (optional), "address": "HEX32/128" (optional)}"#
    public var session: String
    public var prefix: IPv6PrefixValue?
    public var delegated: IPv6PrefixValue?
    /// The IA_NA address (RFC 8415 §21.6), always a /128.
    public var address: IPv6PrefixValue?
    static let keys: Set<String> = ["session", "prefix", "delegated", "address"]

    public init(session: String, prefix: IPv6PrefixValue?, delegated: IPv6PrefixValue?, address: IPv6PrefixValue? = nil) {
        self.session = session; self.prefix = prefix; self.delegated = delegated; self.address = address
    }

    public init(json: JSON) throws(MethodError) {
        try self.init(json: json, extra: [])
    }

    /// `extra`: keys a reply that wraps these fields adds (its own).
    init(json: JSON, extra: Set<String>) throws(MethodError) {
        guard let o = json.object, o.keys.allSatisfy({ Self.keys.contains($0) || extra.contains($0) }) else {
            throw MethodError(.badArguments, "session-prefixes needs \(Self.shape)")
        }
        session = try Self.string(json, "session", "session-prefixes")
        func parsed(_ key: String) throws(MethodError) -> IPv6PrefixValue? {
            guard let v = o[key] else { return nil }
            guard case let .string(text) = v, let p = Self.parse(text) else {
                throw MethodError(.badArguments, "session-prefixes: '\(key)' is not HEX32/LEN with no bits past LEN")
            }
            return p
        }
        prefix = try parsed("prefix")
        delegated = try parsed("delegated")
        address = try parsed("address")
        if let a = address, a.length != 128 {
            throw MethodError(.badArguments, "session-prefixes: 'address' is not a /128")
        }
    }

    public var json: JSON { .object(object) }

    var object: JSONObject {
        var o: JSONObject = ["session": .string(session)]
        if let prefix { o["prefix"] = .string(Self.text(prefix)) }
        if let delegated { o["delegated"] = .string(Self.text(delegated)) }
        if let address { o["address"] = .string(Self.text(address)) }
        return o
    }

    static func text(_ p: IPv6PrefixValue) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in p.address { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self) + "/\(p.length)"
    }

    /// Exactly 32 lowercase or uppercase hex digits, "/", 0-128 in decimal
    /// without leading zeros; the bits past the length zero.
    static func parse(_ text: String) -> IPv6PrefixValue? {
        let u = Array(text.utf8)
        guard u.count >= 34, u.count <= 36, u[32] == UInt8(ascii: "/") else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var address: [UInt8] = []
        for i in stride(from: 0, to: 32, by: 2) {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            address.append(hi << 4 | lo)
        }
        let decimal = u[33...]
        guard decimal.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), decimal.count == 1 || decimal.first != 0x30,
              let n = Int(String(decoding: decimal, as: UTF8.self)), n <= 128 else { return nil }
        return IPv6PrefixValue(address: address, length: UInt8(n))
    }
}
