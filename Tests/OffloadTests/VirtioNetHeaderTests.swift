// The virtio_net_hdr codec: encoding round trips, the little-endian layout,
// and a boundary table of datagrams the parser must refuse with the right
// typed error (short, truncated, fields beyond the packet).
import Testing
@testable import Offload

@Suite struct VirtioNetHeaderTests {
    func parse(_ bytes: [UInt8]) -> Result<(VirtioNetHeader, Int), OffloadError> {
        bytes.withUnsafeBytes { raw in
            do throws(OffloadError) {
                let (h, p) = try VirtioNetHeader.parse(datagram: raw)
                return .success((h, p.count))
            } catch {
                return .failure(error)
            }
        }
    }

    func encoded(_ h: VirtioNetHeader) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: VirtioNetHeader.size)
        out.withUnsafeMutableBytes { h.encode(into: $0) }
        return out
    }

    @Test func layoutIsLittleEndian() {
        let h = VirtioNetHeader(flags: .needsChecksum, gsoType: .tcpv4, ecn: true, headerLength: 0x0134,
                                gsoSize: 0x05b4, checksumStart: 0x0014, checksumOffset: 0x0010)
        #expect(encoded(h) == [0x01, 0x81, 0x34, 0x01, 0xb4, 0x05, 0x14, 0x00, 0x10, 0x00])
    }

    @Test(arguments: [
        VirtioNetHeader(),
        VirtioNetHeader(flags: .needsChecksum, gsoType: .tcpv4, headerLength: 52, gsoSize: 1448, checksumStart: 20,
                        checksumOffset: 16),
        VirtioNetHeader(flags: .needsChecksum, gsoType: .tcpv6, ecn: true, headerLength: 72, gsoSize: 1428,
                        checksumStart: 40, checksumOffset: 16),
        VirtioNetHeader(flags: [.needsChecksum, .dataValid], gsoType: .udpL4, headerLength: 28, gsoSize: 1200,
                        checksumStart: 20, checksumOffset: 6),
        VirtioNetHeader(flags: .dataValid),
    ])
    func roundTrip(_ h: VirtioNetHeader) throws {
        let datagram = encoded(h) + [UInt8](repeating: 0, count: 100)
        let (parsed, length) = try parse(datagram).get()
        #expect(parsed == h)
        #expect(length == 100)
    }

    static let gso = VirtioNetHeader(flags: .needsChecksum, gsoType: .tcpv4, headerLength: 36, gsoSize: 1000,
                                     checksumStart: 20, checksumOffset: 16)

    /// (datagram, expected error or nil for accepted, packet length if accepted)
    static var table: [(String, [UInt8], OffloadError?)] {
        let base = encodedStatic(gso)
        func with(_ i: Int, _ v: UInt8, _ b: [UInt8] = base) -> [UInt8] {
            var c = b
            c[i] = v
            return c
        }
        return [
            ("empty", [], .headerTruncated(length: 0)),
            ("one octet", [0], .headerTruncated(length: 1)),
            ("nine octets", Array(base[0..<9]), .headerTruncated(length: 9)),
            ("header only, no GSO", encodedStatic(VirtioNetHeader()), nil),
            ("header only, GSO fields beyond an empty packet", base, .checksumBeyondPacket(start: 20, offset: 16, packetLength: 0)),
            ("checksum field ends exactly at the end", base + [UInt8](repeating: 0, count: 38), nil),
            ("checksum field one octet short", base + [UInt8](repeating: 0, count: 37),
             .checksumBeyondPacket(start: 20, offset: 16, packetLength: 37)),
            ("hdr_len beyond the packet", with(2, 41) + [UInt8](repeating: 0, count: 40),
             .headerLengthBeyondPacket(headerLength: 41, packetLength: 40)),
            ("hdr_len equal to the packet", with(2, 40) + [UInt8](repeating: 0, count: 40), nil),
            ("gso_size zero", with(5, 0, with(4, 0)) + [UInt8](repeating: 0, count: 40), .gsoSizeZero),
            ("UFO refused", with(1, 3) + [UInt8](repeating: 0, count: 40), .unknownGSOType(3)),
            ("gso_type 2 undefined", with(1, 2) + [UInt8](repeating: 0, count: 40), .unknownGSOType(2)),
            ("gso_type 0x7f", with(1, 0x7f) + [UInt8](repeating: 0, count: 40), .unknownGSOType(0x7f)),
            ("ECN on TCPv4", with(1, 0x81) + [UInt8](repeating: 0, count: 40), nil),
            ("RSC_INFO flag refused", with(0, 5) + [UInt8](repeating: 0, count: 40), .unknownFlags(5)),
            ("csum_start + csum_offset near 2^17", with(7, 0xff, with(9, 0xff)) + [UInt8](repeating: 0, count: 40),
             .checksumBeyondPacket(start: 0xff14, offset: 0xff10, packetLength: 40)),
        ]
    }

    static func encodedStatic(_ h: VirtioNetHeader) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: VirtioNetHeader.size)
        out.withUnsafeMutableBytes { h.encode(into: $0) }
        return out
    }

    @Test func boundaryTable() {
        for (name, bytes, expected) in Self.table {
            switch parse(bytes) {
            case .success(let (_, length)):
                #expect(expected == nil, "\(name): accepted")
                #expect(length == bytes.count - VirtioNetHeader.size, "\(name)")
            case .failure(let e):
                #expect(e == expected, "\(name): \(e)")
            }
        }
    }
}
