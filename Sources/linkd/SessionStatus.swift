// A session as `pppctl sessions` sees it: one JSON object with the phase, the
// LCP state, what was negotiated in both directions, counters and wire
// errors. Fields other daemons will fill (peer_name, ipcp, ipv6cp,
// interface) are null until they exist.
import IPC
import PPP

enum SessionStatus {
    static func json(_ s: Session, port link: PortLink) -> JSONObject {
        let c = s.counters
        let w = s.wireErrors
        let l = s.lcp.counters
        var o: JSONObject = [
            "id": .string(s.id),
            "port": .string(s.settings.name),
            "type": .string(s.settings.kind.name),
            "phase": .string(s.phase.rawValue),
            "lcp": .string(stateName(s.lcp.state)),
            "peer_name": .null,
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
        o["counters"] = .object([
            "frames_in": .int(Int64(c.framesIn)), "frames_out": .int(Int64(c.framesOut)),
            "bytes_in": .int(Int64(c.bytesIn)), "bytes_out": .int(Int64(c.bytesOut)),
            "echo_requests_sent": .int(Int64(c.echoRequestsSent)),
            "echo_replies_received": .int(Int64(c.echoRepliesReceived)),
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
            "transmit_errors": .int(Int64(c.transmitErrors)), "transmit_dropped": .int(Int64(c.transmitDropped)),
            "port_unreachable": .int(Int64(link.unreachable)),
            "frames_without_session": .int(Int64(link.framesWithoutSession)),
        ])
        return o
    }

    /// RFC 1661 §4.2 state names, lower case ("reqsent", "opened").
    static func stateName(_ state: Automaton.State) -> String {
        "\(state)".lowercased()
    }

    static func hex(_ v: UInt32) -> String { "0x" + paddedHex(v) }

    static func rounded(_ seconds: Double) -> Double { (seconds * 10).rounded() / 10 }
}
