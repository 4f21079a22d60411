// RFC 1661 §4.1 State Transition Table as data: one row per (state, event) cell,
// generated from the RFC's text columns ("action/new-state", footnote letters
// dropped), checked against Automaton.transition and for full coverage.
import Testing
@testable import PPP

struct Row: Sendable {
    var state: Automaton.State
    var event: Automaton.Event
    var expected: (Automaton.State, [Automaton.Action])?
    init(_ state: Automaton.State, _ event: Automaton.Event, _ expected: (Automaton.State, [Automaton.Action])?) {
        self.state = state
        self.event = event
        self.expected = expected
    }
}

let rfc1661Table: [Row] = [
    Row(.initial, .up, (.closed, [])),  // 2
    Row(.starting, .up, (.reqSent, [.irc, .scr])),  // irc,scr/6
    Row(.closed, .up, nil),  // -
    Row(.stopped, .up, nil),  // -
    Row(.closing, .up, nil),  // -
    Row(.stopping, .up, nil),  // -
    Row(.reqSent, .up, nil),  // -
    Row(.ackRcvd, .up, nil),  // -
    Row(.ackSent, .up, nil),  // -
    Row(.opened, .up, nil),  // -
    Row(.initial, .down, nil),  // -
    Row(.starting, .down, nil),  // -
    Row(.closed, .down, (.initial, [])),  // 0
    Row(.stopped, .down, (.starting, [.tls])),  // tls/1
    Row(.closing, .down, (.initial, [])),  // 0
    Row(.stopping, .down, (.starting, [])),  // 1
    Row(.reqSent, .down, (.starting, [])),  // 1
    Row(.ackRcvd, .down, (.starting, [])),  // 1
    Row(.ackSent, .down, (.starting, [])),  // 1
    Row(.opened, .down, (.starting, [.tld])),  // tld/1
    Row(.initial, .open, (.starting, [.tls])),  // tls/1
    Row(.starting, .open, (.starting, [])),  // 1
    Row(.closed, .open, (.reqSent, [.irc, .scr])),  // irc,scr/6
    Row(.stopped, .open, (.stopped, [])),  // 3r
    Row(.closing, .open, (.stopping, [])),  // 5r
    Row(.stopping, .open, (.stopping, [])),  // 5r
    Row(.reqSent, .open, (.reqSent, [])),  // 6
    Row(.ackRcvd, .open, (.ackRcvd, [])),  // 7
    Row(.ackSent, .open, (.ackSent, [])),  // 8
    Row(.opened, .open, (.opened, [])),  // 9r
    Row(.initial, .close, (.initial, [])),  // 0
    Row(.starting, .close, (.initial, [.tlf])),  // tlf/0
    Row(.closed, .close, (.closed, [])),  // 2
    Row(.stopped, .close, (.closed, [])),  // 2
    Row(.closing, .close, (.closing, [])),  // 4
    Row(.stopping, .close, (.closing, [])),  // 4
    Row(.reqSent, .close, (.closing, [.irc, .str])),  // irc,str/4
    Row(.ackRcvd, .close, (.closing, [.irc, .str])),  // irc,str/4
    Row(.ackSent, .close, (.closing, [.irc, .str])),  // irc,str/4
    Row(.opened, .close, (.closing, [.tld, .irc, .str])),  // tld,irc,str/4
    Row(.initial, .toPlus, nil),  // -
    Row(.starting, .toPlus, nil),  // -
    Row(.closed, .toPlus, nil),  // -
    Row(.stopped, .toPlus, nil),  // -
    Row(.closing, .toPlus, (.closing, [.str])),  // str/4
    Row(.stopping, .toPlus, (.stopping, [.str])),  // str/5
    Row(.reqSent, .toPlus, (.reqSent, [.scr])),  // scr/6
    Row(.ackRcvd, .toPlus, (.reqSent, [.scr])),  // scr/6
    Row(.ackSent, .toPlus, (.ackSent, [.scr])),  // scr/8
    Row(.opened, .toPlus, nil),  // -
    Row(.initial, .toMinus, nil),  // -
    Row(.starting, .toMinus, nil),  // -
    Row(.closed, .toMinus, nil),  // -
    Row(.stopped, .toMinus, nil),  // -
    Row(.closing, .toMinus, (.closed, [.tlf])),  // tlf/2
    Row(.stopping, .toMinus, (.stopped, [.tlf])),  // tlf/3
    Row(.reqSent, .toMinus, (.stopped, [.tlf])),  // tlf/3p
    Row(.ackRcvd, .toMinus, (.stopped, [.tlf])),  // tlf/3p
    Row(.ackSent, .toMinus, (.stopped, [.tlf])),  // tlf/3p
    Row(.opened, .toMinus, nil),  // -
    Row(.initial, .rcrPlus, nil),  // -
    Row(.starting, .rcrPlus, nil),  // -
    Row(.closed, .rcrPlus, (.closed, [.sta])),  // sta/2
    Row(.stopped, .rcrPlus, (.ackSent, [.irc, .scr, .sca])),  // irc,scr,sca/8
    Row(.closing, .rcrPlus, (.closing, [])),  // 4
    Row(.stopping, .rcrPlus, (.stopping, [])),  // 5
    Row(.reqSent, .rcrPlus, (.ackSent, [.sca])),  // sca/8
    Row(.ackRcvd, .rcrPlus, (.opened, [.sca, .tlu])),  // sca,tlu/9
    Row(.ackSent, .rcrPlus, (.ackSent, [.sca])),  // sca/8
    Row(.opened, .rcrPlus, (.ackSent, [.tld, .scr, .sca])),  // tld,scr,sca/8
    Row(.initial, .rcrMinus, nil),  // -
    Row(.starting, .rcrMinus, nil),  // -
    Row(.closed, .rcrMinus, (.closed, [.sta])),  // sta/2
    Row(.stopped, .rcrMinus, (.reqSent, [.irc, .scr, .scn])),  // irc,scr,scn/6
    Row(.closing, .rcrMinus, (.closing, [])),  // 4
    Row(.stopping, .rcrMinus, (.stopping, [])),  // 5
    Row(.reqSent, .rcrMinus, (.reqSent, [.scn])),  // scn/6
    Row(.ackRcvd, .rcrMinus, (.ackRcvd, [.scn])),  // scn/7
    Row(.ackSent, .rcrMinus, (.reqSent, [.scn])),  // scn/6
    Row(.opened, .rcrMinus, (.reqSent, [.tld, .scr, .scn])),  // tld,scr,scn/6
    Row(.initial, .rca, nil),  // -
    Row(.starting, .rca, nil),  // -
    Row(.closed, .rca, (.closed, [.sta])),  // sta/2
    Row(.stopped, .rca, (.stopped, [.sta])),  // sta/3
    Row(.closing, .rca, (.closing, [])),  // 4
    Row(.stopping, .rca, (.stopping, [])),  // 5
    Row(.reqSent, .rca, (.ackRcvd, [.irc])),  // irc/7
    Row(.ackRcvd, .rca, (.reqSent, [.scr])),  // scr/6x
    Row(.ackSent, .rca, (.opened, [.irc, .tlu])),  // irc,tlu/9
    Row(.opened, .rca, (.reqSent, [.tld, .scr])),  // tld,scr/6x
    Row(.initial, .rcn, nil),  // -
    Row(.starting, .rcn, nil),  // -
    Row(.closed, .rcn, (.closed, [.sta])),  // sta/2
    Row(.stopped, .rcn, (.stopped, [.sta])),  // sta/3
    Row(.closing, .rcn, (.closing, [])),  // 4
    Row(.stopping, .rcn, (.stopping, [])),  // 5
    Row(.reqSent, .rcn, (.reqSent, [.irc, .scr])),  // irc,scr/6
    Row(.ackRcvd, .rcn, (.reqSent, [.scr])),  // scr/6x
    Row(.ackSent, .rcn, (.ackSent, [.irc, .scr])),  // irc,scr/8
    Row(.opened, .rcn, (.reqSent, [.tld, .scr])),  // tld,scr/6x
    Row(.initial, .rtr, nil),  // -
    Row(.starting, .rtr, nil),  // -
    Row(.closed, .rtr, (.closed, [.sta])),  // sta/2
    Row(.stopped, .rtr, (.stopped, [.sta])),  // sta/3
    Row(.closing, .rtr, (.closing, [.sta])),  // sta/4
    Row(.stopping, .rtr, (.stopping, [.sta])),  // sta/5
    Row(.reqSent, .rtr, (.reqSent, [.sta])),  // sta/6
    Row(.ackRcvd, .rtr, (.reqSent, [.sta])),  // sta/6
    Row(.ackSent, .rtr, (.reqSent, [.sta])),  // sta/6
    Row(.opened, .rtr, (.stopping, [.tld, .zrc, .sta])),  // tld,zrc,sta/5
    Row(.initial, .rta, nil),  // -
    Row(.starting, .rta, nil),  // -
    Row(.closed, .rta, (.closed, [])),  // 2
    Row(.stopped, .rta, (.stopped, [])),  // 3
    Row(.closing, .rta, (.closed, [.tlf])),  // tlf/2
    Row(.stopping, .rta, (.stopped, [.tlf])),  // tlf/3
    Row(.reqSent, .rta, (.reqSent, [])),  // 6
    Row(.ackRcvd, .rta, (.reqSent, [])),  // 6
    Row(.ackSent, .rta, (.ackSent, [])),  // 8
    Row(.opened, .rta, (.reqSent, [.tld, .scr])),  // tld,scr/6
    Row(.initial, .ruc, nil),  // -
    Row(.starting, .ruc, nil),  // -
    Row(.closed, .ruc, (.closed, [.scj])),  // scj/2
    Row(.stopped, .ruc, (.stopped, [.scj])),  // scj/3
    Row(.closing, .ruc, (.closing, [.scj])),  // scj/4
    Row(.stopping, .ruc, (.stopping, [.scj])),  // scj/5
    Row(.reqSent, .ruc, (.reqSent, [.scj])),  // scj/6
    Row(.ackRcvd, .ruc, (.ackRcvd, [.scj])),  // scj/7
    Row(.ackSent, .ruc, (.ackSent, [.scj])),  // scj/8
    Row(.opened, .ruc, (.opened, [.scj])),  // scj/9
    Row(.initial, .rxjPlus, nil),  // -
    Row(.starting, .rxjPlus, nil),  // -
    Row(.closed, .rxjPlus, (.closed, [])),  // 2
    Row(.stopped, .rxjPlus, (.stopped, [])),  // 3
    Row(.closing, .rxjPlus, (.closing, [])),  // 4
    Row(.stopping, .rxjPlus, (.stopping, [])),  // 5
    Row(.reqSent, .rxjPlus, (.reqSent, [])),  // 6
    Row(.ackRcvd, .rxjPlus, (.reqSent, [])),  // 6
    Row(.ackSent, .rxjPlus, (.ackSent, [])),  // 8
    Row(.opened, .rxjPlus, (.opened, [])),  // 9
    Row(.initial, .rxjMinus, nil),  // -
    Row(.starting, .rxjMinus, nil),  // -
    Row(.closed, .rxjMinus, (.closed, [.tlf])),  // tlf/2
    Row(.stopped, .rxjMinus, (.stopped, [.tlf])),  // tlf/3
    Row(.closing, .rxjMinus, (.closed, [.tlf])),  // tlf/2
    Row(.stopping, .rxjMinus, (.stopped, [.tlf])),  // tlf/3
    Row(.reqSent, .rxjMinus, (.stopped, [.tlf])),  // tlf/3
    Row(.ackRcvd, .rxjMinus, (.stopped, [.tlf])),  // tlf/3
    Row(.ackSent, .rxjMinus, (.stopped, [.tlf])),  // tlf/3
    Row(.opened, .rxjMinus, (.stopping, [.tld, .irc, .str])),  // tld,irc,str/5
    Row(.initial, .rxr, nil),  // -
    Row(.starting, .rxr, nil),  // -
    Row(.closed, .rxr, (.closed, [])),  // 2
    Row(.stopped, .rxr, (.stopped, [])),  // 3
    Row(.closing, .rxr, (.closing, [])),  // 4
    Row(.stopping, .rxr, (.stopping, [])),  // 5
    Row(.reqSent, .rxr, (.reqSent, [])),  // 6
    Row(.ackRcvd, .rxr, (.ackRcvd, [])),  // 7
    Row(.ackSent, .rxr, (.ackSent, [])),  // 8
    Row(.opened, .rxr, (.opened, [.ser])),  // ser/9
]

