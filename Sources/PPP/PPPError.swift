// The one error type of the PPP library. Every parser throws it (typed throws),
// so callers can drop and count bad input from the wire by case, never crash.

/// Why a packet, option or frame was refused.
public enum PPPError: Error, Equatable, Sendable {
    /// Fewer octets than the fixed header of the structure needs.
    case truncated(needed: Int, available: Int)
    /// A Length field below the structure's minimum (RFC 1661 §5: >= 4; §6: >= 2).
    case lengthTooShort(declared: Int, minimum: Int)
    /// A Length field that runs past the octets received (RFC 1661 §5).
    case lengthExceedsData(declared: Int, available: Int)
    /// A fixed-size field or option whose length is not the one the RFC defines.
    case badLength(declared: Int, expected: Int)
    /// A structure with octets left over where none are allowed.
    case trailingData(count: Int)
    /// A Protocol field that breaks RFC 1661 §2 (even low octet / odd high octet).
    case invalidProtocol(UInt16)
    /// A value the RFC forbids (e.g. Magic-Number 0, RFC 1661 §6.4).
    case invalidValue
    /// An encoder was asked for more than a 16-bit (or 8-bit) Length can say.
    case tooLong(length: Int, maximum: Int)
}
