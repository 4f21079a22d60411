// fuzz-modules: Offload
// libFuzzer target: datagrams as a TUN with IFF_VNET_HDR hands them over
// (virtio_net_hdr + packet), raw from the input and also rebuilt around the
// input as a well-formed TSO/USO super-packet, cut by the segmenter to an
// MTU the input picks. Every segment must fit the MTU, and every segment of
// a GSO packet must carry checksums a separate slow verifier accepts. The
// segments, and the raw input cut into packets, then go through the GRO
// coalescer: what it emits stays within 64 KiB, a super-packet completed as
// the kernel would must verify, and the well-formed segments' payload must
// come out whole and in order.
import Offload

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }
}

/// RFC 1071 one word at a time, sharing nothing with the library.
func slowSum(_ b: UnsafeRawBufferPointer) -> UInt32 {
    var acc: UInt32 = 0
    var i = 0
    while i < b.count {
        acc &+= UInt32(b[i]) << 8 | (i + 1 < b.count ? UInt32(b[i + 1]) : 0)
        i += 2
    }
    while acc > 0xffff { acc = (acc & 0xffff) &+ (acc >> 16) }
    return acc
}

func verified(_ s: UnsafeRawBufferPointer) -> Bool {
    let v6 = s[0] >> 4 == 6
    let l3 = v6 ? 40 : Int(s[0] & 0x0f) * 4
    if !v6 && slowSum(UnsafeRawBufferPointer(rebasing: s[0..<l3])) != 0xffff { return false }
    let length = UInt32(s.count - l3)
    var acc = slowSum(UnsafeRawBufferPointer(rebasing: s[l3...]))
    acc &+= UInt32(v6 ? s[6] : s[9]) &+ (length >> 16) &+ (length & 0xffff)
    acc &+= slowSum(v6 ? UnsafeRawBufferPointer(rebasing: s[8..<40]) : UnsafeRawBufferPointer(rebasing: s[12..<20]))
    while acc > 0xffff { acc = (acc & 0xffff) &+ (acc >> 16) }
    return acc == 0xffff
}

let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 70_000, alignment: 16)
let built = UnsafeMutableRawBufferPointer.allocate(byteCount: 70_000, alignment: 16)
let groBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * 65535, alignment: 16)
let completion = UnsafeMutableRawBufferPointer.allocate(byteCount: 70_000, alignment: 16)
/// The payload octets the coalescer emitted, in order, for the round trip.
let joined = UnsafeMutableRawBufferPointer.allocate(byteCount: 70_000, alignment: 16)
var joinedCount = 0
var gro = GROCoalescer(buffer: groBuffer, flows: 2)

/// Checks one packet the coalescer emitted; keeps its TCP payload.
func checkEmitted(_ header: VirtioNetHeader, _ packet: UnsafeRawBufferPointer) {
    precondition(packet.count <= 65535, "super-packet beyond 64 KiB")
    guard header.gsoType != .none else {
        appendPayload(packet)
        return
    }
    precondition((try? header.validate(packetLength: packet.count)) != nil, "emitted header does not fit its packet")
    let copy = UnsafeMutableRawBufferPointer(rebasing: completion[0..<packet.count])
    copy.copyMemory(from: packet)
    precondition((try? TCPSegmenter.completeChecksum(copy, header: header)) != nil, "emitted header refused")
    precondition(verified(UnsafeRawBufferPointer(copy)), "super-packet checksum wrong once completed")
    appendPayload(packet)
}

func appendPayload(_ p: UnsafeRawBufferPointer) {
    guard p.count >= 40, p[0] >> 4 == 4 || p[0] >> 4 == 6 else { return }
    let l3 = p[0] >> 4 == 6 ? 40 : Int(p[0] & 0x0f) * 4
    guard (p[0] >> 4 == 6 ? p[6] : p[9]) == 6, p.count >= l3 + 20 else { return }
    let start = l3 + Int(p[l3 + 12] >> 4) * 4
    guard start <= p.count, joinedCount + p.count - start <= joined.count else { return }
    for i in start..<p.count { joined[joinedCount + i - start] = p[i] }
    joinedCount += p.count - start
}

func segmentAll(_ datagram: UnsafeRawBufferPointer, mtu: Int, coalesce: Bool = false) -> Int {
    guard let (header, packet) = try? VirtioNetHeader.parse(datagram: datagram),
          var s = try? TCPSegmenter(packet: packet, header: header, mtu: mtu)
    else { return 0 }
    precondition(s.maximumSegmentLength <= max(mtu, 0), "segment plan beyond the MTU")
    var count = 0, octets = 0
    while let n = s.next(into: scratch) {
        precondition(n <= mtu && n <= s.maximumSegmentLength, "segment longer than the MTU")
        if header.gsoType != .none {
            precondition(verified(UnsafeRawBufferPointer(rebasing: scratch[0..<n])), "segment checksum wrong")
        }
        count += 1
        octets += n
        precondition(count <= s.segmentCount, "more segments than planned")
        if coalesce { gro.push(UnsafeRawBufferPointer(rebasing: scratch[0..<n]), emit: checkEmitted) }
    }
    precondition(count == s.segmentCount, "fewer segments than planned")
    return octets
}

