// ncpd's part of the config: address pools ([pool.NAME] range = "first-last",
// local = our address on their sessions) and the hooks pppinit runs for ncpd
// ([hooks] ip-up, ip-down, ipv6-up, ipv6-down, resolv-file, timeout, as pppd's
// /etc/ppp scripts and usepeerdns file). Ports' ip-pool names are checked here.
import Config
import IPC

/// The [hooks] table: absolute script paths by event, and the usepeerdns file.
struct HookConfig: Equatable {
    var scripts: [HookRequest.Event: String] = [:]
    /// pppd writes /etc/ppp/resolv.conf for usepeerdns; empty = none.
    var resolvFile = ""
    /// A hook still running after this many seconds is killed.
    var timeout = 30.0

    var configured: Bool { !scripts.isEmpty || !resolvFile.isEmpty }
}

extension RouterConfig {
    static func parseNetworkSections(_ root: inout TableReader, into c: inout RouterConfig) throws(ConfigError) {
        for (name, var r) in try root.namedTables("pool") {
            c.pools.append(try parsePool(name: name, &r))
            try r.finish()
        }
        for (i, a) in c.pools.enumerated() {
            for b in c.pools[(i + 1)...] where a.first <= b.last && b.first <= a.last {
                throw ConfigError(file: c.file, line: 0, reason: "pools '\(a.name)' and '\(b.name)' overlap")
            }
        }
        for p in c.ports where !p.network.pool.isEmpty && !c.pools.contains(where: { $0.name == p.network.pool }) {
            throw ConfigError(file: c.file, line: 0, reason: "port '\(p.name)': ip-pool '\(p.network.pool)' is not a [pool.NAME] table")
        }
        if var r = try root.table("hooks") {
            for event in HookRequest.Event.allCases {
                guard let path = try r.optionalString(event.name) else { continue }
                guard path.hasPrefix("/"), !path.contains("\0") else {
                    throw ConfigError(file: r.file, line: r.line, reason: "hooks: '\(event.name)' must be an absolute path")
                }
                c.hooks.scripts[event] = path
            }
            c.hooks.resolvFile = try r.string("resolv-file", default: c.hooks.resolvFile)
            if !c.hooks.resolvFile.isEmpty && !c.hooks.resolvFile.hasPrefix("/") {
                throw ConfigError(file: r.file, line: r.line, reason: "hooks: 'resolv-file' must be an absolute path")
            }
            c.hooks.timeout = try r.float("timeout", default: c.hooks.timeout, in: 0.1...3600)
            try r.finish()
        }
    }

    /// `range = "10.0.0.10-10.0.0.250"` (or one address), `local` optional.
    private static func parsePool(name: String, _ r: inout TableReader) throws(ConfigError) -> AddressPoolSettings {
        let range = try r.string("range")
        let sides = range.split(separator: "-", omittingEmptySubsequences: false).map {
            String($0).trimmingSpaces()
        }
        guard (1...2).contains(sides.count), let first = IPv4.parse(sides[0]),
              let last = sides.count == 2 ? IPv4.parse(sides[1]) : first, first <= last else {
            throw ConfigError(file: r.file, line: r.line, reason: "pool '\(name)': range is \"FIRST-LAST\" with FIRST <= LAST, e.g. \"10.0.0.10-10.0.0.250\"; got \"\(range)\"")
        }
        guard last - first < 1 << 20 else {
            throw ConfigError(file: r.file, line: r.line, reason: "pool '\(name)': at most 1048576 addresses")
        }
        var pool = AddressPoolSettings(name: name, first: first, last: last)
        if let local = try r.optionalString("local") {
            guard let a = IPv4.parse(local) else {
                throw ConfigError(file: r.file, line: r.line, reason: "pool '\(name)': local '\(local)' is not an IPv4 address")
            }
            pool.local = a
        }
        return pool
    }

    /// What ncpd gets in DaemonSetup.settings.
    var ncpdSettings: NcpdSettings {
        var s = NcpdSettings()
        s.pools = pools
        s.hooks = hooks.configured
        s.pools6 = pools6
        s.ipv6Ports = ipv6Ports
        // Issue 13: this pppinit answers tun-requested by batches.
        s.tunBatch = UInt8(TunStock.batch)
        return s
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
