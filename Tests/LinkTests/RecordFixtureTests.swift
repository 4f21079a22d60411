// Issue 20, point 4: an upgrade is new code reading old records. The records
// linkd deposited under the previous release (Tests/Fixtures/records, bytes
// that release's encoders wrote) decode with today's code to what was meant.
import Foundation
import IPC
import PPP
import TestSupport
import Testing
@testable import linkd

@Suite struct LinkRecordFixtureTests {
    @Test func ttySessionOfThePreviousRelease() throws {
        let bytes = try recordFixture("linkd-session")
        #expect(bytes.first == 2)
        let s = try LinkSessionState.decode(bytes)
        #expect(s.id == "tty0:12" && s.number == 12 && s.record.port == "tty0")
        let o = s.negotiated
        #expect(o.localMRU == 1400 && o.peerMRU == 1500 && o.receiveACCM == 0x000a_0000)
        #expect(o.transmitPFC && o.receiveACFC && !o.receivePFC && !o.transmitACFC)
        #expect(o.localMagicNumber == 0xdead_beef && o.peerMagicNumber == 0x0bad_cafe)
        #expect(o.peerAuthenticatesUsWith == .msChapV2 && o.weAuthenticatePeerWith == nil)
        #expect(s.lcpIdentifier == 200 && s.ownerPID == 4242 && s.networkSince == 99)
        #expect(s.verdict?.peerName == "alice@isp" && s.verdict?.accountingSessionID == "tty0:12-01020304")
        #expect(s.record.network.dns == [0x0808_0808, 0x0101_0101])
        #expect(s.pppoe == nil && s.stream == nil)
        // Written back, it is the newest version a session with a channel
        // of its own has (5: version 6 is for sessions on the mux) and
        // reads the same.
        #expect(try LinkSessionState.decode(s.encoded()) == s)
        #expect(s.encoded().first == 5)
    }

    @Test func pppoeSessionOfThePreviousRelease() throws {
        let s = try LinkSessionState.decode(try recordFixture("linkd-session-pppoe"))
        #expect(s.id == "pe0:3" && s.negotiated.weAuthenticatePeerWith == .chapMD5)
        let p = try #require(s.pppoe)
        #expect(p.sessionID == 0x1234 && p.peer == 0x02aa_bbcc_ddee && p.local == 0x0211_2233_4455)
        #expect(p.maximumPayload == 1492 && p.serviceName == Array("internet".utf8) && p.acName == Array("bras".utf8))
        #expect(p.relaySessionID == Array("RELAY".utf8))
    }

    /// The port's record (PortSettings version 5, before L2TP) reads as the
    /// same settings today's pppinit sends (version 6), so Port.open takes
    /// the deposited socket back instead of binding a second one.
    @Test func portRecordOfThePreviousRelease() throws {
        let bytes = try recordFixture("linkd-port")
        #expect(bytes.first == 5)
        let p = try PortSettings.decode(bytes)
        var expected = PortSettings(name: "tl", kind: .tcp)
        expected.local = "127.0.0.1:2000"; expected.mru = 1400; expected.echoInterval = 1; expected.echoFailure = 5
        expected.persist = true
        #expect(p == expected)
        #expect(expected.encoded() != bytes, "today's settings are another version")
        #expect(try PortSettings.decode(expected.encoded()) == expected)
    }

    @Test func stalePPPoESessionOfThePreviousRelease() throws {
        let r = try StalePPPoESessionRecord.decode(try recordFixture("linkd-pppoe-stale"))
        #expect(r == StalePPPoESessionRecord(sessionID: 0x1234, peer: 0x02aa_bbcc_ddee))
    }

    /// Today's stale-session record: versioned, and its boundary table.
    @Test func stalePPPoESessionRecordBoundaries() throws {
        let r = StalePPPoESessionRecord(sessionID: 7, peer: 0x0200_0000_0001)
        let bytes = r.encoded()
        #expect(bytes.count == 9 && bytes[0] == StalePPPoESessionRecord.version)
        #expect(try StalePPPoESessionRecord.decode(bytes) == r)
        for n in [0, 1, 7, 10] {
            let cut = Array((bytes + [0]).prefix(n))
            #expect(throws: IPCError.self, "\(n) octets") { try StalePPPoESessionRecord.decode(cut) }
        }
        #expect(throws: IPCError.self) { try StalePPPoESessionRecord.decode([2] + bytes.dropFirst()) }
    }
}
