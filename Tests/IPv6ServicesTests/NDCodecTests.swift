// Router Solicitation and Advertisement codecs (RFC 4861 §4.1, §4.2, §4.6,
// §6.1; RFC 8106 §5): a boundary table per option (short, long, zero,
// overrun, trailing), round trips, and the validity checks on whole packets.
import Testing
@testable import IPv6Services

@Suite struct NDCodecTests {
    static func option(_ type: UInt8, _ units: UInt8, _ body: [UInt8]) -> [UInt8] { [type, units] + body }

    static let prefixBody: [UInt8] = [64, 0xc0, 0, 1, 0x51, 0x80, 0, 0, 0x38, 0x40, 0, 0, 0, 0] + IPv6Address("2001:db8:1:2::")!.bytes

    @Test(arguments: [
        (option(1, 1, [1, 2, 3, 4, 5, 6]), NDOption.sourceLinkLayerAddress([1, 2, 3, 4, 5, 6])),
        (option(2, 2, Array(1...14)), .targetLinkLayerAddress(Array(1...14))),
        (option(3, 4, prefixBody), .prefixInformation(PrefixInformation(prefix: sessionPrefix, validLifetime: 86400, preferredLifetime: 14400))),
        (option(5, 1, [0, 0, 0, 0, 0x05, 0xdc]), .mtu(1500)),
        (option(25, 3, [0, 0, 0, 0, 0x0e, 0x10] + IPv6Address("2001:db8::53")!.bytes), .recursiveDNSServers(lifetime: 3600, servers: [a("2001:db8::53")])),
        (option(25, 5, [0, 0, 0, 0, 0, 0] + IPv6Address("2001:db8::53")!.bytes + IPv6Address("2001:db8::54")!.bytes),
         .recursiveDNSServers(lifetime: 0, servers: [a("2001:db8::53"), a("2001:db8::54")])),
        (option(31, 2, [0, 0, 0, 0, 0, 60, 3] + Array("isp".utf8) + [0, 0, 0, 0]), .dnsSearchList(lifetime: 60, domains: ["isp"])),
        (option(31, 2, [0, 0, 0, 0, 0, 60, 1, 0x61, 1, 0x62, 0, 1, 0x63, 0]), .dnsSearchList(lifetime: 60, domains: ["a.b", "c"])),
        (option(200, 1, [9, 9, 9, 9, 9, 9]), .unknown(type: 200, body: [9, 9, 9, 9, 9, 9])),
    ] as [([UInt8], NDOption)])
    func optionsDecodeAndEncode(_ bytes: [UInt8], _ expected: NDOption) throws {
        #expect(try NDOption.parseList(bytes[...]) == [expected])
        var out: [UInt8] = []
        expected.encode(into: &out)
        #expect(out == bytes)
    }

    @Test(arguments: [
        ([] as [UInt8], nil as IPv6Error?),
        ([1], .truncated(needed: 2, available: 1)),
        ([1, 0, 0, 0, 0, 0, 0, 0], .zeroOptionLength(type: 1)),
        ([200, 0], .zeroOptionLength(type: 200)),
        ([1, 1, 0, 0, 0, 0, 0], .optionOverrun(type: 1, declared: 8, available: 7)),
        ([1, 2, 0, 0, 0, 0, 0, 0], .optionOverrun(type: 1, declared: 16, available: 8)),
        (option(3, 3, Array(prefixBody.prefix(22))), .badOptionLength(type: 3, length: 3)),
        (option(3, 5, prefixBody + Array(repeating: 0, count: 8)), .badOptionLength(type: 3, length: 5)),
        (option(3, 4, [129] + prefixBody.dropFirst()), .badPrefixLength(129)),
        (option(5, 2, Array(repeating: 0, count: 14)), .badOptionLength(type: 5, length: 2)),
        (option(25, 1, [0, 0, 0, 0, 0, 0]), .badOptionLength(type: 25, length: 1)),
        (option(25, 2, Array(repeating: 0, count: 14)), .badOptionLength(type: 25, length: 2)),
        (option(25, 4, Array(repeating: 0, count: 30)), .badOptionLength(type: 25, length: 4)),
        (option(31, 1, [0, 0, 0, 0, 0, 0]), .badOptionLength(type: 31, length: 1)),
        (option(31, 2, [0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0]), .badDomainName),  // no name at all
        (option(31, 2, [0, 0, 0, 0, 0, 0] + [3, 0x61, 0x62, 0x63, 0, 0, 0, 1]), .badDomainName),  // padding not zero
        (option(31, 2, [0, 0, 0, 0, 0, 0] + [0xc0, 0x0c, 0, 0, 0, 0, 0, 0]), .badDomainName),  // compression pointer
        (option(31, 2, [0, 0, 0, 0, 0, 0] + [3, 0x61, 0x2e, 0x62, 0, 0, 0, 0]), .badDomainName),  // "." inside a label
        (option(31, 2, [0, 0, 0, 0, 0, 0] + [9, 0x61, 0x62, 0x63, 0x64, 0, 0, 0]), .truncated(needed: 9, available: 7)),
    ] as [([UInt8], IPv6Error?)])
    func optionBoundaries(_ bytes: [UInt8], _ error: IPv6Error?) {
        if let error {
            #expect(throws: error) { try NDOption.parseList(bytes[...]) }
        } else {
            #expect((try? NDOption.parseList(bytes[...])) == [])
        }
    }

