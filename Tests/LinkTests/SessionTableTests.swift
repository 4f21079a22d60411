// The port's session table (SessionTable): listing order, the ended ones
// kept for display, lookups by id, and the work per ended session bounded
// (issue 13: teardown of thousands of sessions rescanned the list each time).
import Testing
@testable import linkd

@Suite struct SessionTableTests {
    final class Entry: SessionTableEntry {
        let id: String
        init(_ n: Int) { id = "p:\(n)" }
    }

    @Test func listsLiveInStartOrderThenTheLastEnded() {
        var t = SessionTable<Entry>(endedKept: 2)
        let e = (1...5).map(Entry.init)
        for x in e { t.add(x) }
        t.end(e[1])
        t.end(e[3])
        t.end(e[0])
        #expect(t.all.map(\.id) == ["p:3", "p:5", "p:4", "p:1"])
        #expect(t.liveCount == 2)
        #expect(t.live(id: "p:3") === e[2])
        #expect(t.live(id: "p:2") == nil)
        let f = Entry(6)
        t.add(f)
        #expect(t.live.map(\.id) == ["p:3", "p:5", "p:6"])
    }

    /// 10,000 sessions up, then all down (in start order, reversed, and
    /// from the middle out): a bounded number of entries visited per ended
    /// session, however many there are, and the table right after each.
    @Test(arguments: [0, 1, 2]) func endingIsConstantWorkPerSession(_ order: Int) {
        let n = 10_000
        var t = SessionTable<Entry>(endedKept: 8)
        let e = (0..<n).map(Entry.init)
        for x in e { t.add(x) }
        let sequence: [Entry] = switch order {
        case 0: e
        case 1: e.reversed()
        default: (0..<n).map { i in e[i % 2 == 0 ? n / 2 + i / 2 : n / 2 - 1 - i / 2] }
        }
        for (k, x) in sequence.enumerated() {
            t.end(x)
            if k == n / 2 { #expect(t.liveCount == n - k - 1) }
        }
        #expect(t.liveCount == 0)
        #expect(t.live.isEmpty)
        #expect(t.ended.count == 8)
        #expect(t.work <= 3 * n, "work \(t.work) for \(n) sessions")
    }
}
