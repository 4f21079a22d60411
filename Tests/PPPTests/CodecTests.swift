// Boundary tables for every Length field in the library: control packets
// (RFC 1661 §5), options (§6), typed LCP options, link-maintenance bodies,
// frame headers and channel frames. Short, long, trailing and truncated input.
import Testing
@testable import PPP

/// A packet with `count` octets whose Length field says `declared`.
func packetBytes(count: Int, declared: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0xab, count: count)
    if count > 0 { bytes[0] = 1 }
    if count > 1 { bytes[1] = 7 }
    if count > 3 {
        bytes[2] = UInt8(declared >> 8)
        bytes[3] = UInt8(declared & 0xff)
    }
    return bytes
}

struct PacketCase: Sendable, CustomTestStringConvertible {
    var count: Int
    var declared: Int
    var expected: Result<Int, PPPError>  // data length or error
    var testDescription: String { "\(count) octets, Length \(declared)" }
}

@Suite struct CodecTests {
    static let packetCases: [PacketCase] = [
        .init(count: 0, declared: 0, expected: .failure(.truncated(needed: 4, available: 0))),
        .init(count: 1, declared: 0, expected: .failure(.truncated(needed: 4, available: 1))),
        .init(count: 3, declared: 0, expected: .failure(.truncated(needed: 4, available: 3))),
        .init(count: 4, declared: 0, expected: .failure(.lengthTooShort(declared: 0, minimum: 4))),
        .init(count: 4, declared: 1, expected: .failure(.lengthTooShort(declared: 1, minimum: 4))),
        .init(count: 4, declared: 3, expected: .failure(.lengthTooShort(declared: 3, minimum: 4))),
        .init(count: 4, declared: 4, expected: .success(0)),
        .init(count: 4, declared: 5, expected: .failure(.lengthExceedsData(declared: 5, available: 4))),
        .init(count: 10, declared: 6, expected: .success(2)),  // 4 octets of padding ignored
        .init(count: 65535, declared: 65535, expected: .success(65531)),
        .init(count: 65534, declared: 65535, expected: .failure(.lengthExceedsData(declared: 65535, available: 65534))),
        .init(count: 70000, declared: 65535, expected: .success(65531)),
    ]

    @Test(arguments: packetCases)
    func controlPacketLengths(_ c: PacketCase) {
        let bytes = packetBytes(count: c.count, declared: c.declared)
        let result = Result { () throws(PPPError) in try ControlPacket(parsing: bytes) }
        switch (result, c.expected) {
        case let (.success(packet), .success(dataLength)):
            #expect(packet.data.count == dataLength)
            #expect(packet.code == .configureRequest && packet.identifier == 7)
        case let (.failure(error), .failure(expected)):
            #expect(error == expected)
        default:
            Issue.record("got \(result), expected \(c.expected)")
        }
    }

    @Test func controlPacketParsesFromSliceOffset() throws {
        let bytes: [UInt8] = [0xee, 0xee, 9, 3, 0, 8, 1, 2, 3, 4, 0xff]
        let packet = try ControlPacket(parsing: bytes[2...])
        #expect(packet == ControlPacket(code: .echoRequest, identifier: 3, data: [1, 2, 3, 4]))
        #expect(packet.encoded() == Array(bytes[2..<10]))
    }

    @Test func controlPacketRoundTripAtMaximum() throws {
        let packet = ControlPacket(code: .discardRequest, identifier: 255,
                                   data: [UInt8](repeating: 7, count: ControlPacket.maximumDataLength))
        let bytes = packet.encoded()
        #expect(bytes.count == 65535 && bytes[2] == 0xff && bytes[3] == 0xff)
        #expect(try ControlPacket(parsing: bytes) == packet)
    }

    static let optionCases: [([UInt8], Result<Int, PPPError>)] = [
        ([], .success(0)),
        ([1], .failure(.truncated(needed: 2, available: 1))),
        ([1, 0], .failure(.lengthTooShort(declared: 0, minimum: 2))),
        ([1, 1], .failure(.lengthTooShort(declared: 1, minimum: 2))),
        ([7, 2], .success(1)),
        ([7, 2, 8, 2], .success(2)),
        ([1, 4, 5, 220], .success(1)),
        ([1, 4, 5], .failure(.lengthExceedsData(declared: 4, available: 3))),
        ([7, 2, 1], .failure(.truncated(needed: 2, available: 1))),  // trailing octet
        ([3, 255] + [UInt8](repeating: 0, count: 253), .success(1)),
        ([3, 255] + [UInt8](repeating: 0, count: 252), .failure(.lengthExceedsData(declared: 255, available: 254))),
    ]

