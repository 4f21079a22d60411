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
            self = .maximumReceiveUnit(try option.uint16Value())
        case Kind.asyncControlCharacterMap:
            self = .asyncControlCharacterMap(try option.uint32Value())
        case Kind.authenticationProtocol:
            let (proto, data) = try option.protocolValue()
            self = .authenticationProtocol(proto, data: data)
        case Kind.qualityProtocol:
            let (proto, data) = try option.protocolValue()
            self = .qualityProtocol(proto, data: data)
        case Kind.magicNumber:
            self = .magicNumber(try option.uint32Value())
        case Kind.protocolFieldCompression:
            try option.requireValue(exactly: 0)
            self = .protocolFieldCompression
        case Kind.addressAndControlFieldCompression:
            try option.requireValue(exactly: 0)
            self = .addressAndControlFieldCompression
        case Kind.maximumReceiveReconstructedUnit:
            self = .maximumReceiveReconstructedUnit(try option.uint16Value())
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
        switch self {
        case .maximumReceiveUnit(let mru): ConfigurationOption(type: Kind.maximumReceiveUnit, uint16: mru)
        case .asyncControlCharacterMap(let map): ConfigurationOption(type: Kind.asyncControlCharacterMap, uint32: map)
        case .authenticationProtocol(let proto, let data):
            ConfigurationOption(type: Kind.authenticationProtocol, protocol: proto, data: data)
        case .qualityProtocol(let proto, let data): ConfigurationOption(type: Kind.qualityProtocol, protocol: proto, data: data)
        case .magicNumber(let magic): ConfigurationOption(type: Kind.magicNumber, uint32: magic)
        case .protocolFieldCompression: ConfigurationOption(type: Kind.protocolFieldCompression)
        case .addressAndControlFieldCompression: ConfigurationOption(type: Kind.addressAndControlFieldCompression)
        case .maximumReceiveReconstructedUnit(let mrru): ConfigurationOption(type: Kind.maximumReceiveReconstructedUnit, uint16: mrru)
        case .shortSequenceNumberHeaderFormat: ConfigurationOption(type: Kind.shortSequenceNumberHeaderFormat)
        case .endpointDiscriminator(let discriminator):
            ConfigurationOption(type: Kind.endpointDiscriminator, value: discriminator.encoded)
        case .unknown(let option): option
        }
    }

    public static func authentication(_ auth: AuthenticationProtocol) -> LCPOption {
        let value = auth.optionValue
        return .authenticationProtocol(auth.protocolNumber, data: Array(value[2...]))
    }
}
