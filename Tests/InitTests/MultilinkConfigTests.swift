// A port's multilink keys (RouterConfig+Multilink.swift), pppd's names: they
// reach PortSettings and survive its codec; off by default; bad values and
// multilink keys without `multilink` are refused with file:line.
import IPC
import Testing
@testable import pppinit

@Suite struct MultilinkConfigTests {
    @Test func keysReachTheSettings() throws {
        let c = try RouterConfig.parse("""
            [port.a]
            type = "udp"
            local = "127.0.0.1:7000"
            multilink = true
            mrru = 1600
            mpshortseq = true
            endpoint = "IP:192.0.2.9"
            [port.b]
            type = "udp"
            local = "127.0.0.1:7001"
            multilink = true
            endpoint = "magic:0102030405060708"
            [port.c]
            type = "udp"
            local = "127.0.0.1:7002"
            """, file: "r.toml")
        let a = try #require(c.ports.first { $0.name == "a" })
        #expect(a.multilink.enabled && a.multilink.mrru == 1600 && a.multilink.shortSequence)
        #expect(a.multilink.endpoint == [2, 192, 0, 2, 9])
        let b = try #require(c.ports.first { $0.name == "b" })
        #expect(b.multilink.enabled && b.multilink.mrru == 1500 && !b.multilink.shortSequence)
        #expect(b.multilink.endpoint == [4, 1, 2, 3, 4, 5, 6, 7, 8])
        let off = try #require(c.ports.first { $0.name == "c" })
        #expect(off.multilink == MultilinkSettings())
        for p in [a, b, off] { #expect(try PortSettings.decode(p.encoded()) == p) }
    }

    @Test(arguments: [
        "multilink = true\nendpoint = \"IP:192.0.2\"",
        "multilink = true\nendpoint = \"MAC:01:00:5e:00:00:01\"",
        "multilink = true\nendpoint = \"serial:01\"",
        "multilink = true\nmrru = 64",
        "mrru = 1600",
        "mpshortseq = true",
        "endpoint = \"local:01\"",
    ])
    func badValuesAreRefused(_ lines: String) {
        let text = "[port.p]\ntype = \"udp\"\nlocal = \"127.0.0.1:7000\"\n" + lines + "\n"
        do {
            _ = try RouterConfig.parse(text, file: "r.toml")
            Issue.record("accepted: \(lines)")
        } catch {
            #expect("\(error)".contains("r.toml:"), "\(error)")
        }
    }
}