    @Test func optionListLengths() {
        for (bytes, expected) in Self.optionCases {
            let result = Result { () throws(PPPError) in try ConfigurationOption.parseList(bytes) }
            switch (result, expected) {
            case let (.success(options), .success(count)):
                #expect(options.count == count)
                #expect(ConfigurationOption.encodeList(options) == bytes)
            case let (.failure(error), .failure(e)):
                #expect(error == e, "\(bytes.prefix(6))")
            default:
                Issue.record("\(bytes.prefix(6)): got \(result), expected \(expected)")
            }
        }
    }

    @Test func typedLCPOptionLengths() throws {
        let good: [(ConfigurationOption, LCPOption)] = [
            (.init(type: 1, value: [5, 220]), .maximumReceiveUnit(1500)),
            (.init(type: 2, value: [0, 0, 0, 0]), .asyncControlCharacterMap(0)),
            (.init(type: 3, value: [0xc2, 0x23, 5]), .authenticationProtocol(.chap, data: [5])),
            (.init(type: 5, value: [1, 2, 3, 4]), .magicNumber(0x0102_0304)),
            (.init(type: 7), .protocolFieldCompression),
            (.init(type: 8), .addressAndControlFieldCompression),
            (.init(type: 17, value: [5, 220]), .maximumReceiveReconstructedUnit(1500)),
            (.init(type: 19, value: [1, 9]), .endpointDiscriminator(try EndpointDiscriminator(class: .locallyAssigned, address: [9]))),
            (.init(type: 18), .shortSequenceNumberHeaderFormat),
            (.init(type: 99, value: [1]), .unknown(.init(type: 99, value: [1]))),
        ]
        for (option, typed) in good {
            #expect(try LCPOption(option) == typed)
            #expect(typed.option == option)
        }
        let bad: [ConfigurationOption] = [
            .init(type: 1, value: [5]), .init(type: 1, value: [5, 220, 0]),
            .init(type: 2, value: [0, 0, 0]), .init(type: 3, value: [0xc0]),
            .init(type: 5, value: []), .init(type: 5, value: [1, 2, 3, 4, 5]),
            .init(type: 7, value: [0]), .init(type: 8, value: [0]),
            .init(type: 17, value: []), .init(type: 19, value: []), .init(type: 19, value: [1]),
            .init(type: 18, value: [0]), .init(type: 19, value: [2, 1, 2, 3]),
        ]
        for option in bad {
            #expect(throws: PPPError.self) { try LCPOption(option) }
        }
    }

    @Test func authenticationProtocolValues() {
        for auth in AuthenticationProtocol.allCases {
            #expect(AuthenticationProtocol(optionValue: auth.optionValue) == auth)
        }
        #expect(AuthenticationProtocol(optionValue: [0xc2, 0x23]) == nil)  // CHAP without algorithm
        #expect(AuthenticationProtocol(optionValue: [0xc2, 0x23, 0x80]) == nil)  // MS-CHAPv1
        #expect(AuthenticationProtocol(optionValue: [0xc0, 0x23, 0]) == nil)  // PAP with data
    }

    @Test func linkMaintenanceBodies() throws {
        let bodies: [LinkMaintenancePacket] = [
            .protocolReject(.ipv6cp, information: [1, 2, 3]),
            .echoRequest(magicNumber: 0xdead_beef, data: [9]),
            .echoReply(magicNumber: 1, data: []),
            .discardRequest(magicNumber: 0, data: [1, 2]),
            .identification(magicNumber: 5, message: Array("ppprouter".utf8)),
            .timeRemaining(magicNumber: 5, seconds: 3600, message: []),
        ]
        for body in bodies {
            let packet = body.controlPacket(identifier: 42)
            #expect(try LinkMaintenancePacket(parsing: try ControlPacket(parsing: packet.encoded())) == body)
        }
        let short: [(ControlCode, Int)] = [(.protocolReject, 1), (.echoRequest, 3), (.echoReply, 0),
                                           (.discardRequest, 3), (.identification, 3), (.timeRemaining, 7)]
        for (code, count) in short {
            let packet = ControlPacket(code: code, identifier: 1, data: [UInt8](repeating: 0, count: count))
            #expect(throws: PPPError.self) { try LinkMaintenancePacket(parsing: packet) }
        }
        #expect(try LinkMaintenancePacket(parsing: ControlPacket(code: .configureRequest, identifier: 1)) == nil)
    }

