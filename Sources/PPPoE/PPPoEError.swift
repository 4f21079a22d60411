// The one error type of the PPPoE library. Every parser throws it (typed
// throws) so linkd drops and counts a bad frame by case and never crashes.

/// Why an Ethernet frame, PPPoE header, tag or discovery packet was refused.
public enum PPPoEError: Error, Equatable, Sendable {
    /// Fewer octets than the fixed header of the structure needs.
    case truncated(needed: Int, available: Int)
    /// A LENGTH or TAG_LENGTH that runs past the octets received (RFC 2516 §4, §5).
    case lengthExceedsData(declared: Int, available: Int)
    /// VER and TYPE must both be 1 (RFC 2516 §4).
    case badVersionType(UInt8)
    /// An ETHER_TYPE other than 0x8863 and 0x8864 (RFC 2516 §4).
    case unknownEtherType(UInt16)
    /// A discovery CODE outside PADI/PADO/PADR/PADS/PADT, or a session CODE not 0 (§6).
    case unknownCode(UInt8)
    /// A tag whose TAG_LENGTH breaks the size the RFC fixes for it
    /// (End-Of-List 0, PPP-Max-Payload 2 per RFC 4638 §4, Vendor-Specific >= 4).
    case badTagLength(tag: UInt16, declared: Int)
    /// A required tag absent, or one that must appear exactly once repeated (§5.1-§5.4).
    case missingTag(UInt16)
    case duplicateTag(UInt16)
    /// A SESSION_ID the packet's CODE forbids: non-zero in PADI/PADO/PADR,
    /// zero in PADT or in a session frame, or the reserved 0xffff (§4, §5).
    case badSessionID(UInt16)
    /// A PADI over 1484 octets (§5.1), or an encoder asked for more than fits.
    case tooLong(length: Int, maximum: Int)
    /// A SOURCE_ADDR that is not a unicast address (§4: "the MAC address of the source").
    case sourceNotUnicast
    /// A value the RFC forbids inside a well-formed tag.
    case invalidValue
    /// IEEE 802.1Q: a VLAN tag whose VID is 0 (a priority tag) or 4095
    /// (reserved), more than two tags, or a TPID out of place (one tag
    /// that is not a C-tag, or an inner tag that is not) — VLANTags.swift.
    case badVLANID(UInt16)
    case tooManyVLANTags
    case badVLANTPID(UInt16)
}
