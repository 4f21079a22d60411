// PPP Protocol field values (RFC 1661 §2, "Assigned Numbers" as kept by IANA).
// A value type rather than a closed enum: the field arrives from the wire and
// any value must be representable so it can be Protocol-Rejected (RFC 1661 §5.7).

/// The 16-bit PPP Protocol field.
public struct ProtocolNumber: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    // Network-layer protocols (0x0xxx-0x3xxx).
    public static let ipv4 = ProtocolNumber(0x0021)
    public static let multilink = ProtocolNumber(0x003d)  // RFC 1990 MP
    public static let ipv6 = ProtocolNumber(0x0057)
    public static let compressedDatagram = ProtocolNumber(0x00fd)  // RFC 1962 CCP payload
    // Network Control Protocols (0x8xxx-0xbxxx).
    public static let ipcp = ProtocolNumber(0x8021)
    public static let ipv6cp = ProtocolNumber(0x8057)
    public static let ccp = ProtocolNumber(0x80fd)
    // Link-layer control protocols (0xcxxx-0xfxxx).
    public static let lcp = ProtocolNumber(0xc021)
    public static let pap = ProtocolNumber(0xc023)
    public static let lqr = ProtocolNumber(0xc025)
    public static let chap = ProtocolNumber(0xc223)
    public static let eap = ProtocolNumber(0xc227)

    /// RFC 1661 §2: the least significant bit of the least significant octet
    /// is 1 and the least significant bit of the most significant octet is 0.
    public var isValid: Bool { rawValue & 0x0101 == 0x0001 }

    /// RFC 1661 §6.5: only values below 0x100 can be sent as a single octet.
    public var isCompressible: Bool { rawValue < 0x100 }

    /// RFC 1661 §2: 0xc000-0xffff are link-layer control protocols (LCP and
    /// authentication), which an NCP never carries.
    public var isLinkControl: Bool { rawValue >= 0xc000 }

    /// RFC 1661 §2: 0x8000-0xbfff are Network Control Protocols.
    public var isNetworkControl: Bool { rawValue >= 0x8000 && rawValue < 0xc000 }

    public var description: String {
        switch self {
        case .ipv4: "IPv4"
        case .multilink: "MP"
        case .ipv6: "IPv6"
        case .compressedDatagram: "CD"
        case .ipcp: "IPCP"
        case .ipv6cp: "IPv6CP"
        case .ccp: "CCP"
        case .lcp: "LCP"
        case .pap: "PAP"
        case .lqr: "LQR"
        case .chap: "CHAP"
        case .eap: "EAP"
        default: "0x" + Hex.string(rawValue, width: 4)
        }
    }
}

/// Formatting helper: the library has no Foundation, so no String(format:).
enum Hex {
    static func string<T: BinaryInteger>(_ value: T, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
