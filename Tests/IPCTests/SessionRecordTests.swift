// The session records that ride on daemon-to-daemon messages: round trips,
// and exact-length decoding (every truncation and a trailing byte refused).
import Testing
@testable import IPC

private func sampleRecord() -> ChannelRecord {
    var c = ChannelRecord(session: "udp0:3", port: "udp0")
    c.localMRU = 1492; c.peerMRU = 1400; c.localMagic = 0xdeadbeef; c.peerMagic = 0x01020304
    var v = AuthVerdict(session: "udp0:3", success: true)
    v.peerName = "alice@isp"; v.method = .chapMD5; v.sessionTimeout = 3600
    v.accountingSessionID = "udp0:3-01020304"
    v.framedPool = "gold"; v.framedMTU = 1400; v.dns = [0x0808_0808]
    v.framedRoutes = [FramedRoute(destination: 0xc0a8_0100, prefixLength: 24, gateway: 0, metric: 1)]
    c.verdict = v
    c.network.localAddress = 0x0a000001; c.network.pool = "subscribers"; c.network.ipv6 = true
    c.network.dns = [0x08080808, 0x01010101]
    c.bridgeWith = "udp1:1"
    return c
}

@Test func channelRecordRoundTrips() throws {
    let c = sampleRecord()
    #expect(try ChannelRecord.decode(c.encoded()) == c)
    var bare = ChannelRecord(session: "tty0:1", port: "tty0")
    bare.network.ipv4 = false
    #expect(try ChannelRecord.decode(bare.encoded()) == bare)
}

/// RFC 1990: a multilink link's record is version 2; every truncation, a
/// trailing byte, no MRRU either way or a discriminator without its Class
/// are refused; without multilink the record stays version 1.
@Test func channelRecordWithMultilink() throws {
    #expect(sampleRecord().encoded()[0] == 1)
    var c = sampleRecord()
    var m = ChannelMultilink()
    m.peerMRRU = 1500; m.transmitShortSequence = true; m.peerDiscriminator = [1, 0x61, 0x62]; m.speed = 115_200
    c.multilink = m
    let bytes = c.encoded()
    #expect(bytes[0] == 2)
    #expect(try ChannelRecord.decode(bytes) == c)
    for n in 0..<bytes.count {
        #expect(throws: IPCError.self) { try ChannelRecord.decode(Array(bytes[0..<n])) }
    }
    #expect(throws: IPCError.self) { try ChannelRecord.decode(bytes + [0]) }
    var none = c
    none.multilink?.peerMRRU = 0
    #expect(throws: IPCError.self) { try ChannelRecord.decode(none.encoded()) }
    var classless = c
    classless.multilink?.peerDiscriminator = []
    #expect(throws: IPCError.self) { try ChannelRecord.decode(classless.encoded()) }
}

@Test func channelRecordRefusesEveryTruncationAndTrailingBytes() {
    let bytes = sampleRecord().encoded()
    for n in 0..<bytes.count {
        #expect(throws: IPCError.self) { try ChannelRecord.decode(Array(bytes[0..<n])) }
    }
    #expect(throws: IPCError.self) { try ChannelRecord.decode(bytes + [0]) }
}

@Test func recordsRefuseUnknownVersionsAndMethods() {
    var bytes = sampleRecord().encoded()
    bytes[0] = 3
    #expect(throws: IPCError.self) { try ChannelRecord.decode(bytes) }
    var w = ByteWriter()
    AuthStart(session: "a", port: "a", authenticatePeer: .pap, authenticateSelf: nil).encode(into: &w)
    var b = w.bytes
    b[1 + 2 + 1 + 2 + 1] = 9  // authenticatePeer: after version, "a", "a" (u16 length + byte each)
    var r = ByteReader(b)
    #expect(throws: IPCError.self) { try AuthStart.decode(&r) }
}

/// Versions 1 (before Acct-Session-Id) and 2 (before pool, routes, MTU,
/// DNS and the Start flag; read as started) still decode: linkd's fd store
/// may hold one across an upgrade; version 6 does not.
@Test func verdictVersionsOneAndTwoStillRead() throws {
    var v = AuthVerdict(session: "udp0:3", success: true)
    v.peerName = "alice"; v.radiusClass = [7]; v.accountingStarted = true
    var w = ByteWriter()
    v.encode(into: &w)
    // Version 3's tail with nothing in it: "", 0 routes, MTU 0, 0 servers, the flag.
    var v2 = Array(w.bytes.dropLast(2 + 1 + 4 + 1 + 1))
    v2[0] = 2
    var r2 = ByteReader(v2)
    #expect(try AuthVerdict.decode(&r2) == v)
    var v1 = Array(v2.dropLast(2))  // the empty Acct-Session-Id string
    v1[0] = 1
    var r = ByteReader(v1)
    #expect(try AuthVerdict.decode(&r) == v)
    var v6 = w.bytes
    v6[0] = 6
    var r6 = ByteReader(v6)
    #expect(throws: IPCError.self) { try AuthVerdict.decode(&r6) }
}

