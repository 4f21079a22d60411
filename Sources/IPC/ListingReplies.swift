// Method replies that list things: the `sessions` envelope of linkd, ncpd
// and authd, ncpd's `pools`, bridged's `splices` and its `unbridge`. As in
// MethodReplies.swift, each is one type with one JSON codec, and its JSON is
// what the daemons answered before the type existed, key for key and in
// order. A session's own fields stay JSON (`SessionListing.sessions`): they
// differ by transport and phase and are read by people and scripts, not by
// another daemon, so a type per field would only repeat linkd's and ncpd's
// SessionStatus (docs/design.md, issue 12).

/// linkd's, ncpd's and authd's `sessions`: every session as an object,
/// either the whole list (a call without "from": a JSON array) or one page
/// (JSONPages: {"items": [...], "next": N or null}).
public struct SessionListing: MethodReply {
    public enum Paging: Equatable, Sendable {
        /// The whole list, as a bare array.
        case whole
        /// A page; where the next one starts, nil on the last.
        case page(next: Int?)
    }

    public var sessions: [JSONObject]
    public var paging: Paging

    public init(sessions: [JSONObject], paging: Paging = .whole) {
        self.sessions = sessions; self.paging = paging
    }

    /// The sessions `from`..< that fit a page (JSONPages.budget), at least one.
    public static func page(count: Int, from: Int, budget: Int = JSONPages.budget,
                            _ item: (Int) -> JSONObject) -> SessionListing {
        let (items, next) = JSONPages.slice(count: count, from: from, budget: budget) { .object(item($0)) }
        return SessionListing(sessions: items.compactMap(\.object), paging: .page(next: next))
    }

    /// Up to `parts` pages in a row from `from` (PageArguments.parts): the
    /// last one's `next` is where the caller asks again (nil: the end).
    public static func pages(count: Int, from: Int, parts: Int, budget: Int = JSONPages.budget,
                             _ item: (Int) -> JSONObject) -> [SessionListing] {
        var out: [SessionListing] = []
        var start = from
        // Bounded: at most `parts` pages, each at least one item on.
        for _ in 0..<max(1, parts) {
            let page = page(count: count, from: start, budget: budget, item)
            out.append(page)
            guard case let .page(next?) = page.paging else { break }
            start = next
        }
        return out
    }

    /// `pages(...)`, each page's JSON text: the same octets as
    /// `pages(...).map { $0.json.encoded() }`, each item encoded once
    /// (JSONPages.encodedPages; issue 13, point 4).
    public static func encodedPages(count: Int, from: Int, parts: Int, budget: Int = JSONPages.budget,
                                    _ item: (Int) -> JSONObject) -> [String] {
        JSONPages.encodedPages(count: count, from: from, parts: parts, budget: budget) { .object(item($0)) }
    }

    public init(json: JSON) throws(MethodError) {
        let list: [JSON]
        if let whole = json.array {
            list = whole
            paging = .whole
        } else {
            let o = try Self.object(json, keys: ["items", "next"])
            guard let items = o["items"]?.array else { throw Self.refuse(json) }
            switch o["next"] {
            case .null?: paging = .page(next: nil)
            // A page that says more follow carries at least one item (so
            // a reader moves on), and a later page starts after it.
            case let .int(n)? where n >= 1 && !items.isEmpty: paging = .page(next: Int(clamping: n))
            default: throw Self.refuse(json)
            }
            list = items
        }
        var sessions: [JSONObject] = []
        sessions.reserveCapacity(list.count)
        for item in list {
            guard let o = item.object else { throw Self.refuse(json) }
            sessions.append(o)
        }
        self.sessions = sessions
    }

    public var json: JSON {
        let items = JSON.array(sessions.map { .object($0) })
        switch paging {
        case .whole: return items
        case let .page(next): return .object(["items": items, "next": next.map { .int(Int64($0)) } ?? .null])
        }
    }
}

/// linkd's `tunnels` (an l2tp port; others answer an empty list): each
/// tunnel as an object, its calls inside, tagged with the port it is on.
/// Like a session's, a tunnel's fields stay JSON (RFC 2661 §5.8 counters
/// read by people and scripts).
public struct TunnelsReply: MethodReply {
    public var tunnels: [JSONObject]
    public init(tunnels: [JSONObject]) { self.tunnels = tunnels }

    public init(json: JSON) throws(MethodError) {
        guard let list = json.array else { throw Self.refuse(json) }
        var tunnels: [JSONObject] = []
        for v in list {
            // A tunnel names its port and its id (RFC 2661 §3.1, 16 bits).
            guard let o = v.object, case let .string(port)? = o["port"], !port.isEmpty,
                  case let .int(id)? = o["id"], UInt16(exactly: id) != nil else { throw Self.refuse(json) }
            tunnels.append(o)
        }
        self.tunnels = tunnels
    }

