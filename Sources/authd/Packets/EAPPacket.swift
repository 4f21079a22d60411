// EAP packets, RFC 3748 §4–5 (RFC 2284 for PPP): Request/Response with a
// type, Success/Failure without data; the Identity, Notification, Nak and
// MD5-Challenge types are decoded, others kept as raw type data.
// In a fuzz build the PPP sources are compiled into this same module.
#if canImport(PPP)
import PPP
#endif

enum EAPPacket: Equatable {
    case request(EAPType)
    case response(EAPType)
    case success
    case failure

    static let requestCode = ControlCode(1), responseCode = ControlCode(2)
    static let successCode = ControlCode(3), failureCode = ControlCode(4)

    init(parsing p: ControlPacket) throws(PPPError) {
        switch p.code {
        case Self.requestCode: self = .request(try EAPType(parsing: p.data))
        case Self.responseCode: self = .response(try EAPType(parsing: p.data))
        // §4.2: Success and Failure have Length 4; extra data is ignored like padding.
        case Self.successCode: self = .success
        case Self.failureCode: self = .failure
        default: throw .invalidValue
        }
    }

    func controlPacket(identifier: UInt8) throws(PPPError) -> ControlPacket {
        switch self {
        case let .request(t): ControlPacket(code: Self.requestCode, identifier: identifier, data: try t.encoded())
        case let .response(t): ControlPacket(code: Self.responseCode, identifier: identifier, data: try t.encoded())
        case .success: ControlPacket(code: Self.successCode, identifier: identifier)
        case .failure: ControlPacket(code: Self.failureCode, identifier: identifier)
        }
    }
}

enum EAPType: Equatable {
    /// §5.1: the peer's identity (or a prompt, in a Request).
    case identity([UInt8])
    /// §5.2: a message to show.
    case notification([UInt8])
    /// §5.3.1: Legacy Nak, the types the peer would rather use.
    case nak([UInt8])
    /// §5.4: MD5-Challenge, the CHAP format: Value-Size, Value, Name.
    case md5Challenge(value: [UInt8], name: [UInt8])
    case other(type: UInt8, data: [UInt8])

    init(parsing data: [UInt8]) throws(PPPError) {
        var r = FieldReader(data)
        let type = try r.byte()
        switch type {
        case 1: self = .identity(r.rest())
        case 2: self = .notification(r.rest())
        case 3:
            let wanted = r.rest()
            guard !wanted.isEmpty else { throw .truncated(needed: 2, available: 1) }
            self = .nak(wanted)
        case 4:
            let value = try r.lengthPrefixed()
            guard !value.isEmpty else { throw .lengthTooShort(declared: 0, minimum: 1) }
            self = .md5Challenge(value: value, name: r.rest())
        default: self = .other(type: type, data: r.rest())
        }
    }

    func encoded() throws(PPPError) -> [UInt8] {
        switch self {
        case let .identity(d): return [1] + d
        case let .notification(d): return [2] + d
        case let .nak(d): return [3] + d
        case let .md5Challenge(value, name):
            var w: [UInt8] = [4]
            try FieldReader.appendLengthPrefixed(value, to: &w)
            return w + name
        case let .other(type, data): return [type] + data
        }
    }
}
