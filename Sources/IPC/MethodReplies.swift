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
