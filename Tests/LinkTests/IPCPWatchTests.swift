// IPCPWatch: what linkd reads of the relayed IPCP for accounting (issue
// 14): the peer's address from the owner's Configure-Ack, Opened once an Ack
// went each way (RFC 1661 §4.2), and nothing from a malformed packet.
import PPP
import Testing
@testable import linkd

struct IPCPWatchTests {
    /// An IPCP packet with one IP-Address option (RFC 1332 §3.3).
    static func packet(_ code: UInt8, _ address: UInt32) -> [UInt8] {
        [code, 1, 0, 10, 3, 6, UInt8(address >> 24), UInt8((address >> 16) & 0xff), UInt8((address >> 8) & 0xff),
         UInt8(address & 0xff)]
    }

    @Test func opensAfterAnAckEachWayAndKeepsThePeersAddress() {
        var w = IPCPWatch()
        w.fromPeer(Self.packet(1, 0)[...])                 // Configure-Request 0.0.0.0
        w.fromOwner(Self.packet(3, 0x0A00_000A)[...])      // Nak: take 10.0.0.10
        #expect(!w.opened && w.peerAddress == 0)
        w.fromOwner(Self.packet(1, 0x0A00_0001)[...])      // our Configure-Request
        w.fromPeer(Self.packet(1, 0x0A00_000A)[...])       // peer asks for 10.0.0.10
        w.fromOwner(Self.packet(2, 0x0A00_000A)[...])      // we Ack it
        #expect(!w.opened && w.peerAddress == 0x0A00_000A)
        w.fromPeer(Self.packet(2, 0x0A00_0001)[...])       // the peer Acks ours
        #expect(w.opened && w.peerAddress == 0x0A00_000A)
    }

    @Test func eitherOrderOpens() {
        var w = IPCPWatch()
        w.fromPeer(Self.packet(2, 0x0A00_0001)[...])
        w.fromOwner(Self.packet(2, 0xC000_0202)[...])
        #expect(w.opened && w.peerAddress == 0xC000_0202)
    }

    @Test func aNewRequestOrTerminateUndoesOpened() {
        var w = IPCPWatch()
        w.fromPeer(Self.packet(2, 1)[...])
        w.fromOwner(Self.packet(2, 5)[...])
        w.fromPeer(Self.packet(1, 5)[...])                 // §4.2 RCR in Opened: renegotiation
        #expect(!w.opened)
        w.fromOwner(Self.packet(2, 5)[...])
        #expect(w.opened)
        w.fromPeer([5, 2, 0, 4][...])                      // Terminate-Request
        #expect(!w.opened && w.peerAddress == 0)
    }

    /// Boundary table: short, truncated, trailing, bad option lengths.
    @Test(arguments: [
        [UInt8](),
        [2],
        [2, 1, 0],
        [2, 1, 0, 10, 3, 6, 10, 0],                        // length says 10, 8 present
        [2, 1, 0, 3],                                      // length below the header
        [2, 1, 0, 8, 3, 6, 10, 0],                         // option runs past the packet
        [2, 1, 0, 6, 3, 1],                                // option length 1
        [2, 1, 0, 8, 3, 4, 10, 0],                         // IP-Address of 2 octets
    ])
    func malformedAcksNameNoAddress(_ bytes: [UInt8]) {
        var w = IPCPWatch()
        w.fromOwner(bytes[...])
        #expect(w.peerAddress == 0)
    }

    @Test func trailingOctetsAfterTheLengthAreIgnored() {
        var w = IPCPWatch()
        w.fromOwner((Self.packet(2, 0x0A00_000A) + [0xde, 0xad])[...])
        #expect(w.peerAddress == 0x0A00_000A)
    }
}
