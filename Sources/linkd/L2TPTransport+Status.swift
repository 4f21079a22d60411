// What an l2tp port shows in `linkd@PORT status` and `pppctl tunnels`: each
// tunnel's ids, peer, state, calls and its control channel's counters
// (RFC 2661 §5.8: sent, retransmitted, ZLB acks, duplicates, out of order).
import IPC
import L2TP

extension L2TPTransport {
    func addStatus(to status: inout JSONObject) {
        let c = counters
        status["l2tp"] = .object([
            "role": .string(l2tp.role.name), "local": .string(settings.local),
            "tunnel_count": .int(Int64(slots.count)),
            "tunnels": .array(slots.keys.sorted().compactMap { slots[$0].map { .object(Self.json($0)) } }),
            "datagrams_in": .int(Int64(c.datagramsIn)), "malformed": .int(Int64(c.malformed)),
            "unknown_tunnel": .int(Int64(c.unknownTunnel)), "data_dropped": .int(Int64(c.dataDropped)),
            "refused": .int(Int64(c.refused)), "receive_errors": .int(Int64(c.receiveErrors)),
            "send_errors": .int(Int64(c.sendErrors)), "failovers": .int(Int64(c.failovers)),
            "proxy_accepted": .int(Int64(c.proxyAccepted)), "proxy_malformed": .int(Int64(c.proxyMalformed)),
            "proxy_trusted": .int(Int64(c.proxyTrusted)), "proxy_renegotiated": .int(Int64(c.proxyRenegotiated)),
            // Issue 21: data messages out in vectors.
            "transmit_batch": .object(transmits.json),
            "gro": .bool(inboundGRO), "gro_messages": .int(Int64(c.groMessages)),
            "gro_segments": .int(Int64(c.groSegments)), "receive_batches": .int(Int64(c.receiveBatches)),
        ])
    }

    /// `tunnels`: each tunnel of the port, with the port's name.
    var tunnelList: [JSON] {
        slots.keys.sorted().compactMap { id in
            guard let slot = slots[id] else { return nil }
            var o = Self.json(slot)
            o["port"] = .string(settings.name)
            o["role"] = .string(l2tp.role.name)
            return .object(o)
        }
    }

    static func stateName(_ s: Tunnel.State) -> String {
        switch s {
        case .idle: "idle"
        case .waitCtlReply: "wait-ctl-reply"
        case .waitCtlConn: "wait-ctl-conn"
        case .established: "established"
        case .stopping: "stopping"
        case .closed: "closed"
        }
    }

    static func json(_ slot: L2TPTunnelSlot) -> JSONObject {
        let t = slot.tunnel, r = t.transport.counters, k = t.counters
        let calls: [JSON] = t.sessions.keys.sorted().compactMap { id in
            guard let call = t.sessions[id] else { return nil }
            return .object(["id": .int(Int64(id)), "peer_id": .int(Int64(call.peerID)),
                            "session": slot.circuits[id]?.session.map { .string($0.id) } ?? .null,
                            "sequencing": .bool(call.sequencing),
                            "proxy": .string(call.call.proxy.summary),
                            "data_received": .int(Int64(call.dataCounters.received)),
                            "data_out_of_order": .int(Int64(call.dataCounters.outOfOrder)),
                            "data_lost": .int(Int64(call.dataCounters.lost))])
        }
        return [
            "id": .int(Int64(t.localID)), "peer_id": .int(Int64(t.peerTunnelID)), "peer": .string("\(slot.peer)"),
            "host_name": .string(String(decoding: t.peerHostName, as: UTF8.self)),
            // RFC 2868 §3.7: the group this tunnel was opened for ("" = the port's own).
            "assignment_id": .string(slot.target.assignmentID),
            "origin": .string(t.origin == .initiator ? "initiator" : "responder"),
            "state": .string(stateName(t.state)), "calls": .array(calls),
            "ns": .int(Int64(t.transport.nextNs)), "nr": .int(Int64(t.transport.nextNr)),
            "control_sent": .int(Int64(k.controlSent)), "control_received": .int(Int64(k.controlReceived)),
            "retransmitted": .int(Int64(r.retransmitted)), "zlb_sent": .int(Int64(r.zlbSent)),
            "duplicates": .int(Int64(r.duplicates)), "out_of_order": .int(Int64(r.outOfOrder)),
            "malformed": .int(Int64(k.malformed)), "unknown_mandatory": .int(Int64(k.unknownMandatory)),
            "hellos_sent": .int(Int64(k.hellosSent)), "authentication_failures": .int(Int64(k.authenticationFailures)),
        ]
    }
}
