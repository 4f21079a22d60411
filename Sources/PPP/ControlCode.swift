// The Code field of a control packet (RFC 1661 §5, RFC 1570). A struct so that
// unknown codes stay representable: they are answered with Code-Reject (RUC).

/// The Code octet of an LCP/NCP control packet.
public struct ControlCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// RFC 1661 §5.1-§5.6: the codes every control protocol (LCP, IPCP, IPv6CP) has.
    public static let configureRequest = ControlCode(1)
    public static let configureAck = ControlCode(2)
    public static let configureNak = ControlCode(3)
    public static let configureReject = ControlCode(4)
    public static let terminateRequest = ControlCode(5)
    public static let terminateAck = ControlCode(6)
    public static let codeReject = ControlCode(7)
    /// RFC 1661 §5.7-§5.9: LCP only.
    public static let protocolReject = ControlCode(8)
    public static let echoRequest = ControlCode(9)
    public static let echoReply = ControlCode(10)
    public static let discardRequest = ControlCode(11)
    /// RFC 1570 §2.1, §2.2: LCP only.
    public static let identification = ControlCode(12)
    public static let timeRemaining = ControlCode(13)

    /// Codes 1-7, shared by LCP and the NCPs (RFC 1661 §5, RFC 1332 §2).
    public var isCommon: Bool { (1...7).contains(rawValue) }

    public var description: String {
        switch rawValue {
        case 1: "Configure-Request"
        case 2: "Configure-Ack"
        case 3: "Configure-Nak"
        case 4: "Configure-Reject"
        case 5: "Terminate-Request"
        case 6: "Terminate-Ack"
        case 7: "Code-Reject"
        case 8: "Protocol-Reject"
        case 9: "Echo-Request"
        case 10: "Echo-Reply"
        case 11: "Discard-Request"
        case 12: "Identification"
        case 13: "Time-Remaining"
        default: "Code-\(rawValue)"
        }
    }
}
