// [pool.NAME] and [hooks] (RouterConfig+Network.swift): what ncpd gets in
// its settings, and the config errors for bad ranges, overlapping pools,
// unknown ip-pool names and relative hook paths.
import IPC
import Testing
@testable import pppinit

@Suite struct NetworkConfigTests {
    @Test func poolsAndHooksReachNcpdSettings() throws {
        let c = try RouterConfig.parse("""
            [pool.a]
            range = "10.0.0.10-10.0.0.20"
            local = "10.0.0.1"
            [pool.b]
            range = "10.1.0.5"
            [hooks]
            ip-up = "/etc/ppp/ip-up"
            resolv-file = "/run/ppp-resolv.conf"
            timeout = 5
            [port.u]
            type = "udp"
            local = "127.0.0.1:1"
            ip-pool = "a"
            """, file: "r.toml")
        let s = c.ncpdSettings
        #expect(s.pools == [AddressPoolSettings(name: "a", first: 0x0a00_000a, last: 0x0a00_0014, local: 0x0a00_0001),
                            AddressPoolSettings(name: "b", first: 0x0a01_0005, last: 0x0a01_0005)])
        #expect(s.hooks)
        #expect(c.hooks.scripts == [.ipUp: "/etc/ppp/ip-up"] && c.hooks.timeout == 5)
        #expect(try NcpdSettings.decode(s.encoded()) == s)
        let r = Router(config: c, loop: try EventLoop())
        #expect(r.component(named: "ncpd")?.setup.settings == s.encoded())
    }

    /// pppd's ipcp-restart and ipv6cp-restart reach ncpd in the port's
    /// NetworkSettings; 3 s when not given.
    @Test func ncpRestartTimersReachTheNetworkSettings() throws {
        let c = try RouterConfig.parse("""
            [port.u]
            type = "udp"
            local = "127.0.0.1:1"
            ipcp-restart = 7
            ipv6cp-restart = 11
            [port.v]
            type = "udp"
            local = "127.0.0.1:2"
            """, file: "r.toml")
        let u = try #require(c.ports.first { $0.name == "u" }), v = try #require(c.ports.first { $0.name == "v" })
        #expect(u.network.ipcpRestart == 7 && u.network.ipv6cpRestart == 11)
        #expect(v.network.ipcpRestart == 3 && v.network.ipv6cpRestart == 3)
    }

    @Test(arguments: [
        ("[port.u]\ntype = \"udp\"\nlocal = \"127.0.0.1:1\"\nipcp-restart = 0\n", "ipcp-restart"),
        ("[pool.a]\nrange = \"10.0.0.20-10.0.0.10\"\n", "FIRST <= LAST"),
        ("[pool.a]\nrange = \"10.0.0.1-\"\n", "range is"),
        ("[pool.a]\nrange = \"10.0.0.1-10.0.0.9\"\n[pool.b]\nrange = \"10.0.0.9-10.0.0.12\"\n", "overlap"),
        ("[pool.a]\nrange = \"10.0.0.1\"\nlocal = \"x\"\n", "not an IPv4"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nip-pool = \"nope\"\n", "not a [pool.NAME]"),
        ("[hooks]\nip-up = \"ip-up\"\n", "absolute path"),
        ("[hooks]\nresolv-file = \"resolv.conf\"\n", "absolute path"),
        ("[hooks]\nip-upp = \"/x\"\n", "unknown key"),
    ])
    func badNetworkConfig(_ text: String, _ expected: String) {
        do {
            _ = try RouterConfig.parse(text, file: "r.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func interfaceNamesForHooks() {
        #expect(Hooks.isInterfaceName("ppp0") && Hooks.isInterfaceName("wan.1-a_b"))
        #expect(!Hooks.isInterfaceName("") && !Hooks.isInterfaceName("a b") && !Hooks.isInterfaceName("a/b")
                && !Hooks.isInterfaceName("0123456789abcdef") && !Hooks.isInterfaceName("x;rm"))
    }
}
