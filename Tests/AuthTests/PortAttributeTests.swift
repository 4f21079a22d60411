// NAS-Port-Type (RFC 2865 §5.41, RFC 4603) and Called-Station-Id (§5.30) per
// port kind, in the Access-Request and in every session Accounting-Request
// (RFC 2866 §5.13's table allows both), and the AuthStart that carries them
// from linkd to authd.
import IPC
import Testing
@testable import authd

struct PortAttributeTests {
    @Test(arguments: [(PortKind.tty, UInt32(0)), (.udp, 5), (.tcp, 5), (.pppoe, 32)])
    func nasPortTypeOfEachPortKind(_ kind: PortKind, _ value: UInt32) {
        #expect(NASPortType.of(kind) == value)
    }

    static let ctx = RadiusContext(nasIdentifier: "nas", session: "eth0:3", callingStation: "02:00:00:00:00:02",
                                   calledStation: "02:00:00:00:00:01", nasPortType: NASPortType.pppoeOverEthernet)

    func check(_ p: RadiusPacket, portType: UInt32, called: String?) {
        #expect(p.integer(RadiusAttributeType.nasPortType) == portType)
        #expect(p.attribute(RadiusAttributeType.calledStationId) == called.map { Array($0.utf8) })
        #expect(p.attribute(RadiusAttributeType.nasPortId) == Array("eth0:3".utf8))
    }

    @Test func accessAndAccountingRequestsCarryThePortAttributes() throws {
        let v = Verification(id: 1, method: .pap, user: "alice", proof: .password(Array("pw".utf8)))
        let secret = Array("s".utf8), ra = [UInt8](repeating: 3, count: 16)
        let access = try RadiusPacket(parsing: try #require(RadiusRequests.accessRequest(v, Self.ctx)(secret, 1, ra)))
        check(access, portType: 32, called: "02:00:00:00:00:01")
        for status in [RadiusRequests.AccountingStatus.start, .interimUpdate, .stop] {
            let wire = try #require(RadiusRequests.accountingRequest(status, .init(user: "alice", sessionID: "x"), Self.ctx)(secret, 2, []))
            check(try RadiusPacket(parsing: wire), portType: 32, called: "02:00:00:00:00:01")
        }
    }

    @Test func aTtyHasAsyncAndNoCalledStation() throws {
        var ctx = Self.ctx
        ctx.nasPortType = NASPortType.of(.tty)
        ctx.calledStation = ""
        let wire = try #require(RadiusRequests.accountingRequest(.start, .init(user: "a", sessionID: "x"), ctx)([1], 2, []))
        check(try RadiusPacket(parsing: wire), portType: 0, called: nil)
    }

    @Test func authStartCarriesThemOverIPC() throws {
        var s = AuthStart(session: "eth0:3", port: "eth0", authenticatePeer: .pap, authenticateSelf: nil)
        s.calledStation = "02:00:00:00:00:01"
        s.nasPortType = NASPortType.pppoeOverEthernet
        var w = ByteWriter()
        s.encode(into: &w)
        var r = ByteReader(w.bytes)
        #expect(try AuthStart.decode(&r) == s)
        // Truncated anywhere: a typed error, never a crash.
        for n in 0..<w.bytes.count {
            var t = ByteReader(Array(w.bytes[0..<n]))
            #expect(throws: IPCError.self) { _ = try AuthStart.decode(&t) }
        }
    }

    /// Issue 13: a session on a VLAN is PPPoEoVLAN (RFC 4603 §2, 33) and its
    /// NAS-Port-Id names port and VLAN; AuthStart carries it as version 3,
    /// and writes version 2 unchanged when there is none.
    @Test func aVLANSessionNamesItsVLANInNASPortId() throws {
        var ctx = Self.ctx
        ctx.nasPortType = NASPortType.pppoeOverVLAN
        ctx.nasPortID = "eth0:10.100"
        let wire = try #require(RadiusRequests.accountingRequest(.start, .init(user: "a", sessionID: "x"), ctx)([1], 2, []))
        let p = try RadiusPacket(parsing: wire)
        #expect(p.integer(RadiusAttributeType.nasPortType) == 33)
        #expect(p.attribute(RadiusAttributeType.nasPortId) == Array("eth0:10.100".utf8))
        #expect(p.attribute(RadiusAttributeType.callingStationId) == Array("02:00:00:00:00:02".utf8))

        var s = AuthStart(session: "eth0:3", port: "eth0", authenticatePeer: .pap, authenticateSelf: nil)
        var w2 = ByteWriter()
        s.encode(into: &w2)
        #expect(w2.bytes.first == 2)
        s.nasPortID = "eth0:100"
        var w = ByteWriter()
        s.encode(into: &w)
        #expect(w.bytes.first == 3)
        var r = ByteReader(w.bytes)
        #expect(try AuthStart.decode(&r) == s)
        for n in 0..<w.bytes.count {
            var t = ByteReader(Array(w.bytes[0..<n]))
            #expect(throws: IPCError.self) { _ = try AuthStart.decode(&t) }
        }
        // Version 3 with an empty NAS-Port-Id is not what any linkd writes.
        var bad = w2.bytes
        bad[0] = 3
        bad += [0, 0]
        var b = ByteReader(bad)
        #expect(throws: IPCError.self) { _ = try AuthStart.decode(&b) }
    }
}
