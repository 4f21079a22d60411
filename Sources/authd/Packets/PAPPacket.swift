// PAP packets, RFC 1334 §2.2, carried in the RFC 1661 code/identifier/length
// header (PPP's ControlPacket). Lengths inside the data are checked against
// what arrived; octets after the last field are ignored, as pppd does.
// In a fuzz build the PPP sources are compiled into this same module.
#if canImport(PPP)
import PPP
#endif

enum PAPPacket: Equatable {
    /// §2.2.1 Authenticate-Request: Peer-ID and Password.
    case authenticateRequest(peerID: [UInt8], password: [UInt8])
    /// §2.2.2 Authenticate-Ack / Authenticate-Nak with an optional message.
    case authenticateAck(message: [UInt8])
    case authenticateNak(message: [UInt8])

    static let requestCode = ControlCode(1), ackCode = ControlCode(2), nakCode = ControlCode(3)

    init(parsing p: ControlPacket) throws(PPPError) {
        var r = FieldReader(p.data)
        switch p.code {
        case Self.requestCode:
            let id = try r.lengthPrefixed()
            self = .authenticateRequest(peerID: id, password: try r.lengthPrefixed())
        case Self.ackCode, Self.nakCode:
            // pppd sends Ack/Nak without Msg-Length at times; an empty data field is a valid empty message.
            let message = r.isAtEnd ? [] : try r.lengthPrefixed()
            self = p.code == Self.ackCode ? .authenticateAck(message: message) : .authenticateNak(message: message)
        default:
            throw .invalidValue
        }
    }

    func controlPacket(identifier: UInt8) throws(PPPError) -> ControlPacket {
        var w: [UInt8] = []
        switch self {
        case let .authenticateRequest(id, password):
            try FieldReader.appendLengthPrefixed(id, to: &w)
            try FieldReader.appendLengthPrefixed(password, to: &w)
            return ControlPacket(code: Self.requestCode, identifier: identifier, data: w)
        case let .authenticateAck(m), let .authenticateNak(m):
            try FieldReader.appendLengthPrefixed(m, to: &w)
            return ControlPacket(code: self == .authenticateAck(message: m) ? Self.ackCode : Self.nakCode,
                                 identifier: identifier, data: w)
        }
    }
}

/// Bounded reads over an auth packet's data field.
struct FieldReader {
    private let bytes: [UInt8]
    private var index = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index >= bytes.count }
    var remaining: Int { bytes.count - index }

    mutating func byte() throws(PPPError) -> UInt8 {
        guard index < bytes.count else { throw .truncated(needed: index + 1, available: bytes.count) }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func take(_ n: Int) throws(PPPError) -> [UInt8] {
        guard n <= remaining else { throw .lengthExceedsData(declared: n, available: remaining) }
        defer { index += n }
        return Array(bytes[index..<index + n])
    }

    /// One length octet, then that many octets.
    mutating func lengthPrefixed() throws(PPPError) -> [UInt8] { try take(Int(try byte())) }

    mutating func rest() -> [UInt8] {
        defer { index = bytes.count }
        return Array(bytes[index...])
    }

    static func appendLengthPrefixed(_ v: [UInt8], to w: inout [UInt8]) throws(PPPError) {
        guard v.count <= 255 else { throw .tooLong(length: v.count, maximum: 255) }
        w.append(UInt8(v.count))
        w += v
    }
}
