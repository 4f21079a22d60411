// The linkd session state record deposited in the fd store: round trip and
// the boundary table.
import IPC
import PPP
import Testing
@testable import linkd

@Suite struct LinkSessionStateTests {
    static func sample() -> LinkSessionState {
        var s = LinkSessionState(id: "tty0:12", record: ChannelRecord(session: "tty0:12", port: "tty0"))
        s.negotiated.localMRU = 1400; s.negotiated.peerMRU = 1500
        s.negotiated.receiveACCM = 0x000a_0000; s.negotiated.transmitPFC = true; s.negotiated.receiveACFC = true
        s.negotiated.localMagicNumber = 0xdead_beef; s.negotiated.peerMagicNumber = 0x0bad_cafe
        s.negotiated.peerAuthenticatesUsWith = .msChapV2
        s.lcpIdentifier = 200
        s.ownerPID = 4242
        s.networkSince = 99
        s.counters.inputOctets = 205_102; s.counters.outputOctets = 1 << 33; s.counters.inputPackets = 7
        return s
    }

    @Test func roundTrip() throws {
        let s = Self.sample()
        let back = try LinkSessionState.decode(s.encoded())
        #expect(back == s)
        #expect(back.number == 12)
    }

    static func pppoeSample() -> LinkSessionState {
        var s = sample()
        s.pppoe = PPPoESessionRecord(sessionID: 0x1234, peer: 0x02aa_bbcc_ddee, local: 0x0211_2233_4455,
                                     maximumPayload: 1492, serviceName: Array("internet".utf8), acName: Array("bras".utf8),
                                     relaySessionID: [0x52, 0x45, 0x4c, 0x41, 0x59])
        return s
    }

    @Test func pppoeRoundTrip() throws {
        let s = Self.pppoeSample()
        #expect(try LinkSessionState.decode(s.encoded()) == s)
    }

    /// Version 1 (deposited before PPPoE sessions were) and version 2
    /// (before the counters) records still read, with counters from zero.
    @Test func versionsOneAndTwoStillRead() throws {
        var s = Self.sample()
        s.counters = SessionCounters()
        let countersLength = 4 * 8 + 4
        let v2 = [2] + s.encoded().dropFirst().dropLast(countersLength)
        #expect(try LinkSessionState.decode(Array(v2)) == s)
        let v1 = [1] + v2.dropFirst().dropLast()  // no PPPoE flag
        #expect(try LinkSessionState.decode(Array(v1)) == s)
    }

    @Test(arguments: [sample(), pppoeSample()]) func boundaryTable(_ sample: LinkSessionState) {
        let bytes = sample.encoded()
        for n in [0, 1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: IPCError.self, "\(n) octets") { try LinkSessionState.decode(Array(bytes.prefix(n))) }
        }
        #expect(throws: IPCError.self) { try LinkSessionState.decode(bytes + [0]) }
        for version: UInt8 in [0, 4] {
            var other = bytes
            other[0] = version
            #expect(throws: IPCError.self) { try LinkSessionState.decode(other) }
        }
        // A record whose id does not match the channel record it carries.
        var s = Self.sample()
        s.id = "tty0:13"
        #expect(throws: IPCError.self) { try LinkSessionState.decode(s.encoded()) }
        // A MAC address wider than 48 bits.
        var wide = Self.pppoeSample()
        wide.pppoe?.peer = 1 << 48
        #expect(throws: IPCError.self) { try LinkSessionState.decode(wide.encoded()) }
    }
}
