// Issue 20, point 4: a splice record as the previous release deposited it
// (Tests/Fixtures/records) is read by today's bridged.
import Foundation
import IPC
import TestSupport
import Testing
@testable import bridged

@Suite struct BridgedRecordFixtureTests {
    @Test func spliceOfThePreviousRelease() throws {
        let bytes = try recordFixture("bridged-splice")
        let (a, b) = try Splices.decodeSpliceRecord(bytes)
        #expect(a.session == "sa:1" && a.port == "sa" && a.bridgeWith == "up:2")
        #expect(b.session == "up:2" && b.port == "up" && b.bridgeWith == "sa:1")
        #expect(a.verdict?.peerName == "alice@isp" && a.localMRU == 1492 && a.peerMRU == 1400)
        // Today's writer may write a newer version of the channel records
        // inside (this stop's accounting and multilink fields); what it
        // writes reads back to the same records.
        let again = try Splices.decodeSpliceRecord(Splices.spliceRecord(a, b))
        #expect(again.0 == a && again.1 == b)
    }

    @Test func spliceRecordBoundaries() throws {
        let bytes = try recordFixture("bridged-splice")
        for n in [0, 1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: IPCError.self, "\(n) octets") { try Splices.decodeSpliceRecord(Array(bytes.prefix(n))) }
        }
        #expect(throws: IPCError.self) { try Splices.decodeSpliceRecord(bytes + [0]) }
        #expect(throws: IPCError.self) { try Splices.decodeSpliceRecord([2] + bytes.dropFirst()) }
    }
}
