// A session as `pppctl sessions` sees it: one JSON object with the phase, the
// LCP state, what was negotiated in both directions, authd's verdict, the
// channel to ncpd, counters and wire errors. ipcp, ipv6cp and interface are
// ncpd's: null here, pppctl merges ncpd's own `sessions` into them.
import IPC
import PPP
import PPPoE

enum SessionStatus {
    static func json(_ s: Session, port: PortSessions) -> JSONObject {
        let c = s.counters
        let w = s.wireErrors
        let l = s.lcp.counters
        var o: JSONObject = [
            "id": .string(s.id),
            "port": .string(s.settings.name),
            "type": .string(s.settings.kind.name),
            "phase": .string(s.phase.rawValue),
            "lcp": .string(stateName(s.lcp.state)),
            // Calling-Station-Id: the PPPoE peer's MAC, the UDP/TCP peer, … ("" for a tty).
            "calling_station": .string(s.circuit.peer),
            // Issue 13: a PPPoE session's VLAN, "VID" or "SVID.CVID"; null untagged.
            "vlan": s.circuit.vlan.isTagged ? .string(s.circuit.vlan.description) : .null,
            "peer_name": s.auth.verdict.flatMap { $0.peerName.isEmpty ? nil : .string($0.peerName) } ?? .null,
            "auth": authMethod(s).map { .string("\($0)") } ?? .null,
            "auth_state": .string(authState(s)),
            "ipcp": .null,
            "ipv6cp": .null,
            "interface": .null,
            "age": .double(rounded(Instant.now().seconds(since: s.started))),
            "up": s.upSince.map { .double(rounded(Instant.now().seconds(since: $0))) } ?? .null,
            "reason": s.reason.map { .string($0) } ?? .null,
        ]
        if let n = s.negotiated {
            // "local": what the peer agreed to do for us; "peer": what we do for it.
            o["local"] = .object([
                "mru": .int(Int64(n.localMRU)), "accm": .string(hex(n.receiveACCM)),
                "pfc": .bool(n.receivePFC), "acfc": .bool(n.receiveACFC),
                "magic": .string(hex(n.localMagicNumber)),
                "auth": n.weAuthenticatePeerWith.map { .string("\($0)") } ?? .null,
            ])
            o["peer"] = .object([
                "mru": .int(Int64(n.peerMRU)), "accm": .string(hex(n.transmitACCM)),
                "pfc": .bool(n.transmitPFC), "acfc": .bool(n.transmitACFC),
                "magic": .string(hex(n.peerMagicNumber)),
                "auth": n.peerAuthenticatesUsWith.map { .string("\($0)") } ?? .null,
            ])
        } else {
            o["local"] = .null
            o["peer"] = .null
        }
        o["pppoe"] = s.pppoe.map { .object($0.json) } ?? .null
        o["channel"] = s.channel.map { .object($0.json) } ?? .null
        // The partner and bridge state; pppctl merges bridged's counters in.
        o["bridge"] = s.bridge.json
        let a = s.accountingCounters
        o["counters"] = .object([
            "input_octets": .int(Int64(a.inputOctets)), "input_packets": .int(Int64(a.inputPackets)),
            "output_octets": .int(Int64(a.outputOctets)), "output_packets": .int(Int64(a.outputPackets)),
            "auth_frames_in": .int(Int64(c.authFramesIn)), "auth_frames_out": .int(Int64(c.authFramesOut)),
            "frames_in": .int(Int64(c.framesIn)), "frames_out": .int(Int64(c.framesOut)),
            "bytes_in": .int(Int64(c.bytesIn)), "bytes_out": .int(Int64(c.bytesOut)),
            "echo_requests_sent": .int(Int64(c.echoRequestsSent)),
            "echo_replies_received": .int(Int64(c.echoRepliesReceived)),
            "super_packets_out": .int(Int64(c.superPacketsOut)), "super_packets_refused": .int(Int64(c.superPacketsRefused)),
        ])
        o["errors"] = .object([
            "bad_fcs": .int(Int64(w.badFCS)), "runts": .int(Int64(w.runts)), "giants": .int(Int64(w.giants)),
            "aborts": .int(Int64(w.aborts)), "bad_headers": .int(Int64(w.badHeaders)),
            "ignored_control_characters": .int(Int64(w.ignoredControlCharacters)),
            "lcp_malformed": .int(Int64(l.malformed)), "lcp_unmatched_replies": .int(Int64(l.unmatchedReplies)),
            "lcp_discarded": .int(Int64(l.discarded)), "lcp_unknown_codes": .int(Int64(l.unknownCodes)),
            "discarded_before_network": .int(Int64(c.discardedBeforeNetwork)),
            "protocol_rejects_sent": .int(Int64(c.protocolRejectsSent)),
            "protocol_rejects_received": .int(Int64(c.protocolRejectsReceived)),
            "code_rejects_received": .int(Int64(c.codeRejectsReceived)),
            "loopback_suspected": .int(Int64(c.loopbackSuspected)),
            "auth_frames_dropped": .int(Int64(c.authFramesDropped)),
            "channel_dropped": .int(Int64(s.channel.map { r in
                r.counters.droppedOverMRU + r.counters.droppedInvalid + r.counters.droppedBeforeHandoff
                    + r.counters.toChannel.total } ?? 0)),
            "transmit_errors": .int(Int64(c.transmitErrors)), "transmit_dropped": .int(Int64(c.transmitDropped)),
            "transmit_held": .int(Int64(c.transmitHeld)),
            "port_unreachable": .int(Int64(port.counters.unreachable)),
            "frames_without_session": .int(Int64(port.counters.framesWithoutSession)),
            "connections_refused": .int(Int64(port.counters.connectionsRefused)),
        ])
        return o
    }

    /// The method used (or being negotiated) to authenticate the peer, else
    /// the one the peer uses on us; nil when there is none.
    static func authMethod(_ s: Session) -> AuthMethod? {
        if let m = s.auth.verdict?.method { return m }
        guard let n = s.negotiated else { return nil }
        return (n.weAuthenticatePeerWith ?? n.peerAuthenticatesUsWith).map(LCPPolicy.method)
    }

    static func authState(_ s: Session) -> String {
        if s.auth.failed { return "failed" }
        if s.auth.verdict != nil { return "success" }
        if s.auth.active { return "pending" }
        return "none"
    }

    /// RFC 1661 §4.2 state names, lower case ("reqsent", "opened").
    static func stateName(_ state: Automaton.State) -> String { state.name }

    static func hex(_ v: UInt32) -> String { "0x" + paddedHex(v) }

    static func rounded(_ seconds: Double) -> Double { (seconds * 10).rounded() / 10 }
}