@Suite struct AutomatonTableTests {
    @Test func everyCellIsCoveredExactlyOnce() {
        #expect(rfc1661Table.count == Automaton.State.allCases.count * Automaton.Event.allCases.count)
        for state in Automaton.State.allCases {
            for event in Automaton.Event.allCases {
                let rows = rfc1661Table.filter { $0.state == state && $0.event == event }
                #expect(rows.count == 1, "cell \(state) x \(event)")
            }
        }
    }

    @Test(arguments: rfc1661Table)
    func cellMatchesRFC(_ row: Row) {
        let actual = Automaton.transition(from: row.state, on: row.event)
        switch (actual, row.expected) {
        case (nil, nil): break
        case let (a?, e?):
            #expect(a.0 == e.0, "\(row.state) x \(row.event): next state")
            #expect(a.1 == e.1, "\(row.state) x \(row.event): actions")
        default:
            Issue.record("\(row.state) x \(row.event): legality differs (got \(String(describing: actual)))")
        }
    }

    @Test func handleFollowsTableAndTimerRule() {
        for row in rfc1661Table {
            var automaton = Automaton(state: row.state)
            let step = automaton.handle(row.event)
            guard let (next, actions) = row.expected else {
                #expect(!step.isLegal)
                #expect(automaton.state == row.state)
                continue
            }
            #expect(step.isLegal && automaton.state == next && step.actions == actions)
            // RFC 1661 §4.1: scr, str and zrc (re)start the timer; leaving the
            // timer states stops it; otherwise nothing changes.
            let starts = actions.contains { $0 == .scr || $0 == .str || $0 == .zrc }
            if starts {
                #expect(step.timer == .start)
                #expect(next.restartTimerRuns)
            } else if row.state.restartTimerRuns && !next.restartTimerRuns {
                #expect(step.timer == .stop)
            } else {
                #expect(step.timer == .unchanged)
            }
        }
    }