/// A well-formed super-packet around the input: control octets pick the IP
/// version, transport, TCP option length, flags and gso_size; the rest is
/// the payload.
func buildSuperPacket(_ input: UnsafeRawBufferPointer) -> Int {
    guard input.count >= 4 else { return 0 }
    let c = input[0], flags = input[1]
    let v6 = c & 1 != 0, udp = c & 2 != 0
    let optionWords = udp ? 0 : Int(c >> 2 & 7)
    let gso = 1 + Int(input[2]) << 3 | Int(input[3] & 7)
    let l3 = v6 ? 40 : 20, l4 = udp ? 8 : 20 + optionWords * 4
    let payload = min(input.count - 4, 65535 - l3 - l4)
    let total = 10 + l3 + l4 + payload
    for i in 0..<total { built[i] = 0 }
    built[0] = 1  // NEEDS_CSUM
    built[1] = udp ? 5 : (v6 ? 4 : 1)
    func le(_ o: Int, _ v: Int) { built[o] = UInt8(truncatingIfNeeded: v); built[o + 1] = UInt8(truncatingIfNeeded: v >> 8) }
    func be(_ o: Int, _ v: Int) { built[o] = UInt8(truncatingIfNeeded: v >> 8); built[o + 1] = UInt8(truncatingIfNeeded: v) }
    le(2, l3 + l4)
    le(4, gso)
    le(6, l3)
    le(8, udp ? 6 : 16)
    let p = 10
    if v6 {
        built[p] = 0x60
        be(p + 4, l4 + payload)
        built[p + 6] = udp ? 17 : 6
        built[p + 7] = 64
        for i in 8..<40 { built[p + i] = UInt8(truncatingIfNeeded: i &* 13 &+ Int(flags)) }
    } else {
        built[p] = 0x45
        be(p + 2, l3 + l4 + payload)
        be(p + 4, Int(flags) << 8 | Int(c))
        built[p + 6] = 0x40
        built[p + 8] = 64
        built[p + 9] = udp ? 17 : 6
        for i in 12..<20 { built[p + i] = UInt8(truncatingIfNeeded: i &* 13 &+ Int(flags)) }
    }
    let t = p + l3
    be(t, 40000)
    be(t + 2, 443)
    if udp {
        be(t + 4, l4 + payload)
    } else {
        be(t + 4, Int(c) << 8 | Int(flags))
        built[t + 12] = UInt8(l4 / 4) << 4
        built[t + 13] = flags & 0xc9 | 0x10  // CWR, ECE, PSH, FIN kept; ACK
        for i in 20..<l4 { built[t + i] = 1 }  // NOP options
    }
    for i in 0..<payload { built[t + l4 + i] = input[4 + i] }
    return total
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    guard size >= 2 else { return 0 }
    let mtu = 40 + Int(input[0]) << 3 | Int(input[1] & 7)
    var total = segmentAll(UnsafeRawBufferPointer(rebasing: input[2...]), mtu: mtu)
    let n = buildSuperPacket(input)
    if n > 0 {
        let datagram = UnsafeRawBufferPointer(rebasing: built[0..<n])
        // Well-formed: refused only when the MTU leaves no room for payload.
        let (header, packet) = try! VirtioNetHeader.parse(datagram: datagram)
        do {
            _ = try TCPSegmenter(packet: packet, header: header, mtu: mtu)
        } catch {
            guard case .mtuTooSmall = error else { preconditionFailure("well-formed super-packet refused: \(error)") }
        }
        // TCP segments coalesced again give back the payload, in order.
        let tcp = datagram[1] != 5
        joinedCount = 0
        total &+= segmentAll(datagram, mtu: mtu, coalesce: tcp)
        gro.flush(emit: checkEmitted)
        if tcp && joinedCount > 0 {
            let l3 = datagram[10] >> 4 == 6 ? 40 : 20
            let start = 10 + l3 + Int(datagram[10 + l3 + 12] >> 4) * 4
            precondition(joinedCount == n - start, "coalesced payload length differs")
            for i in 0..<joinedCount { precondition(joined[i] == datagram[start + i], "coalesced payload differs") }
        }
    }
    // The raw input as packets for the coalescer: [length, octets...].
    var i = 2
    while i < size {
        let length = Int(input[i]) << 2
        let end = min(i + 1 + length, size)
        gro.push(UnsafeRawBufferPointer(rebasing: input[(i + 1)..<end]), emit: checkEmitted)
        i = end
    }
    gro.flush(emit: checkEmitted)
    total &+= gro.counters.superPackets
    consume(total)
    return 0
}
