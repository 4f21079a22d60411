// The mux wire format (issue 13 point 1): a boundary table of datagrams
// (short, long, trailing, truncated, unknown) against what the parser must
// say, round trips of every control record, and every truncation of each.
import Testing
@testable import IPC

private func parse(_ bytes: [UInt8]) -> Result<MuxDatagram, MuxError> {
    bytes.withUnsafeBytes { b in Result { () throws(MuxError) -> MuxDatagram in try MuxFrame.parse(b) } }
}

private func sampleRecord() -> ChannelRecord {
    var c = ChannelRecord(session: "eth0:17", port: "eth0")
    c.localMRU = 1492; c.peerMRU = 1492; c.localMagic = 0x0102_0304; c.peerMagic = 0xa0b0_c0d0
    c.network.pool = "subscribers"
    c.offload = 3
    return c
}

/// Control header: handle 0, version, kind, the session's handle.
private func control(_ kind: UInt8, _ body: [UInt8] = [], handle: UInt32 = 7, version: UInt8 = 1) -> [UInt8] {
    [0, 0, 0, 0, version, kind, UInt8(handle >> 24), UInt8(handle >> 16 & 0xff), UInt8(handle >> 8 & 0xff), UInt8(handle & 0xff)]
        + body
}

@Test func muxBoundaryTable() {
    let table: [(String, [UInt8], Result<MuxDatagram, MuxError>)] = [
        ("empty", [], .failure(.truncated(length: 0))),
        ("3 octets", [0, 0, 1], .failure(.truncated(length: 3))),
        ("handle only", [0, 0, 0, 9], .failure(.truncated(length: 4))),
        ("handle + 1 octet", [0, 0, 0, 9, 0x00], .failure(.truncated(length: 5))),
        ("smallest frame", [0, 0, 0, 9, 0x00, 0x21], .success(.frame(handle: 9))),
        ("frame, high handle", [0xff, 0xff, 0xff, 0xff, 0x80, 0x21, 1, 2, 3], .success(.frame(handle: 0xffff_ffff))),
        ("super-packet marker rides as a frame", [0, 0, 1, 0, 0, 0, 0, 0x21], .success(.frame(handle: 256))),
        ("control, 9 octets", Array(control(2).prefix(9)), .failure(.truncated(length: 9))),
        ("control version 0", control(2, [0, 0, 0, 1], version: 0), .failure(.unknownVersion(0))),
        ("control version 2", control(2, [0, 0, 0, 1], version: 2), .failure(.unknownVersion(2))),
        ("control kind 0", control(0, [0, 0, 0, 1]), .failure(.unknownKind(0))),
        ("control kind 5", control(5, [0, 0, 0, 1]), .failure(.unknownKind(5))),
        ("control handle 0", control(2, [0, 0, 0, 1], handle: 0), .failure(.zeroHandle)),
        ("accept", control(2, [0, 0, 0x30, 0x39]), .success(.control(.accept(handle: 7, pid: 12345)))),
        ("accept, no pid", control(2), .failure(.truncated(length: 10))),
        ("accept, short pid", control(2, [0, 0, 1]), .failure(.truncated(length: 13))),
        ("accept, trailing", control(2, [0, 0, 0, 1, 0]), .failure(.trailing(1))),
        ("refuse", control(3, [0, 2, 0x6e, 0x6f]), .success(.control(.refuse(handle: 7, reason: "no")))),
        ("refuse, empty reason", control(3, [0, 0]), .success(.control(.refuse(handle: 7, reason: "")))),
        ("refuse, no length", control(3, [0]), .failure(.truncated(length: 11))),
        ("refuse, truncated reason", control(3, [0, 3, 0x6e, 0x6f]), .failure(.truncated(length: 14))),
        ("refuse, trailing", control(3, [0, 1, 0x6e, 0x6f]), .failure(.trailing(1))),
        ("close, reason not UTF-8", control(4, [0, 1, 0xff]), .failure(.badReason)),
        ("close, reason too long", control(4, [1, 1] + [UInt8](repeating: 0x61, count: 257)), .failure(.badReason)),
        ("close, longest reason", control(4, [1, 0] + [UInt8](repeating: 0x61, count: 256)),
         .success(.control(.close(handle: 7, reason: String(repeating: "a", count: 256))))),
    ]
    for (name, bytes, expected) in table {
        #expect(parse(bytes) == expected, "\(name)")
    }
}

@Test func muxControlRecordsRoundTrip() throws {
    let records: [MuxControl] = [
        .open(handle: 1, record: sampleRecord()),
        .accept(handle: 0x8000_0001, pid: 4242),
        .refuse(handle: 2, reason: "pool subscribers is exhausted"),
        .close(handle: 0xffff_ffff, reason: "LCP Terminate-Request from the peer"),
    ]
    for r in records {
        let bytes = MuxFrame.encode(r)
        #expect(parse(bytes) == .success(.control(r)))
        // Every truncation and one trailing octet are refused.
        for n in 0..<bytes.count {
            if case .success(let d) = parse(Array(bytes[0..<n])) { Issue.record("\(r): \(n) of \(bytes.count) octets parsed as \(d)") }
        }
        if case .success(let d) = parse(bytes + [0]) { Issue.record("\(r): a trailing octet parsed as \(d)") }
    }
}

@Test func muxOpenCarriesABadRecordAsTypedError() {
    var bytes = MuxFrame.encode(.open(handle: 3, record: sampleRecord()))
    bytes[10] = 9  // the ChannelRecord's version
    guard case .failure(.badRecord) = parse(bytes) else {
        Issue.record("a ChannelRecord of version 9 was not refused")
        return
    }
}

@Test func muxReasonIsCutOnACharacterBoundary() {
    let long = String(repeating: "é", count: 200)  // 400 octets
    let bytes = MuxFrame.encode(.close(handle: 5, reason: long))
    guard case .success(.control(.close(5, let reason))) = parse(bytes) else {
        Issue.record("a long reason did not round-trip")
        return
    }
    #expect(reason.utf8.count == 256 && reason == String(repeating: "é", count: 128))
}

@Test func muxHandleIsWrittenInNetworkOrder() {
    var header = [UInt8](repeating: 0, count: 6)
    header[4] = 0x00; header[5] = 0x21
    header.withUnsafeMutableBytes { MuxFrame.writeHandle(0x0102_0304, into: $0) }
    #expect(header == [1, 2, 3, 4, 0x00, 0x21])
    #expect(parse(header) == .success(.frame(handle: 0x0102_0304)))
}

@Test func muxHandoffRecordIsExact() throws {
    let bytes = MuxHandoff(port: "eth0").encoded()
    #expect(try MuxHandoff.decode(bytes) == MuxHandoff(port: "eth0"))
    for n in 0..<bytes.count {
        #expect(throws: IPCError.self) { try MuxHandoff.decode(Array(bytes[0..<n])) }
    }
    #expect(throws: IPCError.self) { try MuxHandoff.decode(bytes + [0]) }
    #expect(throws: IPCError.self) { try MuxHandoff.decode([2] + bytes.dropFirst()) }
    #expect(throws: IPCError.self) { try MuxHandoff.decode(MuxHandoff(port: "").encoded()) }
}
