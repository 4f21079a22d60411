// TSO/USO in userland: super-packets as a TUN read gives them (partial
// checksum, virtio header), cut to the MTU; every segment is checked by the
// independent verifier, and the cut is checked field by field.
import Testing
@testable import Offload

@Suite struct TCPSegmenterTests {
    struct Case: CustomStringConvertible, Sendable {
        var v6: Bool
        var payload: Int
        var mss: Int
        var mtu: Int
        var flags: UInt8
        var options: [UInt8]
        var description: String { "v6 \(v6) payload \(payload) mss \(mss) mtu \(mtu) flags \(flags)" }
    }

    static let timestamps: [UInt8] = [1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0]
    /// MSS option (kind 2), SACK-permitted (kind 4), NOP, NOP: 8 octets.
    static let sackPermitted: [UInt8] = [2, 4, 0x05, 0xb4, 4, 2, 1, 1]

    static let cases: [Case] = [
        Case(v6: false, payload: 10000, mss: 1448, mtu: 1500, flags: tcpACK | tcpPSH, options: timestamps),
        Case(v6: true, payload: 10000, mss: 1428, mtu: 1500, flags: tcpACK | tcpPSH, options: timestamps),
        Case(v6: false, payload: 1448 * 7, mss: 1448, mtu: 1500, flags: tcpACK | tcpFIN | tcpPSH, options: timestamps),
        Case(v6: true, payload: 65535 - 60 - 40, mss: 1400, mtu: 1492, flags: tcpACK | tcpCWR | tcpPSH, options: []),
        Case(v6: false, payload: 65535 - 20 - 28, mss: 1460, mtu: 1492, flags: tcpACK | tcpCWR | tcpECE,
             options: sackPermitted),
        Case(v6: false, payload: 1, mss: 1448, mtu: 1500, flags: tcpACK, options: timestamps),
        Case(v6: true, payload: 3001, mss: 1000, mtu: 1280, flags: tcpACK | tcpFIN, options: sackPermitted),
        Case(v6: false, payload: 4000, mss: 536, mtu: 576, flags: tcpACK | tcpPSH, options: timestamps),
    ]

    @Test(arguments: cases)
    func segmentsAreCheckedAndComplete(_ c: Case) throws {
        var flow = Flow()
        flow.v6 = c.v6
        flow.options = c.options
        let data = pattern(c.payload)
        let seq0: UInt32 = 0xffff_f000  // wraps within the run
        let superPacket = tcpPacket(flow, seq: seq0, flags: c.flags, id: 0xfffe, payload: data, partial: true)
        let headers = (c.v6 ? 40 : 20) + 20 + c.options.count
        let expectedPayload = min(c.mss, c.mtu - headers)
        let segs = try segments(superPacket, header: tsoHeader(superPacket, mss: c.mss), mtu: c.mtu)
        #expect(segs.count == (c.payload + expectedPayload - 1) / expectedPayload)
        var joined: [UInt8] = []
        for (i, s) in segs.enumerated() {
            let v = TCPView(s)
            #expect(s.count <= c.mtu)
            #expect(checksumsValid(s), "segment \(i)")
            #expect(Array(s[0..<v.l3][c.v6 ? 8..<40 : 12..<20]) == Array(superPacket[c.v6 ? 8..<40 : 12..<20]))
            if c.v6 {
                #expect(be16(s, 4) == s.count - 40)
            } else {
                #expect(be16(s, 2) == s.count)
                #expect(v.id == (0xfffe + i) & 0xffff)
            }
            #expect(v.seq == seq0 &+ UInt32(joined.count))
            let last = i == segs.count - 1
            #expect(v.payload.count == (last ? c.payload - expectedPayload * i : expectedPayload))
            var want = c.flags
            if !last { want &= ~(tcpFIN | tcpPSH) }
            if i != 0 { want &= ~tcpCWR }
            #expect(v.flags == want, "segment \(i) flags")
            #expect(Array(s[(v.l3 + 20)..<(v.l3 + v.l4)]) == c.options)
            joined += v.payload
        }
        let sameData = joined == data
        #expect(sameData)
    }

    @Test func mssIsClampedByTheMTU() throws {
        // gso_size 1460 from the kernel, but the PPPoE session's MTU is 1492
        // and 32 octets of TCP header: 1492 − 20 − 32 = 1440 per segment.
        let p = tcpPacket(Flow(), seq: 1, payload: pattern(5000), partial: true)
        let segs = try segments(p, header: tsoHeader(p, mss: 1460), mtu: 1492)
        #expect(segs.map(\.count) == [1492, 1492, 1492, 5000 - 3 * 1440 + 52])
        #expect(segs.allSatisfy(checksumsValid))
    }

    @Test(arguments: [false, true])
    func udpL4(v6: Bool) throws {
        let data = pattern(4000)
        let p = udpPacket(v6: v6, payload: data, partial: true)
        let segs = try segments(p, header: tsoHeader(p, mss: 1200, udp: true), mtu: 1500)
        #expect(segs.count == 4)
        let l3 = v6 ? 40 : 20
        var joined: [UInt8] = []
        for s in segs {
            #expect(checksumsValid(s))
            #expect(be16(s, l3 + 4) == s.count - l3)
            joined += s[(l3 + 8)...]
        }
        let sameData = joined == data
        #expect(sameData)
    }

