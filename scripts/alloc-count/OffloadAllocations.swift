// alloc-sources: Sources/Offload
// Counts heap allocations on the offload data path (issue 21): TCPv4, TCPv6
// and UDP super-packets of up to 64 KiB cut to a 1492-octet MTU, and a
// NEEDS_CSUM packet completed; the segments pushed through the GRO
// coalescer (two runs) and joined again; 2000 rounds after a warm-up. Built with
// Sources/Offload and malloc-count.c by scripts/alloc-count.sh; exits 1 if
// the measured loop allocated at all.
import Glibc

@_silgen_name("malloc_count") func mallocCount() -> UInt

/// A super-packet as a TUN read gives it: header, then IP + TCP/UDP with the
/// pseudo-header sum in the checksum field (NEEDS_CSUM).
func superPacket(v6: Bool, udp: Bool, payload: Int) -> [UInt8] {
    let l3 = v6 ? 40 : 20, l4 = udp ? 8 : 32
    var p = [UInt8](repeating: 0, count: l3 + l4 + payload)
    p.withUnsafeMutableBytes { b in
        if v6 {
            b[0] = 0x60
            b.setU16(4, UInt16(l4 + payload))
            b[6] = udp ? 17 : 6
            b[7] = 64
            b[23] = 1
            b[39] = 2
        } else {
            b[0] = 0x45
            b.setU16(2, UInt16(l3 + l4 + payload))
            b[6] = 0x40
            b[8] = 64
            b[9] = udp ? 17 : 6
            b[15] = 1
            b[19] = 2
        }
        b.setU16(l3, 40000)
        b.setU16(l3 + 2, 443)
        if udp {
            b.setU16(l3 + 4, UInt16(l4 + payload))
        } else {
            b[l3 + 12] = 0x80
            b[l3 + 13] = 0x18
            for i in 20..<32 { b[l3 + i] = 1 }
        }
        for i in 0..<payload { b[l3 + l4 + i] = UInt8(truncatingIfNeeded: i) }
        // What a TUN read carries: a valid IPv4 header, the pseudo-header
        // sum in the TCP/UDP checksum field.
        if !v6 { InternetChecksum.setIPv4HeaderChecksum(b, headerLength: 20) }
        let r = UnsafeRawBufferPointer(b)
        let l = try! PacketLayout.parse(r)
        b.setU16(l.checksumField, l.pseudoHeaderSum(addresses: l.addressSum(r), length: b.count - l3))
    }
    return p
}

@main struct OffloadAllocations {
    static func main() throws {
        let packets: [(VirtioNetHeader, [UInt8])] = [(false, false), (true, false), (false, true), (true, true)].map {
            let (v6, udp) = $0
            let l3 = v6 ? 40 : 20
            let h = VirtioNetHeader(flags: .needsChecksum, gsoType: udp ? .udpL4 : (v6 ? .tcpv6 : .tcpv4),
                                    headerLength: UInt16(l3 + (udp ? 8 : 32)), gsoSize: 1448,
                                    checksumStart: UInt16(l3), checksumOffset: udp ? 6 : 16)
            return (h, superPacket(v6: v6, udp: udp, payload: 65535 - 40 - 32))
        } + [(VirtioNetHeader(flags: .needsChecksum, checksumStart: 20, checksumOffset: 16),
              superPacket(v6: false, udp: false, payload: 1400))]
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        let runs = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * 65535, alignment: 16)
        var gro = GROCoalescer(buffer: runs, flows: 2)
        var segments = 0, octets = 0, emitted = 0
        let count = { (_: VirtioNetHeader, p: UnsafeRawBufferPointer) in emitted += p.count }
        func run(_ rounds: Int) throws {
            for _ in 0..<rounds {
                for (header, packet) in packets {
                    try packet.withUnsafeBytes { raw in
                        var s = try TCPSegmenter(packet: raw, header: header, mtu: 1492)
                        while let n = s.next(into: out) {
                            segments += 1
                            octets += n
                            gro.push(UnsafeRawBufferPointer(rebasing: out[0..<n]), emit: count)
                        }
                        gro.flush(emit: count)
                    }
                }
            }
        }
        try run(20)
        let before = mallocCount(), segmentsBefore = segments
        try run(2000)
        let allocations = mallocCount() - before
        let c = gro.counters
        print("segmenter: \(segments - segmentsBefore) segments, \(octets) octets; coalescer: \(c.superPackets) "
            + "super-packets of \(c.segmentsCoalesced) segments, \(c.passedThrough) passed through, \(emitted) octets "
            + "emitted; allocations in the measured loop: \(allocations)")
        // Every TCP segment must have been joined again (UDP passes through).
        if allocations != 0 || c.checksumFailures != 0 || c.superPackets == 0 { exit(1) }
    }
}