    public var json: JSON { .array(tunnels.map { .object($0) }) }
}

/// linkd's `tunnel-kill`: the tunnel it stopped (StopCCN) and its port.
public struct TunnelKillReply: MethodReply {
    public var killed: UInt16
    public var port: String
    public init(killed: UInt16, port: String) { self.killed = killed; self.port = port }
    public init(json: JSON) throws(MethodError) {
        let o = try Self.object(json, keys: ["killed", "port"])
        guard case let .int(n)? = o["killed"], let id = UInt16(exactly: n) else { throw Self.refuse(json) }
        killed = id
        port = try Self.string(o, "port", json)
    }
    public var json: JSON { .object(["killed": .int(Int64(killed)), "port": .string(port)]) }
}

/// ncpd's `bundles`: each RFC 1990 bundle as an object (its name, session
/// and member links; counters stay JSON, read by people and scripts).
public struct BundlesReply: MethodReply {
    public var bundles: [JSONObject]
    public init(bundles: [JSONObject]) { self.bundles = bundles }

    public init(json: JSON) throws(MethodError) {
        guard let list = json.array else { throw Self.refuse(json) }
        var bundles: [JSONObject] = []
        for v in list {
            guard let o = v.object, case let .string(name)? = o["name"], !name.isEmpty,
                  case let .string(session)? = o["session"], !session.isEmpty,
                  let links = o["links"]?.array, links.allSatisfy({ $0.object != nil }) else { throw Self.refuse(json) }
            bundles.append(o)
        }
        self.bundles = bundles
    }

    public var json: JSON { .array(bundles.map { .object($0) }) }
}

/// ncpd's `pools`: each IPv4 pool (`[pool.NAME]`) by name, with its leases.
public struct PoolsReply: MethodReply {
    public struct Pool: Equatable, Sendable {
        public var name: String
        public var first: UInt32
        public var last: UInt32
        public var size: Int
        /// Leased address → the session that holds it.
        public var leases: [(address: UInt32, session: String)]

        public init(name: String, first: UInt32, last: UInt32, size: Int, leases: [(address: UInt32, session: String)]) {
            self.name = name; self.first = first; self.last = last; self.size = size; self.leases = leases
        }

        public static func == (a: Pool, b: Pool) -> Bool {
            a.name == b.name && a.first == b.first && a.last == b.last && a.size == b.size
                && a.leases.count == b.leases.count
                && zip(a.leases, b.leases).allSatisfy { $0.address == $1.address && $0.session == $1.session }
        }

        var json: JSON {
            .object([
                "name": .string(name), "first": .string(IPv4.format(first)), "last": .string(IPv4.format(last)),
                "size": .int(Int64(size)), "leased": .int(Int64(leases.count)),
                "leases": .object(JSONObject(leases.map { (IPv4.format($0.address), JSON.string($0.session)) })),
            ])
        }

        init(json: JSON, reply: JSON) throws(MethodError) {
            let o = try PoolsReply.object(json, keys: ["name", "first", "last", "size", "leased", "leases"])
            name = try PoolsReply.string(o, "name", reply)
            guard let f = o["first"]?.string.flatMap(IPv4.parse), let l = o["last"]?.string.flatMap(IPv4.parse), f <= l,
                  let n = o["size"]?.int, n >= 0, n <= Int64(l - f) + 1,
                  let leased = o["leased"]?.int, let list = o["leases"]?.object, leased == list.count, leased <= n
            else { throw PoolsReply.refuse(reply) }
            var leases: [(address: UInt32, session: String)] = []
            for (key, value) in list {
                // Only an address of the pool can be leased from it.
                guard let a = IPv4.parse(key), a >= f, a <= l, let s = value.string, !s.isEmpty else {
                    throw PoolsReply.refuse(reply)
                }
                leases.append((a, s))
            }
            first = f; last = l; size = Int(n); self.leases = leases
        }
    }

    public var pools: [Pool]
    /// The IPv6 prefix pools (`[pool6.NAME]`), after the IPv4 ones: each an
    /// object with its name and "prefix" (its leases stay JSON).
    public var ipv6: [JSONObject]
    public init(pools: [Pool], ipv6: [JSONObject] = []) { self.pools = pools; self.ipv6 = ipv6 }

    public init(json: JSON) throws(MethodError) {
        guard let list = json.array else { throw Self.refuse(json) }
        var pools: [Pool] = []
        var ipv6: [JSONObject] = []
        for p in list {
            if let o = p.object, o["prefix"] != nil {
                guard case let .string(name)? = o["name"], !name.isEmpty, case let .string(prefix)? = o["prefix"],
                      !prefix.isEmpty else { throw Self.refuse(json) }
                ipv6.append(o)
            } else {
                // IPv4 pools come first.
                guard ipv6.isEmpty else { throw Self.refuse(json) }
                pools.append(try Pool(json: p, reply: json))
            }
        }
        self.pools = pools
        self.ipv6 = ipv6
    }

