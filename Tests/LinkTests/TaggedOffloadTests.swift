// Issue 21 on VLAN ports (issue 13 point 6): a tagged PPPoE session's TSO
// super-packets are cut by SegmentBatch into frames that each carry the
// session's tags — 802.1Q (TPID 0x8100 + C-VID) or QinQ (S-tag 0x88a8 or
// 0x8100, then the C-tag) between the addresses and 0x8864 — with PPPoE
// LENGTH, Protocol and full IP/TCP checksums right in every segment, through
// the port's TransmitBatch in a loop round and through SegmentBatch's own
// slots outside one. And GROPath never merges two sessions' segments, even
// when two Hosts on different VLANs carry the same addresses, ports and
// sequence space. Real UDP sockets on loopback carry the frames (as
// TransmitBatchTests does); checksums are judged by code of this file.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
import PPPoE
import TestSupport
import Testing
@testable import linkd

private final class Counted: TransmitAccount {
    var sent = 0
    func transmitted(octets: Int) { sent += 1 }
    func transmitDropped() {}
    func transmitFailed() {}
}

/// What GROPath hands one session: packets as they came and super-packets.
private final class Sink: GROSink {
    var packets: [[UInt8]] = []
    var superPackets: [(header: [UInt8], packet: [UInt8])] = []
    func deliverPacket(_ proto: ProtocolNumber, _ packet: UnsafeRawBufferPointer) { packets.append(Array(packet)) }
    func deliverSuperPacket(_ header: UnsafeRawBufferPointer, _ packet: UnsafeRawBufferPointer) {
        superPackets.append((Array(header), Array(packet)))
    }
    /// The TCP payload of everything delivered, in order.
    var payload: [UInt8] {
        superPackets.flatMap { tcpPayload($0.packet) } + packets.flatMap { tcpPayload($0) }
    }
}

private struct Failure: Error { let what: String }

/// RFC 1071, one big-endian word at a time.
private func sum16(_ b: [UInt8]) -> UInt16 {
    var acc: UInt32 = 0
    for i in stride(from: 0, to: b.count, by: 2) { acc += UInt32(b[i]) << 8 | (i + 1 < b.count ? UInt32(b[i + 1]) : 0) }
    while acc > 0xffff { acc = (acc & 0xffff) + (acc >> 16) }
    return UInt16(acc)
}

private func be16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) << 8 | Int(b[o + 1]) }
private func be32(_ b: [UInt8], _ o: Int) -> UInt32 { UInt32(be16(b, o)) << 16 | UInt32(be16(b, o + 2)) }
private func put16(_ b: inout [UInt8], _ o: Int, _ v: Int) { b[o] = UInt8(truncatingIfNeeded: v >> 8); b[o + 1] = UInt8(truncatingIfNeeded: v) }

private func l3Length(_ p: [UInt8]) -> Int { p[0] >> 4 == 6 ? 40 : Int(p[0] & 0x0f) * 4 }
private func tcpPayload(_ p: [UInt8]) -> [UInt8] {
    let l3 = l3Length(p)
    return Array(p[(l3 + Int(p[l3 + 12] >> 4) * 4)...])
}

/// IPv4 header checksum (if v4) and TCP checksum over the pseudo-header.
private func checksumsValid(_ p: [UInt8]) -> Bool {
    let v6 = p[0] >> 4 == 6, l3 = l3Length(p)
    if !v6 && sum16(Array(p[0..<l3])) != 0xffff { return false }
    let segment = Array(p[l3...]), n = segment.count
    let pseudo = v6 ? Array(p[8..<40]) + [0, 0, UInt8(n >> 8), UInt8(n & 0xff), 0, 0, 0, 6]
        : Array(p[12..<20]) + [0, 6, UInt8(n >> 8), UInt8(n & 0xff)]
    return sum16(pseudo + segment) == 0xffff
}

