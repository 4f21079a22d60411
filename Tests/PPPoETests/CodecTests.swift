// Boundary tables for every length field of PPPoE: the PPPoE LENGTH (RFC 2516
// §4), TAG_LENGTH (§5), the fixed tag sizes (Appendix A, RFC 4638 §4), the
// PADI ceiling (§5.1) and the per-CODE rules of §5.1-§5.5.
import Testing
@testable import PPPoE

struct HeaderCase: Sendable, CustomTestStringConvertible {
    var count: Int
    var declared: Int
    var expected: Result<Int, PPPoEError>  // payload length or error
    var testDescription: String { "\(count) octets, LENGTH \(declared)" }
}

struct TagCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var expected: Result<Int, PPPoEError>  // tag count or error
    var testDescription: String { name }
}

struct PacketRuleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var frame: [UInt8]
    var expected: PPPoEError?
    var testDescription: String { name }
}

@Suite struct CodecTests {
    /// A frame of `count` octets whose LENGTH says `declared` (when it has a LENGTH).
    static func headerBytes(count: Int, declared: Int) -> [UInt8] {
        var f = rawFrame(etherType: 0x8864, code: 0, session: 1, payload: [], declared: declared)
        f += [UInt8](repeating: 0xc0, count: max(0, count - f.count))
        return Array(f.prefix(count))
    }

    static let headerCases: [HeaderCase] = [
        .init(count: 0, declared: 0, expected: .failure(.truncated(needed: 20, available: 0))),
        .init(count: 1, declared: 0, expected: .failure(.truncated(needed: 20, available: 1))),
        .init(count: 19, declared: 0, expected: .failure(.truncated(needed: 20, available: 19))),
        .init(count: 20, declared: 0, expected: .success(0)),
        .init(count: 20, declared: 1, expected: .failure(.lengthExceedsData(declared: 1, available: 0))),
        .init(count: 60, declared: 2, expected: .success(2)),  // Ethernet padding after LENGTH
        .init(count: 1514, declared: 1494, expected: .success(1494)),
        .init(count: 1514, declared: 1495, expected: .failure(.lengthExceedsData(declared: 1495, available: 1494))),
        .init(count: 20 + 65535, declared: 65535, expected: .success(65535)),
        .init(count: 20 + 65534, declared: 65535, expected: .failure(.lengthExceedsData(declared: 65535, available: 65534))),
    ]

    @Test(arguments: headerCases)
    func headerLengths(_ c: HeaderCase) {
        let bytes = Self.headerBytes(count: c.count, declared: c.declared)
        let result = Result { () throws(PPPoEError) in try PPPoEHeader(parsing: bytes) }
        switch (result, c.expected) {
        case let (.success(h), .success(length)):
            #expect(h.payloadLength == length && h.sessionID == 1 && h.etherType == .session)
            #expect(h.destination == .broadcast && h.source == hostMAC)
        case let (.failure(e), .failure(expected)):
            #expect(e == expected)
        default:
            Issue.record("got \(result), expected \(c.expected)")
        }
    }

