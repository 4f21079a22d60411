// DHCPv6 message and option codecs (RFC 8415 §8, §11, §21; RFC 3646): a
// boundary table per option, nesting rules (Appendix C), DUID sizes, and
// whole UDP/IPv6 packets.
import Testing
@testable import IPv6Services

@Suite struct DHCPv6CodecTests {
    static func opt(_ code: UInt16, _ data: [UInt8]) -> [UInt8] {
        [UInt8(code >> 8), UInt8(code & 0xff), UInt8(data.count >> 8), UInt8(data.count & 0xff)] + data
    }
    static let duidLL: [UInt8] = [0, 3, 0, 1, 2, 0, 0, 0, 0, 1]
    static let iaPrefixData: [UInt8] = [0, 0, 0x0e, 0x10, 0, 0, 0x1c, 0x20, 56] + IPv6Address("2001:db8:100::")!.bytes

    @Test(arguments: [
        (opt(1, duidLL), DHCPv6Option.clientID(.linkLayer(hardwareType: 1, address: [2, 0, 0, 0, 0, 1]))),
        (opt(2, [0, 2, 0, 0, 0x7f, 0xff, 9]), .serverID(.enterprise(number: 32767, identifier: [9]))),
        (opt(3, [0, 0, 0, 1, 0, 0, 0, 10, 0, 0, 0, 20]), .iaNA(IdentityAssociation(iaid: 1, t1: 10, t2: 20))),
        (opt(3, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + opt(5, IPv6Address("2001:db8::9")!.bytes + [0, 0, 0, 1, 0, 0, 0, 2])),
         .iaNA(IdentityAssociation(iaid: 1, options: [.iaAddress(IAAddress(address: a("2001:db8::9"), preferredLifetime: 1, validLifetime: 2))]))),
        (opt(25, [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0] + opt(26, iaPrefixData)),
         .iaPD(IdentityAssociation(iaid: 7, options: [.iaPrefix(IAPrefix(prefix: p("2001:db8:100::/56"), preferredLifetime: 3600, validLifetime: 7200))]))),
        (opt(25, [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0] + opt(13, [0, 6] + Array("none".utf8))),
         .iaPD(IdentityAssociation(iaid: 7, options: [.statusCode(.noPrefixAvail, message: "none")]))),
        (opt(25, [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0] + opt(26, iaPrefixData + opt(13, [0, 0]))),
         .iaPD(IdentityAssociation(iaid: 7, options: [.iaPrefix(IAPrefix(prefix: p("2001:db8:100::/56"), preferredLifetime: 3600, validLifetime: 7200, options: [.statusCode(.success, message: "")]))]))),
        (opt(6, [0, 23, 0, 24]), .optionRequest([23, 24])),
        (opt(6, []), .optionRequest([])),
        (opt(7, [255]), .preference(255)),
        (opt(8, [0xff, 0xff]), .elapsedTime(0xffff)),
        (opt(13, [0, 3]), .statusCode(.noBinding, message: "")),
        (opt(14, []), .rapidCommit),
        (opt(20, []), .reconfigureAccept),
        (opt(23, IPv6Address("2001:db8::53")!.bytes), .dnsServers([a("2001:db8::53")])),
        (opt(24, [3] + Array("isp".utf8) + [0, 1, 0x61, 0]), .domainList(["isp", "a"])),
        (opt(32, [0, 0, 0x0e, 0x10]), .informationRefreshTime(3600)),
        (opt(4, [0, 0, 0, 1]), .unknown(code: 4, data: [0, 0, 0, 1])),
    ] as [([UInt8], DHCPv6Option)])
    func optionsDecodeAndEncode(_ bytes: [UInt8], _ expected: DHCPv6Option) throws {
        #expect(try DHCPv6Option.parseList(bytes[...], in: .message) == [expected])
        var out: [UInt8] = []
        expected.encode(into: &out)
        #expect(out == bytes)
    }

