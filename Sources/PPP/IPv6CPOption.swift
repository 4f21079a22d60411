// Typed IPv6CP Configuration Options (RFC 5072 §4). Interface-Identifier is
// exactly 8 octets; IPv6-Compression-Protocol is parsed so it can be rejected
// knowingly; any other type stays representable.

/// An IPv6CP Configuration Option.
public enum IPv6CPOption: Equatable, Sendable {
    /// RFC 5072 §4.1: the sender's 64-bit interface identifier (0 = "give me one").
    case interfaceIdentifier(UInt64)
    /// RFC 5072 §4.2.
    case ipv6CompressionProtocol(ProtocolNumber, data: [UInt8])
    case unknown(ConfigurationOption)

    public enum Kind {
        public static let interfaceIdentifier: UInt8 = 1
        public static let ipv6CompressionProtocol: UInt8 = 2
    }

    public init(_ option: ConfigurationOption) throws(PPPError) {
        let value = option.value
        switch option.type {
        case Kind.interfaceIdentifier:
            try option.requireValue(exactly: 8)
            self = .interfaceIdentifier(UInt64(BigEndian.uint32(value, at: 0)) << 32 | UInt64(BigEndian.uint32(value, at: 4)))
        case Kind.ipv6CompressionProtocol:
            let (proto, data) = try option.protocolValue()
            self = .ipv6CompressionProtocol(proto, data: data)
        default:
            self = .unknown(option)
        }
    }

    public var option: ConfigurationOption {
        var value: [UInt8] = []
        switch self {
        case .interfaceIdentifier(let id):
            BigEndian.append(UInt32(truncatingIfNeeded: id >> 32), to: &value)
            BigEndian.append(UInt32(truncatingIfNeeded: id), to: &value)
            return ConfigurationOption(type: Kind.interfaceIdentifier, value: value)
        case .ipv6CompressionProtocol(let proto, let data):
            return ConfigurationOption(type: Kind.ipv6CompressionProtocol, protocol: proto, data: data)
        case .unknown(let option):
            return option
        }
    }
}

/// Interface identifiers as `ip -6` prints the low half of a link-local
/// address ("1234:5678:9abc:def0").
public enum InterfaceIdentifierText {
    public static func string(_ id: UInt64) -> String {
        (0..<4).map { String(UInt16(truncatingIfNeeded: id >> (48 - 16 * UInt64($0))), radix: 16) }.joined(separator: ":")
    }
}
