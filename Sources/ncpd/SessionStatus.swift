// What `pppctl sessions` shows of a session's network side (merged by id
// into linkd's objects): interface, IPCP and IPv6CP state and addresses,
// DNS, and the per-session counters.
import IPC
import PPP

extension NetworkSession {
    static func stateName(_ state: Automaton.State) -> String { state.name }

    func json() -> JSONObject {
        var o: JSONObject = ["id": .string(id), "port": .string(record.port), "unit": .int(Int64(unitNumber))]
        o["interface"] = unit.map { .string($0.name) } ?? .null
        if let cp = ipv4.cp {
            let n = ipv4.configured ?? cp.negotiator.negotiated
            let opened = cp.state == .opened
            o["ipcp"] = .object([
                "state": .string(Self.stateName(cp.state)),
                "local": opened && n.localAddress != 0 ? .string(IPv4.format(n.localAddress)) : .null,
                "remote": opened && n.remoteAddress != 0 ? .string(IPv4.format(n.remoteAddress)) : .null,
                "dns": .array(opened ? n.dns.map { .string(IPv4.format($0)) } : []),
            ])
        } else {
            o["ipcp"] = .null
        }
        if let cp = ipv6.cp {
            let n = cp.negotiator.negotiated
            let opened = cp.state == .opened
            o["ipv6cp"] = .object([
                "state": .string(Self.stateName(cp.state)),
                "local_id": opened ? .string(InterfaceIdentifierText.string(n.localIdentifier)) : .null,
                "remote_id": opened ? .string(InterfaceIdentifierText.string(n.remoteIdentifier)) : .null,
            ])
        } else {
            o["ipv6cp"] = .null
        }
        if let lease { o["pool"] = .string(lease.pool) }
        if let side = ipv6Services { o["ipv6"] = side.json() }
        if let side = ipv6Client { o["ipv6"] = side.json() }
        let c = counters
        o["ip_counters"] = .object([
            "octets_in": .int(Int64(c.octetsIn)), "octets_out": .int(Int64(c.octetsOut)),
            "packets_in": .int(Int64(c.packetsIn)), "packets_out": .int(Int64(c.packetsOut)),
            "dropped": .int(Int64(c.dropped)), "transmit_dropped": .int(Int64(c.transmit.total)),
            "transmit_channel_full": .int(Int64(c.transmit.full)), "transmit_channel_gone": .int(Int64(c.transmit.gone)),
            "held_for_channel": .int(Int64(c.heldForChannel)),
            "protocol_rejects_sent": .int(Int64(c.protocolRejectsSent)),
            "protocol_rejects_received": .int(Int64(c.protocolRejectsReceived)),
            "malformed_frames": .int(Int64(c.malformedFrames)),
            "super_packets_out": .int(Int64(c.superPacketsOut)), "super_packets_in": .int(Int64(c.superPacketsIn)),
        ])
        o["offload"] = unit.map { .string($0.offload.description) } ?? .null
        return o
    }
}