    @Test(arguments: [
        ([0, 1, 0] as [UInt8], IPv6Error.truncated(needed: 4, available: 3)),
        (opt(1, duidLL).dropLast(), .optionOverrun(type: 1, declared: 10, available: 9)),
        (opt(1, [0]), .truncated(needed: 2, available: 1)),
        (opt(1, [0, 3, 0, 1]), .invalidValue),                   // DUID-LL without an address
        (opt(1, [0, 4] + Array(repeating: 1, count: 15)), .invalidValue),  // UUID not 16 octets
        (opt(1, [0, 9] + Array(repeating: 1, count: 129)), .badOptionLength(type: 1, length: 131)),
        (opt(1, duidLL) + opt(1, duidLL), .duplicateOption(1)),
        (opt(3, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), .badOptionLength(type: 3, length: 11)),
        (opt(25, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), .badOptionLength(type: 25, length: 11)),
        (opt(25, [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0] + opt(26, Array(iaPrefixData.prefix(24)))), .badOptionLength(type: 26, length: 24)),
        (opt(25, [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0] + opt(26, Array(iaPrefixData.prefix(8)) + [129] + Array(repeating: 0, count: 16))), .badPrefixLength(129)),
        (opt(25, [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0] + opt(26, iaPrefixData + [0, 13])), .truncated(needed: 4, available: 2)),
        (opt(25, [0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0] + opt(26, iaPrefixData + opt(13, [0, 0]))).dropLast(), .optionOverrun(type: 25, declared: 47, available: 46)),
        (opt(3, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + opt(26, iaPrefixData)), .misplacedOption(26)),   // IAPREFIX in IA_NA
        (opt(25, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + opt(5, Array(repeating: 0, count: 24))), .misplacedOption(5)),
        (opt(26, iaPrefixData), .misplacedOption(26)),        // at the top
        (opt(5, Array(repeating: 0, count: 24)), .misplacedOption(5)),
        (opt(25, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + opt(25, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])), .misplacedOption(25)),  // IA in IA
        (opt(3, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] + opt(5, Array(repeating: 0, count: 23))), .badOptionLength(type: 5, length: 23)),
        (opt(6, [0, 23, 0]), .badOptionLength(type: 6, length: 3)),
        (opt(7, []), .badOptionLength(type: 7, length: 0)),
        (opt(7, [1, 2]), .badOptionLength(type: 7, length: 2)),
        (opt(8, [1]), .badOptionLength(type: 8, length: 1)),
        (opt(8, [0, 1, 2]), .badOptionLength(type: 8, length: 3)),
        (opt(13, [0]), .badOptionLength(type: 13, length: 1)),
        (opt(13, [0, 1, 0xff]), .invalidValue),              // message not UTF-8
        (opt(14, [0]), .badOptionLength(type: 14, length: 1)),
        (opt(20, [1]), .badOptionLength(type: 20, length: 1)),
        (opt(23, []), .badOptionLength(type: 23, length: 0)),
        (opt(23, Array(repeating: 0, count: 17)), .badOptionLength(type: 23, length: 17)),
        (opt(24, []), .badOptionLength(type: 24, length: 0)),
        (opt(24, [3, 0x61, 0x62]), .truncated(needed: 3, available: 2)),
        (opt(24, [0]), .badDomainName),
        (opt(32, [0, 0, 1]), .badOptionLength(type: 32, length: 3)),
    ] as [([UInt8], IPv6Error)])
    func optionBoundaries(_ bytes: [UInt8], _ error: IPv6Error) {
        #expect(throws: error) { try DHCPv6Option.parseList(bytes[...], in: .message) }
    }

    @Test func messagesDecodeAndEncode() throws {
        let m = DHCPv6Message(type: .solicit, transactionID: 0xabcdef, options: [
            .clientID(.linkLayer(hardwareType: 1, address: [2, 0, 0, 0, 0, 1])), .elapsedTime(0),
            .iaPD(IdentityAssociation(iaid: 1, options: [.iaPrefix(IAPrefix(prefix: p("::/56"), preferredLifetime: 0, validLifetime: 0))])),
            .rapidCommit, .optionRequest([23]),
        ])
        #expect(try DHCPv6Message.decode(m.encoded()[...]) == m)
        #expect(m.encoded().prefix(4) == [1, 0xab, 0xcd, 0xef])
        for type in DHCPv6MessageType.allCases {
            #expect(try DHCPv6Message.decode([type.rawValue, 0, 0, 1]).type == type)
        }
        #expect(throws: IPv6Error.truncated(needed: 2, available: 1)) { try DHCPv6Message.decode([1, 0, 0]) }
        #expect(throws: IPv6Error.unexpectedType(12)) { try DHCPv6Message.decode([12, 0, 0, 0]) }  // Relay-forw
        #expect(throws: IPv6Error.unexpectedType(0)) { try DHCPv6Message.decode([0, 0, 0, 0]) }
        #expect(throws: IPv6Error.truncated(needed: 4, available: 1)) { try DHCPv6Message.decode([1, 0, 0, 0, 0]) }
    }

    @Test func udpPacketsRoundTripAndAreChecked() throws {
        let m = DHCPv6Message(type: .informationRequest, transactionID: 5, options: [.elapsedTime(3)])
        let packet = m.packet(source: hostLL, destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)
        let (d, back) = try DHCPv6Message.parse(packet)
        #expect(back == m && d.sourcePort == 546 && d.destinationPort == 547 && d.header.hopLimit == 1)
        var zero = packet; zero[46] = 0; zero[47] = 0
        #expect(throws: IPv6Error.badChecksum) { try DHCPv6Message.parse(zero) }
        var length = packet; length[45] &+= 1
        #expect(throws: IPv6Error.badUDPLength(declared: Int(length[44]) << 8 | Int(length[45]), available: packet.count - 40)) {
            try DHCPv6Message.parse(reChecksummed(length, next: 17, offset: 6))
        }
        #expect(throws: IPv6Error.truncated(needed: 2, available: 0)) {
            try UDPDatagram.parse(reChecksummed(Array(packet.prefix(44)).enumerated().map { $0.offset == 5 ? 4 : $0.element }, next: 17, offset: 0))
        }
    }
}
