// Why a session ended, as a word a metric can carry as a label (issue 19:
// setups, failures and teardowns by cause). The reason text stays what
// `pppctl sessions` shows; this is its bounded summary, taken from the
// event that ended the session (LinkPhases), so a peer's free text or a
// RADIUS server's never becomes a label value.

import IPC

enum EndCause: String, CaseIterable {
    /// The peer sent Terminate-Request (RFC 1661 §5.5).
    case peer
    /// The peer stopped answering LCP Echo-Requests (RFC 1661 §5.8).
    case echo
    /// The lower layer: line hung up, connection refused or closed, PPPoE
    /// discovery failed or PADT, L2TP call cleared.
    case carrier
    /// LCP found no agreement or failed (Max-Configure, Max-Failure).
    case negotiation
    /// Authentication refused, unfinished, or authd unreachable.
    case authentication
    /// pppctl session kill / unbridge, a RADIUS Disconnect-Request.
    case admin
    /// Session-Timeout or Idle-Timeout.
    case timeout
    /// The router or its linkd stopping.
    case stop
    /// Anything else we close for (a bridge or upstream failure, …).
    case other

    /// A close we requested ourselves (LinkPhases' closeRequested): the
    /// callers' texts are ours (Session, PortSessions), so their beginnings
    /// are known.
    init(localReason why: String) {
        let rules: [(String, EndCause)] = [
            ("peer not responding", .echo),
            ("killed by the operator", .admin), ("unbridged by the operator", .admin), ("admin reset", .admin),
            ("router stopping", .stop), ("linkd stopping", .stop), ("port removed", .stop),
            ("session timeout", .timeout), ("idle timeout", .timeout),
            ("authd", .authentication), ("authentication", .authentication),
        ]
        self = rules.first { why.hasPrefix($0.0) }?.1 ?? .other
    }
}

/// Sessions set up and ended on one port since linkd started, for its
/// status (LinkdStatus.outcomes) and metricsd's counters.
struct SessionOutcomes {
    /// Sessions that reached the Network phase (RFC 1661 §3.6).
    var setups = 0
    /// Sessions that ended before the Network phase, by cause.
    var failures: [EndCause: Int] = [:]
    /// Sessions that ended after it, by cause.
    var teardowns: [EndCause: Int] = [:]

    mutating func ended(reachedNetwork: Bool, cause: EndCause) {
        if reachedNetwork { teardowns[cause, default: 0] += 1 } else { failures[cause, default: 0] += 1 }
    }

    /// Every cause present (zeros included), so a series exists before its
    /// first increment and rate() sees the first one.
    var json: JSONObject {
        func byCause(_ d: [EndCause: Int]) -> JSON {
            .object(JSONObject(EndCause.allCases.map { ($0.rawValue, .int(Int64(d[$0] ?? 0))) }))
        }
        let echo = (failures[.echo] ?? 0) + (teardowns[.echo] ?? 0)
        return ["setups": .int(Int64(setups)), "failures": byCause(failures), "teardowns": byCause(teardowns),
                "lcp_echo_failures": .int(Int64(echo))]
    }
}
