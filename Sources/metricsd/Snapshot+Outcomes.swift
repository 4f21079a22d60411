// The families issue 19 asked for beyond what the status replies had named
// ones for: session setups, failures and teardowns by cause and LCP echo
// failures (each linkd's `outcomes`), and the RADIUS request latency
// histogram (authd's `radius.latency`, IPC LatencyHistogram).
import IPC

extension Snapshot {
    func renderOutcomes(_ e: inout Exposition) {
        var setups: [(Exposition.Labels, Double)] = [], echo: [(Exposition.Labels, Double)] = []
        var failures: [(Exposition.Labels, Double)] = [], teardowns: [(Exposition.Labels, Double)] = []
        for p in ports {
            guard let o = p.status["outcomes"] else { continue }
            let labels: Exposition.Labels = [("port", p.name), ("type", p.type)]
            if let v = o["setups"]?.double { setups.append((labels, v)) }
            if let v = o["lcp_echo_failures"]?.double { echo.append((labels, v)) }
            // Causes are linkd's fixed set (EndCause), never a peer's text.
            for (cause, v) in o["failures"]?.object ?? [:] { if let n = v.double { failures.append((labels + [("cause", cause)], n)) } }
            for (cause, v) in o["teardowns"]?.object ?? [:] { if let n = v.double { teardowns.append((labels + [("cause", cause)], n)) } }
        }
        e.family("ppprouter_session_setups_total", .counter, "Sessions that reached the Network phase, since the port's linkd started.", setups)
        e.family("ppprouter_session_failures_total", .counter,
                 "Sessions that ended before the Network phase, by cause (peer, echo, carrier, negotiation, authentication, admin, timeout, stop, other).",
                 failures)
        e.family("ppprouter_session_teardowns_total", .counter, "Sessions that ended after the Network phase, by cause.", teardowns)
        e.family("ppprouter_lcp_echo_failures_total", .counter,
                 "Sessions ended because the peer stopped answering LCP Echo-Requests (RFC 1661 §5.8).", echo)
        if let h = statuses["authd"]?["radius"]?["latency"].flatMap(LatencyHistogram.init(json:)) {
            e.histogram("ppprouter_radius_request_duration_seconds",
                        "Seconds from a RADIUS request's first transmission to its accepted answer (retransmissions and failovers included).",
                        buckets: Array(zip(LatencyHistogram.bounds, h.cumulative)), sum: h.sum, count: h.count)
        }
    }
}
