// Typed LCP Configuration Options (RFC 1661 §6, RFC 1662 §7.1, RFC 1990 §5.1).
// Converts a generic ConfigurationOption to a typed value with the exact length
// each type requires; unknown types stay representable so they can be rejected.

/// An LCP Configuration Option.
public enum LCPOption: Equatable, Sendable {
    /// RFC 1661 §6.1.
    case maximumReceiveUnit(UInt16)
    /// RFC 1662 §7.1.
    case asyncControlCharacterMap(UInt32)
    /// RFC 1661 §6.2: the protocol the sender wants the peer to authenticate with.
    case authenticationProtocol(ProtocolNumber, data: [UInt8])
    /// RFC 1661 §6.3.
    case qualityProtocol(ProtocolNumber, data: [UInt8])
    /// RFC 1661 §6.4.
    case magicNumber(UInt32)
    /// RFC 1661 §6.5.
    case protocolFieldCompression
    /// RFC 1661 §6.6.
    case addressAndControlFieldCompression
    /// RFC 1990 §5.1.1: the sender implements multilink and reassembles
    /// packets up to this size.
    case maximumReceiveReconstructedUnit(UInt16)
    /// RFC 1990 §5.1.2: the sender wants 12-bit sequence numbers.
    case shortSequenceNumberHeaderFormat
    /// RFC 1990 §5.1.3; an address length the class does not allow makes
    /// the option invalid.
    case endpointDiscriminator(EndpointDiscriminator)
    /// Any other type (e.g. 13 Callback).
    case unknown(ConfigurationOption)

    /// RFC 1661 §6 / RFC 1990 §5.1 type numbers.
    public enum Kind {
        public static let maximumReceiveUnit: UInt8 = 1
        public static let asyncControlCharacterMap: UInt8 = 2
        public static let authenticationProtocol: UInt8 = 3
        public static let qualityProtocol: UInt8 = 4
        public static let magicNumber: UInt8 = 5
        public static let protocolFieldCompression: UInt8 = 7
        public static let addressAndControlFieldCompression: UInt8 = 8
        public static let maximumReceiveReconstructedUnit: UInt8 = 17
        public static let shortSequenceNumberHeaderFormat: UInt8 = 18
        public static let endpointDiscriminator: UInt8 = 19
    }

    /// Interprets a generic option; a known type with the wrong length throws.
    public init(_ option: ConfigurationOption) throws(PPPError) {
        let value = option.value
        switch option.type {
        case Kind.maximumReceiveUnit:
            try option.requireValue(exactly: 2)
            self = .maximumReceiveUnit(BigEndian.uint16(value, at: 0))
        case Kind.asyncControlCharacterMap:
            try option.requireValue(exactly: 4)
            self = .asyncControlCharacterMap(BigEndian.uint32(value, at: 0))
        case Kind.authenticationProtocol:
            try option.requireValue(atLeast: 2)
            self = .authenticationProtocol(ProtocolNumber(BigEndian.uint16(value, at: 0)), data: Array(value[2...]))
        case Kind.qualityProtocol:
            try option.requireValue(atLeast: 2)
            self = .qualityProtocol(ProtocolNumber(BigEndian.uint16(value, at: 0)), data: Array(value[2...]))
        case Kind.magicNumber:
            try option.requireValue(exactly: 4)
            self = .magicNumber(BigEndian.uint32(value, at: 0))
        case Kind.protocolFieldCompression:
            try option.requireValue(exactly: 0)
            self = .protocolFieldCompression
        case Kind.addressAndControlFieldCompression:
            try option.requireValue(exactly: 0)
            self = .addressAndControlFieldCompression
        case Kind.maximumReceiveReconstructedUnit:
            try option.requireValue(exactly: 2)
            self = .maximumReceiveReconstructedUnit(BigEndian.uint16(value, at: 0))
        case Kind.shortSequenceNumberHeaderFormat:
            try option.requireValue(exactly: 0)
            self = .shortSequenceNumberHeaderFormat
        case Kind.endpointDiscriminator:
            self = .endpointDiscriminator(try EndpointDiscriminator(optionValue: value))
        default:
            self = .unknown(option)
        }
    }

    /// The generic form, ready to encode.
    public var option: ConfigurationOption {
        var value: [UInt8] = []
        let type: UInt8
        switch self {
        case .maximumReceiveUnit(let mru):
            type = Kind.maximumReceiveUnit
            BigEndian.append(mru, to: &value)
        case .asyncControlCharacterMap(let map):
            type = Kind.asyncControlCharacterMap
            BigEndian.append(map, to: &value)
        case .authenticationProtocol(let proto, let data):
            type = Kind.authenticationProtocol
            BigEndian.append(proto.rawValue, to: &value)
            value += data
        case .qualityProtocol(let proto, let data):
            type = Kind.qualityProtocol
            BigEndian.append(proto.rawValue, to: &value)
            value += data
        case .magicNumber(let magic):
            type = Kind.magicNumber
            BigEndian.append(magic, to: &value)
        case .protocolFieldCompression:
            type = Kind.protocolFieldCompression
        case .addressAndControlFieldCompression:
            type = Kind.addressAndControlFieldCompression
        case .maximumReceiveReconstructedUnit(let mrru):
            type = Kind.maximumReceiveReconstructedUnit
            BigEndian.append(mrru, to: &value)
        case .shortSequenceNumberHeaderFormat:
            type = Kind.shortSequenceNumberHeaderFormat
        case .endpointDiscriminator(let discriminator):
            type = Kind.endpointDiscriminator
            value = discriminator.encoded
        case .unknown(let option):
            return option
        }
        return ConfigurationOption(type: type, value: value)
    }

    public static func authentication(_ auth: AuthenticationProtocol) -> LCPOption {
        let value = auth.optionValue
        return .authenticationProtocol(auth.protocolNumber, data: Array(value[2...]))
    }
}
