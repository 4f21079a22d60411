// Method replies with a fixed shape: one type each, one JSON codec, encoded
// by the daemon that answers and decoded where pppctl or another daemon
// reads the answer. The JSON is what these daemons answered before the
// types existed, key for key and in the same order, so scripts reading
// `pppctl --json` see no change. A reply that does not fit its type is a
// typed refusal (MethodError .failed: the daemon answered something else),
// never a guess.

/// One method's reply: decoded once with a typed refusal.
public protocol MethodReply: Sendable, Equatable {
    init(json: JSON) throws(MethodError)
    var json: JSON { get }
}

extension MethodReply {
    static func refuse(_ json: JSON) -> MethodError {
        MethodError(.failed, "unexpected \(Self.self): \(json.encoded())")
    }
    static func object(_ json: JSON, keys: Set<String>) throws(MethodError) -> JSONObject {
        guard let o = json.object, o.keys.allSatisfy(keys.contains) else { throw refuse(json) }
        return o
    }
    static func string(_ o: JSONObject, _ key: String, _ json: JSON) throws(MethodError) -> String {
        guard case let .string(s)? = o[key], !s.isEmpty else { throw refuse(json) }
        return s
    }
}

/// Every daemon's `ping` (pppinit's watchdog): an empty object.
public struct PingReply: MethodReply {
    public init() {}
    public init(json: JSON) throws(MethodError) {
        guard json.object?.isEmpty == true else { throw Self.refuse(json) }
    }
    public var json: JSON { .object([:]) }
}

/// linkd's `session-kill`: the session it terminated.
public struct SessionKillReply: MethodReply {
    public var killed: String
    public init(killed: String) { self.killed = killed }
    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["killed"])
        killed = try Self.string(o, "killed", json)
    }
    public var json: JSON { .object(["killed": .string(killed)]) }
}

/// `pppctl session kill` by selectors: how many sessions matched, and
/// those linkd terminated (one `session-kill` each).
public struct SessionKillSummary: MethodReply {
    public var matched: Int
    public var killed: [String]
    public init(matched: Int, killed: [String]) { self.matched = matched; self.killed = killed }
    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["matched", "killed"])
        guard let m = o["matched"]?.int, m >= 0, let list = o["killed"]?.array, list.count <= m else { throw Self.refuse(json) }
        var ids: [String] = []
        for v in list {
            guard let s = v.string, !s.isEmpty else { throw Self.refuse(json) }
            ids.append(s)
        }
        matched = Int(clamping: m); killed = ids
    }
    public var json: JSON { .object(["matched": .int(Int64(matched)), "killed": .array(killed.map { .string($0) })]) }
}

/// An upstream linkd's `dial`: the session it started for the subscriber.
public struct DialReply: MethodReply {
    public var session: String
    public init(session: String) { self.session = session }
    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["session"])
        session = try Self.string(o, "session", json)
    }
    public var json: JSON { .object(["session": .string(session)]) }
}

/// linkd's `bridge`: the pair; `transfers` is 1 when both sessions were
/// this linkd's and went to bridged in one transfer, absent otherwise.
public struct BridgeReply: MethodReply {
    public var id: String
    public var with: String
    public var transfers: Int?
    public init(id: String, with: String, transfers: Int? = nil) { self.id = id; self.with = with; self.transfers = transfers }
    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["id", "with", "transfers"])
        id = try Self.string(o, "id", json)
        with = try Self.string(o, "with", json)
        if let t = o["transfers"] {
            guard let n = t.int, n >= 1, n <= 2 else { throw Self.refuse(json) }
            transfers = Int(n)
        }
    }
    public var json: JSON {
        var o: JSONObject = ["id": .string(id), "with": .string(with)]
        if let transfers { o["transfers"] = .int(Int64(transfers)) }
        return .object(o)
    }
}

/// linkd's `unbridge`: the session ended and its partner, null when it had
/// none yet (still dialling).
public struct UnbridgeReply: MethodReply {
    public var id: String
    public var partner: String?
    public init(id: String, partner: String?) { self.id = id; self.partner = partner }
    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["id", "partner"])
        id = try Self.string(o, "id", json)
        switch o["partner"] {
        case .null?: partner = nil
        case let .string(p)? where !p.isEmpty: partner = p
        default: throw Self.refuse(json)
        }
    }
    public var json: JSON { .object(["id": .string(id), "partner": partner.map { .string($0) } ?? .null]) }
}

/// A subscriber linkd's `partner-failed`: whether it ended the session,
/// and why not when it did not (stale, another partner, repeated).
public struct PartnerFailedReply: MethodReply {
    public var session: String
    public var partner: String
    /// nil: the session was closed; otherwise why the report changed nothing.
    public var ignored: String?
    public var closed: Bool { ignored == nil }
    public init(session: String, partner: String, ignored: String? = nil) {
        self.session = session; self.partner = partner; self.ignored = ignored
    }
    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["session", "partner", "closed", "ignored"])
        session = try Self.string(o, "session", json)
        partner = try Self.string(o, "partner", json)
        switch (o["closed"], o["ignored"]) {
        case (.bool(true)?, nil): ignored = nil
        case let (.bool(false)?, .string(why)?) where !why.isEmpty: ignored = why
        default: throw Self.refuse(json)
        }
    }
    public var json: JSON {
        var o: JSONObject = ["session": .string(session), "partner": .string(partner), "closed": .bool(closed)]
        if let ignored { o["ignored"] = .string(ignored) }
        return .object(o)
    }
}

