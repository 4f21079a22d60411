// The ncpd session state record deposited in the fd store: round trip, the
// boundary table (every truncation, a trailing octet, another version), and
// a version-1 record (untyped u64 values) as an older ncpd deposited it.
import IPC
import PPP
import Testing
@testable import ncpd

@Suite struct NetworkSessionStateTests {
    static func sample() -> NetworkSessionState {
        var r = ChannelRecord(session: "p:3", port: "p")
        r.peerMRU = 1492
        r.network.pool = "clients"
        var s = NetworkSessionState(record: r)
        s.unitNumber = 2; s.interface = "ppp2"; s.interfaceIndex = 17
        s.leasePool = "clients"; s.leaseAddress = 0x0a00_000a
        var v4 = IPCPNegotiated()
        v4.localAddress = 0x0a00_0001; v4.remoteAddress = 0x0a00_000a; v4.primaryDNS = 0xc000_0235
        s.ipcp = .init(phase: .opened, nextIdentifier: 4, configured: true, negotiated: v4)
        var v6 = IPv6CPNegotiated()
        v6.localIdentifier = 0x0211_22ff_fe33_4455; v6.remoteIdentifier = 6
        s.ipv6cp = .init(phase: .negotiating, nextIdentifier: 9, configured: false, negotiated: v6)
        s.started = 123_456_789; s.octetsIn = 10; s.octetsOut = 20; s.packetsIn = 1; s.packetsOut = 2
        return s
    }

    @Test func roundTrip() throws {
        let s = Self.sample()
        #expect(try NetworkSessionState.decode(s.encoded()) == s)
        #expect(s.descriptorCount == 2)
        var none = s
        none.interface = ""
        #expect(none.descriptorCount == 1)
    }

    @Test func boundaryTable() {
        let bytes = Self.sample().encoded()
        for n in [0, 1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: IPCError.self, "\(n) octets") { try NetworkSessionState.decode(Array(bytes.prefix(n))) }
        }
        #expect(throws: IPCError.self) { try NetworkSessionState.decode(bytes + [0]) }
        for version: UInt8 in [0, 4] {
            var other = bytes
            other[0] = version
            #expect(throws: IPCError.self, "version \(version)") { try NetworkSessionState.decode(other) }
        }
        // An NCP phase that does not exist, in either NCP.
        // Version 3 ends with the IPv6 deposit's length (empty here).
        let ipv6At = bytes.count - 4 - 5 * 8 - (3 + 16)
        for phaseAt in [ipv6At - (3 + 16), ipv6At] {
            var badPhase = bytes
            badPhase[phaseAt] = 9
            #expect(throws: IPCError.self) { try NetworkSessionState.decode(badPhase) }
        }
    }

    /// The layout version 1 had (NCP results as four u64 each, by position:
    /// IPCP local, remote, DNS1, DNS2; IPv6CP local, remote, 0, 0), written
    /// field by field as the old encoder did.
    static func version1(_ s: NetworkSessionState, ipcpValues: [UInt64]? = nil) -> [UInt8] {
        var w = ByteWriter(capacity: 256)
        w.u8(1)
        w.blob(s.record.encoded())
        w.u32(s.unitNumber); w.string(s.interface); w.u32(UInt32(bitPattern: s.interfaceIndex))
        w.string(s.leasePool); w.u32(s.leaseAddress)
        let v4 = s.ipcp.negotiated, v6 = s.ipv6cp.negotiated
        w.u8(s.ipcp.phase.rawValue); w.u8(s.ipcp.nextIdentifier); w.bool(s.ipcp.configured)
        for v in ipcpValues ?? [v4.localAddress, v4.remoteAddress, v4.primaryDNS, v4.secondaryDNS].map(UInt64.init) { w.u64(v) }
        w.u8(s.ipv6cp.phase.rawValue); w.u8(s.ipv6cp.nextIdentifier); w.bool(s.ipv6cp.configured)
        for v in [v6.localIdentifier, v6.remoteIdentifier, 0, 0] { w.u64(v) }
        w.u64(s.started)
        for v in [s.octetsIn, s.octetsOut, s.packetsIn, s.packetsOut] { w.u64(v) }
        return w.bytes
    }

    /// Version 3 (issue 18) carries the IPv6 services' deposit as a blob of
    /// at most 4096 octets; version 2, without it, still decodes.
    @Test func version3CarriesTheIPv6Deposit() throws {
        var s = Self.sample()
        s.ipv6 = [1, 2, 3]
        let bytes = s.encoded()
        #expect(bytes[0] == 3)
        #expect(try NetworkSessionState.decode(bytes) == s)
        #expect(throws: IPCError.self) { try NetworkSessionState.decode(Array(bytes.dropLast())) }
        var long = s
        long.ipv6 = [UInt8](repeating: 0, count: NetworkSessionState.maxIPv6Deposit + 1)
        #expect(throws: IPCError.self) { try NetworkSessionState.decode(long.encoded()) }
        var v2 = Array(Self.sample().encoded().dropLast(4))
        v2[0] = 2
        #expect(try NetworkSessionState.decode(v2) == Self.sample())
    }

    @Test func version1StillDecodes() throws {
        let s = Self.sample()
        let old = Self.version1(s)
        #expect(old[0] == 1 && old.count == s.encoded().count + 2 * 16 - 4)
        let decoded = try NetworkSessionState.decode(old)
        #expect(decoded == s)
        // Written back as the newest version a session on its own channel
        // has (3: version 4 is only for sessions on a mux), it reads the same.
        #expect(decoded.encoded()[0] == 3)
        #expect(try NetworkSessionState.decode(decoded.encoded()) == s)
        // Every truncation of the old layout is refused too.
        for n in [1, old.count / 2, old.count - 1] {
            #expect(throws: IPCError.self, "\(n) octets") { try NetworkSessionState.decode(Array(old.prefix(n))) }
        }
        // An IPv4 address beyond 32 bits never came from an old ncpd: refused.
        #expect(throws: IPCError.self) {
            try NetworkSessionState.decode(Self.version1(s, ipcpValues: [1 << 32, 2, 0, 0]))
        }
    }

    /// Bytes an older ncpd wrote (version 1, ChannelRecord with version-1
    /// NetworkSettings), kept literally so a change to the encoders above
    /// cannot hide a change to what is read.
    @Test func version1LiteralBytes() throws {
        let old: [UInt8] = Self.literalVersion1
        let s = try NetworkSessionState.decode(old)
        #expect(s.record.session == "p:3" && s.record.port == "p" && s.record.peerMRU == 1492)
        #expect(s.record.network.ipcpRestart == NetworkSettings.defaultRestart)
        #expect(s.unitNumber == 2 && s.interface == "ppp2" && s.interfaceIndex == 17)
        #expect(s.leasePool == "clients" && s.leaseAddress == 0x0a00_000a)
        #expect(s.ipcp.phase == .opened && s.ipcp.nextIdentifier == 4 && s.ipcp.configured)
        #expect(s.ipcp.negotiated.localAddress == 1 && s.ipcp.negotiated.remoteAddress == 2
                && s.ipcp.negotiated.primaryDNS == 3 && s.ipcp.negotiated.secondaryDNS == 0)
        #expect(s.ipv6cp.phase == .negotiating && s.ipv6cp.nextIdentifier == 9 && !s.ipv6cp.configured)
        #expect(s.ipv6cp.negotiated.localIdentifier == 5 && s.ipv6cp.negotiated.remoteIdentifier == 6)
        #expect(s.started == 123_456_789 && s.octetsIn == 10 && s.octetsOut == 20 && s.packetsIn == 1 && s.packetsOut == 2)
    }
}

