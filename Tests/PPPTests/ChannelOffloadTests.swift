// Issue 21: the channel's super-packet and capability frames, boundary table
// (short, long, trailing, truncated) and their kinds against PPP frames.
import Testing
@testable import PPP

@Suite struct ChannelOffloadTests {
    func kind(_ b: [UInt8]) -> ChannelFrameKind { b.withUnsafeBytes { ChannelFrame.kind($0) } }
    func superPacket(_ b: [UInt8]) -> Result<ProtocolNumber, PPPError> {
        b.withUnsafeBytes { p in Result { () throws(PPPError) in try ChannelFrame.superPacket(p) } }
    }
    func capability(_ b: [UInt8]) -> Result<ChannelOffload, PPPError> {
        b.withUnsafeBytes { p in Result { () throws(PPPError) in try ChannelFrame.capability(p) } }
    }

    @Test func kindsByMarker() {
        #expect(kind([]) == .invalid)
        #expect(kind([0x00]) == .invalid)
        #expect(kind([0x00, 0x21]) == .ppp)
        #expect(kind([0xc0, 0x21, 1]) == .ppp)
        #expect(kind([0x00, 0x00, 0, 0x21]) == .superPacket)
        #expect(kind([0x00, 0x02, 1, 3]) == .capability)
        #expect(kind([0x00, 0x04]) == .invalid)
        #expect(kind([0x80, 0x20]) == .invalid)
    }

    static let virtio = [UInt8](repeating: 0, count: 10)

    @Test func superPacketBoundaries() {
        let v4: [UInt8] = [0, 0, 0x00, 0x21] + Self.virtio + [0x45]
        let v6: [UInt8] = [0, 0, 0x00, 0x57] + Self.virtio + [0x60]
        #expect(superPacket(v4) == .success(.ipv4))
        #expect(superPacket(v6) == .success(.ipv6))
        // Truncated: header only, or less.
        #expect(superPacket(Array(v4.prefix(14))) == .failure(.truncated(needed: 15, available: 14)))
        #expect(superPacket([0, 0]) == .failure(.truncated(needed: 15, available: 2)))
        // The version octet must match the protocol; no other protocol.
        #expect(superPacket([0, 0, 0x00, 0x21] + Self.virtio + [0x60]) == .failure(.invalidProtocol(0x0021)))
        #expect(superPacket([0, 0, 0x80, 0x21] + Self.virtio + [0x45]) == .failure(.invalidProtocol(0x8021)))
        #expect(superPacket([0, 2, 0x00, 0x21] + Self.virtio + [0x45]) == .failure(.invalidProtocol(0x0002)))
        // Long: the largest IP packet, and one octet past it.
        let largest = [0, 0, 0x00, 0x21] + Self.virtio + [0x45] + [UInt8](repeating: 0, count: 65_534)
        #expect(superPacket(largest) == .success(.ipv4))
        #expect(superPacket(largest + [0]) == .failure(.tooLong(length: 65_536, maximum: 65_535)))
    }

    @Test func superPacketHeaderWrittenInPlace() {
        var b = [UInt8](repeating: 0xff, count: 15)
        b[14] = 0x60
        b.withUnsafeMutableBytes { ChannelFrame.writeSuperPacketHeader(.ipv6, into: $0) }
        #expect(Array(b.prefix(4)) == [0, 0, 0x00, 0x57])
    }

    @Test func capabilityBoundaries() {
        let both: ChannelOffload = [.sendsSuperPackets, .takesSuperPackets]
        #expect(ChannelFrame.capability(both) == [0, 2, 1, 3])
        #expect(capability(ChannelFrame.capability(both)) == .success(both))
        #expect(capability([0, 2, 1, 0x83]) == .success([.sendsSuperPackets, .takesSuperPackets, .replyRequested]))
        // Unknown flags are dropped, not acted on.
        #expect(capability([0, 2, 1, 0x7f]) == .success(both))
        #expect(capability([0, 2, 1]) == .failure(.truncated(needed: 4, available: 3)))
        #expect(capability([0, 2, 1, 3, 9]) == .failure(.trailingData(count: 1)))
        // A later version may carry more; version 0 does not exist.
        #expect(capability([0, 2, 2, 3, 9, 9]) == .success(both))
        #expect(capability([0, 2, 0, 3]) == .failure(.invalidValue))
        #expect(capability([0, 0, 1, 3]) == .failure(.invalidProtocol(0)))
    }
}
