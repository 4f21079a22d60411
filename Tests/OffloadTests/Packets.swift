// Test packets with real IPv4/IPv6 and TCP/UDP headers, and a checksum
// verifier written independently of the library (RFC 1071 the slow way:
// one big-endian 16-bit word at a time), so the library's checksums are
// judged by code that shares nothing with it.
@testable import Offload

/// RFC 1071 §1, word by word, folded at the end.
func slowSum(_ bytes: [UInt8]) -> UInt16 {
    var acc: UInt32 = 0
    var i = 0
    while i < bytes.count {
        let hi = UInt32(bytes[i]), lo = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
        acc += hi << 8 | lo
        i += 2
    }
    while acc > 0xffff { acc = (acc & 0xffff) + (acc >> 16) }
    return UInt16(acc)
}

func be16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) << 8 | Int(b[o + 1]) }
func be32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
}
func put16(_ b: inout [UInt8], _ o: Int, _ v: Int) {
    b[o] = UInt8(truncatingIfNeeded: v >> 8)
    b[o + 1] = UInt8(truncatingIfNeeded: v)
}

/// The pseudo-header (RFC 9293 §3.1 / RFC 8200 §8.1) as bytes.
func pseudoHeader(_ p: [UInt8], transport: UInt8, length: Int) -> [UInt8] {
    if p[0] >> 4 == 4 {
        return Array(p[12..<20]) + [0, transport, UInt8(length >> 8), UInt8(length & 0xff)]
    }
    return Array(p[8..<40]) + [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff),
                               UInt8(length & 0xff), 0, 0, 0, transport]
}

/// True if the IP header checksum (IPv4) and the TCP/UDP checksum are right.
func checksumsValid(_ p: [UInt8]) -> Bool {
    let v6 = p[0] >> 4 == 6
    let l3 = v6 ? 40 : Int(p[0] & 0x0f) * 4
    if !v6 && slowSum(Array(p[0..<l3])) != 0xffff { return false }
    let transport = v6 ? p[6] : p[9]
    let segment = Array(p[l3...])
    return slowSum(pseudoHeader(p, transport: transport, length: segment.count) + segment) == 0xffff
}

struct Flow {
    var v6 = false
    var tos: UInt8 = 0
    var ttl: UInt8 = 64
    var dontFragment = true
    var sourcePort = 40000
    var destinationPort = 5201
    var ack: UInt32 = 0x1122_3344
    var window = 502
    /// NOP NOP Timestamps (RFC 7323 §3.2): 12 octets.
    var options: [UInt8] = [1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0]
}

let tcpFIN: UInt8 = 0x01, tcpSYN: UInt8 = 0x02, tcpRST: UInt8 = 0x04, tcpPSH: UInt8 = 0x08
let tcpACK: UInt8 = 0x10, tcpURG: UInt8 = 0x20, tcpECE: UInt8 = 0x40, tcpCWR: UInt8 = 0x80

/// One IP+TCP packet. `partial` leaves in the TCP checksum field what a TUN
/// read with NEEDS_CSUM carries: the folded pseudo-header sum, uncomplemented.
func tcpPacket(_ f: Flow, seq: UInt32, flags: UInt8 = tcpACK, id: Int = 0x1000, payload: [UInt8],
               partial: Bool = false) -> [UInt8] {
    let thl = 20 + f.options.count
    precondition(thl % 4 == 0)
    var tcp = [UInt8](repeating: 0, count: thl)
    put16(&tcp, 0, f.sourcePort)
    put16(&tcp, 2, f.destinationPort)
    for k in 0..<4 { tcp[4 + k] = UInt8(truncatingIfNeeded: seq >> (24 - 8 * UInt32(k))) }
    for k in 0..<4 { tcp[8 + k] = UInt8(truncatingIfNeeded: f.ack >> (24 - 8 * UInt32(k))) }
    tcp[12] = UInt8(thl / 4) << 4
    tcp[13] = flags
    put16(&tcp, 14, f.window)
    tcp.replaceSubrange(20..<thl, with: f.options)
    let segment = tcp + payload
    var ip: [UInt8]
    if f.v6 {
        ip = [UInt8](repeating: 0, count: 40)
        ip[0] = 0x60 | f.tos >> 4
        ip[1] = f.tos << 4 | 0x0a
        ip[2] = 0xbc
        ip[3] = 0xde
        put16(&ip, 4, segment.count)
        ip[6] = 6
        ip[7] = f.ttl
        ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8; ip[23] = 1
        ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[28] = 0xff; ip[39] = 2
    } else {
        ip = [UInt8](repeating: 0, count: 20)
        ip[0] = 0x45
        ip[1] = f.tos
        put16(&ip, 2, 20 + segment.count)
        put16(&ip, 4, id)
        ip[6] = f.dontFragment ? 0x40 : 0
        ip[8] = f.ttl
        ip[9] = 6
        ip[12] = 192; ip[13] = 0; ip[14] = 2; ip[15] = 1
        ip[16] = 198; ip[17] = 51; ip[18] = 100; ip[19] = 7
        put16(&ip, 10, Int(~slowSum(ip)))
    }
    var p = ip + segment
    let l3 = ip.count
    let pseudo = pseudoHeader(p, transport: 6, length: segment.count)
    let value = partial ? Int(slowSum(pseudo)) : Int(~slowSum(pseudo + segment))
    put16(&p, l3 + 16, value)
    return p
}

