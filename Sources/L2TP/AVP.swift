// One Attribute-Value Pair (RFC 2661 §4.1) and the strict parser of a
// control message's AVP list: every Length is checked against the octets
// left in the message and, for the attributes of §4.4, against the size the
// attribute must have; hidden values (§4.3) are revealed as they are read.

public struct AVP: Equatable, Sendable {
    /// M, H and the four reserved bits, then the 10-bit Length (§4.1).
    public static let mandatoryBit: UInt16 = 0x8000
    public static let hiddenBit: UInt16 = 0x4000
    public static let reservedBits: UInt16 = 0x3c00
    public static let lengthMask: UInt16 = 0x03ff
    public static let headerLength = 6

    public var mandatory: Bool
    /// The value arrived hidden (§4.3); `value` is the revealed original.
    public var hidden: Bool
    /// §4.1: "An AVP received with a reserved bit set to 1 MUST be treated
    /// as an unrecognized AVP."
    public var reservedBitsSet: Bool
    public var vendorID: UInt16
    public var type: UInt16
    public var value: [UInt8]

    public init(_ type: AVPType, _ value: [UInt8], mandatory: Bool = true) {
        self.init(vendorID: 0, type: type.rawValue, value: value, mandatory: mandatory)
    }

    public init(vendorID: UInt16, type: UInt16, value: [UInt8], mandatory: Bool, hidden: Bool = false) {
        self.mandatory = mandatory; self.hidden = hidden; reservedBitsSet = false
        self.vendorID = vendorID; self.type = type; self.value = value
    }

    /// An AVP this library interprets: vendor 0, a §4.4 type, no reserved bit.
    public var isRecognized: Bool { vendorID == 0 && !reservedBitsSet && AVPType(rawValue: type).isKnown }

    /// Parses the AVPs after a control header. `secret` reveals hidden
    /// values; a hidden AVP with no secret or no Random Vector before it is
    /// refused, as is any Length that is below 6 or runs past the message.
    public static func parseList(_ body: ArraySlice<UInt8>, secret: [UInt8]?) throws(L2TPError) -> [AVP] {
        var avps: [AVP] = []
        var index = body.startIndex
        var randomVector: ArraySlice<UInt8>?
        while index < body.endIndex {
            let remaining = body.endIndex - index
            guard remaining >= headerLength else { throw .truncated(needed: headerLength, available: remaining) }
            let bits = NetworkOrder.uint16(body, at: index)
            let length = Int(bits & lengthMask)
            let type = NetworkOrder.uint16(body, at: index + 4)
            // The zero-length loop: a Length below the header would never advance.
            guard length >= headerLength, length <= remaining else {
                throw .badAVPLength(type: type, declared: length, available: remaining)
            }
            var avp = AVP(vendorID: NetworkOrder.uint16(body, at: index + 2), type: type, value: [],
                          mandatory: bits & mandatoryBit != 0, hidden: bits & hiddenBit != 0)
            avp.reservedBitsSet = bits & reservedBits != 0
            let raw = body[(index + headerLength)..<(index + length)]
            index += length
            if avp.hidden {
                guard let secret, let vector = randomVector else { throw .badHiddenAVP(type: type) }
                if avp.vendorID == 0 && avp.isRecognized && !AVPType(rawValue: type).mayHide {
                    throw .badHiddenAVP(type: type)
                }
                avp.value = try AVPHiding.reveal(raw, type: type, secret: secret, randomVector: vector)
            } else {
                avp.value = Array(raw)
            }
            if avp.isRecognized {
                try AVPType(rawValue: type).check(valueLength: avp.value.count)
                // §4.3: "the random vector is taken from the last Random Vector AVP
                // encountered in the message prior to the AVP to be unhidden."
                if type == AVPType.randomVector.rawValue { randomVector = raw }
            }
            avps.append(avp)
        }
        return avps
    }

