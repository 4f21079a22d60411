// The LCP-only packet bodies (RFC 1661 §5.7-§5.9, RFC 1570 §2): Protocol-Reject,
// Echo-Request/Reply, Discard-Request, Identification, Time-Remaining. Parsed
// from a ControlPacket's Data with explicit big-endian fields and strict minimums.

/// The body of an LCP code 8-13 packet.
public enum LinkMaintenancePacket: Equatable, Sendable {
    /// RFC 1661 §5.7: Rejected-Protocol + Rejected-Information.
    case protocolReject(ProtocolNumber, information: [UInt8])
    /// RFC 1661 §5.8: Magic-Number + Data.
    case echoRequest(magicNumber: UInt32, data: [UInt8])
    case echoReply(magicNumber: UInt32, data: [UInt8])
    /// RFC 1661 §5.9: Magic-Number + Data.
    case discardRequest(magicNumber: UInt32, data: [UInt8])
    /// RFC 1570 §2.1: Magic-Number + Message.
    case identification(magicNumber: UInt32, message: [UInt8])
    /// RFC 1570 §2.2: Magic-Number + Seconds-Remaining + Message.
    case timeRemaining(magicNumber: UInt32, seconds: UInt32, message: [UInt8])

    /// Returns nil for codes that are not link maintenance (1-7, 14+).
    public init?(parsing packet: ControlPacket) throws(PPPError) {
        let data = packet.data
        func need(_ count: Int) throws(PPPError) {
            guard data.count >= count else { throw .truncated(needed: count, available: data.count) }
        }
        switch packet.code {
        case .protocolReject:
            try need(2)
            self = .protocolReject(ProtocolNumber(BigEndian.uint16(data, at: 0)), information: Array(data[2...]))
        case .echoRequest, .echoReply, .discardRequest, .identification:
            try need(4)
            let magic = BigEndian.uint32(data, at: 0)
            let rest = Array(data[4...])
            switch packet.code {
            case .echoRequest: self = .echoRequest(magicNumber: magic, data: rest)
            case .echoReply: self = .echoReply(magicNumber: magic, data: rest)
            case .discardRequest: self = .discardRequest(magicNumber: magic, data: rest)
            default: self = .identification(magicNumber: magic, message: rest)
            }
        case .timeRemaining:
            try need(8)
            self = .timeRemaining(magicNumber: BigEndian.uint32(data, at: 0),
                                  seconds: BigEndian.uint32(data, at: 4), message: Array(data[8...]))
        default:
            return nil
        }
    }

    public var code: ControlCode {
        switch self {
        case .protocolReject: .protocolReject
        case .echoRequest: .echoRequest
        case .echoReply: .echoReply
        case .discardRequest: .discardRequest
        case .identification: .identification
        case .timeRemaining: .timeRemaining
        }
    }

    public func controlPacket(identifier: UInt8) -> ControlPacket {
        var data: [UInt8] = []
        switch self {
        case .protocolReject(let proto, let information):
            BigEndian.append(proto.rawValue, to: &data)
            data += information
        case .echoRequest(let magic, let rest), .echoReply(let magic, let rest),
             .discardRequest(let magic, let rest), .identification(let magic, let rest):
            BigEndian.append(magic, to: &data)
            data += rest
        case .timeRemaining(let magic, let seconds, let message):
            BigEndian.append(magic, to: &data)
            BigEndian.append(seconds, to: &data)
            data += message
        }
        return ControlPacket(code: code, identifier: identifier, data: data)
    }
}