    public var json: JSON { .array(pools.map(\.json) + ipv6.map { .object($0) }) }
}

/// One direction of a splice: what bridged read on one leg and wrote to
/// the other.
public struct SpliceCounters: Equatable, Sendable {
    public var frames: Int
    public var octets: Int
    /// Frames longer than the other leg's MRU allows, dropped.
    public var oversize: Int
    /// Times the far side was full and reading paused.
    public var stalls: Int

    public init(frames: Int = 0, octets: Int = 0, oversize: Int = 0, stalls: Int = 0) {
        self.frames = frames; self.octets = octets; self.oversize = oversize; self.stalls = stalls
    }

    public var json: JSON {
        .object(["frames": .int(Int64(frames)), "octets": .int(Int64(octets)),
                 "oversize": .int(Int64(oversize)), "stalls": .int(Int64(stalls))])
    }

    init?(json: JSON) {
        guard let o = json.object, o.keys.allSatisfy(["frames", "octets", "oversize", "stalls"].contains),
              let f = o["frames"]?.int, let b = o["octets"]?.int, let x = o["oversize"]?.int, let s = o["stalls"]?.int,
              f >= 0, b >= 0, x >= 0, s >= 0
        else { return nil }
        frames = Int(clamping: f); octets = Int(clamping: b); oversize = Int(clamping: x); stalls = Int(clamping: s)
    }
}

/// One entry of bridged's `splices`: a live splice of sessions a and b
/// with its counters, or a channel (a) still waiting for its partner (b).
public struct SpliceStatus: Equatable, Sendable {
    public var a: String
    public var b: String
    /// a → b and b → a; nil while a waits for b.
    public var counters: (aToB: SpliceCounters, bToA: SpliceCounters)?
    public var waiting: Bool { counters == nil }

    public init(a: String, b: String, aToB: SpliceCounters, bToA: SpliceCounters) {
        self.a = a; self.b = b; counters = (aToB, bToA)
    }

    public init(waiting a: String, for b: String) { self.a = a; self.b = b; counters = nil }

    public static func == (x: SpliceStatus, y: SpliceStatus) -> Bool {
        x.a == y.a && x.b == y.b && x.counters?.aToB == y.counters?.aToB && x.counters?.bToA == y.counters?.bToA
    }

    public var json: JSON {
        guard let counters else { return .object(["a": .string(a), "b": .string(b), "waiting": .bool(true)]) }
        return .object(["a": .string(a), "b": .string(b), "a_to_b": counters.aToB.json, "b_to_a": counters.bToA.json])
    }

    /// nil when `json` is no splice entry.
    init?(json: JSON) {
        guard let o = json.object, let a = o["a"]?.string, !a.isEmpty, let b = o["b"]?.string, !b.isEmpty else { return nil }
        self.a = a; self.b = b
        if o.count == 3, o["waiting"] == .bool(true) {
            counters = nil
        } else if o.count == 4, let ab = o["a_to_b"].flatMap(SpliceCounters.init(json:)),
                  let ba = o["b_to_a"].flatMap(SpliceCounters.init(json:)) {
            counters = (ab, ba)
        } else {
            return nil
        }
    }
}

/// bridged's `splices`: live splices by session a, then waiting channels.
public struct SplicesReply: MethodReply {
    public var splices: [SpliceStatus]
    public init(splices: [SpliceStatus]) { self.splices = splices }

    public init(json: JSON) throws(MethodError) {
        guard let list = json.array else { throw Self.refuse(json) }
        var splices: [SpliceStatus] = []
        for v in list {
            guard let s = SpliceStatus(json: v) else { throw Self.refuse(json) }
            splices.append(s)
        }
        self.splices = splices
    }

    public var json: JSON { .array(splices.map(\.json)) }
}

/// bridged's `unbridge`: the splice it ended, with its last counters, or
/// the waiting channel it closed.
public enum SpliceUnbridgeReply: MethodReply {
    case ended(SpliceStatus)
    case waitingClosed(session: String)

    /// The text bridged has always put in "ended" for a waiting channel.
    static let waitingClosedText = "waiting channel closed"

    public init(json: JSON) throws(MethodError) {
        if let o = json.object, o.count == 2, case let .string(s)? = o["session"], !s.isEmpty,
           o["ended"] == .string(Self.waitingClosedText) {
            self = .waitingClosed(session: s)
        } else if let s = SpliceStatus(json: json), !s.waiting {
            self = .ended(s)
        } else {
            throw Self.refuse(json)
        }
    }

    public var json: JSON {
        switch self {
        case let .ended(s): s.json
        case let .waitingClosed(session): .object(["session": .string(session), "ended": .string(Self.waitingClosedText)])
        }
    }
}
