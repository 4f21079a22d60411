// The router pair the accounting tests share: a BRAS asking FreeRADIUS and a
// subscriber logging in with PAP, on a pty pair, the subscriber in its own
// namespace so the two TUN units' addresses do not meet. Each test adds only
// what it is about (an IPv4 pool, IPv6 pools, the CPE's IPv6 client role).
import Foundation
import IPC
import Testing
import TestSupport

extension AuthSessionTests {
    /// Both routers of `radiusPair`; `stop` tears down routers, configs,
    /// pty pair and namespace.
    struct RadiusPair {
        let a: RouterUnderTest, b: RouterUnderTest
        /// The subscriber's namespace and its unit's name there.
        let nsB: Netns, ifB: String
        let stop: () -> Void
    }

    /// The BRAS "ta" (FreeRADIUS `fr`, PAP required) in the shared namespace
    /// and the subscriber "tb" (user/password) in a new namespace named after
    /// `namespace`. `bras` and `subscriber` are more lines for each router's
    /// port, then any further sections.
    func radiusPair(_ fr: FreeRadius, namespace: String, user: String, password: String,
                    bras: String, subscriber: String) throws -> RadiusPair {
        let pty = try SocatPty()
        let nsB = try Netns(namespace)
        let tag = String(UInt32.random(in: 0..<0xffff_ff), radix: 16)
        let ca = try TempConfig("""
            [router]
            seccomp = "kill"
            \(fr.routerSection)
            [port.ta]
            type = "tty"
            device = "\(pty.a)"
            lcp-restart = 3
            require-pap = true
            ifname = "ta-\(tag)"
            \(bras)
            """)
        let cb = try TempConfig("""
            [router]
            seccomp = "kill"
            [users.\(user)]
            password = "\(password)"
            [port.tb]
            type = "tty"
            device = "\(pty.b)"
            lcp-restart = 3
            user = "\(user)"
            ifname = "tb-\(tag)"
            \(subscriber)
            """)
        let a = try RouterUnderTest(config: ca.path), b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        return RadiusPair(a: a, b: b, nsB: nsB, ifB: "tb-\(tag)",
                          stop: { a.stop(); b.stop(); ca.remove(); cb.remove(); pty.stop(); nsB.delete() })
    }

    /// A `radiusPair` where ncpd gives carol an address from a local IPv4
    /// pool (her Accept names none); `net` is the pool's /24 ("10.x.y").
    func ipv4PoolPair(_ fr: FreeRadius, namespace: String) throws -> (pair: RadiusPair, net: String) {
        let net = "10.\(UInt8.random(in: 200...249)).\(UInt8.random(in: 0...255))"
        let pair = try radiusPair(fr, namespace: namespace, user: "carol", password: "c4rol", bras: """
            address = "\(net).1:"
            ip-pool = "subs"
            [pool.subs]
            range = "\(net).10-\(net).20"
            local = "\(net).1"
            """, subscriber: "noipdefault = true")
        return (pair, net)
    }

    /// A `radiusPair` over IPv6 only: the BRAS hands out IPv6LabConfig's
    /// pools on "ta" (and with `hosts`, IA_NA /128s from a third pool).
    func ipv6PoolPair(_ fr: FreeRadius, namespace: String, user: String, password: String,
                      hosts: Bool, subscriber: String = "") throws -> RadiusPair {
        let na = hosts ? """
            [pool6.hosts]
            prefix = "2001:db8:ffff::100/120"
            length = 128
            [ipv6.ta]
            na-pool = "hosts"
            """ : "[ipv6.ta]"
        return try radiusPair(fr, namespace: namespace, user: user, password: password, bras: """
            noip = true
            ipv6 = true
            \(IPv6LabConfig.pools)
            \(na)
            ra-pool = "subscribers"
            pd-pool = "delegated"
            ra-interval = 30
            """, subscriber: """
            noip = true
            ipv6 = true
            \(subscriber)
            """)
    }
}