/// One IP+TCP packet (ACK, timestamps option), v4 192.0.2.1 → 198.51.100.7
/// or v6 2001:db8::1 → 2001:db8:ff::2. `partial`: the TCP checksum field
/// holds the pseudo-header sum, as a TUN read with NEEDS_CSUM gives it.
private func tcpPacket(v6: Bool = false, seq: UInt32, payload: [UInt8], partial: Bool = false) -> [UInt8] {
    var tcp = [UInt8](repeating: 0, count: 32)
    put16(&tcp, 0, 40000); put16(&tcp, 2, 5201)
    for k in 0..<4 { tcp[4 + k] = UInt8(truncatingIfNeeded: seq >> (24 - 8 * UInt32(k))) }
    tcp[8] = 0x11; tcp[9] = 0x22; tcp[10] = 0x33; tcp[11] = 0x44
    tcp[12] = 8 << 4; tcp[13] = 0x10
    put16(&tcp, 14, 502)
    tcp.replaceSubrange(20..<32, with: [1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0])
    let segment = tcp + payload
    var ip: [UInt8]
    if v6 {
        ip = [UInt8](repeating: 0, count: 40)
        ip[0] = 0x60
        put16(&ip, 4, segment.count)
        ip[6] = 6; ip[7] = 64
        ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8; ip[23] = 1
        ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[28] = 0xff; ip[39] = 2
    } else {
        ip = [UInt8](repeating: 0, count: 20)
        ip[0] = 0x45
        put16(&ip, 2, 20 + segment.count)
        put16(&ip, 4, 0x1000)
        ip[6] = 0x40; ip[8] = 64; ip[9] = 6
        ip[12] = 192; ip[13] = 0; ip[14] = 2; ip[15] = 1
        ip[16] = 198; ip[17] = 51; ip[18] = 100; ip[19] = 7
        put16(&ip, 10, Int(~sum16(ip)))
    }
    var p = ip + segment
    let n = segment.count
    let pseudo = v6 ? Array(p[8..<40]) + [0, 0, UInt8(n >> 8), UInt8(n & 0xff), 0, 0, 0, 6]
        : Array(p[12..<20]) + [0, 6, UInt8(n >> 8), UInt8(n & 0xff)]
    put16(&p, ip.count + 16, partial ? Int(sum16(pseudo)) : Int(~sum16(pseudo + segment)))
    return p
}

