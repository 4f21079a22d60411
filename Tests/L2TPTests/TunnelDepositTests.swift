// The record linkd deposits per tunnel (TunnelDeposit): it round-trips with
// a real tunnel's record inside and its RFC 2867 accounting (version 2),
// every cut, extended, foreign or inconsistent record is refused with a
// typed error (boundary table), and the previous release's version 1
// (Tests/Fixtures/records/linkd-tunnel.hex) still reads.
import Foundation
import Testing
@testable import L2TP

@Suite struct TunnelDepositTests {
    func deposit() -> TunnelDeposit {
        var w = Wire()
        w.run(fromLAC: w.lac.placeCall(TunnelTests.call("a"), now: 0).actions)
        var d = TunnelDeposit(peerAddress: 0x0aeb_0001, peerPort: 1701, serverIndex: 1, tunnel: w.lac.record)
        for id in w.lac.sessions.keys.sorted() {
            var call = TunnelDeposit.Call(sessionID: id, linkSession: "lac0:1")
            call.accounting.accountingID = "lac0:1-5eed"
            call.accounting.user = "alice@far.example"
            call.accounting.since = 123_456_789
            call.accounting.peerSessionID = 77
            d.calls.append(call)
        }
        d.accounting.accountingID = "up-t42-abc"
        d.accounting.user = "alice@far.example"
        d.accounting.since = 99
        d.accounting.assignmentID = "grp-a"
        d.accounting.clientAuthID = "lac"
        d.accounting.serverAuthID = "lns"
        d.accounting.inputOctets = 1 << 33; d.accounting.outputPackets = 5; d.accounting.packetsLost = 2
        return d
    }

    /// The size of one accounting section with these texts (their lengths).
    static func accountingSize(_ texts: [String]) -> Int { texts.reduce(0) { $0 + 2 + $1.utf8.count } + 8 + 1 + 2 + 32 + 4 }

    @Test func roundTripsAndRestoresItsTunnel() throws {
        let d = deposit()
        #expect(d.calls.count == 1)
        let back = try TunnelDeposit(record: d.record)
        #expect(back == d)
        let c = Tunnel.Configuration(role: .lac, hostName: Array("lac".utf8))
        let t = try Tunnel(record: back.tunnel, configuration: c, seed: [1], now: 0)
        #expect(t.sessions.keys.sorted() == d.calls.map(\.sessionID) && t.state == .established)
    }

    @Test func boundaryTable() {
        let good = deposit().record
        // version(1) address(4) port(2) server(2) tunnel length(4)
        let tunnelLength = Int(good[9]) << 24 | Int(good[10]) << 16 | Int(good[11]) << 8 | Int(good[12])
        let accountingAt = 13 + tunnelLength
        let callsAt = accountingAt + Self.accountingSize(["up-t42-abc", "alice@far.example", "grp-a", "lac", "lns"])
        var zeroCall = good
        zeroCall[callsAt + 2] = 0; zeroCall[callsAt + 3] = 0
        let nameAt = callsAt + 4
        var badUTF8 = good
        badUTF8[nameAt + 2] = 0xff
        var longTunnel = good
        longTunnel[9] = 0x7f
        var badBool = good
        badBool[accountingAt + 2 + 10 + 2 + 17 + 2 + 5 + 2 + 3 + 2 + 3 + 8] = 2   // `ended`
        var longID = good
        longID[accountingAt] = 0x01; longID[accountingAt + 1] = 0  // 256 octets: past RFC 2865's 253
        var badIDText = good
        badIDText[accountingAt + 2] = 0xc3
        let callAccountingAt = nameAt + 2 + 6
        var badCallUser = good
        badCallUser[callAccountingAt + 2 + 11 + 2] = 0xff
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("version only", [2]),
            ("version 3", [3] + good.dropFirst()),
            ("version 0", [0] + good.dropFirst()),
            ("version 1 with version 2's accounting", [1] + good.dropFirst()),
            ("cut inside the tunnel's accounting", Array(good.prefix(accountingAt + 20))),
            ("accounting: not a boolean", badBool),
            ("accounting: Acct-Session-Id longer than the record", longID),
            ("accounting: Acct-Session-Id not UTF-8", badIDText),
            ("call accounting: User-Name not UTF-8", badCallUser),
            ("cut inside a call's accounting", Array(good.prefix(callAccountingAt + 30))),
            ("truncated header", Array(good.prefix(8))),
            ("truncated tunnel", Array(good.prefix(callsAt - 1))),
            ("tunnel length beyond the record", longTunnel),
            ("no call count", Array(good.prefix(callsAt))),
            ("truncated call", Array(good.dropLast(1))),
            ("trailing octet", good + [0]),
            ("call id 0", zeroCall),
            ("session name not UTF-8", badUTF8),
        ]
        for (what, bytes) in cases {
            #expect(throws: L2TPError.self, "\(what)") { try TunnelDeposit(record: bytes) }
        }
    }

    /// The release before version 2 deposited this (an LNS's tunnel from
    /// 10.235.0.2:1701, id 0x4d2e, one call 0x0102 on lns0:3): today's
    /// code reads it with no accounting, and writes it back as version 2.
    @Test func versionOneOfThePreviousRelease() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/records/linkd-tunnel.hex")
        let text = try String(contentsOf: url, encoding: .utf8).filter { !$0.isWhitespace }
        let hex = Array(text.utf8)
        let bytes = try stride(from: 0, to: hex.count, by: 2).map { i in
            try #require(UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16))
        }
        #expect(bytes.first == 1)
        let d = try TunnelDeposit(record: bytes)
        #expect(d.peerAddress == 0x0aeb_0002 && d.peerPort == 1701 && d.serverIndex == 0)
        #expect(d.calls == [TunnelDeposit.Call(sessionID: 0x0102, linkSession: "lns0:3")])
        #expect(d.accounting == TunnelDeposit.Accounting())
        let t = try Tunnel(record: d.tunnel, configuration: Tunnel.Configuration(role: .lns, hostName: Array("lns".utf8)), seed: [1], now: 0)
        #expect(t.localID == 0x4d2e)
        let again = d.record
        #expect(again.first == 2)
        #expect(try TunnelDeposit(record: again) == d)
    }
}
