// The keys of a pppoe port (RouterConfig+PPPoE.swift): every key reaches
// PortSettings and survives the v4 codec; defaults (client, MRU 1492); bad
// values are refused with file:line; the lab's and the appliance's configs parse.
import Foundation
import IPC
import Testing
@testable import pppinit

@Suite struct PPPoEConfigTests {
    @Test func everyKeyReachesTheSettingsAndRoundTrips() throws {
        let c = try RouterConfig.parse("""
            [port.a]
            type = "pppoe"
            interface = "eth1"
            role = "ac"
            ac-name = "bras"
            service-name = "internet"
            service-names = ["tv", "voip"]
            max-sessions = 4000
            padi-limit = 2
            padi-burst = 5
            padi-total = 500
            mru = 1500
            [port.c]
            type = "pppoe"
            interface = "eth2"
            host-uniq = "0x0a1b2c3d"
            padi-timeout = 1
            padi-attempts = 9
            stale-padt = false
            persist = true
            offload = false
            """, file: "r.toml")
        // Issue 21: `offload` defaults to true and reaches the port's linkd.
        #expect(c.linkdSettings(try #require(c.ports.first { $0.name == "a" })).offload)
        #expect(!c.linkdSettings(try #require(c.ports.first { $0.name == "c" })).offload)
        let a = try #require(c.ports.first { $0.name == "a" })
        #expect(a.pppoe.role == .ac && a.pppoe.acName == "bras" && a.pppoe.serviceName == "internet")
        #expect(a.pppoe.services == ["tv", "voip"] && a.pppoe.maxSessions == 4000)
        #expect(a.pppoe.padiLimit == 2 && a.pppoe.padiBurst == 5 && a.pppoe.padiTotal == 500 && a.mru == 1500)
        let cl = try #require(c.ports.first { $0.name == "c" })
        #expect(cl.pppoe.role == .client && cl.mru == 1492 && cl.device == "eth2")
        #expect(cl.pppoe.hostUniq == [0x0a, 0x1b, 0x2c, 0x3d] && cl.pppoe.padiTimeout == 1)
        #expect(cl.pppoe.padiAttempts == 9 && !cl.pppoe.stalePADT && cl.persist)
        for p in [a, cl] { #expect(try PortSettings.decode(p.encoded()) == p) }
        // Truncated and trailing bytes are refused by the codec.
        let bytes = a.encoded()
        #expect(throws: IPCError.self) { try PortSettings.decode(Array(bytes.dropLast())) }
        #expect(throws: IPCError.self) { try PortSettings.decode(bytes + [0]) }
    }

    /// Issue 13: an AC serving 1:1 and QinQ VLANs, a client dialing on one.
    @Test func vlanKeysParseAndRoundTrip() throws {
        let c = try RouterConfig.parse("""
            [port.ac]
            type = "pppoe"
            interface = "eth0"
            role = "ac"
            vlan-mon = "100-199, 300"
            vlan-outer = 10
            vlan-outer-tpid = "0x8100"
            [port.n1]
            type = "pppoe"
            interface = "eth1"
            role = "ac"
            vlan-mon = "any"
            [port.cl]
            type = "pppoe"
            interface = "eth2"
            vlan = 100
            """, file: "r.toml")
        let ac = try #require(c.ports.first { $0.name == "ac" }), n1 = try #require(c.ports.first { $0.name == "n1" })
        let cl = try #require(c.ports.first { $0.name == "cl" })
        #expect(ac.pppoe.vlan.served == VLANSet(ranges: [100...199, 300...300]))
        #expect(ac.pppoe.vlan.outer == 10 && ac.pppoe.vlan.outerTPID == 0x8100 && "\(ac.pppoe.vlan.served)" == "100-199,300")
        #expect(n1.pppoe.vlan.served.any && n1.pppoe.vlan.served.contains(4094) && !n1.pppoe.vlan.served.contains(0))
        #expect(cl.pppoe.vlan.dial == 100 && cl.pppoe.vlan.outer == 0)
        for p in [ac, n1, cl] { #expect(try PortSettings.decode(p.encoded()) == p) }
        #expect(ac.pppoe.vlan.served.bitmap[300 >> 6] & (1 << (300 & 63)) != 0)
        // A version 7 record (before VLANs) reads as the same port untagged.
        var untagged = ac
        untagged.pppoe.vlan = PPPoEVLANSettings()
        var vlan = ByteWriter()
        untagged.pppoe.vlan.encode(into: &vlan)
        var v7 = untagged.encoded()
        #expect(v7.first == 9)
        v7[0] = 7
        v7.removeLast(vlan.bytes.count + 4)  // and version 9's L2TP proxy trust: two booleans, no peers
        #expect(try PortSettings.decode(v7) == untagged)
        // VLAN sections a pppinit never writes are refused.
        for bad in [[0, 0, 1, 0, 0, 0x0f, 0xff], [0, 0, 0, 0x0f, 0xff, 0x88, 0xa8, 0, 0], [0, 0, 0, 0, 0, 0x91, 0, 0, 0]] as [[UInt8]] {
            var r = ByteReader(bad)
            #expect(throws: IPCError.self) { try PPPoEVLANSettings.decode(&r) }
        }
    }

    @Test(arguments: [
        ("role = \"server\"", "role"),
        ("host-uniq = \"abc\"", "host-uniq"),
        ("host-uniq = \"zz\"", "host-uniq"),
        ("max-sessions = 0", "max-sessions"),
        ("max-sessions = 65535", "max-sessions"),
        ("padi-timeout = 0", "padi-timeout"),
        ("interface = \"\"", "interface"),
        ("colour = \"blue\"", "colour"),
    ])
    func badValuesAreRefused(_ line: String, _ key: String) {
        var text = "[port.p]\ntype = \"pppoe\"\n"
        if !line.hasPrefix("interface") { text += "interface = \"eth0\"\n" }
        text += line + "\n"
        do {
            _ = try RouterConfig.parse(text, file: "r.toml")
            Issue.record("accepted: \(line)")
        } catch {
            #expect("\(error)".contains("r.toml:"), "\(error)")
        }
    }

    @Test func shippedConfigsParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        for f in ["compose/lab/bras.toml", "compose/lab/cpe.toml", "compose/appliance/ppprouter.toml"] {
            let c = try RouterConfig.load(path: root + "/" + f)
            #expect(c.ports.first?.kind == .pppoe, "\(f)")
        }
    }
}