    @Test func headerRejectsVersionTypeAndEtherType() {
        #expect(throws: PPPoEError.badVersionType(0x21)) {
            try PPPoEHeader(parsing: rawFrame(code: 9, payload: [], versionType: 0x21))
        }
        #expect(throws: PPPoEError.unknownEtherType(0x0800)) {
            try PPPoEHeader(parsing: rawFrame(etherType: 0x0800, code: 9, payload: []))
        }
    }

    @Test func headerRoundTripAndInPlaceWrite() throws {
        let h = PPPoEHeader(destination: acMAC, source: hostMAC, etherType: .session, code: 0, sessionID: 0x1234, payloadLength: 3)
        var appended: [UInt8] = []
        h.append(to: &appended)
        var buffer = [UInt8](repeating: 0xee, count: 23)
        h.write(into: &buffer)
        #expect(Array(buffer.prefix(20)) == appended)
        #expect(try PPPoEHeader(parsing: buffer) == h)
        // RFC 2516 Appendix B, the LCP example's header octets.
        #expect(Array(appended[12..<20]) == [0x88, 0x64, 0x11, 0x00, 0x12, 0x34, 0x00, 0x03])
    }

    static let tagCases: [TagCase] = [
        .init(name: "empty list", bytes: [], expected: .success(0)),
        .init(name: "1 octet", bytes: [0x01], expected: .failure(.truncated(needed: 4, available: 1))),
        .init(name: "3 octets (header - 1)", bytes: [0x01, 0x01, 0x00], expected: .failure(.truncated(needed: 4, available: 3))),
        .init(name: "header only, length 0", bytes: rawTag(0x0101, []), expected: .success(1)),
        .init(name: "length 1, no value", bytes: rawTag(0x0101, [], declared: 1),
              expected: .failure(.lengthExceedsData(declared: 1, available: 0))),
        .init(name: "length longer than data", bytes: rawTag(0x0102, [1, 2, 3], declared: 4),
              expected: .failure(.lengthExceedsData(declared: 4, available: 3))),
        .init(name: "two tags", bytes: rawTag(0x0101, []) + rawTag(0x0103, [9, 9]), expected: .success(2)),
        .init(name: "second tag cut", bytes: rawTag(0x0101, []) + [0x01], expected: .failure(.truncated(needed: 4, available: 1))),
        .init(name: "maximum value", bytes: rawTag(0x0104, [UInt8](repeating: 7, count: 65535)), expected: .success(1)),
        .init(name: "maximum + 1", bytes: rawTag(0x0104, [UInt8](repeating: 7, count: 65534), declared: 65535),
              expected: .failure(.lengthExceedsData(declared: 65535, available: 65534))),
        .init(name: "End-Of-List ends the list", bytes: rawTag(0x0101, []) + rawTag(0, []) + [0xde, 0xad], expected: .success(1)),
        .init(name: "End-Of-List length 1", bytes: rawTag(0, [0]), expected: .failure(.badTagLength(tag: 0, declared: 1))),
        .init(name: "PPP-Max-Payload length 0", bytes: rawTag(0x0120, []), expected: .failure(.badTagLength(tag: 0x0120, declared: 0))),
        .init(name: "PPP-Max-Payload length 1", bytes: rawTag(0x0120, [5]), expected: .failure(.badTagLength(tag: 0x0120, declared: 1))),
        .init(name: "PPP-Max-Payload length 2", bytes: rawTag(0x0120, [0x05, 0xdc]), expected: .success(1)),
        .init(name: "PPP-Max-Payload length 3", bytes: rawTag(0x0120, [5, 0xdc, 0]), expected: .failure(.badTagLength(tag: 0x0120, declared: 3))),
        .init(name: "Vendor-Specific length 3", bytes: rawTag(0x0105, [0, 0, 1]), expected: .failure(.badTagLength(tag: 0x0105, declared: 3))),
        .init(name: "Vendor-Specific length 4", bytes: rawTag(0x0105, [0, 0, 0x0d, 0xe9]), expected: .success(1)),
        .init(name: "unknown tag kept", bytes: rawTag(0x7777, [1]), expected: .success(1)),
    ]

    @Test(arguments: tagCases)
    func tagLengths(_ c: TagCase) throws {
        let result = Result { () throws(PPPoEError) in try Tag.parseList(c.bytes[...]) }
        switch (result, c.expected) {
        case let (.success(tags), .success(count)):
            #expect(tags.count == count)
            if count > 0 && c.bytes.count < 70000 {
                var again: [UInt8] = []
                for t in tags { t.encode(into: &again) }
                #expect(try Tag.parseList(again[...]) == tags)
            }
        case let (.failure(e), .failure(expected)):
            #expect(e == expected)
        default:
            Issue.record("got \(result), expected \(c.expected)")
        }
    }

    @Test func tagListParsesFromSliceOffset() throws {
        let bytes: [UInt8] = [0xee, 0xee] + rawTag(0x0102, Array("ac".utf8))
        #expect(try Tag.parseList(bytes[2...]) == [Tag(.acName, "ac")])
    }

    static let serviceAny = rawTag(0x0101, [])
    static let acNameTag = rawTag(0x0102, Array("bras".utf8))

    static let packetRules: [PacketRuleCase] = {
        let padi = rawFrame(code: 0x09, payload: serviceAny)
        // The largest PADI: 6 header octets + 1478 of tags = 1484 (§5.1).
        let big = rawTag(0x0101, []) + rawTag(0x0103, [UInt8](repeating: 1, count: 1478 - 8))
        let tooBig = rawTag(0x0101, []) + rawTag(0x0103, [UInt8](repeating: 1, count: 1479 - 8))
        return [
            .init(name: "PADI, Appendix B", frame: padi, expected: nil),
            .init(name: "PADI of 1484 octets", frame: rawFrame(code: 0x09, payload: big), expected: nil),
            .init(name: "PADI of 1485 octets", frame: rawFrame(code: 0x09, payload: tooBig),
                  expected: .tooLong(length: 1485, maximum: 1484)),
            .init(name: "PADI with a SESSION_ID", frame: rawFrame(code: 0x09, session: 5, payload: serviceAny), expected: .badSessionID(5)),
            .init(name: "PADI without Service-Name", frame: rawFrame(code: 0x09, payload: []), expected: .missingTag(0x0101)),
            .init(name: "PADI with two Service-Names", frame: rawFrame(code: 0x09, payload: serviceAny + serviceAny), expected: .duplicateTag(0x0101)),
            .init(name: "PADI from a multicast source", frame: rawFrame(code: 0x09, payload: serviceAny, source: .broadcast), expected: .sourceNotUnicast),
            .init(name: "PADO", frame: rawFrame(code: 0x07, payload: acNameTag + serviceAny, destination: hostMAC, source: acMAC), expected: nil),
            .init(name: "PADO without AC-Name", frame: rawFrame(code: 0x07, payload: serviceAny, destination: hostMAC, source: acMAC), expected: .missingTag(0x0102)),
            .init(name: "PADO without Service-Name", frame: rawFrame(code: 0x07, payload: acNameTag, destination: hostMAC, source: acMAC), expected: .missingTag(0x0101)),
            .init(name: "PADO with two AC-Names", frame: rawFrame(code: 0x07, payload: acNameTag + acNameTag + serviceAny), expected: .duplicateTag(0x0102)),
            .init(name: "PADR", frame: rawFrame(code: 0x19, payload: serviceAny, destination: acMAC), expected: nil),
            .init(name: "PADR with a SESSION_ID", frame: rawFrame(code: 0x19, session: 1, payload: serviceAny), expected: .badSessionID(1)),
            .init(name: "PADS", frame: rawFrame(code: 0x65, session: 7, payload: serviceAny), expected: nil),
            .init(name: "PADS refusing", frame: rawFrame(code: 0x65, session: 0, payload: rawTag(0x0201, [])), expected: nil),
            .init(name: "PADS 0 without error", frame: rawFrame(code: 0x65, session: 0, payload: serviceAny), expected: .badSessionID(0)),
            .init(name: "PADS without Service-Name", frame: rawFrame(code: 0x65, session: 7, payload: []), expected: .missingTag(0x0101)),
            .init(name: "PADS with reserved 0xffff", frame: rawFrame(code: 0x65, session: 0xffff, payload: serviceAny), expected: .badSessionID(0xffff)),
            .init(name: "PADT", frame: rawFrame(code: 0xa7, session: 7, payload: []), expected: nil),
            .init(name: "PADT for session 0", frame: rawFrame(code: 0xa7, session: 0, payload: []), expected: .badSessionID(0)),
            .init(name: "unknown CODE", frame: rawFrame(code: 0x42, payload: serviceAny), expected: .unknownCode(0x42)),
            .init(name: "session ETHER_TYPE", frame: rawFrame(etherType: 0x8864, code: 0x09, payload: serviceAny), expected: .unknownEtherType(0x8864)),
            .init(name: "bad tag inside", frame: rawFrame(code: 0x09, payload: serviceAny + [0, 1]), expected: .truncated(needed: 4, available: 2)),
        ]
    }()

    @Test(arguments: packetRules)
    func discoveryPacketRules(_ c: PacketRuleCase) throws {
        let result = Result { () throws(PPPoEError) in try DiscoveryPacket(parsing: c.frame) }
        switch (result, c.expected) {
        case (.success(let p), nil):
            #expect(try p.encoded(maximumPayload: 65535) == Array(c.frame.prefix(20 + p.encodedPayload().count)))
        case let (.failure(e), expected?):
            #expect(e == expected)
        default:
            Issue.record("got \(result), expected \(String(describing: c.expected))")
        }
    }

    @Test func encoderRefusesWhatTheParserRefuses() {
        let long = DiscoveryPacket(destination: .broadcast, source: hostMAC, code: .padi,
                                   tags: [Tag(.serviceName), Tag(.hostUniq, [UInt8](repeating: 0, count: 1471))])
        #expect(throws: PPPoEError.tooLong(length: 1479, maximum: 1478)) { try long.encoded() }
        let pado = DiscoveryPacket(destination: hostMAC, source: acMAC, code: .pado,
                                   tags: [Tag(.acName, [UInt8](repeating: 0x41, count: 1491))])
        #expect(throws: PPPoEError.tooLong(length: 1495, maximum: 1494)) { try pado.encoded() }
    }

    @Test func accessorsReadTheTags() throws {
        let frame = rawFrame(code: 0x65, session: 0,
                             payload: rawTag(0x0102, Array("bras".utf8)) + rawTag(0x0120, [0x05, 0xdc])
                                 + rawTag(0x0202, Array("full".utf8)) + rawTag(0x0110, [1, 2]),
                             destination: hostMAC, source: acMAC)
        let p = try DiscoveryPacket(parsing: frame)
        #expect(p.acName == Array("bras".utf8) && p.pppMaxPayload == 1500 && p.relaySessionID == [1, 2])
        #expect(p.error == "AC-System-Error: full")
    }

    static let sessionCases: [(String, [UInt8], PPPoEError?)] = [
        ("LCP frame", rawFrame(etherType: 0x8864, code: 0, session: 0x1234, payload: [0xc0, 0x21, 1, 1, 0, 4], destination: acMAC), nil),
        ("padded to 60 octets", rawFrame(etherType: 0x8864, code: 0, session: 9, payload: [0xc0, 0x21, 1, 1, 0, 4] + [UInt8](repeating: 0, count: 34), declared: 6), nil),
        ("CODE not 0", rawFrame(etherType: 0x8864, code: 0x09, session: 9, payload: []), .unknownCode(9)),
        ("SESSION_ID 0", rawFrame(etherType: 0x8864, code: 0, session: 0, payload: []), .badSessionID(0)),
        ("SESSION_ID 0xffff", rawFrame(etherType: 0x8864, code: 0, session: 0xffff, payload: []), .badSessionID(0xffff)),
        ("discovery ETHER_TYPE", rawFrame(etherType: 0x8863, code: 0, session: 9, payload: []), .unknownEtherType(0x8863)),
        ("multicast source", rawFrame(etherType: 0x8864, code: 0, session: 9, payload: [], source: .broadcast), .sourceNotUnicast),
        ("LENGTH past the frame", rawFrame(etherType: 0x8864, code: 0, session: 9, payload: [1], declared: 2), .lengthExceedsData(declared: 2, available: 1)),
    ]

    @Test func sessionFrames() {
        for (name, frame, expected) in Self.sessionCases {
            let result = Result { () throws(PPPoEError) in try SessionFrame.parse(frame[...]) }
            switch (result, expected) {
            case (.success(let r), nil):
                #expect(Array(frame[r.payload].prefix(2)) == [0xc0, 0x21], "\(name)")
                #expect(r.payload.count == r.header.payloadLength, "\(name)")
            case let (.failure(e), expected?):
                #expect(e == expected, "\(name)")
            default:
                Issue.record("\(name): got \(result), expected \(String(describing: expected))")
            }
        }
    }

    @Test func sessionHeaderWrittenInPlace() throws {
        var buffer = [UInt8](repeating: 0, count: 1514)
        let ppp: [UInt8] = [0x00, 0x21, 0x45, 0x00]
        buffer.replaceSubrange(20..<24, with: ppp)
        SessionFrame.writeHeader(into: &buffer, destination: acMAC, source: hostMAC, sessionID: 42, payloadLength: ppp.count)
        let (h, range) = try SessionFrame.parse(buffer[0..<24])
        #expect(h.sessionID == 42 && h.destination == acMAC && h.source == hostMAC)
        #expect(Array(buffer[range]) == ppp)
    }

    @Test func ethernetAddresses() {
        #expect(EthernetAddress("02:00:00:00:00:AC") == acMAC)
        #expect(EthernetAddress("02-00-00-00-00-01") == hostMAC)
        #expect(EthernetAddress("02:00:00:00:00") == nil && EthernetAddress("02:00:00:00:00:0g") == nil)
        #expect(acMAC.description == "02:00:00:00:00:ac")
        #expect(acMAC.isUnicast && !EthernetAddress.broadcast.isUnicast && !EthernetAddress.zero.isUnicast)
        #expect(!EthernetAddress(0x01, 0x00, 0x5e, 0, 0, 1).isUnicast)
    }
}