/// Every daemon's `status`: who it is, how long it has run, its init link's
/// counters, then its own fields (DaemonStatus.swift), read back through
/// the type of the daemon that "name" names. Fields that type does not know
/// (a newer daemon's) are kept in `more` and written after the others.
public struct StatusReply: MethodReply {
    /// The init link's counters (LinkStats).
    public struct IPCCounters: Equatable, Sendable {
        public var sent: Int, received: Int, rejected: Int
        public init(sent: Int, received: Int, rejected: Int) {
            self.sent = sent; self.received = received; self.rejected = rejected
        }
    }

    /// The fields every daemon writes first, in this order.
    static let common = ["name", "instance", "pid", "uid", "uptime", "ipc"]

    /// The port for linkd; empty for the other daemons.
    public var instance: String
    public var pid: Int32
    public var uid: UInt32
    /// Seconds since the daemon started, to a tenth.
    public var uptime: Double
    public var ipc: IPCCounters
    /// The daemon's own fields; which daemon it is, too.
    public var own: DaemonStatus
    /// Fields neither common nor known to `own`'s type.
    public var more: JSONObject
    public var name: String { own.peer.description }

    public init(instance: String, pid: Int32, uid: UInt32, uptime: Double, ipc: IPCCounters, own: DaemonStatus,
                more: JSONObject = JSONObject()) {
        self.instance = instance; self.pid = pid; self.uid = uid
        self.uptime = (uptime * 10).rounded() / 10
        self.ipc = ipc
        self.own = own
        let known = Set(Self.common + own.fields.keys)
        self.more = JSONObject(more.members.filter { !known.contains($0.key) }.map { ($0.key, $0.value) })
    }

    public init(json: JSON) throws(MethodError) {
        guard let o = json.object, let ipc = o["ipc"]?.object, ipc.count == 3,
              case let .int(sent)? = ipc["sent"], case let .int(received)? = ipc["received"],
              case let .int(rejected)? = ipc["rejected"], sent >= 0, received >= 0, rejected >= 0,
              case let .int(p)? = o["pid"], let pid = Int32(exactly: p), pid > 0,
              case let .int(u)? = o["uid"], let uid = UInt32(exactly: u),
              let uptime = o["uptime"]?.double, uptime >= 0, uptime.isFinite,
              case let .string(instance)? = o["instance"], case let .string(name)? = o["name"],
              let peer = Peer.daemons.first(where: { $0.description == name }),
              let own = DaemonStatus(peer, fields: o)
        else { throw Self.refuse(json) }
        let known = Set(Self.common + own.fields.keys)
        more = JSONObject(o.members.filter { !known.contains($0.key) }.map { ($0.key, $0.value) })
        self.instance = instance; self.pid = pid; self.uid = uid; self.uptime = uptime
        self.ipc = IPCCounters(sent: Int(clamping: sent), received: Int(clamping: received), rejected: Int(clamping: rejected))
        self.own = own
    }

    public var json: JSON {
        var o: JSONObject = [
            "name": .string(name), "instance": .string(instance), "pid": .int(Int64(pid)), "uid": .int(Int64(uid)),
            "uptime": .double(uptime),
            "ipc": .object(["sent": .int(Int64(ipc.sent)), "received": .int(Int64(ipc.received)),
                            "rejected": .int(Int64(ipc.rejected))]),
        ]
        for (k, v) in own.fields.members where o[k] == nil { o[k] = v }
        for (k, v) in more.members where o[k] == nil { o[k] = v }
        return .object(o)
    }
}

/// authd's `auth-test`: the user and method checked, and either the source
/// that accepted (with what it grants) or why it refused.
public struct AuthTestReply: MethodReply {
    /// What an accepting source granted; nil where it granted nothing (authd
    /// leaves those keys out).
    public struct Grant: Equatable, Sendable {
        public var framedAddress: UInt32?
        public var framedNetmask: UInt32?
        public var sessionTimeout: UInt32?
        public var idleTimeout: UInt32?
        /// RADIUS Class (RFC 2865 §5.25), printable.
        public var radiusClass: String?
        public init(framedAddress: UInt32? = nil, framedNetmask: UInt32? = nil, sessionTimeout: UInt32? = nil,
                    idleTimeout: UInt32? = nil, radiusClass: String? = nil) {
            self.framedAddress = framedAddress; self.framedNetmask = framedNetmask
            self.sessionTimeout = sessionTimeout; self.idleTimeout = idleTimeout; self.radiusClass = radiusClass
        }
    }