    @Test func frameHeaderBoundaries() throws {
        let failing: [[UInt8]] = [[], [0xff, 0x03], [0x00], [0xff, 0x03, 0xc0], [0x00, 0x20], [0x02, 0x20]]
        for bytes in failing {
            #expect(throws: PPPError.self, "\(bytes)") { try FrameHeader.parse(bytes[...]) }
        }
        let cases: [([UInt8], UInt16, [UInt8])] = [
            ([0xff, 0x03, 0xc0, 0x21, 1], 0xc021, [1]),
            ([0xc0, 0x21], 0xc021, []),
            ([0x21, 0x45], 0x0021, [0x45]),
            ([0xff, 0x03, 0x21], 0x0021, []),
            ([0x00, 0x21, 9], 0x0021, [9]),
        ]
        for (bytes, proto, info) in cases {
            let parsed = try FrameHeader.parse(bytes[...])
            #expect(parsed.protocol.rawValue == proto && Array(parsed.information) == info)
        }
    }

    @Test func channelFrameBoundaries() throws {
        for bytes: [UInt8] in [[], [0x00], [0x00, 0x20], [0x01, 0x21]] {
            #expect(throws: PPPError.self) { try ChannelFrame.decode(bytes[...]) }
        }
        var out: [UInt8] = [0xaa, 0xbb, 1, 2]
        out.withUnsafeMutableBytes { ChannelFrame.writeHeader(.ipv6, into: $0) }
        #expect(out == [0x00, 0x57, 1, 2])
        let decoded = try ChannelFrame.decode(out[...])
        #expect(decoded.protocol == .ipv6 && Array(decoded.information) == [1, 2])
        #expect(try ChannelFrame.decode([0x80, 0x21][...]).information.isEmpty)
    }

    /// RFC 1661 §5.7 Protocol-Reject as a channel carries it: code 8, Length
    /// within the octets (padding after it ignored), two Rejected-Protocol
    /// octets at least. Short, long, trailing and truncated input.
    @Test func channelProtocolRejectBoundaries() {
        let cases: [([UInt8], UInt16?, [UInt8])] = [
            ([8, 1, 0, 6, 0x80, 0xfd], 0x80fd, []),                     // exactly the minimum
            ([8, 1, 0, 8, 0x00, 0x21, 0x45, 0], 0x0021, [0x45, 0]),     // with rejected information
            ([8, 1, 0, 7, 0x00, 0x21, 0x45, 0xee, 0xee], 0x0021, [0x45]),  // trailing padding ignored
            ([8, 1, 0, 6, 0x80], nil, []),                              // truncated below Length
            ([8, 1, 0, 5, 0x80, 0xfd], nil, []),                        // Length leaves one protocol octet
            ([8, 1, 0, 3, 0x80, 0xfd], nil, []),                        // Length below the header
            ([8, 1, 0, 4], nil, []),                                    // no Rejected-Protocol
            ([8, 1, 0], nil, []),                                       // short header
            ([], nil, []),
            ([9, 1, 0, 6, 0x80, 0xfd], nil, []),                        // Echo-Request, not a reject
            ([1, 1, 0, 6, 0x80, 0xfd], nil, []),                        // Configure-Request
        ]
        for (bytes, proto, information) in cases {
            let framed: [UInt8] = [0xff] + bytes  // a slice not starting at 0
            let got = ChannelFrame.protocolReject(framed[1...])
            #expect(got?.protocol.rawValue == proto, "\(bytes)")
            if let got { #expect(Array(got.information) == information, "\(bytes)") }
        }
    }

    @Test func syncFramingRoundTrip() throws {
        var out: [UInt8] = []
        let compressing = SyncFraming(compressAddressControl: true, compressProtocol: true)
        compressing.encode(protocol: .ipv4, information: [0x45], into: &out)
        #expect(out == [0x21, 0x45])
        compressing.encode(protocol: .lcp, information: [1], into: &out)
        #expect(out == [0xff, 0x03, 0xc0, 0x21, 1])  // never for LCP
        SyncFraming().encode(protocol: .ipv4, information: [0x45], into: &out)
        #expect(out == [0xff, 0x03, 0x00, 0x21, 0x45])
        let decoded = try SyncFraming.decode(out[...])
        #expect(decoded.protocol == .ipv4 && Array(decoded.information) == [0x45])
    }
}
