// What linkd deposits in pppinit's fd store for one tunnel of an l2tp port
// (docs/design.md "L2TP (issue 16)"): the peer's UDP address, which of the
// port's LNSs it is (a LAC's failover order), the tunnel's own record
// (Tunnel.record) and the linkd session ("PORT:N") carrying each call. A
// restarted linkd rebuilds the tunnel from it and finds each call's session
// among the sessions it deposited.
//
// Version 2 adds the tunnel's and each call's RFC 2867 accounting (their
// Acct-Session-Ids, when the Start went out, what the tunnel's calls
// carried, the RFC 2868 names), so the Stop a restarted linkd sends pairs
// with the Start the old one sent. Version 1 (Tests/Fixtures/records/
// linkd-tunnel.hex) still reads, with no accounting: as before, its Stop
// has a fresh id and no counters.

public struct TunnelDeposit: Equatable, Sendable {
    static let version: UInt8 = 2

    /// RFC 2867 accounting of the tunnel or of one call (version 2).
    public struct Accounting: Equatable, Sendable {
        /// RFC 2866 §5.5 Acct-Session-Id ("" = none made yet).
        public var accountingID = ""
        /// RFC 2866 §5.6 User-Name of the records.
        public var user = ""
        /// When the Start (Tunnel-Start, Tunnel-Link-Start) went out, on the
        /// monotonic clock (every process of the host reads the same one);
        /// 0 = not sent.
        public var since: UInt64 = 0
        /// The tunnel's end was reported (Stop or Reject).
        public var ended = false
        /// A call: the peer's Session ID, kept for its Tunnel-Link-Stop (0 = unknown).
        public var peerSessionID: UInt16 = 0
        /// RFC 2868 §3.7, §3.9, §3.10 as the tunnel's records carry them.
        public var assignmentID = ""
        public var clientAuthID = ""
        public var serverAuthID = ""
        /// The tunnel: what its ended calls carried (RFC 2866 §5.3-§5.8)
        /// and lost (RFC 2867 §4.2), summed into its Tunnel-Stop.
        public var inputOctets: UInt64 = 0, outputOctets: UInt64 = 0
        public var inputPackets: UInt64 = 0, outputPackets: UInt64 = 0
        public var packetsLost: UInt32 = 0

        public init() {}

        func write(to w: inout RecordWriter) {
            for s in [accountingID, user, assignmentID, clientAuthID, serverAuthID] { w.blob(Array(s.utf8.prefix(253))) }
            w.u64(since); w.bool(ended); w.u16(peerSessionID)
            w.u64(inputOctets); w.u64(outputOctets); w.u64(inputPackets); w.u64(outputPackets)
            w.u32(packetsLost)
        }

        init(reading r: inout RecordReader) throws(L2TPError) {
            var texts: [String] = []
            for what in ["Acct-Session-Id", "User-Name", "Assignment-ID", "Client-Auth-ID", "Server-Auth-ID"] {
                let b = try r.blob()
                // RFC 2865 §5: one attribute holds at most 253 octets.
                guard b.count <= 253, let s = String(validating: b, as: UTF8.self) else { throw .badRecord("accounting: \(what)") }
                texts.append(s)
            }
            accountingID = texts[0]; user = texts[1]; assignmentID = texts[2]; clientAuthID = texts[3]; serverAuthID = texts[4]
            since = try r.u64(); ended = try r.bool(); peerSessionID = try r.u16()
            inputOctets = try r.u64(); outputOctets = try r.u64(); inputPackets = try r.u64(); outputPackets = try r.u64()
            packetsLost = try r.u32()
        }
    }

    public struct Call: Equatable, Sendable {
        public var sessionID: UInt16
        public var linkSession: String
        /// Version 2; a version 1 record reads with none.
        public var accounting = Accounting()
        public init(sessionID: UInt16, linkSession: String) {
            self.sessionID = sessionID
            self.linkSession = linkSession
        }
    }

    /// IPv4, host order.
    public var peerAddress: UInt32
    public var peerPort: UInt16
    public var serverIndex: UInt16
    /// Tunnel.record.
    public var tunnel: [UInt8]
    public var calls: [Call] = []
    /// The tunnel's own accounting (version 2).
    public var accounting = Accounting()

    public init(peerAddress: UInt32, peerPort: UInt16, serverIndex: UInt16, tunnel: [UInt8]) {
        self.peerAddress = peerAddress
        self.peerPort = peerPort
        self.serverIndex = serverIndex
        self.tunnel = tunnel
    }

    public var record: [UInt8] {
        var w = RecordWriter()
        w.u8(Self.version)
        w.u32(peerAddress); w.u16(peerPort); w.u16(serverIndex)
        w.longBlob(tunnel)
        accounting.write(to: &w)
        w.u16(UInt16(clamping: calls.count))
        for c in calls.prefix(Int(UInt16.max)) {
            w.u16(c.sessionID)
            w.blob(Array(c.linkSession.utf8.prefix(255)))
            c.accounting.write(to: &w)
        }
        return w.bytes
    }

    public init(record: [UInt8]) throws(L2TPError) {
        var r = RecordReader(record[...])
        let version = try r.u8()
        guard version == 1 || version == Self.version else { throw .badRecord("tunnel deposit version \(version), expected 1 or 2") }
        peerAddress = try r.u32(); peerPort = try r.u16(); serverIndex = try r.u16()
        tunnel = try r.longBlob()
        if version >= 2 { accounting = try Accounting(reading: &r) }
        let count = Int(try r.u16())
        for _ in 0..<count {
            let id = try r.u16()
            let name = try r.blob()
            guard id != 0, name.count <= 255, let text = String(validating: name, as: UTF8.self) else {
                throw .badRecord("call \(id): session name")
            }
            var call = Call(sessionID: id, linkSession: text)
            if version >= 2 { call.accounting = try Accounting(reading: &r) }
            calls.append(call)
        }
        try r.finish()
    }
}
