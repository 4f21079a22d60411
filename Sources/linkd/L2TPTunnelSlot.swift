// One tunnel of an l2tp port as linkd holds it: the protocol value (RFC 2661
// §7.2, Sources/L2TP), the peer's UDP address, the linkd session carrying
// each call, and the record deposited in the fd store so a restarted linkd
// carries on without a new SCCRQ (docs/design.md "L2TP (issue 16)").
import IPC
import L2TP

/// Where a LAC opens a tunnel: an LNS of the port's `lns`, or one a RADIUS
/// Access-Accept named (RFC 2868) with its own secret, Assignment-ID and
/// names. Calls share a tunnel only with the same endpoint, Assignment-ID
/// and secret (RFC 2868 §3.7).
struct L2TPTarget: Equatable {
    var endpoint: L2TPEndpoint
    /// §3.5 Tunnel-Password; nil: the port's secret for that peer.
    var secret: String?
    var assignmentID = ""
    /// §3.9: our Host Name for this tunnel ("" = the port's).
    var clientAuthID = ""
    /// §3.10: the Host Name the LNS must answer with ("" = any).
    var serverAuthID = ""

    init(endpoint: L2TPEndpoint) { self.endpoint = endpoint }

    init?(_ c: TunnelChoice) {
        guard let e = L2TPEndpoint(c.serverEndpoint, defaultPort: 1701) else { return nil }
        endpoint = e
        secret = String(decoding: c.password, as: UTF8.self)
        assignmentID = c.assignmentID; clientAuthID = c.clientAuthID; serverAuthID = c.serverAuthID
    }

    func shares(_ other: L2TPTarget) -> Bool {
        endpoint == other.endpoint && assignmentID == other.assignmentID && secret == other.secret
            && clientAuthID == other.clientAuthID
    }
}

final class L2TPTunnelSlot {
    var tunnel: Tunnel
    var peer: L2TPEndpoint
    /// Each call's circuit, by our Session ID.
    var circuits: [UInt16: Circuit] = [:]
    /// LAC: which of the port's LNSs this tunnel goes to (failover order).
    var serverIndex: Int
    /// The tunnel reached established once (a LAC fails over only before).
    var everEstablished: Bool
    /// LAC: when the last call ended, for the idle hold.
    var idleSince: UInt64?
    /// The last record deposited, so an unchanged one is not sent again.
    var deposited: [UInt8] = []

    /// LAC: what the tunnel was opened for (a restored one: its peer only).
    var target: L2TPTarget

    /// RFC 2867 (LAC): the tunnel's Acct-Session-Id, the user whose call
    /// opened it, when Tunnel-Start went out (nil: not yet, so its end is a
    /// Tunnel-Reject), whether its end was reported, why it is closing
    /// (RFC 2866 §5.10, 0: from the StopCCN) and what its calls carried.
    var accountingID = ""
    var openedFor = ""
    var accountedSince: Instant?
    var accountingEnded = false
    var closeCause: UInt32 = 0
    var callTotals = SessionCounters()
    var packetsLost: UInt32 = 0
    /// The RFC 2868 names the Tunnel-Start carried (Assignment-ID, Client-
    /// and Server-Auth-ID), so its end carries the same after a restart
    /// (a restored tunnel's configuration knows only the port's names).
    var accountedNames: (assignment: String, client: String, server: String)?

    init(tunnel: Tunnel, peer: L2TPEndpoint, serverIndex: Int = 0, target: L2TPTarget? = nil) {
        self.tunnel = tunnel
        self.peer = peer
        self.serverIndex = serverIndex
        self.target = target ?? L2TPTarget(endpoint: peer)
        everEstablished = tunnel.state == .established
    }

    var id: UInt16 { tunnel.localID }

    var record: [UInt8] {
        var d = TunnelDeposit(peerAddress: peer.address, peerPort: peer.port, serverIndex: UInt16(clamping: serverIndex),
                              tunnel: tunnel.record)
        d.accounting = accounting
        for sid in circuits.keys.sorted() {
            guard let circuit = circuits[sid], let s = circuit.session else { continue }
            var call = TunnelDeposit.Call(sessionID: sid, linkSession: s.id)
            if let c = circuit.l2tp { call.accounting = c.accounting }
            d.calls.append(call)
        }
        return d.record
    }

    /// RFC 2867: what the record keeps of the tunnel's accounting
    /// (docs/design.md "L2TP (issue 16)": the ids survive a kill -9).
    var accounting: TunnelDeposit.Accounting {
        var a = TunnelDeposit.Accounting()
        a.accountingID = accountingID
        a.user = openedFor
        a.since = accountedSince?.nanoseconds ?? 0
        a.ended = accountingEnded
        if let n = accountedNames { a.assignmentID = n.assignment; a.clientAuthID = n.client; a.serverAuthID = n.server }
        a.inputOctets = callTotals.inputOctets; a.outputOctets = callTotals.outputOctets
        a.inputPackets = callTotals.inputPackets; a.outputPackets = callTotals.outputPackets
        a.packetsLost = packetsLost
        return a
    }

    /// After a restart: the accounting the old linkd deposited.
    func restore(_ a: TunnelDeposit.Accounting) {
        accountingID = a.accountingID
        openedFor = a.user
        accountedSince = a.since == 0 ? nil : Instant(nanoseconds: a.since)
        accountingEnded = a.ended
        if a.since != 0 { accountedNames = (a.assignmentID, a.clientAuthID, a.serverAuthID) }
        target.assignmentID = a.assignmentID
        callTotals.inputOctets = a.inputOctets; callTotals.outputOctets = a.outputOctets
        callTotals.inputPackets = a.inputPackets; callTotals.outputPackets = a.outputPackets
        packetsLost = a.packetsLost
    }
}
