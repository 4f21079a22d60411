// The state record linkd deposits with each session in the Network phase
// (DESIGN.md "Restart without losing sessions"), beside the session's channel
// end: the session id, what LCP negotiated both ways (MRUs, ACCMs, PFC/ACFC,
// Magic-Numbers, authentication), LCP's next Identifier, authd's verdict,
// the record ncpd holds and its pid. A restarted linkd resumes LCP Opened
// from it on the port's descriptor (also from the fd store): no
// renegotiation. A PPPoE session (version 2) also carries what ties it to its
// peer (RFC 2516 §4: SESSION_ID and both MACs) and the payload discovery
// settled (and a relay agent's Relay-Session-Id, for its PADT), so it
// resumes on the port's session socket. A TCP session (version 3) carries
// its connection's far end and the RFC 1662 deframer's settings: the
// connection itself is deposited beside the channel, and a restarted linkd
// reads on from the next Flag (DESIGN.md "Issue 20"). Version 4 adds the
// session's accounting counters when deposited (a restarted linkd counts on
// from them, issue 14). Versions 1 (before PPPoE sessions were deposited),
// 2 (before TCP sessions were) and 3 (before the counters) are still read;
// any other is refused. Version 5 appends a PPPoE session's VLAN tags
// (issue 13: S-VID, its TPID, C-VID; 0 for none). Version 6 (issue 13
// point 1) appends the session's handle on the port's mux to ncpd, and is
// written only for such a session (then no channel end is deposited): a
// session with a channel of its own keeps version 5's bytes.
// Fuzz/SessionStateRecords.swift compiles this file into one module with IPC's
// and PPP's sources, hence the conditional imports.
#if canImport(IPC)
import IPC
#endif
#if canImport(PPP)
import PPP
#endif

/// A PPPoE session's binding in plain values (MACs as 48-bit numbers), so
/// the record needs nothing from the PPPoE module.
struct PPPoESessionRecord: Equatable {
    var sessionID: UInt16
    var peer: UInt64
    var local: UInt64
    var maximumPayload: UInt16
    var serviceName: [UInt8] = []
    var acName: [UInt8] = []
    /// The Relay-Session-Id a relay agent put in discovery (RFC 2516
    /// Appendix A): every PADT for the session carries it back.
    var relaySessionID: [UInt8]?
    /// Issue 13 (version 5): the session's VLAN tags, 0 for none.
    var vlanOuter: UInt16 = 0
    var vlanOuterTPID: UInt16 = 0x88a8
    var vlanInner: UInt16 = 0
}

/// A TCP session's connection: who is at the far end (Calling-Station-Id)
/// and how its byte stream is deframed.
struct StreamRecord: Equatable {
    var peer: String
    var deframer: AsyncDeframer.Settings

    /// Longest frame a record may ask for: a 65535-octet MRU plus 8 octets.
    static let maximumFrameLength = 65_535 + 8
}

struct LinkSessionState: Equatable {
    static let version: UInt8 = 6

    var id: String
    var negotiated = LCPNegotiatedOptions()
    var lcpIdentifier: UInt8 = 1
    var verdict: AuthVerdict?
    /// What was handed to ncpd with the channel.
    var record: ChannelRecord
    var ownerPID: Int32 = 0
    /// CLOCK_MONOTONIC when the Network phase began (the clock is system-wide).
    var networkSince: UInt64 = 0
    var pppoe: PPPoESessionRecord?
    var stream: StreamRecord?
    /// RFC 2866 §5.3-5.8 counts so far (session time is networkSince's).
    var counters = SessionCounters()
    /// Issue 13 (version 6): the session's handle on the port's mux to
    /// ncpd; 0 when it has a channel of its own.
    var muxHandle: UInt32 = 0

    init(id: String, record: ChannelRecord) {
        self.id = id
        self.record = record
    }

    /// The session's number in "PORT:N".
    var number: Int? { id.split(separator: ":").last.flatMap { Int($0) } }

    private static let methods: [AuthenticationProtocol] = [.pap, .chapMD5, .msChapV2, .eap]

    private static func code(_ p: AuthenticationProtocol?) -> UInt8 {
        p.flatMap { methods.firstIndex(of: $0) }.map { UInt8($0 + 1) } ?? 0
    }