/// Version 5 carries RFC 2868 tunnels (after the IPv6 fields); a verdict
/// without tunnels keeps writing version 3 or 4; more than
/// TunnelChoice.maximum, or a cut anywhere in them, is refused.
@Test func verdictTunnelsRoundTripAsVersionFive() throws {
    var v = AuthVerdict(session: "acc:1", success: true)
    var t = TunnelChoice(serverEndpoint: "10.0.0.1:1701")
    t.tag = 2; t.preference = 10; t.password = Array("pw".utf8); t.assignmentID = "a"; t.clientAuthID = "c"; t.serverAuthID = "s"
    v.tunnels = [t, TunnelChoice(serverEndpoint: "10.0.0.2")]
    var w = ByteWriter()
    v.encode(into: &w)
    #expect(w.bytes.first == 5)
    var r = ByteReader(w.bytes)
    #expect(try AuthVerdict.decode(&r) == v && r.remaining == 0)
    var plain = AuthVerdict(session: "acc:1", success: true)
    var w3 = ByteWriter()
    plain.encode(into: &w3)
    #expect(w3.bytes.first == 3)
    var tail = ByteWriter()
    for x in v.tunnels { x.encode(into: &tail) }
    let countAt = w.bytes.count - tail.bytes.count - 1
    var over = w.bytes
    over[countAt] = UInt8(TunnelChoice.maximum + 1)
    var ro = ByteReader(over)
    #expect(throws: IPCError.self) { try AuthVerdict.decode(&ro) }
    for n in countAt..<w.bytes.count {
        var rc = ByteReader(Array(w.bytes.prefix(n)))
        #expect(throws: IPCError.self) { try AuthVerdict.decode(&rc) }
    }
    plain.tunnels = Array(repeating: t, count: TunnelChoice.maximum + 1)
    var wm = ByteWriter()
    plain.encode(into: &wm)  // the encoder keeps the first maximum
    var rm = ByteReader(wm.bytes)
    #expect(try AuthVerdict.decode(&rm).tunnels.count == TunnelChoice.maximum)
}

/// Version 4 (issue 18): RADIUS's IPv6 prefixes round trip; a verdict
/// without them is still written as version 3, byte for byte; a prefix
/// with bits past its length or longer than 128 is refused.
@Test func verdictIPv6PrefixesRoundTripAndVersionThreeStays() throws {
    var v = AuthVerdict(session: "udp0:3", success: true)
    v.peerName = "dave"
    var w3 = ByteWriter()
    v.encode(into: &w3)
    #expect(w3.bytes.first == 3)
    let framed = try #require(IPv6PrefixValue(address: [0x20, 0x01, 0x0d, 0xb8, 0, 0x77] + [UInt8](repeating: 0, count: 10), length: 64))
    let delegated = try #require(IPv6PrefixValue(address: [0x20, 0x01, 0x0d, 0xb8, 0x77] + [UInt8](repeating: 0, count: 11), length: 56))
    for (f, d) in [(framed, nil), (nil, delegated), (framed, delegated)] as [(IPv6PrefixValue?, IPv6PrefixValue?)] {
        v.framedIPv6Prefix = f; v.delegatedIPv6Prefix = d
        var w = ByteWriter()
        v.encode(into: &w)
        #expect(w.bytes.first == 4)
        var r = ByteReader(w.bytes)
        #expect(try AuthVerdict.decode(&r) == v)
        try r.finish()
    }
    var w = ByteWriter()
    v.encode(into: &w)
    func refused(_ patch: (inout [UInt8]) -> Void) -> Bool {
        var b = w.bytes
        patch(&b)
        var r = ByteReader(b)
        do { _ = try AuthVerdict.decode(&r); try r.finish(); return false } catch { return true }
    }
    // From the end: delegated (flag, 16 octets, length), framed likewise.
    #expect(refused { $0[$0.count - 1] = 129 })                 // /129
    #expect(refused { $0[$0.count - 1] = 32 })                  // 2001:db8:7700::/32 has bits past /32
    #expect(refused { $0[$0.count - 18] = 2 })                  // presence flag 2
    #expect(refused { $0.removeLast() })                        // truncated
    #expect(refused { $0.append(0) })                           // trailing
    #expect(IPv6PrefixValue(address: [UInt8](repeating: 0, count: 15), length: 0) == nil)
    #expect(IPv6PrefixValue(address: [UInt8](repeating: 0xff, count: 16), length: 128) != nil)
    #expect(IPv6PrefixValue(address: [0x80] + [UInt8](repeating: 0, count: 15), length: 0) == nil)
}