    @Test func advertisementRoundTripsWithEveryOption() throws {
        var ra = RouterAdvertisement(routerLifetime: 1800, options: [
            .sourceLinkLayerAddress([2, 0, 0, 0, 0, 1]),
            .prefixInformation(PrefixInformation(prefix: sessionPrefix, onLink: false, autonomous: true, validLifetime: 7200, preferredLifetime: 3600)),
            .mtu(1492),
            .recursiveDNSServers(lifetime: 1800, servers: [a("2001:db8::53")]),
            .dnsSearchList(lifetime: 1800, domains: ["example.net", "isp"]),
        ])
        ra.managed = true; ra.otherConfiguration = true; ra.curHopLimit = 32; ra.reachableTime = 30000; ra.retransTimer = 1000
        let packet = RouterDiscoveryMessage.advertisement(ra).packet(source: routerLL, destination: .allNodes)
        let (h, message) = try RouterDiscoveryMessage.parse(packet)
        #expect(message == .advertisement(ra))
        #expect(h.hopLimit == 255 && h.source == routerLL && h.destination == .allNodes)
    }

    @Test func solicitationRoundTrips() throws {
        let rs = RouterSolicitation(options: [.sourceLinkLayerAddress([1, 2, 3, 4, 5, 6])])
        let (_, m) = try RouterDiscoveryMessage.parse(RouterDiscoveryMessage.solicitation(rs).packet(source: hostLL, destination: .allRouters))
        #expect(m == .solicitation(rs))
    }

    @Test(arguments: [
        (icmpPacket(type: 134, body: raFixedBody, hopLimit: 64), IPv6Error.badHopLimit(64)),
        (icmpPacket(type: 134, body: raFixedBody, source: a("2001:db8::2")), .sourceNotLinkLocal),
        (icmpPacket(type: 134, code: 1, body: raFixedBody), .badCode(1)),
        (icmpPacket(type: 133, code: 1, body: [0, 0, 0, 0]), .badCode(1)),
        (icmpPacket(type: 134, body: Array(raFixedBody.prefix(11))), .truncated(needed: 2, available: 1)),
        (icmpPacket(type: 133, body: [0, 0, 0]), .truncated(needed: 2, available: 1)),
        (icmpPacket(type: 134, body: raFixedBody + [3, 0, 0, 0, 0, 0, 0, 0]), .zeroOptionLength(type: 3)),
        (icmpPacket(type: 134, body: raFixedBody + [5, 1, 0, 0]), .optionOverrun(type: 5, declared: 8, available: 4)),
        (icmpPacket(type: 133, body: [0, 0, 0, 0, 1, 1, 1, 2, 3, 4, 5, 6], source: .unspecified), .linkLayerAddressFromUnspecified),
        (icmpPacket(type: 135, body: Array(repeating: 0, count: 20)), .unexpectedType(135)),
    ] as [([UInt8], IPv6Error)])
    func packetValidity(_ packet: [UInt8], _ error: IPv6Error) {
        #expect(throws: error) { try RouterDiscoveryMessage.parse(packet) }
    }

    @Test func ipv6HeaderBoundaries() {
        let good = icmpPacket(type: 133, body: [0, 0, 0, 0])
        #expect((try? RouterDiscoveryMessage.parse(good)) != nil)
        #expect(throws: IPv6Error.truncated(needed: 40, available: 39)) { try RouterDiscoveryMessage.parse(Array(good.prefix(39))) }
        #expect(throws: IPv6Error.payloadLengthMismatch(declared: 8, available: 7)) { try RouterDiscoveryMessage.parse(Array(good.dropLast())) }
        #expect(throws: IPv6Error.payloadLengthMismatch(declared: 8, available: 9)) { try RouterDiscoveryMessage.parse(good + [0]) }
        var v4 = good; v4[0] = 0x40
        #expect(throws: IPv6Error.badVersion(4)) { try RouterDiscoveryMessage.parse(v4) }
        var udp = good; udp[6] = 17
        #expect(throws: IPv6Error.unexpectedNextHeader(17)) { try RouterDiscoveryMessage.parse(udp) }
        var sum = good; sum[43] ^= 0xff
        #expect(throws: IPv6Error.badChecksum) { try RouterDiscoveryMessage.parse(sum) }
        // The RS from :: without a link-layer option is valid (§6.1.1).
        #expect((try? RouterDiscoveryMessage.parse(icmpPacket(type: 133, body: [0, 0, 0, 0], source: .unspecified))) != nil)
    }
}
