// TunnelAccounting (message tunnelAccounted, RFC 2867): round trip, and a
// boundary table of payloads decode must refuse — short, truncated at
// every length, trailing, an unknown status, empty ids, over-long text.
import IPC
import Testing

private let sample = TunnelAccounting(status: .tunnelStop, accountingID: "up-t4-0a0b", user: "share1",
                                      clientEndpoint: "10.235.0.2", serverEndpoint: "10.235.0.1", connection: "4/9",
                                      assignmentID: "grp-a", clientAuthID: "lac", serverAuthID: "ppprouter",
                                      terminateCause: 10, packetsLost: 2)

private func encoded(_ t: TunnelAccounting) -> [UInt8] {
    var w = ByteWriter()
    t.encode(into: &w)
    return w.bytes
}

private func decode(_ bytes: [UInt8]) throws(IPCError) -> TunnelAccounting {
    var r = ByteReader(bytes)
    let t = try TunnelAccounting.decode(&r)
    try r.finish()
    return t
}

/// Text fields in wire order: 16-bit length, then UTF-8.
private func payload(status: UInt8 = 9, texts: [[UInt8]]) -> [UInt8] {
    var b = [status]
    for t in texts { b += [UInt8(t.count >> 8), UInt8(t.count & 0xff)] + t }
    return b + [UInt8](repeating: 0, count: 8 + 36)
}

private let good: [[UInt8]] = [Array("id".utf8), [], [], Array("10.0.0.2".utf8), Array("10.0.0.1".utf8), [], [], [], []]

@Test func tunnelAccountingRoundTripsEveryStatus() throws {
    for status in TunnelAccounting.Status.allCases {
        var t = sample
        t.status = status
        #expect(try decode(encoded(t)) == t)
    }
    #expect(try decode(payload(texts: good)).accountingID == "id")
}

@Test(arguments: [
    ("empty", []),
    ("status only", [9]),
    ("status 8 (RFC 2866's Accounting-Off, not a tunnel's)", payload(status: 8, texts: good)),
    ("status 15", payload(status: 15, texts: good)),
    ("status 0", payload(status: 0, texts: good)),
    ("no Acct-Session-Id", payload(texts: [[]] + good.dropFirst())),
    ("no client endpoint", payload(texts: Array(good[0..<3]) + [[]] + Array(good[4...]))),
    ("no server endpoint", payload(texts: Array(good[0..<4]) + [[]] + Array(good[5...]))),
    ("254-octet user", payload(texts: [good[0], [UInt8](repeating: 0x61, count: 254)] + Array(good[2...]))),
    ("invalid UTF-8", payload(texts: [[0xff, 0xfe]] + good.dropFirst())),
    ("trailing byte", payload(texts: good) + [0]),
    ("eight texts", payload(texts: Array(good.dropLast()))),
] as [(String, [UInt8])])
func tunnelAccountingRefuses(_ label: String, _ bytes: [UInt8]) {
    #expect(throws: IPCError.self, "\(label)") { _ = try decode(bytes) }
}

@Test func tunnelAccountingRefusesEveryTruncation() {
    let full = encoded(sample)
    for n in 0..<full.count {
        #expect(throws: IPCError.self, "\(n) of \(full.count) bytes") { _ = try decode(Array(full.prefix(n))) }
    }
}

@Test func tunnelAccountingCutsTextToOneAttribute() throws {
    var t = sample
    t.user = String(repeating: "u", count: 400)
    #expect(try decode(encoded(t)).user.utf8.count == TunnelAccounting.maximumText)
    // A four-octet character across the limit is left out whole.
    t.user = String(repeating: "u", count: 251) + "\u{1F600}"
    #expect(try decode(encoded(t)).user == String(repeating: "u", count: 251))
}
