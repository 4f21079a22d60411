// IPv6 text (RFC 5952), prefixes and their carving, the RADIUS prefix value
// (RFC 3162 §2.3, RFC 4818 §3) and the Internet checksum against packets
// computed independently (Python's ipaddress + struct, once, by hand).
import Testing
@testable import IPv6Services

@Suite struct AddressTests {
    @Test(arguments: [
        ("::", "::"), ("::1", "::1"), ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("fe80::1:2", "fe80::1:2"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("ff02::1:2", "ff02::1:2"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    ])
    func textRoundTrips(_ input: String, _ canonical: String) throws {
        let addr = try #require(IPv6Address(input))
        #expect(addr.description == canonical)
        #expect(IPv6Address(canonical) == addr)
    }

    @Test(arguments: ["", ":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "g::", "1:2:3:4:5:6:7::8", "::1:"])
    func badTextIsRefused(_ input: String) {
        #expect(IPv6Address(input) == nil)
    }

    /// Octets read through a pointer (arrays, slices) and one by one (a
    /// collection without contiguous storage) give the same address.
    @Test func fromOctetsContiguousOrNot() {
        let octets: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 10) + [0xab, 0xcd]
        let framed = [0xff] + octets + [0xee]
        let expected = IPv6Address(UInt128(0x2001_0db8) << 96 | 0xabcd)
        #expect(IPv6Address(bytes: octets) == expected)
        #expect(IPv6Address(bytes: framed[1..<17]) == expected)
        #expect(IPv6Address(bytes: octets.lazy.map { $0 }) == expected)
    }

    @Test func wellKnownAddresses() {
        #expect(IPv6Address.allNodes.description == "ff02::1")
        #expect(IPv6Address.allDHCPRelayAgentsAndServers.description == "ff02::1:2")
        #expect(IPv6Address.linkLocal(interfaceID: 0x0211_22ff_fe33_4455).description == "fe80::211:22ff:fe33:4455")
        #expect(a("fe80::1").isLinkLocal && a("febf::1").isLinkLocal && !a("fec0::1").isLinkLocal)
        #expect(IPv6Address(prefix: sessionPrefix, interfaceID: 0xa).description == "2001:db8:1:2::a")
    }

    @Test func prefixesCarve() throws {
        let aggregate = p("2001:db8:100::/40")
        #expect(aggregate.subprefixCount(length: 56) == 65536)
        #expect(aggregate.subprefix(0, length: 56) == p("2001:db8:100::/56"))
        #expect(aggregate.subprefix(1, length: 56) == p("2001:db8:100:100::/56"))
        #expect(aggregate.subprefix(65535, length: 56) == p("2001:db8:1ff:ff00::/56"))
        #expect(aggregate.subprefix(65536, length: 56) == nil)
        #expect(aggregate.index(of: p("2001:db8:1ff:ff00::/56")) == 65535)
        #expect(aggregate.index(of: p("2001:db8:200::/56")) == nil)
        #expect(IPv6Prefix("2001:db8::1/64") == nil)  // host bits set in text
        #expect(try IPv6Prefix(a("2001:db8::1"), length: 64) == p("2001:db8::/64"))
        #expect(throws: IPv6Error.badPrefixLength(129)) { try IPv6Prefix(a("::"), length: 129) }
        #expect(p("::/0").contains(a("2001::1")) && p("2001:db8::/32").contains(p("2001:db8:5::/48")))
        #expect(!p("2001:db8::/48").contains(p("2001:db8::/32")))
    }

    @Test(arguments: [
        ([0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2], "2001:db8:1:2::/64"),
        ([0, 0], "::/0"),
        ([0, 56, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 2, 0, 0, 0], "2001:db8:1:200::/56"),  // extra zero octets allowed
        ([0, 128] + IPv6Address("2001:db8::1")!.bytes, "2001:db8::1/128"),
    ] as [([UInt8], String)])
    func radiusPrefixValues(_ value: [UInt8], _ text: String) throws {
        let prefix = try IPv6Prefix(radiusValue: value)
        #expect(prefix == p(text))
        #expect(try IPv6Prefix(radiusValue: prefix.radiusValue) == prefix)
    }

    @Test(arguments: [
        ([0] as [UInt8], IPv6Error.truncated(needed: 2, available: 1)),
        ([0, 129], .badPrefixLength(129)),
        ([0, 64, 0x20, 0x01], .truncated(needed: 10, available: 4)),
        ([0, 16, 0x20, 0x01, 0x80], .invalidValue),  // a bit beyond the length
        (Array(repeating: 0, count: 19), .trailingBytes(1)),
    ])
    func badRadiusPrefixValues(_ value: [UInt8], _ error: IPv6Error) {
        #expect(throws: error) { try IPv6Prefix(radiusValue: value) }
    }

    @Test func checksumsMatchIndependentComputation() throws {
        let rs = RouterDiscoveryMessage.solicitation(RouterSolicitation()).packet(source: hostLL, destination: .allRouters)
        #expect(rs.count == 48 && rs[42] == 0x7d && rs[43] == 0x36)
        var ra = RouterAdvertisement(routerLifetime: 1800, options: [
            .prefixInformation(PrefixInformation(prefix: sessionPrefix, validLifetime: 86400, preferredLifetime: 14400)),
        ])
        ra.managed = true
        let raPacket = RouterDiscoveryMessage.advertisement(ra).packet(source: routerLL, destination: .allNodes)
        #expect(raPacket[42] == 0x39 && raPacket[43] == 0x44)
        let udp = UDPDatagram(header: IPv6Header(source: hostLL, destination: .allDHCPRelayAgentsAndServers, nextHeader: 17, hopLimit: 1),
                              sourcePort: 546, destinationPort: 547, payload: [1, 0x12, 0x34, 0x56]).packet()
        #expect(udp[46] == 0xc8 && udp[47] == 0xa1)
        // Any single flipped bit fails verification.
        for i in [8, 30, 40, 45, 47] {
            var bad = raPacket
            bad[i] ^= 0x01
            #expect(throws: (any Error).self) { try RouterDiscoveryMessage.parse(bad) }
        }
    }

    @Test func classifierNamesControlPacketsOnly() {
        let rs = RouterDiscoveryMessage.solicitation(RouterSolicitation()).packet(source: hostLL, destination: .allRouters)
        #expect(IPv6ControlPacket.classify(rs) == .routerSolicitation)
        let solicit = DHCPv6Message(type: .solicit, transactionID: 1).packet(source: hostLL, destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)
        #expect(IPv6ControlPacket.classify(solicit) == .dhcpv6ToServer)
        #expect(IPv6ControlPacket.classify(Array(rs.prefix(47))) == nil)
        var echo = rs; echo[40] = 128
        #expect(IPv6ControlPacket.classify(echo) == nil)
        var v4 = rs; v4[0] = 0x45
        #expect(IPv6ControlPacket.classify(v4) == nil)
        #expect(IPv6ControlPacket.classify(solicit[...]) == .dhcpv6ToServer)
    }
}
