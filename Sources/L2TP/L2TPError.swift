// The one error type of the L2TP library. Every parser throws it (typed
// throws) so linkd drops and counts a bad datagram by case and never traps.

/// Why an L2TP header, AVP, control message or state record was refused.
public enum L2TPError: Error, Equatable, Sendable {
    /// Fewer octets than the structure's fixed part needs.
    case truncated(needed: Int, available: Int)
    /// RFC 2661 §3.1: a Length field that disagrees with the datagram (longer
    /// runs past it; shorter leaves trailing octets we refuse to guess about).
    case lengthMismatch(declared: Int, available: Int)
    /// §3.1: "Packets received with an unknown Ver field MUST be discarded."
    case badVersion(UInt8)
    /// §3.1: a control message without L or S, or with O or P set.
    case badControlFlags(UInt16)
    /// §3.1: an Offset Size running past the datagram.
    case badOffset(Int)
    /// §4.1: an AVP Length below 6 or past the end of the message.
    case badAVPLength(type: UInt16, declared: Int, available: Int)
    /// §4.4: a value whose size breaks what the RFC fixes for the attribute
    /// (checked after unhiding, on the original value).
    case badValueLength(type: UInt16, length: Int)
    /// §4.3: a hidden AVP with no Random Vector before it, no shared secret,
    /// an attribute that must not be hidden, or a subformat whose Length of
    /// Original Value runs past the decrypted octets.
    case badHiddenAVP(type: UInt16)
    /// §4.4.1: the first AVP is not a Message Type, or an AVP of a kind that
    /// may occur once appears twice.
    case missingMessageType
    case duplicateAVP(UInt16)
    /// §6: an AVP the message type requires is absent.
    case missingAVP(message: UInt16, type: UInt16)
    /// A value the RFC forbids inside a well-formed AVP (a zero Tunnel or
    /// Session ID, a Receive Window Size of 0, reserved octets not zero).
    case invalidValue(type: UInt16)
    /// An encoder asked to emit more than a 10-bit AVP Length or a 16-bit
    /// message Length can carry.
    case tooLong(length: Int, maximum: Int)
    /// A state record of an unknown version or with octets left over.
    case badRecord(String)
}
