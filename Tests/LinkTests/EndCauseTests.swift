// Why a session ended, as the bounded word metrics label it with (issue
// 19): from the event that ended it, local closes by their (our own) texts.
import IPC
import Testing
@testable import linkd

@Suite struct EndCauseTests {
    @Test(arguments: [
        ("peer not responding: 3 LCP echo requests unanswered", EndCause.echo),
        ("killed by the operator", .admin), ("unbridged by the operator", .admin), ("admin reset", .admin),
        ("router stopping", .stop), ("linkd stopping", .stop), ("port removed", .stop),
        ("session timeout (5 s)", .timeout), ("idle timeout (600 s without data)", .timeout),
        ("authd unreachable: peer closed", .authentication),
        ("authentication did not finish within 30 s (authd or the peer silent)", .authentication),
        ("upstream up0: dial answered without a session", .other), ("", .other),
    ])
    func localCloses(_ reason: String, _ cause: EndCause) {
        #expect(EndCause(localReason: reason) == cause, "\(reason)")
    }

    @Test func phasesKeepTheFirstCause() {
        typealias E = LinkPhases.Event
        let cases: [([E], EndCause)] = [
            ([.circuitUp, .peerTerminated(reason: "peer terminated"), .circuitDown(reason: "hangup")], .peer),
            ([.circuitUp, .circuitDown(reason: "hangup")], .carrier),
            ([.circuitFailed(reason: "connect: refused")], .carrier),
            ([.circuitUp, .lcpFailed(reason: "x")], .negotiation),
            ([.circuitUp, .lcpFinished(stopped: true)], .negotiation),
            ([.circuitUp, .lcpUp(authenticate: true), .authFailed(reason: "no")], .authentication),
            ([.circuitUp, .lcpUp(authenticate: false), .closeRequested(reason: "peer not responding: 3"),
              .peerTerminated(reason: "late")], .echo),
        ]
        for (events, cause) in cases {
            var p = LinkPhases()
            for e in events { _ = p.handle(e) }
            #expect(p.cause == cause, "\(events)")
        }
        var fresh = LinkPhases()
        _ = fresh.handle(.circuitUp)
        #expect(fresh.cause == nil)
    }

    @Test func outcomesCountByCauseWithZeros() {
        var o = SessionOutcomes()
        o.setups = 2
        o.ended(reachedNetwork: true, cause: .echo)
        o.ended(reachedNetwork: false, cause: .carrier)
        let j = o.json
        #expect(j["teardowns"]?["echo"]?.int == 1 && j["failures"]?["carrier"]?.int == 1)
        #expect(j["teardowns"]?["peer"]?.int == 0 && j["failures"]?.object?.count == EndCause.allCases.count)
        #expect(j["lcp_echo_failures"]?.int == 1 && j["setups"]?.int == 2)
    }
}
