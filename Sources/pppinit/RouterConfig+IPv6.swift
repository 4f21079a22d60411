// ncpd's IPv6 part of the config (issue 18): prefix pools beside the IPv4
// ones, and per port the server role's Router Advertisements and DHCPv6:
//
//   [pool6.subscribers]              # the /64s sessions' RAs advertise
//   prefix = "2001:db8:1::/48"
//   length = 64
//   [pool6.delegated]                # DHCPv6 IA_PD, a /40 carved into /56s
//   prefix = "2001:db8:100::/40"
//   length = 56
//   [ipv6.PORT]
//   ra-pool = "subscribers"
//   pd-pool = "delegated"
//   na-pool = "hosts"                # a pool6 of /128s: DHCPv6 IA_NA, one address each
//   dns = ["2001:db8::53"]           # RDNSS (RFC 8106) and DHCPv6 (RFC 3646)
//   ra-interval = 600                # MaxRtrAdvInterval (RFC 4861 §6.2.1)
//   managed = false                  # the RA's M and O flags
//   other-config = false
//   mtu = 0                          # AdvLinkMTU; 0 = no MTU option
//   min-ra-interval = 0              # MinRtrAdvInterval; 0 = 0.33 × ra-interval
//   router-lifetime = 1800           # AdvDefaultLifetime; absent = 3 × ra-interval
//   autonomous = true                # the prefix's A flag (SLAAC)
//   dns-lifetime = 0                 # RDNSS/DNSSL lifetime (RFC 8106); 0 = 3 × ra-interval
//   search-domains = ["example.net"] # DNSSL (RFC 8106) and DHCPv6 (RFC 3646)
//   preferred-lifetime = 14400       # IA_PD lifetimes (RFC 8415 §21.22)
//   valid-lifetime = 86400
//
//   [ipv6.PORT]                      # CPE role instead
//   mode = "client"                  # accept RAs, ask for a prefix by DHCPv6
//   prefix-hint = 56                 # IA_PD length hint; 0 = none
//   lan-interface = "lan0"           # gets the first /64 of the prefix (::1)
import Config
import IPC
import IPv6Services

