// The Type-Length-Value Configuration Option of RFC 1661 §6, shared by LCP and
// the NCPs (IPCP RFC 1332 §3, IPv6CP RFC 5072 §4). Lists parse strictly: an
// option shorter than 2 or overrunning the packet invalidates the whole list.

/// One Configuration Option as carried in Configure-Request/Ack/Nak/Reject.
public struct ConfigurationOption: Hashable, Sendable {
    /// RFC 1661 §6: Type (1) + Length (1).
    public static let headerLength = 2
    public static let maximumValueLength = Int(UInt8.max) - headerLength

    public var type: UInt8
    public var value: [UInt8]

    public init(type: UInt8, value: [UInt8] = []) {
        self.type = type
        self.value = value
    }

    /// The Length field this option encodes to.
    public var length: Int { Self.headerLength + value.count }

    /// A known option type's fixed value length (RFC 1661 §6: a wrong
    /// Length makes the option invalid), for the per-protocol decoders.
    public func requireValue(exactly count: Int) throws(PPPError) {
        guard value.count == count else { throw .badLength(declared: length, expected: count + Self.headerLength) }
    }

    /// The same for a type whose value has a minimum length.
    public func requireValue(atLeast count: Int) throws(PPPError) {
        guard value.count >= count else { throw .badLength(declared: length, expected: count + Self.headerLength) }
    }

    /// RFC 1661 §6: parses the Data field of a Configure-* packet. Every octet
    /// must belong to an option; the RFC has no padding inside the option list.
    public static func parseList(_ bytes: ArraySlice<UInt8>) throws(PPPError) -> [ConfigurationOption] {
        var options: [ConfigurationOption] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let remaining = bytes.endIndex - index
            guard remaining >= headerLength else {
                throw .truncated(needed: headerLength, available: remaining)
            }
            let length = Int(bytes[index + 1])
            guard length >= headerLength else {
                throw .lengthTooShort(declared: length, minimum: headerLength)
            }
            guard length <= remaining else {
                throw .lengthExceedsData(declared: length, available: remaining)
            }
            options.append(ConfigurationOption(
                type: bytes[index], value: Array(bytes[(index + headerLength)..<(index + length)])))
            index += length
        }
        return options
    }

    public static func parseList(_ bytes: [UInt8]) throws(PPPError) -> [ConfigurationOption] {
        try parseList(bytes[...])
    }

    /// Appends Type, Length, Value. A value over 253 octets is a programmer error.
    public func encode(into bytes: inout [UInt8]) {
        precondition(value.count <= Self.maximumValueLength, "configuration option value too long")
        bytes.append(type)
        bytes.append(UInt8(length))
        bytes.append(contentsOf: value)
    }

    public static func encodeList(_ options: [ConfigurationOption]) -> [UInt8] {
        var bytes: [UInt8] = []
        for option in options { option.encode(into: &bytes) }
        return bytes
    }
}
