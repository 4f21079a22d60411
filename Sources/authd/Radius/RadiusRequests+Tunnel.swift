// RFC 2867 tunnel accounting: the attributes of an Accounting-Request for a
// tunnel (Tunnel-Start/Stop/Reject, at the LAC or the LNS) or one call in it
// (Tunnel-Link-Start/Stop/Reject), from what linkd reported (TunnelAccounting).
import IPC

extension RadiusRequests {
    /// RFC 2867 §2.1 lists, per status, what the request carries: User-Name,
    /// Tunnel-Type, Tunnel-Medium-Type, Tunnel-Client- and -Server-Endpoint,
    /// Acct-Tunnel-Connection always; NAS-Port for a link (ours is RFC 2869
    /// NAS-Port-Id, the session); the counters, Acct-Session-Time and
    /// Acct-Tunnel-Packets-Lost at a stop; Acct-Terminate-Cause at a stop or
    /// reject; Tunnel-Assignment-ID, Tunnel-Client- and -Server-Auth-ID as
    /// the RFC 2868 table for accounting allows (0-1 each). Acct-Session-Id
    /// in every request (RFC 2866 §5.5). Acct-Delay-Time is the caller's.
    static func tunnelAccountingAttributes(_ t: TunnelAccounting, _ ctx: RadiusContext) -> [RadiusAttribute] {
        typealias T = RadiusAttributeType
        typealias A = TunnelAttributes
        var attrs: [RadiusAttribute] = [.integer(T.acctStatusType, UInt32(t.status.rawValue)), .text(T.acctSessionId, t.accountingID)]
        if !t.user.isEmpty { attrs.append(.text(T.userName, t.user)) }
        attrs.append(.text(T.nasIdentifier, ctx.nasIdentifier))
        if t.status.isLink && !t.session.isEmpty { attrs.append(.text(T.nasPortId, t.session)) }
        // RFC 2868 §3.1, §3.2: tagged integers, Tag 0 (one tunnel, §3).
        attrs.append(tagged(A.tunnelType, A.l2tp))
        attrs.append(tagged(A.mediumType, A.ipv4))
        // §3.3, §3.4: "dotted-decimal" for IPv4, untagged (a digit is > 0x1F).
        attrs.append(taggedText(A.clientEndpoint, t.clientEndpoint))
        attrs.append(taggedText(A.serverEndpoint, t.serverEndpoint))
        if !t.connection.isEmpty { attrs.append(.text(T.acctTunnelConnection, t.connection)) }
        for (type, value) in [(A.assignmentID, t.assignmentID), (A.clientAuthID, t.clientAuthID), (A.serverAuthID, t.serverAuthID)]
        where !value.isEmpty {
            attrs.append(taggedText(type, value))
        }
        switch t.status {
        case .tunnelStop, .linkStop:
            let c = t.counters
            attrs += [.integer(T.acctInputOctets, UInt32(truncatingIfNeeded: c.inputOctets)),
                      .integer(T.acctOutputOctets, UInt32(truncatingIfNeeded: c.outputOctets)),
                      .integer(T.acctInputGigawords, UInt32(truncatingIfNeeded: c.inputOctets >> 32)),
                      .integer(T.acctOutputGigawords, UInt32(truncatingIfNeeded: c.outputOctets >> 32)),
                      .integer(T.acctInputPackets, UInt32(truncatingIfNeeded: c.inputPackets)),
                      .integer(T.acctOutputPackets, UInt32(truncatingIfNeeded: c.outputPackets)),
                      .integer(T.acctSessionTime, c.sessionSeconds),
                      .integer(T.acctTunnelPacketsLost, t.packetsLost)]
            if t.terminateCause != 0 { attrs.append(.integer(T.acctTerminateCause, t.terminateCause)) }
        case .tunnelReject, .linkReject:
            if t.terminateCause != 0 { attrs.append(.integer(T.acctTerminateCause, t.terminateCause)) }
        case .tunnelStart, .linkStart:
            break
        }
        return attrs
    }

    /// RFC 2868 §3.1/§3.2 layout: Tag, then a 3-octet value.
    private static func tagged(_ type: UInt8, _ value: UInt32) -> RadiusAttribute {
        RadiusAttribute(type: type, value: [0, UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)])
    }

    /// A tagged string attribute (§3.3-§3.10): sent without a Tag unless its
    /// first octet could be read as one (0x00-0x1F), then with Tag 0.
    private static func taggedText(_ type: UInt8, _ s: String) -> RadiusAttribute {
        let bytes = Array(s.utf8.prefix(252))
        if let first = bytes.first, first > 0x1f { return RadiusAttribute(type: type, value: bytes) }
        return RadiusAttribute(type: type, value: [0] + bytes)
    }
}