    /// Appends the AVP with its value in clear.
    public func append(to bytes: inout [UInt8]) throws(L2TPError) {
        try appendHeader(valueLength: value.count, hidden: false, to: &bytes)
        bytes.append(contentsOf: value)
    }

    /// Appends the AVP hidden (§4.3) under `secret` and the message's
    /// Random Vector, padded with `padding` octets to mask its length.
    public func appendHidden(secret: [UInt8], randomVector: [UInt8], padding: [UInt8], to bytes: inout [UInt8]) throws(L2TPError) {
        let concealed = AVPHiding.conceal(value, type: type, secret: secret, randomVector: randomVector, padding: padding)
        try appendHeader(valueLength: concealed.count, hidden: true, to: &bytes)
        bytes.append(contentsOf: concealed)
    }

    private func appendHeader(valueLength: Int, hidden: Bool, to bytes: inout [UInt8]) throws(L2TPError) {
        let length = Self.headerLength + valueLength
        guard length <= Int(Self.lengthMask) else { throw .tooLong(length: length, maximum: Int(Self.lengthMask)) }
        var bits = UInt16(length)
        if mandatory { bits |= Self.mandatoryBit }
        if hidden { bits |= Self.hiddenBit }
        NetworkOrder.append(bits, to: &bytes)
        NetworkOrder.append(vendorID, to: &bytes)
        NetworkOrder.append(type, to: &bytes)
    }
}

/// RFC 2661 §4.3: the Hidden AVP Subformat (Length of Original Value,
/// value, padding) XORed with an MD5 chain over the attribute type, the
/// shared secret and the Random Vector.
enum AVPHiding {
    /// b1 = MD5(type + S + RV), bi = MD5(S + c(i-1)); c(i) = p(i) xor b(i).
    static func conceal(_ value: [UInt8], type: UInt16, secret: [UInt8], randomVector: [UInt8], padding: [UInt8]) -> [UInt8] {
        var plain: [UInt8] = []
        NetworkOrder.append(UInt16(value.count), to: &plain)
        plain += value
        plain += padding
        var out = [UInt8](repeating: 0, count: plain.count)
        var previous: ArraySlice<UInt8> = []
        var chunk = 0
        while chunk < plain.count {
            let key = chunk == 0 ? first(type: type, secret: secret, randomVector: randomVector[...])
                                 : MD5.digest(secret, Array(previous))
            let end = min(chunk + 16, plain.count)
            for i in chunk..<end { out[i] = plain[i] ^ key[i - chunk] }
            previous = out[chunk..<end]
            chunk = end
        }
        return out
    }

    /// The reverse of `conceal`; refuses a subformat too short for its own
    /// Length field or whose Length runs past the revealed octets.
    static func reveal(_ hidden: ArraySlice<UInt8>, type: UInt16, secret: [UInt8], randomVector: ArraySlice<UInt8>) throws(L2TPError) -> [UInt8] {
        guard hidden.count >= 2 else { throw .badHiddenAVP(type: type) }
        var plain = [UInt8](repeating: 0, count: hidden.count)
        var chunk = 0
        let base = hidden.startIndex
        while chunk < hidden.count {
            let key = chunk == 0 ? first(type: type, secret: secret, randomVector: randomVector)
                                 : MD5.digest(secret, Array(hidden[(base + chunk - 16)..<(base + chunk)]))
            let end = min(chunk + 16, hidden.count)
            for i in chunk..<end { plain[i] = hidden[base + i] ^ key[i - chunk] }
            chunk = end
        }
        let length = Int(NetworkOrder.uint16(plain, at: 0))
        guard length <= plain.count - 2 else { throw .badHiddenAVP(type: type) }
        return Array(plain[2..<(2 + length)])
    }

    private static func first(type: UInt16, secret: [UInt8], randomVector: ArraySlice<UInt8>) -> [UInt8] {
        var md5 = MD5()
        md5.update([UInt8(type >> 8), UInt8(type & 0xff)])
        md5.update(secret)
        md5.update(randomVector)
        return md5.finish()
    }
}
