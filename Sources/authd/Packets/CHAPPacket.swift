// CHAP packets, RFC 1994 §4, and the MS-CHAPv2 Response value, RFC 2759 §4.
// In a fuzz build the PPP sources are compiled into this same module.
#if canImport(PPP)
import PPP
#endif

enum CHAPPacket: Equatable {
    /// §4.1: Value-Size (≥ 1), Value, Name (the rest).
    case challenge(value: [UInt8], name: [UInt8])
    case response(value: [UInt8], name: [UInt8])
    /// §4.2: Message (the rest).
    case success(message: [UInt8])
    case failure(message: [UInt8])

    static let challengeCode = ControlCode(1), responseCode = ControlCode(2)
    static let successCode = ControlCode(3), failureCode = ControlCode(4)

    init(parsing p: ControlPacket) throws(PPPError) {
        var r = FieldReader(p.data)
        switch p.code {
        case Self.challengeCode, Self.responseCode:
            let value = try r.lengthPrefixed()
            // §4.1: "The Value-Size field is one octet and indicates the length of the Value field"; at least one.
            guard !value.isEmpty else { throw .lengthTooShort(declared: 0, minimum: 1) }
            let name = r.rest()
            self = p.code == Self.challengeCode ? .challenge(value: value, name: name) : .response(value: value, name: name)
        case Self.successCode: self = .success(message: r.rest())
        case Self.failureCode: self = .failure(message: r.rest())
        default: throw .invalidValue
        }
    }

    func controlPacket(identifier: UInt8) throws(PPPError) -> ControlPacket {
        var w: [UInt8] = []
        let code: ControlCode
        switch self {
        case let .challenge(value, name), let .response(value, name):
            guard !value.isEmpty else { throw .lengthTooShort(declared: 0, minimum: 1) }
            try FieldReader.appendLengthPrefixed(value, to: &w)
            w += name
            if case .challenge = self { code = Self.challengeCode } else { code = Self.responseCode }
        case let .success(m): w = m; code = Self.successCode
        case let .failure(m): w = m; code = Self.failureCode
        }
        guard w.count <= ControlPacket.maximumDataLength else {
            throw .tooLong(length: w.count, maximum: ControlPacket.maximumDataLength)
        }
        return ControlPacket(code: code, identifier: identifier, data: w)
    }
}

/// RFC 2759 §4: the 49-octet Response value of MS-CHAPv2.
struct MSCHAPv2Response: Equatable {
    var peerChallenge: [UInt8]   // 16
    var ntResponse: [UInt8]      // 24
    var flags: UInt8             // 0

    static let length = 49

    init(peerChallenge: [UInt8], ntResponse: [UInt8], flags: UInt8 = 0) {
        self.peerChallenge = peerChallenge; self.ntResponse = ntResponse; self.flags = flags
    }

    init(parsing value: [UInt8]) throws(PPPError) {
        guard value.count == Self.length else { throw .badLength(declared: value.count, expected: Self.length) }
        peerChallenge = Array(value[0..<16])
        // Octets 16..<24 are reserved and must be zero; Windows peers send zero, pppd checks nothing.
        ntResponse = Array(value[24..<48])
        flags = value[48]
    }

    var encoded: [UInt8] { peerChallenge + [UInt8](repeating: 0, count: 8) + ntResponse + [flags] }
}
