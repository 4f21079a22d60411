// The state of one RFC 1990 bundle that its owner deposits in the fd store so
// that a restart keeps the bundle (issue 17): its key, what was negotiated
// for it, the sequence numbers each way and the member links. Versioned,
// decoded with exact lengths; buffered fragments are not kept (they may be
// lost across a restart, the bundle may not).

/// One member link of a bundle, as the owner knows it.
public struct BundleMemberRecord: Equatable, Sendable {
    /// The link's session ("PORT:N"), as in ChannelRecord.
    public var session: String
    /// The owner's identifier for the link in fragments and counters.
    public var link: UInt32
    /// RFC 1661 §6.1: the peer's MRU on this link (fragment size bound).
    public var peerMRU: UInt16
    /// Relative speed the fragmenter weights the link by (bit/s).
    public var weight: UInt64

    public init(session: String, link: UInt32, peerMRU: UInt16, weight: UInt64) {
        self.session = session; self.link = link; self.peerMRU = peerMRU; self.weight = weight
    }
}

public struct BundleRecord: Equatable, Sendable {
    /// RFC 1990 §5.1.3 key: the authenticated peer name ("" without
    /// authentication) and the peer's discriminator as Class and Address.
    public var peerName: String
    public var discriminatorClass: UInt8 = 0
    public var discriminatorAddress: [UInt8] = []
    /// RFC 1990 §5.1.1: the MRRU each way; nil where not negotiated (at
    /// least one direction has one, or there is no bundle).
    public var localMRRU: UInt16?
    public var peerMRRU: UInt16?
    /// RFC 1990 §5.1.2: 12-bit sequence numbers towards us / towards the peer.
    public var receiveShortSequence = false
    public var transmitShortSequence = false
    /// RFC 1990 §4.1: the next sequence number we send (never reset while
    /// the bundle lives) and the oldest one we have not yet delivered or
    /// given up (nil before the first fragment).
    public var nextTransmitSequence: UInt32 = 0
    public var expectedReceiveSequence: UInt32?
    public var members: [BundleMemberRecord] = []
    /// The session ("PORT:N" of the bundle's first link) that runs the
    /// bundle's NCPs and owns its unit (RFC 1990 §5: NCPs once per
    /// bundle). Version 2; "" in a version 1 record.
    public var session = ""

    /// Far beyond any bundle (pppd has no limit; ports are the real bound).
    public static let maximumMembers = 64

    public init(peerName: String) { self.peerName = peerName }

    static func sequenceMask(short: Bool) -> UInt32 { short ? 0xfff : 0xff_ffff }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(2)
        w.string(peerName); w.u8(discriminatorClass); w.blob(discriminatorAddress)
        w.u16(localMRRU ?? 0); w.u16(peerMRRU ?? 0)
        w.bool(receiveShortSequence); w.bool(transmitShortSequence)
        w.u32(nextTransmitSequence)
        w.bool(expectedReceiveSequence != nil); w.u32(expectedReceiveSequence ?? 0)
        w.u16(UInt16(members.count))
        for m in members {
            w.string(m.session); w.u32(m.link); w.u16(m.peerMRU); w.u64(m.weight)
        }
        w.string(session)
        return w.bytes
    }

    /// Refuses what no owner could have written: a sequence number outside
    /// its space, no MRRU either way, an MRRU of 0 on the wire for "none"
    /// next to a flag that says otherwise, duplicate links, too many members.
    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> BundleRecord {
        var r = ByteReader(bytes)
        let version = try r.u8()
        guard version == 1 || version == 2 else {
            throw .invalid(callID: 0, reason: "bundle record version \(version), expected 1 or 2")
        }
        var b = BundleRecord(peerName: try r.string())
        b.discriminatorClass = try r.u8()
        // RFC 1661 §6: the option value (Class + Address) is at most 253 octets.
        b.discriminatorAddress = try r.blob(max: 252)
        let local = try r.u16(), peer = try r.u16()
        b.localMRRU = local == 0 ? nil : local
        b.peerMRRU = peer == 0 ? nil : peer
        guard b.localMRRU != nil || b.peerMRRU != nil else {
            throw .invalid(callID: 0, reason: "bundle record without an MRRU")
        }
        b.receiveShortSequence = try r.bool(); b.transmitShortSequence = try r.bool()
        b.nextTransmitSequence = try r.u32()
        guard b.nextTransmitSequence & ~sequenceMask(short: b.transmitShortSequence) == 0 else {
            throw .invalid(callID: 0, reason: "bundle transmit sequence outside its space")
        }
        let hasExpected = try r.bool()
        let expected = try r.u32()
        if hasExpected {
            guard expected & ~sequenceMask(short: b.receiveShortSequence) == 0 else {
                throw .invalid(callID: 0, reason: "bundle receive sequence outside its space")
            }
            b.expectedReceiveSequence = expected
        } else if expected != 0 {
            throw .invalid(callID: 0, reason: "bundle receive sequence without its flag")
        }
        let count = Int(try r.u16())
        guard count <= maximumMembers else { throw .invalid(callID: 0, reason: "\(count) bundle members") }
        for _ in 0..<count {
            let m = BundleMemberRecord(session: try r.string(), link: try r.u32(),
                                       peerMRU: try r.u16(), weight: try r.u64())
            guard !b.members.contains(where: { $0.link == m.link || $0.session == m.session }) else {
                throw .invalid(callID: 0, reason: "bundle member \(m.session) twice")
            }
            b.members.append(m)
        }
        if version == 2 { b.session = try r.string() }
        try r.finish()
        return b
    }
}