    @Test(arguments: [false, true])
    func needsChecksumWithoutGSO(v6: Bool) throws {
        var flow = Flow()
        flow.v6 = v6
        let p = tcpPacket(flow, seq: 9, flags: tcpACK | tcpPSH, payload: pattern(777), partial: true)
        #expect(!checksumsValid(p))
        let l3 = v6 ? 40 : 20
        let h = VirtioNetHeader(flags: .needsChecksum, checksumStart: UInt16(l3), checksumOffset: 16)
        let segs = try segments(p, header: h, mtu: 1500)
        #expect(segs.count == 1)
        #expect(checksumsValid(segs[0]))
        var inPlace = p
        try inPlace.withUnsafeMutableBytes { try TCPSegmenter.completeChecksum($0, header: h) }
        #expect(inPlace == segs[0])
        let u = udpPacket(v6: v6, payload: pattern(99), partial: true)
        var uu = u
        try uu.withUnsafeMutableBytes {
            try TCPSegmenter.completeChecksum($0, header: VirtioNetHeader(flags: .needsChecksum,
                                                                          checksumStart: UInt16(l3), checksumOffset: 6))
        }
        #expect(checksumsValid(uu))
    }

    @Test func plainPacketPassesUnchanged() throws {
        let p = tcpPacket(Flow(), seq: 9, payload: pattern(100))
        #expect(try segments(p, header: VirtioNetHeader(), mtu: 1500) == [p])
        #expect(throws: OffloadError.packetExceedsMTU(length: p.count, mtu: 100)) {
            try segments(p, header: VirtioNetHeader(), mtu: 100)
        }
    }

    /// Malformed super-packets: each refused with its typed error.
    @Test func malformedSuperPackets() {
        let good = tcpPacket(Flow(), seq: 1, payload: pattern(3000), partial: true)
        let h = tsoHeader(good, mss: 1448)
        var v6flow = Flow()
        v6flow.v6 = true
        let good6 = tcpPacket(v6flow, seq: 1, payload: pattern(3000), partial: true)
        func edit(_ p: [UInt8], _ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var c = p
            change(&c)
            return c
        }
        var noCsum = h
        noCsum.flags = []
        noCsum.headerLength = 0
        var wrongField = h
        wrongField.checksumOffset = 6
        var udpType = h
        udpType.gsoType = .udpL4
        udpType.checksumOffset = 6
        let table: [(String, [UInt8], VirtioNetHeader, Int, OffloadError?)] = [
            ("good", good, h, 1500, nil),
            ("good without NEEDS_CSUM", good, noCsum, 1500, nil),
            ("empty", [], noCsum, 1500, .packetTruncated(needed: 20, length: 0)),
            ("short IPv4 header", Array(good[0..<19]), noCsum, 1500, .packetTruncated(needed: 20, length: 19)),
            ("truncated after IP header", Array(good[0..<30]), noCsum, 1500, .ipLengthMismatch(announced: 3052, length: 30)),
            ("trailing octet", good + [0], h, 1500, .ipLengthMismatch(announced: 3052, length: 3053)),
            ("IHL 4", edit(good) { $0[0] = 0x44 }, h, 1500, .badIPv4HeaderLength(16)),
            ("IHL 15 beyond a tiny packet", edit(Array(good[0..<40])) { $0[0] = 0x4f; put16(&$0, 2, 40) }, noCsum, 1500,
             .packetTruncated(needed: 60, length: 40)),
            ("version 5", edit(good) { $0[0] = 0x55 }, h, 1500, .notIP(version: 5)),
            ("MF set", edit(good) { $0[6] |= 0x20 }, h, 1500, .fragment),
            ("fragment offset", edit(good) { $0[7] = 1 }, h, 1500, .fragment),
            ("ICMP with TCPV4", edit(good) { $0[9] = 1 }, h, 1500, .unsupportedProtocol(1)),
            ("UDP with TCPV4", edit(good) { $0[9] = 17 }, noCsum, 1500, .unsupportedProtocol(17)),
            ("TCP with UDP_L4", good, udpType, 1500, .unsupportedProtocol(6)),
            ("TCPV4 on IPv6", good6, noCsum, 1500, .gsoTypeMismatch),
            ("IPv6 hop-by-hop header", edit(good6) { $0[6] = 0 }, noCsum, 1500, .unsupportedProtocol(0)),
            ("IPv6 payload length short", edit(good6) { put16(&$0, 4, 100) }, noCsum, 1500,
             .ipLengthMismatch(announced: 140, length: good6.count)),
            ("TCP data offset 4", edit(good) { $0[32] = 0x40 }, h, 1500, .badTCPHeaderLength(16)),
            ("TCP header beyond the packet", edit(Array(good[0..<44])) { $0[32] = 0xf0; put16(&$0, 2, 44) }, noCsum, 1500,
             .packetTruncated(needed: 80, length: 44)),
            ("checksum at the UDP offset", good, wrongField, 1500, .checksumFieldMismatch(start: 20, offset: 6)),
            ("MTU below the headers", good, h, 52, .mtuTooSmall(mtu: 52, headers: 52)),
            ("MTU one above the headers", good, h, 53, nil),
            ("hdr_len longer than the packet", Array(good[0..<40]), VirtioNetHeader(headerLength: 41), 1500,
             .headerLengthBeyondPacket(headerLength: 41, packetLength: 40)),
        ]
        for (name, packet, header, mtu, expected) in table {
            do {
                let segs = try segments(packet, header: header, mtu: mtu)
                #expect(expected == nil, "\(name): accepted")
                #expect(segs.allSatisfy { $0.count <= mtu && checksumsValid($0) }, "\(name)")
            } catch {
                #expect(error == expected, "\(name): \(error)")
            }
        }
    }
}
