// What a PPPoE client port deposits as soon as discovery settles a session
// (RFC 2516 §5.4: its SESSION_ID and the AC's MAC), so that a linkd restarted
// before the session could be deposited whole ends it with a PADT
// (stale-padt). Version 1 (issue 20) is a version octet, then the id and the
// MAC; the unversioned form the release before wrote (8 octets) is still read.
#if canImport(IPC)
import IPC
#endif

struct StalePPPoESessionRecord: Equatable {
    static let version: UInt8 = 1
    /// SESSION_ID and a 6-octet MAC address.
    static let unversionedLength = 2 + 6

    var sessionID: UInt16
    /// The access concentrator's MAC, 48 bits.
    var peer: UInt64

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 1 + Self.unversionedLength)
        w.u8(Self.version)
        w.u16(sessionID)
        for i in 0..<6 { w.u8(UInt8(truncatingIfNeeded: peer >> UInt64(40 - 8 * i))) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(IPCError) -> StalePPPoESessionRecord {
        var r = ByteReader(bytes)
        // The unversioned form is told apart by its length alone.
        if bytes.count != unversionedLength { try r.version(version, "stale PPPoE session") }
        let id = try r.u16()
        var peer: UInt64 = 0
        for _ in 0..<6 { peer = peer << 8 | UInt64(try r.u8()) }
        try r.finish()
        return StalePPPoESessionRecord(sessionID: id, peer: peer)
    }
}
