// A session's accounting counters as the RADIUS server must see them:
// never decreasing (RFC 2866 §5.3-5.8 count "since the session started"),
// whatever restarts under them. linkd keeps the counts: it deposits them
// with the session (before each interim update goes out) and a restarted
// linkd counts on from there, so its figures are what `pppctl sessions`
// shows and what the Stop carries. authd only keeps the last totals it
// reported as a floor: a figure below it (linkd died between a report and
// its deposit) is reported as the floor, never lower. What crossed the link
// between the last deposit and a kill -9 of linkd is not known to anyone
// and is not invented here.
import IPC

struct CounterCarry: Equatable {
    /// The last totals reported, the floor for the next.
    private(set) var last = SessionCounters()

    init() {}

    /// Carries on from `reported` (after linkd restarted under a session).
    init(resumingFrom reported: SessionCounters) { last = reported }

    /// linkd's counters → the totals to report: each at least what was
    /// reported before. Session time is a clock (linkd restores when the
    /// Network phase began), likewise kept from going back.
    mutating func total(_ raw: SessionCounters) -> SessionCounters {
        var t = raw
        t.inputOctets = max(raw.inputOctets, last.inputOctets)
        t.outputOctets = max(raw.outputOctets, last.outputOctets)
        t.inputPackets = max(raw.inputPackets, last.inputPackets)
        t.outputPackets = max(raw.outputPackets, last.outputPackets)
        t.sessionSeconds = max(raw.sessionSeconds, last.sessionSeconds)
        last = t
        return t
    }
}