extension NetworkSessionStateTests {
    /// NetworkSessionState v1 as the ncpd of a927d74 encoded it.
    static let literalVersion1: [UInt8] = [
        0x01, 0x00, 0x00, 0x00, 0x33, 0x01, 0x00, 0x03, 0x70, 0x3a, 0x33, 0x00, 0x01, 0x70, 0x05, 0xdc,
        0x05, 0xd4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x73, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x70, 0x70,
        0x70, 0x32, 0x00, 0x00, 0x00, 0x11, 0x00, 0x07, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x73, 0x0a,
        0x00, 0x00, 0x0a, 0x02, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x5b, 0xcd,
        0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02,
    ]
}

/// Issue 13 point 1: a session on linkd's mux is version 4 (its handle; its
/// TUN unit the only descriptor); one on its own channel keeps version 3's
/// bytes. Every truncation, a trailing octet and a handle of 0 are refused.
@Test func muxSessionStateIsVersion4() throws {
    var s = NetworkSessionStateTests.sample()
    let v3 = s.encoded()
    #expect(v3[0] == 3 && s.descriptorCount == 2)
    s.muxHandle = 0x0001_0203
    let v4 = s.encoded()
    #expect(v4[0] == 4 && v4.count == v3.count + 4 && s.descriptorCount == 1)
    #expect(try NetworkSessionState.decode(v4) == s)
    for n in 0..<v4.count {
        #expect(throws: IPCError.self) { try NetworkSessionState.decode(Array(v4[0..<n])) }
    }
    #expect(throws: IPCError.self) { try NetworkSessionState.decode(v4 + [0]) }
    #expect(throws: IPCError.self) { try NetworkSessionState.decode(Array(v4.dropLast(4)) + [0, 0, 0, 0]) }
    s.interface = ""
    #expect(s.descriptorCount == 0)
}
