// The router-wide half of issue 18's server role: the IPv6 prefix pools
// ([pool6.NAME], PrefixPool values shared by every session, like the IPv4
// AddressPools) and each port's RA/DHCPv6 settings ([ipv6.PORT]). Sessions
// take their /64 and delegated prefixes here and give them back at the end
// (NetworkSession+IPv6.swift); after a restart their deposits re-reserve them.
import IPC
import IPv6Services

final class IPv6Router {
    private var pools: [String: PrefixPool] = [:]
    private let order: [String]
    private let ports: [String: IPv6PortSettings]
    /// RFC 8415 §11.3 DUID-EN: the same after every restart, so a client's
    /// Renew (which names the server, §16.6) is still ours after kill -9.
    /// 32473 is RFC 5612's example enterprise number: no IANA number is ours.
    let serverID = DUID.enterprise(number: 32473, identifier: Array("ppprouter".utf8))

    init(_ settings: NcpdSettings) {
        var pools: [String: PrefixPool] = [:]
        for p in settings.pools6 {
            guard let prefix = try? IPv6Prefix(IPv6Address(bytes: p.aggregate), length: Int(p.aggregateLength)),
                  let pool = PrefixPool(name: p.name, aggregate: prefix, prefixLength: p.length) else { continue }
            pools[p.name] = pool
        }
        self.pools = pools
        order = settings.pools6.map(\.name).filter { pools[$0] != nil }
        var ports: [String: IPv6PortSettings] = [:]
        for p in settings.ipv6Ports { ports[p.port] = p }
        self.ports = ports
    }

    /// Nil when ncpd has no IPv6 configuration at all.
    static func make(_ settings: NcpdSettings) -> IPv6Router? {
        settings.ipv6Ports.isEmpty ? nil : IPv6Router(settings)
    }

    func settings(port: String) -> IPv6PortSettings? { ports[port] }

    /// Runs `body` on the named pool (nil when there is none of that name),
    /// as DHCPv6Server.handle wants it.
    func withPool<R>(_ name: String, _ body: (inout PrefixPool?) -> R) -> R {
        var pool = name.isEmpty ? nil : pools[name]
        defer { if let pool { pools[name] = pool } }
        return body(&pool)
    }

    func allocate(pool name: String, session: String, user: String) -> IPv6Prefix? {
        withPool(name) { pool -> IPv6Prefix? in
            guard pool != nil else { return nil }
            return try? pool!.allocate(to: session, user: user)
        }
    }

    func free(pool name: String, _ prefix: IPv6Prefix) {
        withPool(name) { $0?.free(prefix) }
    }

    func reserve(pool name: String, _ prefix: IPv6Prefix, session: String) -> Bool {
        withPool(name) { $0?.reserve(prefix, for: session) ?? false }
    }

    /// `pppctl call ncpd pools`: each IPv6 pool's size and use.
    func json() -> JSON {
        .array(order.compactMap { name in
            pools[name].map { p in
                .object(["name": .string(name), "prefix": .string(p.aggregate.description),
                         "length": .int(Int64(p.prefixLength)), "size": .int(Int64(p.size)),
                         "in_use": .int(Int64(p.inUse)), "available": .int(Int64(p.available))])
            }
        })
    }
}
