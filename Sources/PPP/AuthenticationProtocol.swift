// The authentication protocols LCP can negotiate (RFC 1661 §6.2): PAP
// (RFC 1334), CHAP with MD5 (RFC 1994) or MS-CHAPv2 (RFC 2759), and EAP
// (RFC 2284). Maps to and from the Authentication-Protocol option's value.

/// An Authentication-Protocol option value that we understand.
public enum AuthenticationProtocol: Hashable, Sendable, CaseIterable {
    case pap
    /// CHAP Algorithm 5 (RFC 1994 §3).
    case chapMD5
    /// CHAP Algorithm 0x81 (RFC 2759 §2).
    case msChapV2
    case eap

    /// RFC 1994 §3: the Algorithm octet following the CHAP protocol number.
    public static let chapAlgorithmMD5: UInt8 = 5
    public static let chapAlgorithmMSChapV2: UInt8 = 0x81

    /// Parses the option value (Authentication-Protocol + Data). Unknown
    /// protocols, unknown CHAP algorithms and stray data give nil (to be Nak'd).
    public init?(optionValue value: [UInt8]) {
        guard value.count >= 2 else { return nil }
        switch (ProtocolNumber(BigEndian.uint16(value, at: 0)), value.count) {
        case (.pap, 2): self = .pap
        case (.eap, 2): self = .eap
        case (.chap, 3) where value[2] == Self.chapAlgorithmMD5: self = .chapMD5
        case (.chap, 3) where value[2] == Self.chapAlgorithmMSChapV2: self = .msChapV2
        default: return nil
        }
    }

    public var protocolNumber: ProtocolNumber {
        switch self {
        case .pap: .pap
        case .chapMD5, .msChapV2: .chap
        case .eap: .eap
        }
    }

    public var optionValue: [UInt8] {
        var value: [UInt8] = []
        BigEndian.append(protocolNumber.rawValue, to: &value)
        switch self {
        case .chapMD5: value.append(Self.chapAlgorithmMD5)
        case .msChapV2: value.append(Self.chapAlgorithmMSChapV2)
        case .pap, .eap: break
        }
        return value
    }
}
