// One tunnel of an l2tp port as linkd holds it: the protocol value (RFC 2661
// §7.2, Sources/L2TP), the peer's UDP address, the linkd session carrying
// each call, and the record deposited in the fd store so a restarted linkd
// carries on without a new SCCRQ (docs/design.md "L2TP (issue 16)").
import IPC
import L2TP

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

    init(tunnel: Tunnel, peer: L2TPEndpoint, serverIndex: Int = 0) {
        self.tunnel = tunnel
        self.peer = peer
        self.serverIndex = serverIndex
        everEstablished = tunnel.state == .established
    }

    var id: UInt16 { tunnel.localID }

    var record: [UInt8] {
        var d = TunnelDeposit(peerAddress: peer.address, peerPort: peer.port, serverIndex: UInt16(clamping: serverIndex),
                              tunnel: tunnel.record)
        for sid in circuits.keys.sorted() {
            if let s = circuits[sid]?.session { d.calls.append(TunnelDeposit.Call(sessionID: sid, linkSession: s.id)) }
        }
        return d.record
    }
}
