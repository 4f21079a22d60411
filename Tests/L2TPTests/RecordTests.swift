// The tunnel and session state records: a tunnel resumed from its record in
// the middle of an exchange carries on with the same Ns/Nr, sessions and
// pending retransmission, and no record that is cut, extended or of another
// version is accepted.
import Testing
@testable import L2TP

@Suite struct RecordTests {
    @Test func aResumedLACCarriesOnWithoutANewSCCRQ() throws {
        var w = Wire(hidden: [.proxyAuthenName])
        var opening = w.lac.placeCall(TunnelTests.call("alice"), now: 0).actions
        opening += w.lac.placeCall(TunnelTests.call("bob"), now: 0).actions
        w.run(fromLAC: opening)
        w.advance(by: second)
        #expect(w.lac.sessions.count == 2 && w.lac.transport.isIdle)
        // A CDN goes out and is lost; then linkd is killed and restarted.
        let lost = w.lac.disconnect(w.lac.sessions.keys.min()!, ResultCode(ResultCode.administrative), now: w.now)
        #expect(lost.count == 2 && w.lac.transport.unacknowledged.count == 1)
        let record = w.lac.record
        let resumed = try Tunnel(record: record, configuration: w.lac.configuration, seed: [9], now: w.now)
        #expect(resumed.sessions.keys == w.lac.sessions.keys && resumed.state == .established)
        for (id, s) in resumed.sessions {
            var before = w.lac.sessions[id]!
            before.dataNs &+= Tunnel.dataNsSkipOnRestore
            #expect(s == before)
        }
        #expect(resumed.transport.nextNs == w.lac.transport.nextNs && resumed.transport.nextNr == w.lac.transport.nextNr)
        #expect(resumed.transport.unacknowledged == w.lac.transport.unacknowledged && resumed.peerTunnelID == 22)
        w.lac = resumed
        // The retransmission reaches the LNS, which acks it; then a HELLO round and a new call.
        w.advance(by: 2 * second)
        #expect(w.lns.sessions.count == 1 && w.lac.transport.isIdle && w.lac.transport.counters.retransmitted == 1)
        // Data Ns jumped ahead: the LNS takes the resumed LAC's frames, counting a gap.
        let remaining = w.lac.sessions.keys.max()!
        let lnsSide = w.lns.sessions.values.first!.localID
        w.lns.sessions[lnsSide]!.sequencing = true
        w.lac.sessions[remaining]!.sequencing = true
        let frame = w.lac.dataMessage(for: remaining, payload: [0xff, 0x03])!
        #expect(w.lns.receiveData(try L2TPHeader(parsing: frame), now: w.now) == lnsSide)
        #expect(w.lns.sessions[lnsSide]!.dataCounters.lost == Int(Tunnel.dataNsSkipOnRestore))
        let (third, actions) = w.lac.placeCall(TunnelTests.call("carol"), now: w.now)
        w.run(fromLAC: actions)
        #expect(w.lac.sessions[third!]?.state == .established && w.lns.sessions.count == 2)
        #expect(w.lns.counters.malformed == 0 && w.lns.transport.counters.duplicates == 0)
    }

    @Test func sessionRecordRoundTrips() throws {
        var w = Wire()
        let (id, actions) = w.lac.placeCall(TunnelTests.call("a"), now: 0)
        w.run(fromLAC: actions)
        let session = try #require(w.lac.sessions[id!])
        #expect(try Session(record: session.record) == session)
        let lnsSession = try #require(w.lns.sessions.values.first)
        #expect(try Session(record: lnsSession.record) == lnsSession)
    }

    @Test func cutExtendedAndForeignRecordsAreRefused() throws {
        var w = Wire()
        w.run(fromLAC: w.lac.placeCall(TunnelTests.call("a"), now: 0).actions)
        let record = w.lac.record
        for n in 0..<record.count {
            #expect(throws: L2TPError.self) { try Tunnel(record: Array(record.prefix(n)), configuration: w.lac.configuration, seed: [], now: 0) }
        }
        #expect(throws: L2TPError.badRecord("1 octets left over")) {
            try Tunnel(record: record + [0], configuration: w.lac.configuration, seed: [], now: 0)
        }
        var v2 = record
        v2[0] = 2
        #expect(throws: L2TPError.badRecord("tunnel record version 2, expected 1")) {
            try Tunnel(record: v2, configuration: w.lac.configuration, seed: [], now: 0)
        }
        #expect(throws: L2TPError.badRecord("role differs from the configuration")) {
            try Tunnel(record: record, configuration: w.lns.configuration, seed: [], now: 0)
        }
        let session = try #require(w.lac.sessions.values.first).record
        for n in 0..<session.count { #expect(throws: L2TPError.self) { try Session(record: Array(session.prefix(n))) } }
    }
}