/// A TUN read with TSO: virtio_net_hdr (little-endian, NEEDS_CSUM, TCPV4
/// or TCPV6, hdr_len, gso_size, csum_start, csum_offset 16), then the packet.
private func superPacket(v6: Bool, payload: [UInt8], mss: Int) -> [UInt8] {
    let p = tcpPacket(v6: v6, seq: 1000, payload: payload, partial: true)
    let l3 = v6 ? 40 : 20, hdr = l3 + 32
    func le(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    return [1, v6 ? 4 : 1] + le(hdr) + le(mss) + le(l3) + le(16) + p
}

/// Two UDP sockets on loopback, each connected to the other: the frames are
/// the datagrams' payloads.
private func udpPair() throws -> (Int32, Int32) {
    func bound() throws -> (Int32, sockaddr_in) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard fd >= 0, ok else { throw Failure(what: "bind") }
        return (fd, addr)
    }
    let (a, aa) = try bound(), (b, ab) = try bound()
    func to(_ fd: Int32, _ addr: sockaddr_in) -> Bool {
        var t = addr
        return withUnsafePointer(to: &t) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
    guard to(a, ab), to(b, aa) else { throw Failure(what: "connect") }
    return (a, b)
}

private func receive(_ fd: Int32, expecting n: Int) throws -> [[UInt8]] {
    var batch = PacketBatch(slotSize: 2048, capacity: 32)
    var out: [[UInt8]] = []
    for _ in 0..<1000 where out.count < n {
        let got = try batch.receive(from: fd)
        if got == 0 { usleep(1000); continue }
        for i in 0..<got { out.append(Array(batch.frame(i))) }
    }
    return out
}

private let acMAC = EthernetAddress(rawValue: 0x0200_0000_0001), hostMAC = EthernetAddress(rawValue: 0x0200_0000_0002)

@Suite struct TaggedOffloadTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let tags: VLANTags
        let v6: Bool
        let inRound: Bool
        var testDescription: String { "\(tags.description.isEmpty ? "untagged" : tags.description) TPID \(tags.outer == nil ? "-" : String(tags.outerTPID, radix: 16)) \(v6 ? "IPv6" : "IPv4") \(inRound ? "batch" : "own slots")" }
    }

    static let cases: [Case] = [
        Case(tags: VLANTags(inner: 100), v6: false, inRound: true),
        Case(tags: VLANTags(inner: 4094), v6: true, inRound: false),
        Case(tags: VLANTags(outer: 10, outerTPID: VLANTags.serviceTPID, inner: 102), v6: false, inRound: true),
        Case(tags: VLANTags(outer: 10, outerTPID: VLANTags.serviceTPID, inner: 102), v6: true, inRound: false),
        Case(tags: VLANTags(outer: 20, outerTPID: VLANTags.customerTPID, inner: 200), v6: false, inRound: false),
        Case(tags: .untagged, v6: false, inRound: true),
    ]

    /// 5,000 octets at gso_size 1448 and MRU 1492: four segments, the
    /// last short; every frame read back carries the session's addresses, tags,
    /// 0x8864, SESSION_ID, LENGTH, Protocol and valid checksums, and the
    /// payloads put together are the super-packet's.
    @Test(arguments: cases) func segmentsCarryTheSessionsTags(_ c: Case) throws {
        let (a, b) = try udpPair()
        defer { _ = close(a); _ = close(b) }
        let binding = PPPoEBinding(sessionID: 0x1234, peer: hostMAC, local: acMAC, maximumPayload: 1492, vlan: c.tags)
        let header = FrameEncoder.header(binding)
        #expect(header.count == 20 + c.tags.length)
        let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let datagram = superPacket(v6: c.v6, payload: payload, mss: 1448)
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1500 + 64)
        let segments = SegmentBatch()
        let account = Counted()
        var outcome: SegmentBatch.Outcome?
        func send() {
            outcome = datagram.withUnsafeBytes { d in
                header.withUnsafeBytes { segments.send(d, protocol: c.v6 ? .ipv6 : .ipv4, mtu: 1492, header: $0, fd: a, via: batch, account: account) }
            }
        }
        if c.inRound { try inRound(loop, send) } else { send() }
        let frames = try receive(b, expecting: 4)
        if c.inRound {
            #expect(outcome == .queued(segments: 4) && account.sent == 4 && batch.counters.frames == 4)
        } else {
            #expect(outcome == .sent(segments: 4, octets: frames.reduce(0) { $0 + $1.count }))
        }
        #expect(frames.count == 4)
        var joined: [UInt8] = [], seq: UInt32 = 1000
        for f in frames {
            // The tags as VLANTags reads them from a frame, and nothing else.
            let (tags, at) = try VLANTags.read(f[...], stripped: nil)
            #expect(tags == c.tags && at == 12 + c.tags.length)
            if let outer = c.tags.outer { #expect(be16(f, 12) == Int(c.tags.outerTPID) && be16(f, 14) == Int(outer)) }
            if let inner = c.tags.inner { #expect(be16(f, at - 4) == 0x8100 && be16(f, at - 2) == Int(inner)) }
            #expect(Array(f[0..<12]) == [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1])
            #expect(be16(f, at) == 0x8864 && f[at + 2] == 0x11 && f[at + 3] == 0 && be16(f, at + 4) == 0x1234)
            // RFC 2516 §4 LENGTH: Protocol and the segment.
            #expect(be16(f, at + 6) == f.count - at - 8)
            #expect(be16(f, at + 8) == (c.v6 ? 0x0057 : 0x0021))
            let packet = Array(f[(at + 10)...])
            #expect(packet.count <= 1492)
            #expect(checksumsValid(packet), "segment at seq \(seq)")
            let l3 = l3Length(packet)
            #expect(be32(packet, l3 + 4) == seq)
            let part = tcpPayload(packet)
            seq &+= UInt32(part.count)
            joined += part
        }
        #expect(joined == payload)
        // gso_size 1448 is more than MRU 1492 leaves behind the IP and TCP
        // headers (52 octets on IPv4, 72 on IPv6): the segmenter clamps.
        let per = c.v6 ? 1420 : 1440
        #expect(frames.map { tcpPayload(Array($0[(12 + c.tags.length + 10)...])).count } == [per, per, per, 5000 - 3 * per])
    }

    /// Two Hosts on VLANs 100 and 200 (sessions A and B) with the same
    /// addresses, ports, ACK and timestamps; B's segments continue A's
    /// sequence numbers exactly, so a coalescer keyed on the flow alone
    /// would join them. Each session gets only its own octets; segments of
    /// one session in a row still coalesce.
    @Test func sessionsOnDifferentVLANsNeverMerge() {
        let gro = GROPath()
        let a = Sink(), b = Sink()
        let aData = [UInt8](repeating: 0xaa, count: 1448), bData = [UInt8](repeating: 0xbb, count: 1448)
        func push(_ p: [UInt8], _ sink: Sink) { p.withUnsafeBytes { gro.push($0, for: sink) } }
        // A: seq 0, 1448; B: 2896, 4344 (one batch), then A: 2896 again.
        push(tcpPacket(seq: 0, payload: aData), a)
        push(tcpPacket(seq: 1448, payload: aData), a)
        push(tcpPacket(seq: 2896, payload: bData), b)
        push(tcpPacket(seq: 4344, payload: bData), b)
        push(tcpPacket(seq: 2896, payload: aData), a)
        gro.flush()
        #expect(a.payload == [UInt8](repeating: 0xaa, count: 3 * 1448))
        #expect(b.payload == [UInt8](repeating: 0xbb, count: 2 * 1448))
        // A's first two and B's two were coalesced (one super-packet each);
        // A's third came after B's and was not joined to them.
        #expect(a.superPackets.count == 1 && a.packets.count == 1 && b.superPackets.count == 1 && b.packets.isEmpty)
        #expect(a.superPackets.first.map { be32($0.packet, 24) } == 0 && b.superPackets.first.map { be32($0.packet, 24) } == 2896)
        #expect(gro.counters.segmentsCoalesced == 4)
    }
}