    @Test func restartCounterUsesMaxConfigureThenTimesOut() {
        var automaton = Automaton(state: .starting)
        _ = automaton.handle(.up)  // irc, scr
        #expect(automaton.restartCounter == 9)
        var sends = 1
        while automaton.timeoutEvent == .toPlus {
            let step = automaton.handle(.toPlus)
            #expect(step.actions == [.scr])
            sends += 1
        }
        // RFC 1661 §4.4: decremented on each of Max-Configure transmissions.
        #expect(sends == Automaton.Limits().maxConfigure)
        let last = automaton.handle(.toMinus)
        #expect(last.to == .stopped && last.actions == [.tlf] && last.timer == .stop)
    }

    @Test func closeUsesMaxTerminate() {
        var automaton = Automaton(state: .opened)
        let step = automaton.handle(.close)
        #expect(step.actions == [.tld, .irc, .str])
        #expect(automaton.restartCounter == Automaton.Limits().maxTerminate - 1)
        #expect(automaton.timeoutEvent == .toPlus)
        _ = automaton.handle(.toPlus)
        #expect(automaton.timeoutEvent == .toMinus)
        #expect(automaton.handle(.toMinus).to == .closed)
    }

    @Test func zrcInOpenedGivesUpAfterOneTimeout() {
        var automaton = Automaton(state: .opened)
        let step = automaton.handle(.rtr)
        #expect(step.timer == .start && automaton.restartCounter == 0)
        #expect(automaton.timeoutEvent == .toMinus)
    }

    @Test func scrFromOpenedReinitialisesCounter() {
        var automaton = Automaton(state: .opened)
        _ = automaton.handle(.rcrPlus)  // tld, scr, sca (no irc in the RFC cell)
        #expect(automaton.restartCounter == Automaton.Limits().maxConfigure - 1)
    }
}

extension AutomatonTableTests {
    /// `name` is the table status replies print; it must be what printing
    /// the case in lower case gave before (the `sessions` JSON is unchanged).
    @Test func stateNamesAreTheCaseNamesInLowerCase() {
        for state in Automaton.State.allCases {
            #expect(state.name == "\(state)".lowercased())
        }
        #expect(Set(Automaton.State.allCases.map(\.name)).count == Automaton.State.allCases.count)
    }
}