/// A UDP packet, checksum either complete or partial as above.
func udpPacket(v6: Bool, payload: [UInt8], partial: Bool = false) -> [UInt8] {
    var f = Flow()
    f.v6 = v6
    f.options = []
    var p = tcpPacket(f, seq: 0, payload: [])
    let l3 = v6 ? 40 : 20
    p.removeSubrange(l3...)
    var udp: [UInt8] = [0x9c, 0x40, 0x11, 0x51, 0, 0, 0, 0] + payload
    put16(&udp, 4, udp.count)
    p += udp
    if v6 {
        p[6] = 17
        put16(&p, 4, udp.count)
    } else {
        p[9] = 17
        put16(&p, 2, p.count)
        put16(&p, 10, 0)
        put16(&p, 10, Int(~slowSum(Array(p[0..<20]))))
    }
    let pseudo = pseudoHeader(p, transport: 17, length: udp.count)
    var value = partial ? Int(slowSum(pseudo)) : Int(~slowSum(pseudo + udp))
    if !partial && value == 0 { value = 0xffff }
    put16(&p, l3 + 6, value)
    return p
}

/// The virtio header a TUN read gives with a TSO super-packet.
func tsoHeader(_ p: [UInt8], mss: Int, udp: Bool = false) -> VirtioNetHeader {
    let v6 = p[0] >> 4 == 6
    let l3 = v6 ? 40 : 20
    let l4 = udp ? 8 : Int(p[l3 + 12] >> 4) * 4
    return VirtioNetHeader(flags: .needsChecksum, gsoType: udp ? .udpL4 : (v6 ? .tcpv6 : .tcpv4),
                           headerLength: UInt16(l3 + l4), gsoSize: UInt16(mss), checksumStart: UInt16(l3),
                           checksumOffset: udp ? 6 : 16)
}

func pattern(_ n: Int, seed: Int = 7) -> [UInt8] {
    (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &+ $0 >> 8) }
}

/// Every segment of `packet`, as arrays, or the error.
func segments(_ packet: [UInt8], header: VirtioNetHeader, mtu: Int) throws(OffloadError) -> [[UInt8]] {
    let result: Result<[[UInt8]], OffloadError> = packet.withUnsafeBytes { raw in
        do throws(OffloadError) {
            var s = try TCPSegmenter(packet: raw, header: header, mtu: mtu)
            var out = [UInt8](repeating: 0xee, count: s.maximumSegmentLength)
            var all: [[UInt8]] = []
            while let n = out.withUnsafeMutableBytes({ s.next(into: $0) }) {
                all.append(Array(out[0..<n]))
            }
            return .success(all)
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

/// The TCP fields of one packet the tests look at.
struct TCPView {
    let l3: Int, l4: Int
    let seq: UInt32, flags: UInt8, payload: [UInt8], id: Int
    init(_ p: [UInt8]) {
        l3 = p[0] >> 4 == 6 ? 40 : Int(p[0] & 0x0f) * 4
        l4 = Int(p[l3 + 12] >> 4) * 4
        seq = be32(p, l3 + 4)
        flags = p[l3 + 13]
        payload = Array(p[(l3 + l4)...])
        id = p[0] >> 4 == 6 ? 0 : be16(p, 4)
    }
}
