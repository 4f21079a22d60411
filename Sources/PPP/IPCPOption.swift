// Typed IPCP Configuration Options (RFC 1332 §3, RFC 1877 §1). Converts a
// generic ConfigurationOption to a typed value with the exact length each type
// requires; unknown types stay representable so they can be rejected.

/// An IPCP Configuration Option. Addresses are host-order UInt32 (the wire
/// carries them most significant octet first).
public enum IPCPOption: Equatable, Sendable {
    /// RFC 1332 §3.1: deprecated (RFC 1172) source/destination pair.
    case ipAddresses(source: UInt32, destination: UInt32)
    /// RFC 1332 §3.2: Van Jacobson or other header compression.
    case ipCompressionProtocol(ProtocolNumber, data: [UInt8])
    /// RFC 1332 §3.3: the sender's address, 0 = "assign me one".
    case ipAddress(UInt32)
    /// RFC 1877 §1.1-§1.4: name servers, 0 = "tell me yours".
    case primaryDNS(UInt32)
    case primaryNBNS(UInt32)
    case secondaryDNS(UInt32)
    case secondaryNBNS(UInt32)
    /// Any other type.
    case unknown(ConfigurationOption)

    /// RFC 1332 §3 / RFC 1877 §1 type numbers.
    public enum Kind {
        public static let ipAddresses: UInt8 = 1
        public static let ipCompressionProtocol: UInt8 = 2
        public static let ipAddress: UInt8 = 3
        public static let primaryDNS: UInt8 = 129
        public static let primaryNBNS: UInt8 = 130
        public static let secondaryDNS: UInt8 = 131
        public static let secondaryNBNS: UInt8 = 132
    }

    /// Interprets a generic option; a known type with the wrong length throws.
    public init(_ option: ConfigurationOption) throws(PPPError) {
        let value = option.value
        switch option.type {
        case Kind.ipAddresses:
            try option.requireValue(exactly: 8)
            self = .ipAddresses(source: BigEndian.uint32(value, at: 0), destination: BigEndian.uint32(value, at: 4))
        case Kind.ipCompressionProtocol:
            // RFC 1332 §3.2: Length >= 4.
            let (proto, data) = try option.protocolValue()
            self = .ipCompressionProtocol(proto, data: data)
        case Kind.ipAddress:
            self = .ipAddress(try option.uint32Value())
        case Kind.primaryDNS, Kind.primaryNBNS, Kind.secondaryDNS, Kind.secondaryNBNS:
            let address = try option.uint32Value()
            switch option.type {
            case Kind.primaryDNS: self = .primaryDNS(address)
            case Kind.primaryNBNS: self = .primaryNBNS(address)
            case Kind.secondaryDNS: self = .secondaryDNS(address)
            default: self = .secondaryNBNS(address)
            }
        default:
            self = .unknown(option)
        }
    }

    /// The generic form, ready to encode.
    public var option: ConfigurationOption {
        switch self {
        case .ipAddresses(let source, let destination):
            var value: [UInt8] = []
            BigEndian.append(source, to: &value)
            BigEndian.append(destination, to: &value)
            return ConfigurationOption(type: Kind.ipAddresses, value: value)
        case .ipCompressionProtocol(let proto, let data):
            return ConfigurationOption(type: Kind.ipCompressionProtocol, protocol: proto, data: data)
        case .ipAddress(let a): return ConfigurationOption(type: Kind.ipAddress, uint32: a)
        case .primaryDNS(let a): return ConfigurationOption(type: Kind.primaryDNS, uint32: a)
        case .primaryNBNS(let a): return ConfigurationOption(type: Kind.primaryNBNS, uint32: a)
        case .secondaryDNS(let a): return ConfigurationOption(type: Kind.secondaryDNS, uint32: a)
        case .secondaryNBNS(let a): return ConfigurationOption(type: Kind.secondaryNBNS, uint32: a)
        case .unknown(let option): return option
        }
    }
}

/// Dotted-quad text for logs and status (the library has no Foundation).
public enum IPv4Text {
    public static func string(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xff).\(address >> 8 & 0xff).\(address & 0xff)"
    }
}
