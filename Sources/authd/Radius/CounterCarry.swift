// A session's accounting counters as the RADIUS server must see them:
// never decreasing (RFC 2866 §5.3-5.8 count "since the session started"),
// whatever restarts under them. linkd counts what its relay carried, and a
// restarted linkd (or a relay rebuilt after ncpd restarted) starts again
// from zero; authd keeps what it last reported and adds it underneath. What
// crossed the link between the last report and a kill -9 of linkd is not
// known to anyone and is not invented here.
import IPC

struct CounterCarry: Equatable {
    /// Added to linkd's figures: the totals reported before its counters
    /// restarted. Deposited in the fd store whenever it changes, so that a
    /// restarted authd carries on from it too.
    private(set) var base = SessionCounters()
    /// The last totals reported, the floor for the next.
    private(set) var last = SessionCounters()

    init() {}

    /// Carries on from `reported` (after linkd restarted under a session).
    init(resumingFrom reported: SessionCounters) { base = reported; base.sessionSeconds = 0; last = reported }

    /// linkd's counters → the totals to report.
    mutating func total(_ raw: SessionCounters) -> SessionCounters {
        var t = Self.sum(base, raw)
        // Any counter below what was reported: linkd's count restarted.
        if t.inputOctets < last.inputOctets || t.outputOctets < last.outputOctets
            || t.inputPackets < last.inputPackets || t.outputPackets < last.outputPackets {
            base = last
            base.sessionSeconds = 0
            t = Self.sum(base, raw)
        }
        // Session time is a clock, not a count: linkd restores when the
        // Network phase began, so it is never added, only kept from going back.
        t.sessionSeconds = max(raw.sessionSeconds, last.sessionSeconds)
        last = t
        return t
    }

    private static func sum(_ a: SessionCounters, _ b: SessionCounters) -> SessionCounters {
        var s = SessionCounters()
        s.inputOctets = a.inputOctets &+ b.inputOctets
        s.outputOctets = a.outputOctets &+ b.outputOctets
        s.inputPackets = a.inputPackets &+ b.inputPackets
        s.outputPackets = a.outputPackets &+ b.outputPackets
        return s
    }
}