    private static func method(_ c: UInt8) throws(IPCError) -> AuthenticationProtocol? {
        if c == 0 { return nil }
        guard Int(c) <= methods.count else { throw .invalid(callID: 0, reason: "link session state: auth method \(c)") }
        return methods[Int(c) - 1]
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 256)
        w.u8(muxHandle == 0 ? 5 : Self.version)
        w.string(id)
        let o = negotiated
        w.u16(o.localMRU); w.u16(o.peerMRU); w.u32(o.receiveACCM); w.u32(o.transmitACCM)
        w.u8((o.transmitPFC ? 1 : 0) | (o.receivePFC ? 2 : 0) | (o.transmitACFC ? 4 : 0) | (o.receiveACFC ? 8 : 0))
        w.u32(o.localMagicNumber); w.u32(o.peerMagicNumber)
        w.u8(Self.code(o.weAuthenticatePeerWith)); w.u8(Self.code(o.peerAuthenticatesUsWith))
        w.u8(lcpIdentifier)
        w.bool(verdict != nil)
        verdict?.encode(into: &w)
        w.blob(record.encoded())
        w.u32(UInt32(bitPattern: ownerPID))
        w.u64(networkSince)
        w.bool(pppoe != nil)
        if let p = pppoe {
            w.u16(p.sessionID)
            w.u64(p.peer); w.u64(p.local)
            w.u16(p.maximumPayload)
            w.blob(p.serviceName); w.blob(p.acName)
            w.bool(p.relaySessionID != nil)
            if let relay = p.relaySessionID { w.blob(relay) }
        }
        w.bool(stream != nil)
        if let c = stream {
            w.string(c.peer)
            w.u32(c.deframer.receiveMap)
            w.u8(c.deframer.fcs == .fcs32 ? 1 : 0)
            w.u32(UInt32(clamping: c.deframer.maximumFrameLength))
        }
        counters.encode(into: &w)
        if let p = pppoe { w.u16(p.vlanOuter); w.u16(p.vlanOuterTPID); w.u16(p.vlanInner) }
        if muxHandle != 0 { w.u32(muxHandle) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(IPCError) -> LinkSessionState {
        var r = ByteReader(bytes)
        let v = try r.u8()
        guard v >= 1 && v <= version else { throw .invalid(callID: 0, reason: "link session state version \(v), expected 1 to \(version)") }
        let id = try r.string()
        var o = LCPNegotiatedOptions()
        o.localMRU = try r.u16(); o.peerMRU = try r.u16(); o.receiveACCM = try r.u32(); o.transmitACCM = try r.u32()
        let flags = try r.u8()
        guard flags < 16 else { throw .invalid(callID: 0, reason: "link session state: flags \(flags)") }
        o.transmitPFC = flags & 1 != 0; o.receivePFC = flags & 2 != 0
        o.transmitACFC = flags & 4 != 0; o.receiveACFC = flags & 8 != 0
        o.localMagicNumber = try r.u32(); o.peerMagicNumber = try r.u32()
        o.weAuthenticatePeerWith = try method(try r.u8())
        o.peerAuthenticatesUsWith = try method(try r.u8())
        let identifier = try r.u8()
        let verdict = try r.bool() ? try AuthVerdict.decode(&r) : nil
        let record = try ChannelRecord.decode(try r.blob(max: 4096))
        var s = LinkSessionState(id: id, record: record)
        s.negotiated = o
        s.lcpIdentifier = identifier
        s.verdict = verdict
        s.ownerPID = Int32(bitPattern: try r.u32())
        s.networkSince = try r.u64()
        if v >= 2, try r.bool() {
            let id = try r.u16()
            let peer = try r.u64(), local = try r.u64()
            guard peer >> 48 == 0, local >> 48 == 0 else { throw .invalid(callID: 0, reason: "link session state: a MAC address over 48 bits") }
            var p = PPPoESessionRecord(sessionID: id, peer: peer, local: local, maximumPayload: try r.u16())
            p.serviceName = try r.blob(max: 255)
            p.acName = try r.blob(max: 255)
            // A tag's value fits a discovery payload (§4: at most 1484 octets).
            if try r.bool() { p.relaySessionID = try r.blob(max: 1484) }
            s.pppoe = p
        }
        if v >= 3, try r.bool() {
            let peer = try r.string()
            let map = try r.u32()
            let fcs = try r.u8()
            guard fcs < 2 else { throw .invalid(callID: 0, reason: "link session state: FCS kind \(fcs)") }
            let longest = Int(try r.u32())
            // The shortest frame the deframer keeps: Address, Control and an FCS-32.
            guard longest >= 6 && longest <= StreamRecord.maximumFrameLength else {
                throw .invalid(callID: 0, reason: "link session state: longest frame \(longest)")
            }
            s.stream = StreamRecord(peer: peer, deframer: AsyncDeframer.Settings(
                receiveMap: map, fcs: fcs == 1 ? .fcs32 : .fcs16, maximumFrameLength: longest))
        }
        if v >= 4 { s.counters = try SessionCounters.decode(&r) }
        if v >= 5, var p = s.pppoe {
            p.vlanOuter = try r.u16(); p.vlanOuterTPID = try r.u16(); p.vlanInner = try r.u16()
            // As VLANTags.read accepts them: an S-tag only over a C-tag.
            guard p.vlanOuter <= 4094, p.vlanInner <= 4094, p.vlanOuter == 0 || p.vlanInner != 0,
                  p.vlanOuterTPID == 0x88a8 || p.vlanOuterTPID == 0x8100 else {
                throw .invalid(callID: 0, reason: "link session state: VLAN \(p.vlanOuter).\(p.vlanInner) TPID \(p.vlanOuterTPID)")
            }
            s.pppoe = p
        }
        if v >= 6 {
            s.muxHandle = try r.u32()
            guard s.muxHandle != 0 else { throw .invalid(callID: 0, reason: "link session state: mux handle 0") }
        }
        try r.finish()
        guard s.number != nil, record.session == id else {
            throw .invalid(callID: 0, reason: "link session state: id '\(id)' does not match its channel record")
        }
        return s
    }
}
