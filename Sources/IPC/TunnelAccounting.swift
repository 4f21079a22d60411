// What an l2tp port's linkd (LAC or LNS) tells authd of a tunnel or a call
// for RFC 2867 tunnel accounting (message tunnelAccounted): which event (§2.1 Acct-Status-Type
// 9-14), the names RADIUS uses for the tunnel (RFC 2868 §3.3, §3.4, §3.7,
// §3.9, §3.10; RFC 2867 §4.1 Acct-Tunnel-Connection), the user and, for a
// stop, the counters and RFC 2867 §4.2 Acct-Tunnel-Packets-Lost. authd turns
// it into an Accounting-Request (RadiusRequests+Tunnel).

public struct TunnelAccounting: Equatable, Sendable {
    /// RFC 2867 §2.1: the new Acct-Status-Type values.
    public enum Status: UInt8, Sendable, CaseIterable {
        case tunnelStart = 9, tunnelStop = 10, tunnelReject = 11
        case linkStart = 12, linkStop = 13, linkReject = 14

        /// Whether it ends something (counters, a cause, packets lost).
        public var isEnd: Bool { self != .tunnelStart && self != .linkStart }
        public var isLink: Bool { rawValue >= 12 }
    }

    public var status: Status
    /// RFC 2866 §5.5 Acct-Session-Id: one per tunnel, one per call, made
    /// by linkd so a tunnel's start and stop (a call's too) pair up.
    public var accountingID: String
    /// RFC 2866 §5.6: the call's subscriber; for a tunnel, the user whose
    /// call opened it ("" = none known).
    public var user: String
    /// The linkd session carrying the call ("PORT:N"), NAS-Port-Id; "" for a tunnel.
    public var session: String
    /// RFC 2868 §3.3 and §3.4: the LAC's address and the LNS's, "a.b.c.d".
    public var clientEndpoint: String
    public var serverEndpoint: String
    /// RFC 2867 §4.1: "implementation dependent"; ours is our Tunnel ID and
    /// the peer's ("T/P"), then for a call our Session ID and its ("T/P S/Q").
    public var connection: String
    /// RFC 2868 §3.7, §3.9 (the LAC's Host Name), §3.10 (the LNS's); "" = none.
    public var assignmentID: String
    public var clientAuthID: String
    public var serverAuthID: String
    /// RFC 2866 §5.10 Acct-Terminate-Cause for an end (0: none).
    public var terminateCause: UInt32
    /// RFC 2867 §4.2: data messages the call lost (Ns gaps, §5.4), for a stop.
    public var packetsLost: UInt32
    /// For a stop: the call's (or the tunnel's calls') counters.
    public var counters: SessionCounters

    /// Limits of what one attribute carries (RFC 2865 §5: 253 octets).
    public static let maximumText = 253

    public init(status: Status, accountingID: String, user: String = "", session: String = "",
                clientEndpoint: String, serverEndpoint: String, connection: String,
                assignmentID: String = "", clientAuthID: String = "", serverAuthID: String = "",
                terminateCause: UInt32 = 0, packetsLost: UInt32 = 0, counters: SessionCounters = SessionCounters()) {
        self.status = status; self.accountingID = accountingID; self.user = user; self.session = session
        self.clientEndpoint = clientEndpoint; self.serverEndpoint = serverEndpoint; self.connection = connection
        self.assignmentID = assignmentID; self.clientAuthID = clientAuthID; self.serverAuthID = serverAuthID
        self.terminateCause = terminateCause; self.packetsLost = packetsLost; self.counters = counters
    }

    private var texts: [String] {
        [accountingID, user, session, clientEndpoint, serverEndpoint, connection, assignmentID, clientAuthID, serverAuthID]
    }

    public func encode(into w: inout ByteWriter) {
        w.u8(status.rawValue)
        for t in texts { w.string(Self.cut(t)) }
        w.u32(terminateCause); w.u32(packetsLost); counters.encode(into: &w)
    }

    /// At most `maximumText` octets, cut between characters (a cut inside
    /// one would turn into a longer replacement character).
    static func cut(_ s: String) -> String {
        guard s.utf8.count > maximumText else { return s }
        var out = "", n = 0
        for c in s.unicodeScalars {
            let size = String(c).utf8.count
            guard n + size <= maximumText else { break }
            out.unicodeScalars.append(c)
            n += size
        }
        return out
    }

    /// Every field checked: a known status, each text within one RADIUS
    /// attribute, and an Acct-Session-Id and endpoints that are not empty.
    public static func decode(_ r: inout ByteReader) throws(IPCError) -> TunnelAccounting {
        let raw = try r.u8()
        guard let status = Status(rawValue: raw) else { throw .invalid(callID: 0, reason: "tunnel accounting status \(raw)") }
        var t: [String] = []
        for _ in 0..<9 {
            let s = try r.string()
            guard s.utf8.count <= maximumText else { throw .invalid(callID: 0, reason: "tunnel accounting text of \(s.utf8.count) bytes") }
            t.append(s)
        }
        guard !t[0].isEmpty, !t[3].isEmpty, !t[4].isEmpty else {
            throw .invalid(callID: 0, reason: "tunnel accounting without Acct-Session-Id or endpoints")
        }
        let cause = try r.u32(), lost = try r.u32()
        let counters = try SessionCounters.decode(&r)
        return TunnelAccounting(status: status, accountingID: t[0], user: t[1], session: t[2], clientEndpoint: t[3],
                                serverEndpoint: t[4], connection: t[5], assignmentID: t[6], clientAuthID: t[7],
                                serverAuthID: t[8], terminateCause: cause, packetsLost: lost, counters: counters)
    }
}
