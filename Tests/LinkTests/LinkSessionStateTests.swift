// The linkd session state record deposited in the fd store: round trip and
// the boundary table.
import IPC
import PPP
import PPPoE
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

    static func tcpSample() -> LinkSessionState {
        var s = sample()
        s.stream = StreamRecord(peer: "192.0.2.7:40512", deframer: AsyncDeframer.Settings(
            receiveMap: 0x000a_0000, fcs: .fcs32, maximumFrameLength: 1408))
        return s
    }

    @Test func tcpRoundTrip() throws {
        let s = Self.tcpSample()
        #expect(try LinkSessionState.decode(s.encoded()) == s)
    }

    /// The counters (issue 14): the last part of version 4.
    static let countersLength = 4 * 8 + 4

    @Test func countersRoundTrip() throws {
        var s = Self.tcpSample()
        s.counters.inputOctets = 205_102; s.counters.outputOctets = 1 << 33; s.counters.inputPackets = 7
        #expect(try LinkSessionState.decode(s.encoded()) == s)
    }

    /// A version 1 record (deposited before PPPoE sessions were) still reads.
    @Test func versionOneStillReads() throws {
        let s = Self.sample()
        let v1 = [1] + s.encoded().dropFirst().dropLast(2 + Self.countersLength)  // no PPPoE flag, no stream flag
        #expect(try LinkSessionState.decode(Array(v1)) == s)
    }

    /// A version 2 record (deposited before TCP sessions were) still reads.
    @Test func versionTwoStillReads() throws {
        let s = Self.pppoeSample()
        let v2 = [2] + s.encoded().dropFirst().dropLast(Self.vlanLength + 1 + Self.countersLength)  // no stream flag
        #expect(try LinkSessionState.decode(Array(v2)) == s)
    }

    /// A version 3 record (deposited before the counters were) reads with counters from zero.
    @Test func versionThreeStillReads() throws {
        let s = Self.tcpSample()
        let v3 = [3] + s.encoded().dropFirst().dropLast(Self.countersLength)
        #expect(try LinkSessionState.decode(Array(v3)) == s)
    }

    /// Version 5's VLAN tags after the counters (issue 13): S-VID, TPID, C-VID.
    static let vlanLength = 6

    static func vlanSample() -> LinkSessionState {
        var s = pppoeSample()
        s.pppoe?.vlanOuter = 10; s.pppoe?.vlanOuterTPID = 0x8100; s.pppoe?.vlanInner = 100
        return s
    }

    @Test func vlanRoundTrip() throws {
        let s = Self.vlanSample()
        #expect(try LinkSessionState.decode(s.encoded()) == s)
        #expect(s.pppoe.map { PPPoEBinding($0).vlan } == VLANTags(outer: 10, outerTPID: 0x8100, inner: 100))
    }

    /// Issue 13 point 1: a session on the port's mux is version 6 (its
    /// handle; no channel end deposited); every truncation, a trailing
    /// octet and handle 0 are refused; without a handle it stays version 5.
    @Test func muxSessionIsVersionSix() throws {
        var s = Self.vlanSample()
        let v5 = s.encoded()
        #expect(v5[0] == 5)
        s.muxHandle = 42
        let v6 = s.encoded()
        #expect(v6[0] == 6 && v6.count == v5.count + 4)
        #expect(try LinkSessionState.decode(v6) == s)
        for n in 0..<v6.count {
            #expect(throws: IPCError.self) { try LinkSessionState.decode(Array(v6.prefix(n))) }
        }
        #expect(throws: IPCError.self) { try LinkSessionState.decode(v6 + [0]) }
        #expect(throws: IPCError.self) { try LinkSessionState.decode(Array(v6.dropLast(4)) + [0, 0, 0, 0]) }
    }

    /// A version 4 PPPoE record (before VLANs) reads untagged.
    @Test func versionFourStillReads() throws {
        let s = Self.pppoeSample()
        let v4 = [4] + s.encoded().dropFirst().dropLast(Self.vlanLength)
        let back = try LinkSessionState.decode(Array(v4))
        #expect(back == s && back.pppoe.map { PPPoEBinding($0).vlan } == .untagged)
    }

    @Test(arguments: [sample(), pppoeSample(), tcpSample(), vlanSample()]) func boundaryTable(_ sample: LinkSessionState) {
        let bytes = sample.encoded()
        for n in [0, 1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: IPCError.self, "\(n) octets") { try LinkSessionState.decode(Array(bytes.prefix(n))) }
        }
        #expect(throws: IPCError.self) { try LinkSessionState.decode(bytes + [0]) }
        for version: UInt8 in [0, 6, 7] {
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
        // A deframer asked to keep frames longer than any MRU, or none.
        for longest in [5, StreamRecord.maximumFrameLength + 1] {
            var tcp = Self.tcpSample()
            tcp.stream?.deframer.maximumFrameLength = longest
            #expect(throws: IPCError.self, "longest frame \(longest)") { try LinkSessionState.decode(tcp.encoded()) }
        }
        // An FCS kind other than 16 or 32 bits.
        var bytes32 = Self.tcpSample().encoded()
        bytes32[bytes32.count - Self.countersLength - 5] = 2
        #expect(throws: IPCError.self) { try LinkSessionState.decode(bytes32) }
        // VLAN tags VLANTags.read would refuse: a VID of 4095, an S-tag
        // without a C-tag, a TPID that is neither 802.1ad's nor 802.1Q's.
        for (outer, tpid, inner): (UInt16, UInt16, UInt16) in [(0, 0x88a8, 4095), (10, 0x88a8, 0), (10, 0x9100, 100)] {
            var v = Self.vlanSample()
            v.pppoe?.vlanOuter = outer; v.pppoe?.vlanOuterTPID = tpid; v.pppoe?.vlanInner = inner
            #expect(throws: IPCError.self, "\(outer) \(tpid) \(inner)") { try LinkSessionState.decode(v.encoded()) }
        }
    }
}
