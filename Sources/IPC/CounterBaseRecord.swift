// authd's counter base in pppinit's fd store (issue 14: after an authd
// restart a resumed session's accounting counts on from it). Version 1
// (issue 20) is a version octet then SessionCounters; the unversioned form
// the release before wrote (SessionCounters alone, 36 octets) is still read,
// so an upgrade is new code reading the old record.

public enum CounterBaseRecord {
    public static let version: UInt8 = 1
    /// SessionCounters: four u64 and a u32.
    static let countersLength = 4 * 8 + 4

    public static func encoded(_ c: SessionCounters) -> [UInt8] {
        var w = ByteWriter(capacity: 1 + countersLength)
        w.u8(version)
        c.encode(into: &w)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> SessionCounters {
        var r = ByteReader(bytes)
        // The unversioned form is told apart by its length alone.
        if bytes.count != countersLength { try r.version(version, "counter base") }
        let c = try SessionCounters.decode(&r)
        try r.finish()
        return c
    }
}
