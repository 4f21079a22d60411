// ncpd's address decisions (no kernel): pools lease the lowest free address
// and skip their own local one; RADIUS/authd's Framed-IP-Address wins over
// the port's static remote, which wins over the pool; noipdefault asks 0.
import IPC
import PPP
import Testing
@testable import ncpd

@Suite struct AddressPoolTests {
    let settings = [AddressPoolSettings(name: "p", first: 0x0a00_000a, last: 0x0a00_000c, local: 0x0a00_000b)]

    func rec(_ id: String, _ f: (inout ChannelRecord) -> Void = { _ in }) -> ChannelRecord {
        var r = ChannelRecord(session: id, port: "x")
        r.network.pool = "p"
        f(&r)
        return r
    }

    @Test func leasesLowestFreeSkippingLocalAndFreesOnRelease() throws {
        var pools = AddressPools(settings)
        let a = try pools.plan(for: rec("x:1")), b = try pools.plan(for: rec("x:2"))
        #expect(a.0.remoteAddress == 0x0a00_000a && b.0.remoteAddress == 0x0a00_000c)
        #expect(a.0.localAddress == 0x0a00_000b)
        #expect(throws: AddressError.self) { try pools.plan(for: rec("x:3")) }
        pools.release(pool: "p", address: 0x0a00_000a)
        #expect(try pools.plan(for: rec("x:4")).0.remoteAddress == 0x0a00_000a)
    }

    @Test func framedAddressThenStaticThenPool() throws {
        var pools = AddressPools(settings)
        let framed = try pools.plan(for: rec("x:1") {
            var v = AuthVerdict(session: "x:1", success: true)
            v.framedAddress = 0xc0a8_0005
            $0.verdict = v
            $0.network.remoteAddress = 0x0a09_0909
        })
        #expect(framed.0.remoteAddress == 0xc0a8_0005 && framed.lease == nil)
        let fixed = try pools.plan(for: rec("x:2") { $0.network.remoteAddress = 0x0a09_0909 })
        #expect(fixed.0.remoteAddress == 0x0a09_0909 && fixed.lease == nil)
        // RFC 2865 §5.8: 0xFFFFFFFE means "NAS assigns from a pool".
        let nasPool = try pools.plan(for: rec("x:3") {
            var v = AuthVerdict(session: "x:3", success: true)
            v.framedAddress = 0xffff_fffe
            $0.verdict = v
        })
        #expect(nasPool.lease?.address == 0x0a00_000a)
    }

    /// RFC 2869 §5.18 Framed-Pool picks the named pool over the port's;
    /// RFC 2548 MS-*-DNS-Server replace the port's ms-dns in IPCP.
    @Test func framedPoolAndDNSFromTheVerdict() throws {
        var pools = AddressPools(settings + [AddressPoolSettings(name: "gold", first: 0x0a01_0001, last: 0x0a01_0002,
                                                                 local: 0x0a01_00fe)])
        let gold = try pools.plan(for: rec("x:1") {
            var v = AuthVerdict(session: "x:1", success: true)
            v.framedPool = "gold"
            v.dns = [0x0808_0808, 0x0101_0101]
            $0.verdict = v
            $0.network.dns = [0x0909_0909]
        })
        #expect(gold.lease?.pool == "gold" && gold.0.remoteAddress == 0x0a01_0001 && gold.0.localAddress == 0x0a01_00fe)
        #expect(gold.0.dnsToOffer == [0x0808_0808, 0x0101_0101])
        // Without them: the port's pool and ms-dns.
        let plain = try pools.plan(for: rec("x:2") { $0.network.dns = [0x0909_0909] })
        #expect(plain.lease?.pool == "p" && plain.0.dnsToOffer == [0x0909_0909])
        // A pool ncpd does not have: the session gets no address (refused, not guessed).
        #expect(throws: AddressError.unknownPool("silver")) {
            try pools.plan(for: rec("x:3") {
                var v = AuthVerdict(session: "x:3", success: true)
                v.framedPool = "silver"
                $0.verdict = v
            })
        }
    }

    @Test func clientRoleAsksForZero() throws {
        var pools = AddressPools([])
        let c = try pools.plan(for: {
            var r = ChannelRecord(session: "x:1", port: "x")
            r.network.noIPDefault = true
            r.network.usePeerDNS = true
            r.network.localAddress = 0x0a00_0001
            return r
        }())
        #expect(c.0.localAddress == 0 && c.0.acceptLocal && c.0.requestDNS && c.0.remoteAddress == 0)
        #expect(throws: AddressError.self) { try pools.plan(for: rec("x:2")) }  // unknown pool
    }
}