extension RouterConfig {
    static func parseIPv6Sections(_ root: inout TableReader, into c: inout RouterConfig) throws(ConfigError) {
        for (name, var r) in try root.namedTables("pool6") {
            let text = try r.string("prefix")
            guard let prefix = IPv6Prefix(text) else {
                throw ConfigError(file: r.file, line: r.line, reason: "pool6 '\(name)': prefix is \"ADDRESS/LENGTH\" with no bits beyond LENGTH, e.g. \"2001:db8:100::/40\"; got \"\(text)\"")
            }
            let length: UInt8 = try r.integer("length", in: 1...128)
            guard PrefixPool(name: name, aggregate: prefix, prefixLength: length) != nil else {
                throw ConfigError(file: r.file, line: r.line, reason: "pool6 '\(name)': length \(length) must be 1 to 24 bits longer than /\(prefix.length)")
            }
            c.pools6.append(IPv6PoolSettings(name: name, aggregate: prefix.address.bytes, aggregateLength: prefix.length, length: length))
            try r.finish()
        }
        for (i, a) in c.pools6.enumerated() {
            for b in c.pools6[(i + 1)...] where overlap(a, b) {
                throw ConfigError(file: c.file, line: 0, reason: "pool6 tables '\(a.name)' and '\(b.name)' overlap")
            }
        }
        for (port, var r) in try root.namedTables("ipv6") {
            guard let settings = c.ports.first(where: { $0.name == port }) else {
                throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): no [port.\(port)]")
            }
            guard settings.network.ipv6 else {
                throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): the port does not run IPv6CP (ipv6 = true)")
            }
            var s = IPv6PortSettings(port: port)
            s.client = try r.enumeration("mode", ["server", "client"], default: "server") == "client"
            if s.client {
                s.prefixHint = try r.integer("prefix-hint", default: 0, in: 0...128)
                s.lanInterface = try r.string("lan-interface", default: "")
                guard s.lanInterface.utf8.count < 16, !s.lanInterface.contains("/") else {
                    throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): lan-interface '\(s.lanInterface)' is not an interface name")
                }
                c.ipv6Ports.append(s)
                try r.finish()
                continue
            }
            for (key, pool) in [("ra-pool", \IPv6PortSettings.raPool), ("pd-pool", \IPv6PortSettings.pdPool),
                                ("na-pool", \IPv6PortSettings.naPool)] {
                guard let name = try r.optionalString(key) else { continue }
                guard let p = c.pools6.first(where: { $0.name == name }) else {
                    throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): \(key) '\(name)' is not a [pool6.NAME] table")
                }
                // SLAAC forms addresses only from a /64 (RFC 4862 §5.5.3 d, RFC 4291 §2.5.1).
                if key == "ra-pool" && p.length != 64 {
                    throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): ra-pool '\(name)' hands out /\(p.length), RAs need /64")
                }
                // RFC 8415 §21.6: an IA Address option carries one address.
                if key == "na-pool" && p.length != 128 {
                    throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): na-pool '\(name)' hands out /\(p.length), IA_NA needs /128")
                }
                s[keyPath: pool] = name
            }
            for text in try r.stringArray("dns", default: []) {
                guard let a = IPv6Address(text) else {
                    throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): dns '\(text)' is not an IPv6 address")
                }
                s.dns.append(a.bytes)
            }
            guard s.dns.count <= IPv6PortSettings.maxDNS else {
                throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): at most \(IPv6PortSettings.maxDNS) dns servers")
            }
            s.raInterval = try r.integer("ra-interval", default: s.raInterval, in: 4...65535)
            s.managed = try r.bool("managed", default: s.managed)
            s.otherConfiguration = try r.bool("other-config", default: s.otherConfiguration)
            s.mtu = try r.integer("mtu", default: s.mtu, in: 0...65535)
            if s.mtu != 0 && s.mtu < 1280 {
                throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): mtu \(s.mtu) is below IPv6's 1280")
            }
            s.preferredLifetime = try r.integer("preferred-lifetime", default: s.preferredLifetime, in: 1...UInt32.max)
            s.validLifetime = try r.integer("valid-lifetime", default: s.validLifetime, in: 1...UInt32.max)
            guard s.preferredLifetime <= s.validLifetime else {
                throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): preferred-lifetime exceeds valid-lifetime")
            }
            s.minRaInterval = try r.integer("min-ra-interval", default: 0, in: 0...65535)
            s.routerLifetime = try r.optionalInteger("router-lifetime", in: 0...65535)
            s.autonomous = try r.bool("autonomous", default: s.autonomous)
            s.dnsLifetime = try r.integer("dns-lifetime", default: 0, in: 0...UInt32.max)
            s.searchDomains = try r.stringArray("search-domains", default: [])
            guard s.searchDomains.count <= IPv6PortSettings.maxSearchDomains else {
                throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): at most \(IPv6PortSettings.maxSearchDomains) search-domains")
            }
            // RFC 4861 §6.2.1 and RFC 8106's limits, as the advertiser checks them.
            if let problem = advertiserProblems(s).first {
                throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): \(problem)")
            }
            if s.dnsLifetime != 0 && UInt64(s.dnsLifetime) < UInt64(s.raInterval) {
                throw ConfigError(file: r.file, line: r.line, reason: "ipv6.\(port): dns-lifetime \(s.dnsLifetime) is below ra-interval (RFC 8106 §5.1: at least MaxRtrAdvInterval)")
            }
            c.ipv6Ports.append(s)
            try r.finish()
        }
    }

    /// What ncpd's RouterAdvertiser would refuse in these settings (RFC
    /// 4861 §6.2.1's interval and lifetime limits, RFC 8106's names).
    private static func advertiserProblems(_ s: IPv6PortSettings) -> [String] {
        var ra = RouterAdvertiserConfiguration()
        ra.maxRtrAdvInterval = s.raInterval
        ra.minRtrAdvInterval = s.minRaInterval == 0 ? nil : s.minRaInterval
        ra.advDefaultLifetime = s.routerLifetime
        ra.searchDomains = s.searchDomains
        return ra.problems
    }

    private static func overlap(_ a: IPv6PoolSettings, _ b: IPv6PoolSettings) -> Bool {
        guard let pa = try? IPv6Prefix(IPv6Address(bytes: a.aggregate), length: Int(a.aggregateLength)),
              let pb = try? IPv6Prefix(IPv6Address(bytes: b.aggregate), length: Int(b.aggregateLength)) else { return false }
        return pa.contains(pb) || pb.contains(pa)
    }
}
