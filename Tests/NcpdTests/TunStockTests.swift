// Issue 13: where /dev/net/tun is 0600, ncpd's TUN descriptors come from
// pppinit. LinuxUnits keeps TunStock.size ahead and asks for them by whole
// batches (one tun-requested carries up to TunStock.batch), once half the
// stock is used or a session waits; a short or failed answer starts as
// many waiting sessions (they fail at their unit, as without the wait), and
// what comes for sessions gone since is closed past the stock's size.
// Descriptors of /dev/null stand in for pppinit's.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import Testing
@testable import ncpd

@Suite struct TunStockTests {
    final class Pppinit {
        var asked: [Int] = []
        func answer(_ units: LinuxUnits, giving: ((Int) -> Int)? = nil) {
            let batches = asked
            asked = []
            for n in batches {
                let got = giving?(n) ?? n
                for _ in 0..<got { units.stocked(FileDescriptor(adopting: open("/dev/null", O_RDONLY | O_CLOEXEC))) }
                units.answered(asked: n, got: got)
            }
        }
    }

    func units(batch: Int = TunStock.batch) throws -> (LinuxUnits, Pppinit) {
        let u = try LinuxUnits()
        u.openByOurselves = false
        u.batch = batch
        let p = Pppinit()
        u.requestDescriptors = { p.asked.append($0) }
        return (u, p)
    }

    @Test func theStockIsFilledAndRefilledByWholeBatches() throws {
        let (u, p) = try units()
        u.topUp()
        #expect(p.asked == [TunStock.batch, TunStock.batch] && u.requested == TunStock.size)
        p.answer(u)
        #expect(u.stockCount == TunStock.size && u.requested == 0)
        // Sessions take from the stock; nothing is asked until half is used.
        var started = 0
        for i in 0..<(TunStock.size - TunStock.batch - 1) { u.reserve("ppp\(i)") { started += 1 } }
        #expect(started == TunStock.size - TunStock.batch - 1 && p.asked.isEmpty)
        u.reserve("ppp7") { started += 1 }
        #expect(p.asked == [TunStock.batch] && u.tunRequests == 3 && u.tunRequested == 3 * TunStock.batch)
        p.answer(u)
        #expect(u.stockCount == TunStock.size)
    }

    @Test func aBurstWaitsAndIsServedInBatchesWithTheStockBounded() throws {
        let (u, p) = try units()
        u.topUp()
        p.answer(u)
        // 50 sessions at once: 16 from the stock, 34 wait.
        var started: [String] = []
        for i in 0..<50 { u.reserve("ppp\(i)") { started.append("ppp\(i)") } }
        #expect(started.count == TunStock.size && u.waitingNow == 50 - TunStock.size)
        // Whole batches only, enough for all, at most one batch over.
        let asked = p.asked.reduce(0, +)
        #expect(p.asked.allSatisfy { $0 == TunStock.batch } && asked >= 50 && asked < 50 + TunStock.batch, "\(p.asked)")
        p.answer(u)
        // Every waiting session got one, in order; the stock is full again,
        // never past its size.
        #expect(started == (0..<50).map { "ppp\($0)" } && u.waitingNow == 0)
        p.answer(u)
        #expect(u.stockCount == TunStock.size && u.requested == 0 && p.asked.isEmpty)
    }

    @Test func aShortAnswerStartsTheWaitingSessionsItCannotServe() throws {
        let (u, p) = try units()
        var started = 0
        for i in 0..<3 { u.reserve("ppp\(i)") { started += 1 } }
        #expect(started == 0 && u.waitingNow == 3)
        // pppinit opened 1 of the first batch (then open failed), none of the rest.
        var first = true
        p.answer(u) { n in defer { first = false }; return first ? 1 : 0 }
        #expect(started == 3 && u.waitingNow == 0)
    }

    /// Descriptors that come for sessions gone since are not kept past the
    /// stock's size.
    @Test func answersForSessionsGoneSinceAreClosed() throws {
        let (u, p) = try units()
        for i in 0..<40 { u.reserve("ppp\(i)") {} }
        for i in 0..<40 { u.release("ppp\(i)") }
        #expect(u.waitingNow == 0)
        p.answer(u)
        #expect(u.stockCount == TunStock.size)
    }

    /// A pppinit before the batches (NcpdSettings.tunBatch 1) is asked for
    /// one descriptor per request, with no count in it, as before.
    @Test func aPppinitWithoutBatchesIsAskedOneAtATime() throws {
        let (u, p) = try units(batch: 1)
        u.topUp()
        #expect(p.asked == Array(repeating: 1, count: TunStock.size))
        p.answer(u)
        u.reserve("ppp0") {}
        #expect(p.asked == [1] && u.stockCount == TunStock.size - 1)
    }
}
