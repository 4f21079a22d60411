// Issue 20, point 4: authd's counter base as the previous release deposited
// it (unversioned, Tests/Fixtures/records) still reads; today's is versioned.
import Foundation
import TestSupport
import Testing
@testable import IPC

@Suite struct IPCRecordFixtureTests {
    static let counters: SessionCounters = {
        var c = SessionCounters()
        c.inputOctets = 1_000_000; c.outputOctets = 2_000_000; c.inputPackets = 1000; c.outputPackets = 2000
        c.sessionSeconds = 3600
        return c
    }()

    @Test func counterBaseOfThePreviousRelease() throws {
        #expect(try CounterBaseRecord.decode(try recordFixture("authd-counter-base")) == Self.counters)
    }

    @Test func counterBaseBoundaries() throws {
        let bytes = CounterBaseRecord.encoded(Self.counters)
        #expect(bytes.count == 37 && bytes[0] == CounterBaseRecord.version)
        #expect(try CounterBaseRecord.decode(bytes) == Self.counters)
        for n in [0, 1, 35, 38] {
            let cut = Array((bytes + [0]).prefix(n))
            #expect(throws: IPCError.self, "\(n) octets") { try CounterBaseRecord.decode(cut) }
        }
        #expect(throws: IPCError.self) { try CounterBaseRecord.decode([2] + bytes.dropFirst()) }
    }
}
