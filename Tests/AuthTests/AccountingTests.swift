// Accounting you can bill on: counters that never go back below what was
// reported (CounterCarry), and every end reason
// linkd gives mapped to its RFC 2866 §5.10 Acct-Terminate-Cause.
import IPC
import Testing
@testable import authd

func counters(_ octets: UInt64, seconds: UInt32 = 0) -> SessionCounters {
    var c = SessionCounters()
    c.inputOctets = octets; c.outputOctets = octets * 2; c.inputPackets = octets / 10; c.outputPackets = octets / 5
    c.sessionSeconds = seconds
    return c
}

@Test func countersNeverGoBackBelowWhatWasReported() {
    var carry = CounterCarry()
    #expect(carry.total(counters(100, seconds: 10)) == counters(100, seconds: 10))
    #expect(carry.total(counters(200, seconds: 20)) == counters(200, seconds: 20))
    // linkd died after reporting 200 and before depositing it: it counts
    // on from its last deposit (150); the server never sees less than 200,
    // and nothing is invented beyond what linkd counts.
    #expect(carry.total(counters(150, seconds: 25)) == counters(200, seconds: 25))
    #expect(carry.total(counters(280, seconds: 30)) == counters(280, seconds: 30))
    // Session time never goes back either.
    #expect(carry.total(counters(290, seconds: 3)).sessionSeconds == 30)
}

@Test func countersCarryOnFromAResumedSession() {
    // authd kept 205102 octets reported before linkd died (the issue's
    // figure); the restarted linkd counts on from its deposit (205000).
    var carry = CounterCarry(resumingFrom: counters(205_102, seconds: 60))
    #expect(carry.total(counters(205_000, seconds: 61)).inputOctets == 205_102)
    let t = carry.total(counters(205_000 + 93_730, seconds: 62))
    #expect(t.inputOctets == 205_000 + 93_730 && t.sessionSeconds == 62)
    // Past 4 GiB the octets keep growing; Gigawords carry the high part.
    var big = CounterCarry(resumingFrom: counters(4_294_967_000))
    #expect(big.total(counters(4_294_968_000)).inputOctets == 4_294_968_000)
}

@Test(arguments: [
    ("peer terminated: bye", 1), ("PADT from the host (Generic-Error)", 1), ("PADT from the access concentrator", 18),
    ("hangup (end of file on /dev/pts/3)", 2), ("peer not responding: 4 LCP echo requests unanswered", 2),
    ("read error on 10.0.0.1:1701: Connection reset by peer", 8), ("idle timeout (600 s without data)", 4),
    ("session timeout (5 s)", 5), ("killed by the operator", 6), ("admin reset (RADIUS Disconnect-Request)", 6),
    ("unbridged by the operator", 6), ("linkd stopping", 11), ("router stopping", 11), ("port removed", 6), ("replaced by a new PPPoE session", 13),
    ("upstream up0: PADT from the access concentrator", 15), ("LCP renegotiation", 1),
    ("LCP: no agreement (Max-Configure reached or peer stopped)", 17), ("authentication failed: wrong password", 17),
    ("authd unreachable: peer closed", 9), ("cannot resume after a restart: bad record", 9), ("ended", 10),
])
func terminateCauseForEveryEndReason(_ reason: String, _ cause: UInt32) {
    #expect(RadiusRequests.terminateCause(reason) == cause, "\(reason)")
}
