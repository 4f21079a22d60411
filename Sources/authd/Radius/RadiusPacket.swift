// RADIUS packets, RFC 2865 §3 (Code, Identifier, Length, Authenticator,
// Attributes) and §5 (Type, Length, Value), with the Vendor-Specific layout
// of §5.26 used by RFC 2548. Parsing checks every length against what
// arrived; octets past Length are padding (§3). No crypto here.

enum RadiusError: Error, Equatable {
    case truncated(needed: Int, available: Int)
    case badLength(Int)
    case attributeOverrun(type: UInt8, length: Int, available: Int)
    case attributeTooShort(type: UInt8, length: Int)
    case tooLong(Int)
}

struct RadiusAttribute: Equatable {
    var type: UInt8
    var value: [UInt8]
}

struct RadiusPacket: Equatable {
    var code: UInt8
    var identifier: UInt8
    var authenticator: [UInt8]
    var attributes: [RadiusAttribute]

    /// §3: 20 octets of header; Length between 20 and 4096.
    static let headerLength = 20
    static let maximumLength = 4096

    // §3, RFC 2866 §3: the codes we send and receive.
    static let accessRequest: UInt8 = 1, accessAccept: UInt8 = 2, accessReject: UInt8 = 3
    static let accountingRequest: UInt8 = 4, accountingResponse: UInt8 = 5, accessChallenge: UInt8 = 11
    // RFC 5176 §2.3: Dynamic Authorization.
    static let disconnectRequest: UInt8 = 40, disconnectACK: UInt8 = 41, disconnectNAK: UInt8 = 42
    static let coaRequest: UInt8 = 43, coaACK: UInt8 = 44, coaNAK: UInt8 = 45

    init(code: UInt8, identifier: UInt8, authenticator: [UInt8], attributes: [RadiusAttribute] = []) {
        self.code = code; self.identifier = identifier; self.authenticator = authenticator; self.attributes = attributes
    }

    init(parsing bytes: [UInt8]) throws(RadiusError) {
        guard bytes.count >= Self.headerLength else { throw .truncated(needed: Self.headerLength, available: bytes.count) }
        let length = Int(bytes[2]) << 8 | Int(bytes[3])
        // §3: below 20 or above 4096 is invalid; past the octets received, silently discarded.
        guard length >= Self.headerLength, length <= Self.maximumLength else { throw .badLength(length) }
        guard length <= bytes.count else { throw .truncated(needed: length, available: bytes.count) }
        code = bytes[0]
        identifier = bytes[1]
        authenticator = Array(bytes[4..<20])
        attributes = try Self.parseAttributes(bytes[20..<length])
    }

    /// §5: a sequence of Type, Length (≥ 2, counting itself), Value.
    static func parseAttributes(_ bytes: ArraySlice<UInt8>) throws(RadiusError) -> [RadiusAttribute] {
        var out: [RadiusAttribute] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            guard bytes.endIndex - i >= 2 else { throw .truncated(needed: 2, available: bytes.endIndex - i) }
            let type = bytes[i], length = Int(bytes[i + 1])
            guard length >= 2 else { throw .attributeTooShort(type: type, length: length) }
            guard length <= bytes.endIndex - i else {
                throw .attributeOverrun(type: type, length: length, available: bytes.endIndex - i)
            }
            out.append(RadiusAttribute(type: type, value: Array(bytes[(i + 2)..<(i + length)])))
            i += length
        }
        return out
    }

    /// The wire form; values over 253 octets or a packet over 4096 are refused.
    func encoded() throws(RadiusError) -> [UInt8] {
        var out: [UInt8] = [code, identifier, 0, 0] + authenticator
        for a in attributes {
            guard a.value.count <= 253 else { throw .tooLong(a.value.count) }
            out.append(a.type); out.append(UInt8(a.value.count + 2)); out += a.value
        }
        guard out.count <= Self.maximumLength else { throw .tooLong(out.count) }
        out[2] = UInt8(out.count >> 8); out[3] = UInt8(out.count & 0xff)
        return out
    }

    func attribute(_ type: UInt8) -> [UInt8]? { attributes.first { $0.type == type }?.value }

    func integer(_ type: UInt8) -> UInt32? {
        guard let v = attribute(type), v.count == 4 else { return nil }
        return v.withUnsafeBufferPointer { p in (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(p[$1]) } }
    }

    /// §5.26 Vendor-Specific: Vendor-Id (4), then vendor Type, Length, Value.
    func vendorAttribute(vendor: UInt32, type: UInt8) -> [UInt8]? {
        for a in attributes where a.type == RadiusAttributeType.vendorSpecific && a.value.count >= 6 {
            let id = UInt32(a.value[0]) << 24 | UInt32(a.value[1]) << 16 | UInt32(a.value[2]) << 8 | UInt32(a.value[3])
            guard id == vendor, let subs = try? Self.parseAttributes(a.value[4...]) else { continue }
            if let s = subs.first(where: { $0.type == type }) { return s.value }
        }
        return nil
    }
}

