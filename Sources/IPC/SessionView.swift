// One session as pppctl shows it (issue 19): three daemons each know part of
// it, and an operator asking about a session should not have to know which.
// linkd has the link (phase, LCP, what was negotiated, wire counters, the
// channel); ncpd the network side (interface, IPCP/IPv6CP, addresses, IP
// counters, pool); authd the authentication and whether accounting runs.
// linkd's object is the base, so every field `sessions --json` always had
// keeps its place; ncpd's fields replace linkd's placeholders; authd's view
// goes under "authd" (its "state" and "reason" are not linkd's).

public struct SessionView: Equatable, Sendable {
    /// ncpd's fields merged into linkd's session objects.
    public static let networkFields = ["interface", "ipcp", "ipv6cp", "ip_counters", "pool", "unit", "ipv6", "offload"]
    /// Those every object carries, null until ncpd has them (README).
    static let alwaysPresent: Set<String> = ["interface", "ipcp", "ipv6cp"]

    /// linkd's object; nil for a channel ncpd holds without a linkd session
    /// (a handoff from elsewhere).
    public var link: JSONObject?
    /// ncpd's object for the same id, if it has one.
    public var network: JSONObject?
    /// authd's object for the same id: nil when authd was not asked
    /// (`sessions`), `.null` in the JSON when it was and has none (no
    /// authentication on the session, or it has ended).
    public var authd: JSONObject??

    public init(link: JSONObject?, network: JSONObject? = nil, authd: JSONObject?? = nil) {
        self.link = link; self.network = network; self.authd = authd
    }

    public var id: String? { link?["id"]?.string ?? network?["id"]?.string }

    public var json: JSONObject {
        guard var o = link else { return network ?? [:] }
        for key in Self.networkFields {
            if let v = network?[key] {
                o[key] = v
            } else if o[key] == nil && Self.alwaysPresent.contains(key) {
                o[key] = .null
            }
        }
        if let authd { o["authd"] = authd.map { .object($0) } ?? .null }
        return o
    }

    /// linkd's sessions with ncpd's merged in by id, then ncpd's sessions
    /// no linkd listed.
    public static func merge(link: [JSON], network: [JSON]) -> [JSON] {
        var byID: [String: JSONObject] = [:]
        for n in network { if let o = n.object, let id = o["id"]?.string { byID[id] = o } }
        var out: [JSON] = link.map { s in
            guard let o = s.object else { return s }
            let n = o["id"]?.string.flatMap { byID.removeValue(forKey: $0) }
            return .object(SessionView(link: o, network: n).json)
        }
        out += network.filter { byID[$0["id"]?.string ?? ""] != nil }
        return out
    }
}
