// The columns `pppctl sessions` can print (issue 19). The default set is
// what an operator scans for (who, where, which address, since when, how
// much) and fits 120 columns for ordinary names; the rest are there for
// --columns. Every column reads the merged session object (SessionView), so
// a table shows what --json has, never something computed elsewhere.
import IPC

enum SessionColumn: String, CaseIterable {
    case id, port, type, user, state, address, uptime, octets
    case mac, vlan, peer, lcp, auth, iface, ipcp, local, dns, ipv6cp, ipv6, frames, packets, rate, bridge, reason

    static let defaults: [SessionColumn] = [.id, .port, .type, .user, .state, .address, .uptime, .octets]

    var header: String {
        switch self {
        case .octets: "OCTETS IN/OUT"
        case .frames: "FRAMES IN/OUT"
        case .packets: "IP PKTS IN/OUT"
        case .rate: "AVG BIT/S IN/OUT"
        case .ipv6: "IPV6 PREFIXES"
        default: rawValue.uppercased()
        }
    }

    /// What it shows, for --help.
    var summary: String {
        switch self {
        case .id: "PORT:N"
        case .port: "the port"
        case .type: "its transport (udp, tty, pppoe, l2tp, …)"
        case .user: "the name authd verified"
        case .state: "the phase (establish, authenticate, network, terminate, dead)"
        case .address: "the peer's IPv4 address, else its IPv6 prefix"
        case .uptime: "time in the Network phase"
        case .octets: "octets in and out, as accounting reports them"
        case .mac: "the PPPoE peer's MAC"
        case .vlan: "the PPPoE session's VLAN tag(s)"
        case .peer: "the calling station: MAC, UDP/TCP peer, …"
        case .lcp: "the LCP state (RFC 1661)"
        case .auth: "the authentication method"
        case .iface: "the network interface"
        case .ipcp: "the IPCP state"
        case .local: "our IPv4 address"
        case .dns: "the DNS servers given"
        case .ipv6cp: "the IPv6CP state"
        case .ipv6: "the RA prefix and delegated prefixes"
        case .frames: "PPP frames in and out"
        case .packets: "IP packets in and out"
        case .rate: "average bit/s in and out over the uptime"
        case .bridge: "the bridge partner and state"
        case .reason: "why it ended"
        }
    }

    func cell(_ s: JSON) -> String {
        let c = s["counters"], n = s["ip_counters"]
        switch self {
        case .id, .port, .type, .lcp, .auth, .reason, .vlan: return s[rawValue]?.cell ?? "-"
        case .user: return s["peer_name"]?.cell ?? "-"
        case .state: return s["phase"]?.cell ?? "-"
        case .address:
            if let a = s["ipcp"]?["remote"]?.string { return a }
            return s["ipv6"]?["prefix"]?.string ?? "-"
        case .uptime: return formatUptime(s["up"])
        case .octets: return "\(humanCount(c?["input_octets"]))/\(humanCount(c?["output_octets"]))"
        case .mac: return s["pppoe"]?["peer_mac"]?.cell ?? "-"
        case .peer: return s["calling_station"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "-"
        case .iface: return s["interface"]?.cell ?? "-"
        case .ipcp: return s["ipcp"]?["state"]?.cell ?? "-"
        case .local: return s["ipcp"]?["local"]?.cell ?? "-"
        case .dns:
            let dns = (s["ipcp"]?["dns"]?.array ?? []).compactMap(\.string).joined(separator: ",")
            return dns.isEmpty ? "-" : dns
        case .ipv6cp: return s["ipv6cp"]?["state"]?.cell ?? "-"
        case .ipv6: return ipv6PrefixesCell(s["ipv6"])
        case .frames: return "\(humanCount(c?["frames_in"]))/\(humanCount(c?["frames_out"]))"
        case .packets: return "\(humanCount(n?["packets_in"]))/\(humanCount(n?["packets_out"]))"
        case .rate:
            guard let up = s["up"]?.double, up >= 1 else { return "-" }
            func rate(_ j: JSON?) -> JSON? { j?.double.map { .double(($0 * 8 / up).rounded()) } }
            return "\(humanCount(rate(c?["input_octets"])))/\(humanCount(rate(c?["output_octets"])))"
        case .bridge: return bridgeCell(s["bridge"])
        }
    }

    /// Sorts by number where the column is one (uptime, octets, …) and
    /// ids by port then session number, so ua:10 comes after ua:9.
    /// `list` in this column's order. Each session's key is read once, not
    /// once per comparison: 10,000 sessions make some 280,000 key reads in
    /// a sort, and reading an id's port and number allocates (issue 13,
    /// point 4: pppctl's own share of listing 10,000).
    static func sorted(_ list: [JSON], by column: SessionColumn) -> [JSON] {
        func by<K: Comparable>(_ key: (JSON) -> K) -> [JSON] {
            let keys = list.map(key)
            return list.indices.sorted { keys[$0] < keys[$1] }.map { list[$0] }
        }
        switch column {
        case .uptime: return by { $0["up"]?.double ?? -1 }
        case .octets, .rate:
            return by { ($0["counters"]?["input_octets"]?.double ?? 0) + ($0["counters"]?["output_octets"]?.double ?? 0) }
        case .id:
            struct IDKey: Comparable {
                let port: String, number: Int
                static func < (a: IDKey, b: IDKey) -> Bool { (a.port, a.number) < (b.port, b.number) }
            }
            return by { s in
                let id = s["id"]?.string ?? ""
                guard let colon = id.lastIndex(of: ":") else { return IDKey(port: id, number: 0) }
                return IDKey(port: String(id[..<colon]), number: Int(id[id.index(after: colon)...]) ?? 0)
            }
        default: return by { column.cell($0) }
        }
    }

    /// "all", or names separated by commas.
    static func parse(_ text: String) -> [SessionColumn]? {
        if text == "all" { return allCases }
        var out: [SessionColumn] = []
        for name in text.split(separator: ",") {
            guard let c = SessionColumn(rawValue: String(name.filter { $0 != " " }).lowercased()) else { return nil }
            out.append(c)
        }
        return out.isEmpty ? nil : out
    }
}

/// 1234567 → "1.2M": counters in a narrow column.
func humanCount(_ j: JSON?) -> String {
    guard let v = j?.double else { return "-" }
    let units = ["", "k", "M", "G", "T", "P"]
    var x = v, i = 0
    while x >= 1000, i < units.count - 1 { x /= 1000; i += 1 }
    if i == 0 { return String(Int64(v)) }
    let tenths = Int64((x * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)\(units[i])"
}
