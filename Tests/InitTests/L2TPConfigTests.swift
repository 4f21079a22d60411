// The keys of an l2tp port (RouterConfig+L2TP.swift): both roles reach
// PortSettings and survive the v6 codec; defaults (LNS on 0.0.0.0:1701);
// a lac port may be a bridging upstream, an LNS may not; bad values are
// refused with file:line.
import IPC
import Testing
@testable import pppinit

@Suite struct L2TPConfigTests {
    @Test func bothRolesReachTheSettingsAndRoundTrip() throws {
        let c = try RouterConfig.parse("""
            [port.n]
            type = "l2tp"
            secret = "s3"
            peers = ["10.0.0.2", "10.0.0.3"]
            sequence-data = true
            hello-interval = 30
            [port.c]
            type = "l2tp"
            role = "lac"
            local = "10.0.0.2:1702"
            lns = ["10.0.0.1", "10.0.0.9:1701"]
            host-name = "lac-1"
            idle-hold = 0
            max-sessions = 10
            user = "lac"
            upstream = true
            """, file: "r.toml")
        let n = try #require(c.ports.first { $0.name == "n" })
        #expect(n.kind == .l2tp && n.l2tp.role == .lns && n.local == "0.0.0.0:1701" && n.l2tp.secret == "s3")
        #expect(n.l2tp.peers == ["10.0.0.2", "10.0.0.3"] && n.l2tp.sequenceData && n.l2tp.helloInterval == 30)
        let l = try #require(c.ports.first { $0.name == "c" })
        #expect(l.l2tp.role == .lac && l.local == "10.0.0.2:1702" && l.l2tp.servers == ["10.0.0.1", "10.0.0.9:1701"])
        #expect(l.l2tp.hostName == "lac-1" && l.l2tp.idleHold == 0 && l.l2tp.maxSessions == 10)
        #expect(c.bridgeRoles["c"] == .upstream)
        for p in [n, l] { #expect(try PortSettings.decode(p.encoded()) == p) }
        #expect(L2TPEndpoint("10.0.0.9:1701") == L2TPEndpoint(address: 0x0a00_0009, port: 1701))
        #expect(L2TPEndpoint("10.0.0.9", defaultPort: 1701)?.description == "10.0.0.9:1701")
    }

    @Test(arguments: [
        ("role = \"lac\"", "needs 'lns'"),
        ("role = \"lns\"\nlns = [\"10.0.0.1\"]", "'lns' is for a LAC"),
        ("role = \"lac\"\nlns = [\"10.0.0.1\"]\npeers = [\"10.0.0.2\"]", "'peers' is for an LNS"),
        ("role = \"lac\"\nlns = [\"host.example\"]", "not an IPv4"),
        ("peers = [\"10.0.0.256\"]", "not an IPv4"),
        ("local = \"[::1]:1701\"", "'local' must be an IPv4"),
        ("local = \"10.0.0.1\"", "'local' must be an IPv4"),
        ("role = \"both\"", "role"),
        ("hello-interval = 0", "hello-interval"),
        ("upstream = true", "only an l2tp lac port can be an upstream"),
        ("role = \"lac\"\nlns = [\"10.0.0.1\"]\n[port.x.secrets]\n\"10.0.0.2\" = \"s\"", "10.0.0.2 is not in 'lns'"),
        ("peers = [\"10.0.0.2\"]\n[port.x.secrets]\n\"10.0.0.3\" = \"s\"", "10.0.0.3 is not in 'peers'"),
        ("[port.x.secrets]\n\"10.0.0.3:1701\" = \"s\"", "not an IPv4 address"),
        ("[port.x.secrets]\n\"lac.example\" = \"s\"", "not an IPv4 address"),
        ("[port.x.secrets]\n\"10.0.0.3\" = \"\"", "1 to 255 bytes"),
        ("[port.x.secrets]\n\"10.0.0.3\" = 7", "10.0.0.3"),
        ("secrets = \"s\"", "secrets"),
    ])
    func badKeysAreRefused(_ body: String, _ reason: String) {
        do {
            _ = try RouterConfig.parse("[port.x]\ntype = \"l2tp\"\n" + body + "\n", file: "r.toml")
            Issue.record("accepted: \(body)")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
            #expect("\(error)".contains("r.toml"), "\(error)")
        }
    }

    /// A secret per peer (§5.1.1): an LNS's for any peer when it lists
    /// none, a LAC's for its LNSs; both reach the settings, sorted.
    @Test func secretsPerPeer() throws {
        let c = try RouterConfig.parse("""
            [port.n]
            type = "l2tp"
            secret = "default"
            [port.n.secrets]
            "10.0.0.9" = "nine"
            "10.0.0.2" = "two"
            [port.c]
            type = "l2tp"
            role = "lac"
            lns = ["10.0.0.1", "10.0.0.5:1702"]
            secrets = { "10.0.0.5" = "five" }
            """, file: "r.toml")
        let n = try #require(c.ports.first { $0.name == "n" })
        #expect(n.l2tp.secret == "default")
        #expect(n.l2tp.peerSecrets == [.init(peer: "10.0.0.2", secret: "two"), .init(peer: "10.0.0.9", secret: "nine")])
        let l = try #require(c.ports.first { $0.name == "c" })
        #expect(l.l2tp.peerSecrets == [.init(peer: "10.0.0.5", secret: "five")] && l.l2tp.secret == "")
        for p in [n, l] { #expect(try PortSettings.decode(p.encoded()) == p) }
    }

    /// Version 6 port settings (L2TP, no peer secrets: this release's
    /// earlier builds) still read, with no peer secrets.
    @Test func version6PortSettingsRead() throws {
        var p = PortSettings(name: "n", kind: .l2tp)
        p.l2tp.secret = "s"; p.l2tp.peers = ["10.0.0.2"]
        var v6 = p.encoded()
        v6[0] = 6
        var vlan = ByteWriter()
        p.pppoe.vlan.encode(into: &vlan)
        v6.removeLast(4 + vlan.bytes.count + 2)  // version 9's proxy trust, 8's PPPoE VLANs, then the peer-secret count, 0
        #expect(try PortSettings.decode(v6) == p)
        p.l2tp.peerSecrets = [.init(peer: "10.0.0.2", secret: "t")]
        #expect(try PortSettings.decode(p.encoded()) == p)
    }

    /// RFC 2661 §18: an LNS trusts its LACs' proxy LCP, and authentication,
    /// for every peer or those named; version 8 settings read with none.
    @Test func proxyTrustOnAnLNS() throws {
        let c = try RouterConfig.parse("""
            [port.n]
            type = "l2tp"
            peers = ["10.0.0.2", "10.0.0.3"]
            proxy-lcp = true
            proxy-auth = true
            proxy-peers = ["10.0.0.3"]
            [port.m]
            type = "l2tp"
            """, file: "r.toml")
        let n = try #require(c.ports.first { $0.name == "n" })
        #expect(n.l2tp.proxyLCP && n.l2tp.proxyAuth && n.l2tp.proxyPeers == ["10.0.0.3"])
        let m = try #require(c.ports.first { $0.name == "m" })
        #expect(!m.l2tp.proxyLCP && !m.l2tp.proxyAuth && m.l2tp.proxyPeers.isEmpty)
        for p in [n, m] { #expect(try PortSettings.decode(p.encoded()) == p) }
        var v8 = n.encoded()
        #expect(v8.first == 9)
        v8[0] = 8
        v8.removeLast(2 + 2 + 2 + "10.0.0.3".utf8.count)
        var none = n
        none.l2tp.proxyLCP = false; none.l2tp.proxyAuth = false; none.l2tp.proxyPeers = []
        #expect(try PortSettings.decode(v8) == none)
        // A record that trusts authentication without the LCP is refused.
        var bad = n.encoded()
        bad[bad.count - 2 - 2 - "10.0.0.3".utf8.count - 2] = 0
        #expect(throws: IPCError.self) { try PortSettings.decode(bad) }
    }

    @Test(arguments: [
        ("proxy-auth = true", "proxy-lcp"),
        ("proxy-lcp = true\nproxy-peers = [\"10.0.0.9\"]", "proxy peer"),
        ("proxy-lcp = true\nproxy-peers = [\"lac\"]", "proxy peer"),
    ])
    func proxyTrustRefused(_ line: String, _ mentions: String) {
        do {
            _ = try RouterConfig.parse("[port.n]\ntype = \"l2tp\"\npeers = [\"10.0.0.2\"]\n\(line)\n", file: "r.toml")
            Issue.record("accepted \(line)")
        } catch {
            #expect("\(error)".contains(mentions), "\(error)")
        }
    }

    @Test func wireVersionsOfL2TPSettings() throws {
        var s = L2TPSettings()
        s.role = .lac; s.servers = ["10.0.0.1:1701"]; s.secret = "x"; s.idleHold = 5
        s.peerSecrets = [.init(peer: "10.0.0.1", secret: "y")]
        var w = ByteWriter()
        s.encode(into: &w)
        var r = ByteReader(w.bytes)
        #expect(try L2TPSettings.decode(&r) == s)
        // A role byte no version has is refused.
        var bad = w.bytes
        bad[0] = 3
        var rb = ByteReader(bad)
        #expect(throws: IPCError.self) { try L2TPSettings.decode(&rb) }
        // Cut anywhere: refused, never trapped.
        for n in 0..<w.bytes.count {
            var rc = ByteReader(Array(w.bytes.prefix(n)))
            #expect(throws: IPCError.self) { try L2TPSettings.decode(&rc) }
        }
    }
}
