// The ncpd session state record deposited in the fd store: round trip and
// the boundary table (every truncation, a trailing octet, another version).
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
        s.ipcp = .init(phase: .opened, nextIdentifier: 4, configured: true, values: [1, 2, 3, 0])
        s.ipv6cp = .init(phase: .negotiating, nextIdentifier: 9, configured: false, values: [5, 6, 0, 0])
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
        var other = bytes
        other[0] = 2
        #expect(throws: IPCError.self) { try NetworkSessionState.decode(other) }
        // An NCP phase that does not exist.
        let phaseAt = bytes.count - 5 * 8 - 2 * (3 + 32)
        var badPhase = bytes
        badPhase[phaseAt] = 9
        #expect(throws: IPCError.self) { try NetworkSessionState.decode(badPhase) }
    }
}