    public enum Outcome: Equatable, Sendable {
        /// `source`: what accepted ("local", "radius …").
        case accepted(source: String, Grant)
        case refused(reason: String)
    }

    public var user: String
    /// pap, chap, mschapv2 or eap, as authd names it.
    public var method: String
    public var outcome: Outcome
    public var accepted: Bool { if case .accepted = outcome { true } else { false } }

    public init(user: String, method: String, outcome: Outcome) {
        self.user = user; self.method = method; self.outcome = outcome
    }

    public init(json: JSON) throws(MethodError) {
        let grantKeys = ["framed_address", "framed_netmask", "session_timeout", "idle_timeout", "class"]
        let o = try Self.object(json, keys: Set(["user", "method", "accepted", "source", "reason"] + grantKeys))
        user = try Self.string(o, "user", json)
        method = try Self.string(o, "method", json)
        switch o["accepted"] {
        case .bool(true)?:
            guard o["reason"] == nil else { throw Self.refuse(json) }
            func address(_ k: String) throws(MethodError) -> UInt32? {
                guard let v = o[k] else { return nil }
                guard let a = v.string.flatMap(IPv4.parse), a != 0 else { throw Self.refuse(json) }
                return a
            }
            func seconds(_ k: String) throws(MethodError) -> UInt32? {
                guard let v = o[k] else { return nil }
                guard let n = v.int, let s = UInt32(exactly: n), s != 0 else { throw Self.refuse(json) }
                return s
            }
            var g = Grant()
            g.framedAddress = try address("framed_address")
            g.framedNetmask = try address("framed_netmask")
            g.sessionTimeout = try seconds("session_timeout")
            g.idleTimeout = try seconds("idle_timeout")
            if o["class"] != nil { g.radiusClass = try Self.string(o, "class", json) }
            // authd writes its verdict's text as it is, which may be empty.
            guard let source = o["source"]?.string else { throw Self.refuse(json) }
            outcome = .accepted(source: source, g)
        case .bool(false)?:
            guard o.keys.allSatisfy({ !grantKeys.contains($0) && $0 != "source" }) else { throw Self.refuse(json) }
            guard let reason = o["reason"]?.string else { throw Self.refuse(json) }
            outcome = .refused(reason: reason)
        default:
            throw Self.refuse(json)
        }
    }

    public var json: JSON {
        var o: JSONObject = ["user": .string(user), "method": .string(method), "accepted": .bool(accepted)]
        switch outcome {
        case let .accepted(source, g):
            o["source"] = .string(source)
            if let a = g.framedAddress { o["framed_address"] = .string(IPv4.format(a)) }
            if let m = g.framedNetmask { o["framed_netmask"] = .string(IPv4.format(m)) }
            if let t = g.sessionTimeout { o["session_timeout"] = .int(Int64(t)) }
            if let t = g.idleTimeout { o["idle_timeout"] = .int(Int64(t)) }
            if let c = g.radiusClass { o["class"] = .string(c) }
        case let .refused(reason):
            o["reason"] = .string(reason)
        }
        return .object(o)
    }
}

/// Every daemon's `log-level` answer: the threshold now in force.
public struct LogLevelReply: MethodReply {
    public var level: Log.Level
    public init(level: Log.Level) { self.level = level }
    public init(json: JSON) throws(MethodError) {
        guard let tag = json["level"]?.string, let level = Log.Level(tag: tag) else { throw Self.refuse(json) }
        self.level = level
    }
    public var json: JSON { .object(["level": .string(level.tag)]) }
}

/// authd's `session-prefixes`: whether authd holds that session (and will
/// put the prefixes in its accounting).
public struct SessionPrefixesReply: MethodReply {
    public var session: String
    public var known: Bool
    public init(session: String, known: Bool) { self.session = session; self.known = known }
    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["session", "known"])
        session = try Self.string(o, "session", json)
        guard case let .bool(k)? = o["known"] else { throw Self.refuse(json) }
        known = k
    }
    public var json: JSON { .object(["session": .string(session), "known": .bool(known)]) }
}

/// ncpd's `session-prefixes`: what ncpd would report to authd for that
/// session now (the pool /64, the pooled delegated prefix, the IA_NA
/// address; SessionPrefixesArguments' keys), and whether ncpd holds it.
/// authd asks when it resumes a session's accounting after its own restart
/// or linkd's, since what ncpd reported before went with the old slot.
public struct NcpdSessionPrefixesReply: MethodReply {
    public var known: Bool
    public var prefixes: SessionPrefixesArguments
    public init(known: Bool, prefixes: SessionPrefixesArguments) { self.known = known; self.prefixes = prefixes }
    public init(json: JSON) throws(MethodError) {
        guard case let .bool(k)? = json["known"] else { throw Self.refuse(json) }
        do { prefixes = try SessionPrefixesArguments(json: json, extra: ["known"]) } catch { throw Self.refuse(json) }
        known = k
    }
    public var json: JSON {
        var o = prefixes.object
        o["known"] = .bool(known)
        return .object(o)
    }
}
