// IEEE 802.1Q VLAN tags in front of a PPPoE frame's ETHER_TYPE (issue 13
// point 6): none, one C-tag (TPID 0x8100), or QinQ — an S-tag (TPID 0x88a8,
// 802.1ad; or 0x8100 as older switches send it) then a C-tag (0x8100). Each
// tag is 4 octets after the source address: TPID, then TCI (PCP 3 bits, DEI
// 1, VID 12). On Linux the receiving device usually takes the outermost tag
// off and hands it beside the frame (PACKET_AUXDATA tp_vlan_tci and
// tp_vlan_tpid); `read` takes that as `stripped` and the rest from the frame.
// No allocation: it returns the tags and where the ETHER_TYPE is.

public struct VLANTags: Hashable, Sendable {
    /// 802.1Q and 802.1ad tag protocol identifiers.
    public static let customerTPID: UInt16 = 0x8100
    public static let serviceTPID: UInt16 = 0x88a8
    /// IEEE 802.1Q §9.6: VID 0 means "no VLAN" (a priority tag), 0xfff is
    /// reserved; a tagged PPPoE frame carries 1...4094.
    public static let vids: ClosedRange<UInt16> = 1...4094
    /// Octets of one tag.
    public static let tagLength = 4

    /// The S-tag's VID (QinQ) and its TPID; nil with one tag or none.
    public var outer: UInt16?
    public var outerTPID: UInt16 = VLANTags.serviceTPID
    /// The C-tag's VID; nil untagged.
    public var inner: UInt16?

    public init(outer: UInt16? = nil, outerTPID: UInt16 = VLANTags.serviceTPID, inner: UInt16? = nil) {
        self.outer = outer; self.outerTPID = outerTPID; self.inner = inner
    }

    public static let untagged = VLANTags()
    public var isTagged: Bool { inner != nil }
    /// Tag octets these tags take in a frame.
    public var length: Int { (outer == nil ? 0 : Self.tagLength) + (inner == nil ? 0 : Self.tagLength) }

    /// The largest PPP payload a session with these tags can carry on a
    /// link whose MTU is `mtu` (issue 13): the MTU less the PPPoE header and
    /// the 2-octet Protocol field (RFC 2516 §7, RFC 4638 §1) and less the
    /// tags, except that a frame whose first TPID is 0x8100 may run 4 octets
    /// past the MTU (IEEE 802.3's 1522-octet tagged frame, which Linux's
    /// packet socket allows in `packet_extra_vlan_len_allowed` and no more).
    /// At MTU 1500: untagged or one C-tag 1492, QinQ under 0x8100 1488,
    /// QinQ under an 802.1ad S-tag 1484 (1492 needs MTU 1508).
    public func maximumPayload(linkMTU mtu: Int) -> Int {
        let firstIsCustomer = outer == nil ? inner != nil : outerTPID == Self.customerTPID
        return mtu - PPPoEHeader.pppoeLength - 2 - length + (firstIsCustomer ? Self.tagLength : 0)
    }

    /// A tag the device took off: its TCI and TPID (PACKET_AUXDATA).
    public struct Stripped: Equatable, Sendable {
        public var tci: UInt16
        public var tpid: UInt16
        public init(tci: UInt16, tpid: UInt16) { self.tci = tci; self.tpid = tpid }
    }

    /// Reads the tags of `frame` (destination and source addresses first):
    /// `stripped` is the outermost one if the device removed it. Returns the
    /// tags and the offset of the ETHER_TYPE in `frame`. More than two tags,
    /// a TPID out of place, or a VID outside 1...4094 is refused.
    public static func read(_ frame: ArraySlice<UInt8>, stripped: Stripped?) throws(PPPoEError) -> (tags: VLANTags, etherTypeAt: Int) {
        var tpids: (UInt16, UInt16) = (0, 0), vidsSeen: (UInt16, UInt16) = (0, 0)
        var count = 0
        func take(_ tpid: UInt16, _ tci: UInt16) throws(PPPoEError) {
            guard count < 2 else { throw .tooManyVLANTags }
            let vid = tci & 0x0fff
            guard vids.contains(vid) else { throw .badVLANID(vid) }
            if count == 0 { tpids.0 = tpid; vidsSeen.0 = vid } else { tpids.1 = tpid; vidsSeen.1 = vid }
            count += 1
        }
        if let stripped { try take(stripped.tpid, stripped.tci) }
        let s = frame.startIndex
        var at = 12
        while true {
            guard frame.count >= at + 2 else { throw .truncated(needed: at + 2, available: frame.count) }
            let type = NetworkOrder.uint16(frame, at: s + at)
            guard type == customerTPID || type == serviceTPID else { break }
            guard frame.count >= at + tagLength else { throw .truncated(needed: at + tagLength, available: frame.count) }
            try take(type, NetworkOrder.uint16(frame, at: s + at + 2))
            at += tagLength
        }
        switch count {
        case 0:
            return (.untagged, at)
        case 1:
            // One tag is a C-tag; an 802.1ad TPID alone names no customer VLAN.
            guard tpids.0 == customerTPID else { throw .badVLANTPID(tpids.0) }
            return (VLANTags(inner: vidsSeen.0), at)
        default:
            // The inner one is always a C-tag (802.1ad §6.9).
            guard tpids.1 == customerTPID else { throw .badVLANTPID(tpids.1) }
            return (VLANTags(outer: vidsSeen.0, outerTPID: tpids.0, inner: vidsSeen.1), at)
        }
    }

    /// Writes the tags (PCP and DEI 0) at `offset` of `bytes`, which has
    /// room (`length` octets) there; for a reply tagged as the request was.
    public func write(into bytes: inout [UInt8], at offset: Int) {
        var at = offset
        if let outer {
            NetworkOrder.write(outerTPID, into: &bytes, at: at)
            NetworkOrder.write(outer, into: &bytes, at: at + 2)
            at += Self.tagLength
        }
        if let inner {
            NetworkOrder.write(Self.customerTPID, into: &bytes, at: at)
            NetworkOrder.write(inner, into: &bytes, at: at + 2)
        }
    }

    /// "100" or "200.100" (outer.inner, as Linux names QinQ sub-interfaces),
    /// "" untagged: for NAS-Port-Id and `pppctl sessions`.
    public var description: String {
        switch (outer, inner) {
        case let (o?, i?): "\(o).\(i)"
        case let (nil, i?): "\(i)"
        default: ""
        }
    }
}