@Suite struct NcpdCodecTests {
    @Test func settingsRoundTripAndRejectTruncation() throws {
        var s = NcpdSettings()
        s.pools = [AddressPoolSettings(name: "a", first: 1, last: 9, local: 5)]
        s.hooks = true
        let bytes = s.encoded()
        #expect(try NcpdSettings.decode(bytes) == s)
        for n in [0, 1, bytes.count - 1] {
            #expect(throws: IPCError.self) { try NcpdSettings.decode(Array(bytes.prefix(n))) }
        }
        #expect(throws: IPCError.self) { try NcpdSettings.decode(bytes + [0]) }
        var inverted = bytes
        inverted[inverted.count - 13] = 0xff  // first > last
        #expect(throws: IPCError.self) { try NcpdSettings.decode(inverted) }
    }

    @Test func hookRequestRoundTrip() throws {
        var h = HookRequest(event: .ipv6Down, session: "p:1", port: "p", interface: "ppp0")
        h.local = 0x1234; h.remote = 0x5678; h.dns = [1, 2]; h.usePeerDNS = true; h.peerName = "bob"
        h.connectSeconds = 9; h.octetsSent = 10; h.octetsReceived = 11
        let wire = try Codec.encode(.hookRequested(h), flags: [], callID: 1)
        let (_, m) = try Codec.decode(wire[...], from: .ncpd, descriptorCount: 0)
        #expect(m == .hookRequested(h))
        #expect(throws: IPCError.self) { try Codec.decode(wire[...], from: .linkd, descriptorCount: 0) }
        #expect(throws: IPCError.self) { try Codec.decode(wire.dropLast(), from: .ncpd, descriptorCount: 0) }
    }

    /// The prefix events (version 2): the prefix, its lifetimes and the LAN
    /// interface round trip; pppd's four stay version 1; a prefix event
    /// without a prefix, preferred past valid, a version that does not
    /// match its event, truncation and trailing bytes are refused.
    @Test func prefixHookRequestRoundTripAndBoundaries() throws {
        var h = HookRequest(event: .prefixUp, session: "p:1", port: "p", interface: "ppp0")
        h.prefix = IPv6PrefixValue(address: [0x20, 0x01, 0x0d, 0xb8, 1] + [UInt8](repeating: 0, count: 11), length: 56)
        h.preferredLifetime = 14_400; h.validLifetime = 86_400; h.lanInterface = "lan0"; h.peerName = "dave"
        var w = ByteWriter()
        h.encode(into: &w)
        let bytes = w.bytes
        #expect(bytes.first == 2)
        var r = ByteReader(bytes)
        #expect(try HookRequest.decode(&r) == h)
        try r.finish()
        func refused(_ b: [UInt8]) -> Bool {
            var r = ByteReader(b)
            do { _ = try HookRequest.decode(&r); try r.finish(); return false } catch { return true }
        }
        for n in [0, 1, bytes.count - 1] { #expect(refused(Array(bytes.prefix(n)))) }
        #expect(refused(bytes + [0]))
        var v1 = bytes; v1[0] = 1
        #expect(refused(v1))  // a prefix event as version 1
        // From the end: LAN name (2 + 4), valid (4), preferred (4), prefix length, 16 octets, flag.
        let noPrefix = Array(bytes.prefix(bytes.count - 6 - 8 - 17 - 1)) + [0] + Array(bytes.suffix(6 + 8))
        #expect(refused(noPrefix))
        var late = bytes; late[bytes.count - 6 - 8] = 0xff  // preferred's high octet: past valid
        #expect(refused(late))
        var old = HookRequest(event: .ipv6Up, session: "p:1", port: "p", interface: "ppp0")
        old.local = 1
        var w1 = ByteWriter()
        old.encode(into: &w1)
        #expect(w1.bytes.first == 1)
        var v2 = w1.bytes; v2[0] = 2
        #expect(refused(v2))  // pppd's event as version 2
        #expect(HookRequest.Event.allCases.map(\.name) == ["ip-up", "ip-down", "ipv6-up", "ipv6-down", "ipv6-prefix-up", "ipv6-prefix-down"])
    }
}
