// The linkd session state record deposited in the fd store: round trip and
// the boundary table.
import IPC
import PPP
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

    @Test func boundaryTable() {
        let bytes = Self.sample().encoded()
        for n in [0, 1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: IPCError.self, "\(n) octets") { try LinkSessionState.decode(Array(bytes.prefix(n))) }
        }
        #expect(throws: IPCError.self) { try LinkSessionState.decode(bytes + [0]) }
        var other = bytes
        other[0] = 2
        #expect(throws: IPCError.self) { try LinkSessionState.decode(other) }
        // A record whose id does not match the channel record it carries.
        var s = Self.sample()
        s.id = "tty0:13"
        #expect(throws: IPCError.self) { try LinkSessionState.decode(s.encoded()) }
    }
}