/// RFC 2865 §5, RFC 2866 §5, RFC 2869 §5 attribute numbers we use.
enum RadiusAttributeType {
    static let userName: UInt8 = 1, userPassword: UInt8 = 2, chapPassword: UInt8 = 3, nasIPAddress: UInt8 = 4
    static let nasPort: UInt8 = 5, serviceType: UInt8 = 6, framedProtocol: UInt8 = 7
    static let framedIPAddress: UInt8 = 8, framedIPNetmask: UInt8 = 9, replyMessage: UInt8 = 18
    static let `class`: UInt8 = 25, vendorSpecific: UInt8 = 26, sessionTimeout: UInt8 = 27, idleTimeout: UInt8 = 28
    static let callingStationId: UInt8 = 31, nasIdentifier: UInt8 = 32
    static let acctStatusType: UInt8 = 40, acctDelayTime: UInt8 = 41, acctInputOctets: UInt8 = 42, acctOutputOctets: UInt8 = 43
    static let acctSessionId: UInt8 = 44, acctSessionTime: UInt8 = 46, acctInputPackets: UInt8 = 47
    static let acctOutputPackets: UInt8 = 48, acctTerminateCause: UInt8 = 49
    static let acctInputGigawords: UInt8 = 52, acctOutputGigawords: UInt8 = 53
    static let chapChallenge: UInt8 = 60, nasPortType: UInt8 = 61, eapMessage: UInt8 = 79
    static let messageAuthenticator: UInt8 = 80, acctInterimInterval: UInt8 = 85, nasPortId: UInt8 = 87
    // RFC 5176 §3: what Disconnect/CoA requests carry besides the above.
    static let state: UInt8 = 24, calledStationId: UInt8 = 30, proxyState: UInt8 = 33
    static let eventTimestamp: UInt8 = 55, nasIPv6Address: UInt8 = 95, errorCause: UInt8 = 101
    // What an Access-Accept may assign besides: RFC 2865 §5.12, §5.22, RFC 2869 §5.18.
    static let framedMTU: UInt8 = 12, framedRoute: UInt8 = 22, framedPool: UInt8 = 88
    // RFC 3162 §2.3 and RFC 4818 §3: IPv6 prefixes, in an Accept and in accounting.
    static let framedIPv6Prefix: UInt8 = 97, delegatedIPv6Prefix: UInt8 = 123
    // RFC 6911 §3.1: the IPv6 address assigned to the NAS-facing host (IA_NA).
    static let framedIPv6Address: UInt8 = 168
    // RFC 2867 §4.1, §4.2: tunnel accounting.
    static let acctTunnelConnection: UInt8 = 68, acctTunnelPacketsLost: UInt8 = 86
}

/// RFC 2548 Microsoft vendor attributes (Vendor-Id 311).
enum MicrosoftAttribute {
    static let vendor: UInt32 = 311
    static let chapError: UInt8 = 2, chapChallenge: UInt8 = 11, chap2Response: UInt8 = 25, chap2Success: UInt8 = 26
    static let primaryDNSServer: UInt8 = 28, secondaryDNSServer: UInt8 = 29

    static func vendorSpecific(_ type: UInt8, _ value: [UInt8]) -> RadiusAttribute {
        RadiusAttribute(type: RadiusAttributeType.vendorSpecific,
                        value: [0, 0, 0x01, 0x37, type, UInt8(value.count + 2)] + value)
    }
}

extension RadiusAttribute {
    static func integer(_ type: UInt8, _ v: UInt32) -> RadiusAttribute {
        RadiusAttribute(type: type, value: [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)])
    }
    static func text(_ type: UInt8, _ s: String) -> RadiusAttribute {
        RadiusAttribute(type: type, value: Array(s.utf8.prefix(253)))
    }
}
