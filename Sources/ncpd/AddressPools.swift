// Address pools for the server role ([pool.NAME] range = "first-last"):
// the lowest free address is leased to a session and freed when it ends.
// Also decides a session's addresses (RADIUS/authd first, then the port's
// static local:remote, then the pool (RADIUS Framed-Pool's, else the
// port's); pppd's noipdefault for the client).
import IPC
import PPP

struct AddressPool {
    let settings: AddressPoolSettings
    /// Leased address → session id.
    private(set) var leases: [UInt32: String] = [:]

    init(_ settings: AddressPoolSettings) { self.settings = settings }

    var size: Int { Int(settings.last - settings.first) + 1 }

    /// The lowest address not leased, skipping the pool's own local address.
    mutating func lease(to session: String) -> UInt32? {
        var a = settings.first
        while true {
            if leases[a] == nil && a != settings.local {
                leases[a] = session
                return a
            }
            if a == settings.last { return nil }
            a += 1
        }
    }

    mutating func release(_ address: UInt32) { leases[address] = nil }

    /// A lease that survived a restart of ncpd (fd store): taken again.
    mutating func reserve(_ address: UInt32, for session: String) -> Bool {
        guard address >= settings.first, address <= settings.last, leases[address] == nil else { return false }
        leases[address] = session
        return true
    }
}

/// Why a session could not be given its addresses.
enum AddressError: Error, Equatable, CustomStringConvertible {
    case unknownPool(String)
    case poolExhausted(String)
    var description: String {
        switch self {
        case .unknownPool(let p): "no pool named '\(p)'"
        case .poolExhausted(let p): "pool '\(p)' has no free address"
        }
    }
}

struct AddressPools {
    private(set) var pools: [String: AddressPool] = [:]

    init(_ settings: [AddressPoolSettings]) {
        for p in settings { pools[p.name] = AddressPool(p) }
    }

    /// RFC 2865 §5.8: 0xFFFFFFFF lets the user choose, 0xFFFFFFFE asks the
    /// NAS to pick from a pool; only other values are addresses.
    static func assigned(_ verdict: AuthVerdict?) -> UInt32? {
        guard let a = verdict?.framedAddress, a != 0, a != 0xffff_ffff, a != 0xffff_fffe else { return nil }
        return a
    }

    /// The IPCP policy of one session, leasing from a pool when that is
    /// where the peer's address comes from. Returns the lease to free later.
    /// `resuming`: the lease a session held before ncpd restarted, taken
    /// again instead of a fresh one.
    mutating func plan(for record: ChannelRecord, resuming: (pool: String, address: UInt32)? = nil)
        throws(AddressError) -> (IPCPConfiguration, lease: (pool: String, address: UInt32)?) {
        var n = record.network
        // RFC 2869 §5.18 Framed-Pool and RFC 2548 MS-*-DNS-Server from the
        // Access-Accept override the port's pool and ms-dns.
        if let v = record.verdict {
            if !v.framedPool.isEmpty { n.pool = v.framedPool }
            if !v.dns.isEmpty { n.dns = v.dns }
        }
        var c = IPCPConfiguration()
        c.localAddress = n.localAddress
        c.dnsToOffer = n.dns
        c.requestDNS = n.usePeerDNS
        var lease: (String, UInt32)?
        if let framed = Self.assigned(record.verdict) {
            c.remoteAddress = framed
        } else if n.remoteAddress != 0 {
            c.remoteAddress = n.remoteAddress
        } else if let old = resuming, !n.pool.isEmpty, old.pool == n.pool,
                  pools[n.pool]?.reserve(old.address, for: record.session) == true {
            c.remoteAddress = old.address
            lease = old
        } else if !n.pool.isEmpty {
            guard var pool = pools[n.pool] else { throw .unknownPool(n.pool) }
            guard let a = pool.lease(to: record.session) else { throw .poolExhausted(n.pool) }
            pools[n.pool] = pool
            c.remoteAddress = a
            lease = (n.pool, a)
        }
        if c.localAddress == 0, !n.pool.isEmpty, let pool = pools[n.pool] {
            c.localAddress = pool.settings.local
        }
        // pppd noipdefault: ask for 0.0.0.0 and take what the peer assigns.
        if n.noIPDefault {
            c.localAddress = 0
            c.acceptLocal = true
        }
        return (c, lease)
    }

    mutating func release(pool name: String, address: UInt32) {
        pools[name]?.release(address)
    }

    func json() -> JSON {
        .array(pools.keys.sorted().map { name in
            let p = pools[name]!
            return .object([
                "name": .string(name), "first": .string(IPv4.format(p.settings.first)),
                "last": .string(IPv4.format(p.settings.last)), "size": .int(Int64(p.size)),
                "leased": .int(Int64(p.leases.count)),
                "leases": .object(JSONObject(p.leases.map { (IPv4.format($0.key), JSON.string($0.value)) })),
            ])
        })
    }
}
