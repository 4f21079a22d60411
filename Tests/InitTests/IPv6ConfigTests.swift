// [pool6.NAME] and [ipv6.PORT] (RouterConfig+IPv6.swift, issue 18): what ncpd
// gets in its settings, and the config errors for a bad prefix, a length the
// pool cannot carve, overlapping pools, an unknown pool or port, a ra-pool
// that is not /64s, a port without IPv6CP, a short MTU.
import IPC
import IPv6Services
import Testing
@testable import pppinit

@Suite struct IPv6ConfigTests {
    static let base = """
        [port.u]
        type = "udp"
        local = "127.0.0.1:1"
        ipv6 = true
        [pool6.ra]
        prefix = "2001:db8:1::/48"
        length = 64
        [pool6.pd]
        prefix = "2001:db8:100::/40"
        length = 56
        [pool6.na]
        prefix = "2001:db8:ffff::/112"
        length = 128
        """

    @Test func poolsAndPortReachNcpdSettings() throws {
        let c = try RouterConfig.parse(Self.base + """

            [ipv6.u]
            ra-pool = "ra"
            pd-pool = "pd"
            na-pool = "na"
            dns = ["2001:db8::53", "2001:db8::54"]
            ra-interval = 30
            managed = true
            other-config = true
            mtu = 1400
            preferred-lifetime = 3600
            valid-lifetime = 7200
            min-ra-interval = 10
            router-lifetime = 0
            autonomous = false
            dns-lifetime = 90
            search-domains = ["example.net"]
            """, file: "r.toml")
        let s = c.ncpdSettings
        #expect(s.pools6 == [
            IPv6PoolSettings(name: "ra", aggregate: IPv6Address("2001:db8:1::")!.bytes, aggregateLength: 48, length: 64),
            IPv6PoolSettings(name: "pd", aggregate: IPv6Address("2001:db8:100::")!.bytes, aggregateLength: 40, length: 56),
            IPv6PoolSettings(name: "na", aggregate: IPv6Address("2001:db8:ffff::")!.bytes, aggregateLength: 112, length: 128),
        ])
        var port = IPv6PortSettings(port: "u")
        port.raPool = "ra"; port.pdPool = "pd"; port.naPool = "na"
        port.dns = [IPv6Address("2001:db8::53")!.bytes, IPv6Address("2001:db8::54")!.bytes]
        port.raInterval = 30; port.managed = true; port.otherConfiguration = true; port.mtu = 1400
        port.preferredLifetime = 3600; port.validLifetime = 7200
        port.minRaInterval = 10; port.routerLifetime = 0; port.autonomous = false; port.dnsLifetime = 90
        port.searchDomains = ["example.net"]
        #expect(s.ipv6Ports == [port])
        #expect(try NcpdSettings.decode(s.encoded()) == s)
    }

    @Test func clientModeReachesNcpdSettings() throws {
        let c = try RouterConfig.parse(Self.base + "\n[ipv6.u]\nmode = \"client\"\nprefix-hint = 56\nlan-interface = \"lan0\"\n",
                                       file: "r.toml")
        var port = IPv6PortSettings(port: "u")
        port.client = true; port.prefixHint = 56; port.lanInterface = "lan0"
        #expect(c.ncpdSettings.ipv6Ports == [port])
        #expect(try NcpdSettings.decode(c.ncpdSettings.encoded()) == c.ncpdSettings)
    }

    @Test(arguments: [
        ("[pool6.x]\nprefix = \"2001:db8::1/64\"\nlength = 72", "no bits beyond"),
        ("[pool6.x]\nprefix = \"2001:db9::/32\"\nlength = 64", "1 to 24 bits"),
        ("[pool6.x]\nprefix = \"2001:db8:1:100::/56\"\nlength = 64", "overlap"),
        ("[ipv6.u]\npd-pool = \"nope\"", "is not a [pool6.NAME]"),
        ("[ipv6.u]\nra-pool = \"pd\"", "RAs need /64"),
        ("[ipv6.u]\nna-pool = \"pd\"", "IA_NA needs /128"),
        ("[ipv6.u]\nna-pool = \"nope\"", "is not a [pool6.NAME]"),
        ("[ipv6.v]\nra-pool = \"ra\"", "no [port.v]"),
        ("[ipv6.u]\nmtu = 1000", "below IPv6's 1280"),
        ("[ipv6.u]\ndns = [\"10.0.0.1\"]", "not an IPv6 address"),
        ("[ipv6.u]\npreferred-lifetime = 9\nvalid-lifetime = 8", "exceeds"),
        ("[ipv6.u]\nbogus = 1", "bogus"),
        ("[ipv6.u]\nmode = \"client\"\nra-pool = \"ra\"", "ra-pool"),
        ("[ipv6.u]\nmode = \"client\"\nlan-interface = \"a/b\"", "not an interface name"),
        ("[ipv6.u]\nmode = \"relay\"", "mode"),
        ("[ipv6.u]\nra-interval = 30\nmin-ra-interval = 23", "MinRtrAdvInterval 23"),
        ("[ipv6.u]\nmin-ra-interval = 2", "MinRtrAdvInterval 2"),
        ("[ipv6.u]\nra-interval = 30\nrouter-lifetime = 29", "AdvDefaultLifetime 29"),
        ("[ipv6.u]\nrouter-lifetime = 65536", "router-lifetime"),
        ("[ipv6.u]\nsearch-domains = [\"bad..name\"]", "search domain"),
        ("[ipv6.u]\nsearch-domains = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\"]", "at most 8"),
        ("[ipv6.u]\nra-interval = 30\ndns-lifetime = 29", "dns-lifetime 29"),
        ("[ipv6.u]\nmode = \"client\"\nautonomous = false", "autonomous"),
    ])
    func badIPv6Tables(text: String, reason: String) {
        #expect {
            _ = try RouterConfig.parse(Self.base + "\n" + text, file: "r.toml")
        } throws: { "\($0)".contains(reason) }
    }

    @Test func aPortWithoutIPv6CPIsRefused() {
        #expect {
            _ = try RouterConfig.parse("[port.w]\ntype = \"udp\"\nlocal = \"127.0.0.1:1\"\n[ipv6.w]\n", file: "r.toml")
        } throws: { "\($0)".contains("does not run IPv6CP") }
    }

    /// ncpd may tell authd a session's pool prefixes (session-prefixes) and
    /// nothing else through pppinit; nobody else may call that method.
    @Test func ncpdMayCallSessionPrefixesOnAuthdOnly() throws {
        let c = try RouterConfig.parse(Self.base + "\n[ipv6.u]\nra-pool = \"ra\"\n", file: "r.toml")
        let r = Router(config: c, loop: try EventLoop())
        let ncpd = try #require(r.component(named: "ncpd")), linkd = try #require(r.component(named: "linkd@u"))
        #expect(DaemonCalls.allowed(sender: ncpd, target: "authd", method: "session-prefixes", config: c))
        #expect(!DaemonCalls.allowed(sender: ncpd, target: "linkd@u", method: "session-prefixes", config: c))
        #expect(!DaemonCalls.allowed(sender: ncpd, target: "authd", method: "auth-test", config: c))
        #expect(!DaemonCalls.allowed(sender: linkd, target: "authd", method: "session-prefixes", config: c))
    }

    /// authd may ask ncpd for them back (ncpd's session-prefixes) when it
    /// resumes a session's accounting; only of ncpd, and nothing else.
    @Test func authdMayAskNcpdForSessionPrefixesOnly() throws {
        let c = try RouterConfig.parse(Self.base + "\n[ipv6.u]\nra-pool = \"ra\"\n", file: "r.toml")
        let r = Router(config: c, loop: try EventLoop())
        let authd = try #require(r.component(named: "authd")), linkd = try #require(r.component(named: "linkd@u"))
        #expect(DaemonCalls.allowed(sender: authd, target: "ncpd", method: "session-prefixes", config: c))
        #expect(!DaemonCalls.allowed(sender: authd, target: "linkd@u", method: "session-prefixes", config: c))
        #expect(!DaemonCalls.allowed(sender: authd, target: "ncpd", method: "sessions", config: c))
        #expect(!DaemonCalls.allowed(sender: linkd, target: "ncpd", method: "session-prefixes", config: c))
        #expect(DaemonMethod.named("session-prefixes", on: .ncpd) == .ncpdSessionPrefixes)
        #expect(DaemonMethod.named("session-prefixes", on: .authd) == .sessionPrefixes)
    }
}