/// The verdict's RADIUS assignments (issue 14): every field round trips;
/// more routes or DNS servers than allowed, or a route longer than /32, are refused.
@Test func verdictAssignmentsRoundTripAndAreBounded() throws {
    var v = AuthVerdict(session: "udp0:3", success: true)
    v.framedPool = "gold"; v.framedMTU = 1400; v.dns = [1, 2]; v.accountingStarted = false
    v.framedRoutes = (0..<AuthVerdict.maximumRoutes).map { FramedRoute(destination: UInt32($0) << 8, prefixLength: 24, metric: UInt32($0)) }
    var w = ByteWriter()
    v.encode(into: &w)
    var r = ByteReader(w.bytes)
    #expect(try AuthVerdict.decode(&r) == v)
    try r.finish()
    func refused(_ patch: (inout [UInt8]) -> Void) -> Bool {
        var b = w.bytes
        patch(&b)
        var r = ByteReader(b)
        do { _ = try AuthVerdict.decode(&r); try r.finish(); return false } catch { return true }
    }
    // Offsets from the end: flag (1), servers (2 × 4), count (1), MTU (4), routes (16 × 13), count (1).
    let routesCount = w.bytes.count - 1 - 8 - 1 - 4 - 16 * 13 - 1
    #expect(refused { $0[routesCount] = UInt8(AuthVerdict.maximumRoutes + 1) })
    #expect(refused { $0[routesCount + 1 + 4] = 33 })  // the first route's length
    #expect(refused { $0[$0.count - 1 - 8 - 1] = 3 })   // three DNS servers
}

@Test func networkSettingsRefuseMoreThanTwoDNSServers() {
    var n = NetworkSettings()
    n.dns = [1, 2, 3]
    var w = ByteWriter()
    n.encode(into: &w)
    var r = ByteReader(w.bytes)
    #expect(throws: IPCError.self) { try NetworkSettings.decode(&r) }
}

/// Version 2 carries the NCP restart timers; version 1 (deposited in the
/// fd store before an upgrade) still reads, with pppd's 3 s; a timer out of
/// range or version 3 does not.
@Test func networkSettingsRestartTimersAndVersionOne() throws {
    var n = NetworkSettings()
    n.pool = "p"; n.ipcpRestart = 7; n.ipv6cpRestart = 9
    var w = ByteWriter()
    n.encode(into: &w)
    var r = ByteReader(w.bytes)
    #expect(try NetworkSettings.decode(&r) == n)
    var v1 = Array(w.bytes.dropLast(8))
    v1[0] = 1
    var r1 = ByteReader(v1)
    var expected = n
    expected.ipcpRestart = 3; expected.ipv6cpRestart = 3
    #expect(try NetworkSettings.decode(&r1) == expected && r1.remaining == 0)
    var v3 = w.bytes
    v3[0] = 3
    var r3 = ByteReader(v3)
    #expect(throws: IPCError.self) { try NetworkSettings.decode(&r3) }
    n.ipv6cpRestart = 0
    var w0 = ByteWriter()
    n.encode(into: &w0)
    var r0 = ByteReader(w0.bytes)
    #expect(throws: IPCError.self) { try NetworkSettings.decode(&r0) }
}

@Test func authMethodNamesFollowPppd() {
    #expect(AuthMethod.allCases.map(\.description) == ["pap", "chap", "mschapv2", "eap"])
    #expect(AuthMethod(name: "mschapv2") == .msChapV2)
    #expect(AuthMethod.eapMD5.protocolNumber == 0xc227)
}

@Test(arguments: [
    ("10.0.0.1", UInt32(0x0a000001)), ("0.0.0.0", 0), ("255.255.255.255", 0xffff_ffff),
    ("256.0.0.1", nil), ("1.2.3", nil), ("1.2.3.4.5", nil), ("1..3.4", nil), ("010.0.0.1", nil),
    ("+1.2.3.4", nil), ("1.2.3.4 ", nil), ("", nil), ("a.b.c.d", nil),
] as [(String, UInt32?)])
func ipv4Parsing(_ text: String, _ expected: UInt32?) {
    #expect(IPv4.parse(text) == expected)
    if let expected { #expect(IPv4.format(expected) == text) }
}

/// Issue 21: linkd's offload offer makes the record version 3 (with or
/// without multilink); without it the bytes stay those of version 1 or 2,
/// which the release before reads. Every truncation and a trailing byte
/// are refused.
@Test func channelRecordWithOffload() throws {
    var c = sampleRecord()
    c.offload = 0x03
    let bytes = c.encoded()
    #expect(bytes[0] == 3)
    #expect(try ChannelRecord.decode(bytes) == c)
    var m = ChannelMultilink()
    m.localMRRU = 1500
    c.multilink = m
    let both = c.encoded()
    #expect(both[0] == 3)
    #expect(try ChannelRecord.decode(both) == c)
    for n in 0..<both.count {
        #expect(throws: IPCError.self) { try ChannelRecord.decode(Array(both[0..<n])) }
    }
    #expect(throws: IPCError.self) { try ChannelRecord.decode(both + [0]) }
    c.offload = 0
    #expect(c.encoded()[0] == 2)
    var future = bytes
    future[0] = 4
    #expect(throws: IPCError.self) { try ChannelRecord.decode(future) }
}
