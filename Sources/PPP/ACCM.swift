// The sending Async-Control-Character-Map (RFC 1662 §7.1): "The receiving ACCM
// is 32 bits, but the sending ACCM may be up to 256 bits." The negotiated
// 32-bit map covers 0x00-0x1f; the extension lets any octet be escaped.

/// A set of octets to send escaped (as 0x7d, octet ^ 0x20).
public struct ACCM: Equatable, Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    /// RFC 1662 §7.1 default for async links: all of 0x00-0x1f.
    public static let allControlCharacters = ACCM(asyncMap: 0xffff_ffff)
    /// Nothing but what §4.2 always escapes (flag and escape).
    public static let none = ACCM(asyncMap: 0)

    /// The negotiated 32-bit map: bit n set means octet n is escaped.
    public init(asyncMap: UInt32) {
        words = (UInt64(asyncMap), 0, 0, 0)
        insert(0x7d)
        insert(0x7e)
    }

    /// RFC 1662 §4.2: "As a minimum, sending implementations MUST escape the
    /// Flag Sequence and Control Escape octets", so both are always members.
    public init<S: Sequence<UInt8>>(escaping octets: S) {
        self.init(asyncMap: 0)
        for octet in octets { insert(octet) }
    }

    @inline(__always)
    public func contains(_ octet: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(octet & 63)
        switch octet >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    /// Adds an octet to escape. RFC 1662 §7.1 lets a transmitter escape only
    /// 0x00-0x1f, 0x7d, 0x7e and "0x40 through 0xff (except 0x5e)": an escaped
    /// 0x20-0x3f would travel as a control character a receiver may drop, and
    /// an escaped 0x5e as 7d 7e, the abort sequence. Those are refused (false).
    @discardableResult
    public mutating func insert(_ octet: UInt8) -> Bool {
        guard Self.isEscapable(octet) else { return false }
        let bit = UInt64(1) << UInt64(octet & 63)
        switch octet >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
        return true
    }

    public static func isEscapable(_ octet: UInt8) -> Bool {
        !((0x20...0x3f).contains(octet) || octet == 0x5e)
    }

    /// The union, e.g. the negotiated map plus locally configured octets.
    public func union(_ other: ACCM) -> ACCM {
        var result = self
        result.words = (words.0 | other.words.0, words.1 | other.words.1,
                        words.2 | other.words.2, words.3 | other.words.3)
        return result
    }

    public static func == (lhs: ACCM, rhs: ACCM) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
