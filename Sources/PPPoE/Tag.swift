// Discovery TAGs (RFC 2516 §5 and Appendix A; PPP-Max-Payload from RFC 4638
// §4): TAG_TYPE, TAG_LENGTH, TAG_VALUE. Lists parse strictly: a tag header
// cut short or a TAG_LENGTH past the payload invalidates the whole packet.

/// RFC 2516 Appendix A, RFC 4638 §4.
public struct TagType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let endOfList = TagType(rawValue: 0x0000)
    public static let serviceName = TagType(rawValue: 0x0101)
    public static let acName = TagType(rawValue: 0x0102)
    public static let hostUniq = TagType(rawValue: 0x0103)
    public static let acCookie = TagType(rawValue: 0x0104)
    public static let vendorSpecific = TagType(rawValue: 0x0105)
    public static let relaySessionID = TagType(rawValue: 0x0110)
    public static let pppMaxPayload = TagType(rawValue: 0x0120)
    public static let serviceNameError = TagType(rawValue: 0x0201)
    public static let acSystemError = TagType(rawValue: 0x0202)
    public static let genericError = TagType(rawValue: 0x0203)

    /// The three error tags of Appendix A.
    public var isError: Bool { rawValue >= 0x0201 && rawValue <= 0x0203 }

    public var description: String {
        switch self {
        case .endOfList: "End-Of-List"
        case .serviceName: "Service-Name"
        case .acName: "AC-Name"
        case .hostUniq: "Host-Uniq"
        case .acCookie: "AC-Cookie"
        case .vendorSpecific: "Vendor-Specific"
        case .relaySessionID: "Relay-Session-Id"
        case .pppMaxPayload: "PPP-Max-Payload"
        case .serviceNameError: "Service-Name-Error"
        case .acSystemError: "AC-System-Error"
        case .genericError: "Generic-Error"
        default: "tag 0x" + String(rawValue, radix: 16)
        }
    }
}

/// One TAG with its value.
public struct Tag: Hashable, Sendable {
    /// TAG_TYPE (2) + TAG_LENGTH (2).
    public static let headerLength = 4
    public static let maximumValueLength = Int(UInt16.max)

    public var type: TagType
    public var value: [UInt8]

    public init(_ type: TagType, _ value: [UInt8] = []) {
        self.type = type
        self.value = value
    }

    public init(_ type: TagType, _ text: String) { self.init(type, Array(text.utf8)) }

    /// RFC 4638 §4: TAG_VALUE is the two-octet maximum PPP payload.
    public static func pppMaxPayload(_ value: UInt16) -> Tag {
        Tag(.pppMaxPayload, [UInt8(value >> 8), UInt8(value & 0xff)])
    }

    public var encodedLength: Int { Self.headerLength + value.count }

    /// The value as text for logs (error tags and names are UTF-8, §8);
    /// invalid UTF-8 is repaired, never trusted.
    public var text: String { String(decoding: value, as: UTF8.self) }

    /// Parses the PPPoE payload of a discovery packet. An End-Of-List tag ends
    /// the list (Appendix A: "no further TAGs"); octets after it are ignored.
    /// Unknown tags are kept so the caller may ignore them (§5: "MUST be ignored").
    public static func parseList(_ payload: ArraySlice<UInt8>) throws(PPPoEError) -> [Tag] {
        var tags: [Tag] = []
        var index = payload.startIndex
        while index < payload.endIndex {
            let remaining = payload.endIndex - index
            guard remaining >= headerLength else { throw .truncated(needed: headerLength, available: remaining) }
            let type = TagType(rawValue: NetworkOrder.uint16(payload, at: index))
            let length = Int(NetworkOrder.uint16(payload, at: index + 2))
            guard length <= remaining - headerLength else {
                throw .lengthExceedsData(declared: length, available: remaining - headerLength)
            }
            try checkLength(type, length)
            if type == .endOfList { break }
            let start = index + headerLength
            tags.append(Tag(type, Array(payload[start..<(start + length)])))
            index = start + length
        }
        return tags
    }

    /// The sizes Appendix A and RFC 4638 fix; any other tag may have any length.
    static func checkLength(_ type: TagType, _ length: Int) throws(PPPoEError) {
        switch type {
        case .endOfList where length != 0:
            // Appendix A: "The TAG_LENGTH of this TAG MUST always be zero."
            throw .badTagLength(tag: type.rawValue, declared: length)
        case .pppMaxPayload where length != 2:
            throw .badTagLength(tag: type.rawValue, declared: length)
        case .vendorSpecific where length < 4:
            // Appendix A: "The first four octets of the TAG_VALUE contain the vendor id".
            throw .badTagLength(tag: type.rawValue, declared: length)
        default:
            break
        }
    }

    public func encode(into bytes: inout [UInt8]) {
        precondition(value.count <= Self.maximumValueLength, "tag value too long")
        NetworkOrder.append(type.rawValue, to: &bytes)
        NetworkOrder.append(UInt16(value.count), to: &bytes)
        bytes.append(contentsOf: value)
    }
}
