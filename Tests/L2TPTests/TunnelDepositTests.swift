// The record linkd deposits per tunnel (TunnelDeposit): it round-trips with
// a real tunnel's record inside, and every cut, extended, foreign or
// inconsistent record is refused with a typed error (boundary table).
import Testing
@testable import L2TP

@Suite struct TunnelDepositTests {
    func deposit() -> TunnelDeposit {
        var w = Wire()
        w.run(fromLAC: w.lac.placeCall(TunnelTests.call("a"), now: 0).actions)
        var d = TunnelDeposit(peerAddress: 0x0aeb_0001, peerPort: 1701, serverIndex: 1, tunnel: w.lac.record)
        for id in w.lac.sessions.keys.sorted() { d.calls.append(.init(sessionID: id, linkSession: "lac0:1")) }
        return d
    }

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
        let callsAt = 13 + tunnelLength
        var zeroCall = good
        zeroCall[callsAt + 2] = 0; zeroCall[callsAt + 3] = 0
        var badUTF8 = good
        badUTF8[badUTF8.count - 1] = 0xff
        var longTunnel = good
        longTunnel[9] = 0x7f
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("version only", [1]),
            ("version 2", [2] + good.dropFirst()),
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
}
