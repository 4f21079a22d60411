// The bundle state record (issue 17) and a port's multilink settings: round
// trips, every truncation and a trailing byte refused, and the values no
// owner could have written (sequence outside its space, no MRRU, a member
// twice, too many members) refused.
import Testing
@testable import IPC

private func sampleBundle() -> BundleRecord {
    var b = BundleRecord(peerName: "alice@isp")
    b.discriminatorClass = 2
    b.discriminatorAddress = [192, 0, 2, 9]
    b.localMRRU = 1600
    b.peerMRRU = 1500
    b.receiveShortSequence = true
    b.nextTransmitSequence = 0xff_fffe
    b.expectedReceiveSequence = 0xffe
    b.members = [BundleMemberRecord(session: "ser0:1", link: 1, peerMRU: 1500, weight: 115_200),
                 BundleMemberRecord(session: "udp0:4", link: 2, peerMRU: 1400, weight: 100_000_000)]
    b.session = "ser0:1"
    return b
}

@Test func bundleRecordRoundTripsAndRefusesEveryTruncation() throws {
    let b = sampleBundle()
    let bytes = b.encoded()
    #expect(try BundleRecord.decode(bytes) == b)
    for n in 0..<bytes.count {
        #expect(throws: IPCError.self, "prefix \(n)") { try BundleRecord.decode(Array(bytes.prefix(n))) }
    }
    #expect(throws: IPCError.self) { try BundleRecord.decode(bytes + [0]) }
    var other = bytes
    other[0] = 3
    #expect(throws: IPCError.self) { try BundleRecord.decode(other) }
    // Version 1 (before the session field) is still read, with no session.
    var v1 = sampleBundle()
    v1.session = ""
    var empty = ByteWriter()
    empty.string("")
    var old = Array(v1.encoded().dropLast(empty.bytes.count))
    old[0] = 1
    #expect(try BundleRecord.decode(old) == v1)
    // Only one direction negotiated, no receive sequence yet: still a bundle.
    var one = BundleRecord(peerName: "")
    one.peerMRRU = 1500
    #expect(try BundleRecord.decode(one.encoded()) == one)
}

@Test func bundleRecordRefusesWhatNoOwnerWrites() throws {
    var bad: [BundleRecord] = []
    var b = sampleBundle(); b.localMRRU = nil; b.peerMRRU = nil; bad.append(b)
    b = sampleBundle(); b.nextTransmitSequence = 0x100_0000; bad.append(b)
    b = sampleBundle(); b.expectedReceiveSequence = 0x1000; bad.append(b)  // short format: 12 bits
    b = sampleBundle(); b.transmitShortSequence = true; bad.append(b)  // 0xfffffe is not 12-bit
    b = sampleBundle(); b.members.append(BundleMemberRecord(session: "x:1", link: 1, peerMRU: 1500, weight: 1)); bad.append(b)
    b = sampleBundle(); b.members.append(BundleMemberRecord(session: "ser0:1", link: 9, peerMRU: 1500, weight: 1)); bad.append(b)
    b = sampleBundle()
    b.members = (0...64).map { BundleMemberRecord(session: "p:\($0)", link: UInt32($0), peerMRU: 1500, weight: 1) }
    bad.append(b)
    for record in bad {
        #expect(throws: IPCError.self) { try BundleRecord.decode(record.encoded()) }
    }
    // A receive sequence of zero must come with its flag.
    var flagless = sampleBundle()
    flagless.expectedReceiveSequence = nil
    var bytes = flagless.encoded()
    // The members (string, u32, u16, u64 each) and their u16 count follow
    // the u32 receive sequence; make its last octet non-zero.
    let tail = 2 + flagless.members.reduce(0) { $0 + 2 + $1.session.utf8.count + 4 + 2 + 8 }
        + 2 + flagless.session.utf8.count  // version 2: the session
    #expect(try BundleRecord.decode(bytes) == flagless)
    bytes[bytes.count - tail - 1] = 1
    #expect(throws: IPCError.self) { try BundleRecord.decode(bytes) }
}

@Test func multilinkSettingsRoundTrip() throws {
    var m = MultilinkSettings()
    m.enabled = true; m.mrru = 1600; m.shortSequence = true; m.endpoint = [1, 0x6c, 0x61, 0x62]
    var w = ByteWriter()
    m.encode(into: &w)
    var r = ByteReader(w.bytes)
    #expect(try MultilinkSettings.decode(&r) == m)
    try r.finish()
    var p = PortSettings(name: "ser", kind: .tty)
    p.multilink = m
    #expect(try PortSettings.decode(p.encoded()) == p)
    #expect(throws: IPCError.self) { try PortSettings.decode(Array(p.encoded().dropLast())) }
}
