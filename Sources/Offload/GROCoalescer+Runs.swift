// The rules of GROCoalescer: which segments are candidates, which may join a
// run (the tests Linux's inet/ipv6/tcp GRO handlers make, RFC sections
// beside each), and how a run becomes a super-packet with a GSO header.

/// A TCP segment as the coalescer sees it.
struct Candidate {
    var layout: PacketLayout
    var flags: UInt8
    var sequence: UInt32
    var payload: Int
    /// ACK set, no SYN/RST/URG, data carried, IPv4 without options.
    var joinable: Bool

    enum Classification {
        case notTCP
        /// TCP by its protocol field, but not parsed (fragment, bad lengths).
        case tcpUnparsed
        case tcp(Candidate)
    }

    static func classify(_ p: UnsafeRawBufferPointer) -> Classification {
        guard p.count >= 1 else { return .notTCP }
        switch p[0] >> 4 {
        case 4: guard p.count >= 20, p[9] == IPProtocol.tcp else { return .notTCP }
        case 6: guard p.count >= 40, p[6] == IPProtocol.tcp else { return .notTCP }
        default: return .notTCP
        }
        guard let layout = try? PacketLayout.parse(p) else { return .tcpUnparsed }
        let l3 = layout.ipHeaderLength
        let flags = p[l3 + 13]
        let payload = p.count - layout.headersLength
        // RFC 9293 §3.1: SYN, RST and URG segments are never merged, nor
        // segments without data or without ACK (Linux's tcp_gro_receive).
        // IPv4 options (IHL > 5) are left alone as Linux's inet_gro_receive does.
        let joinable = flags & (TCPFlags.syn | TCPFlags.rst | TCPFlags.urg) == 0 && flags & TCPFlags.ack != 0
            && payload > 0 && (layout.isIPv6 || l3 == 20)
        return .tcp(Candidate(layout: layout, flags: flags, sequence: p.u32(l3 + 4), payload: payload,
                              joinable: joinable))
    }

    /// The IPv4 header checksum (RFC 791 §3.1) and the TCP checksum over the
    /// pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1) both sum to all ones.
    func checksumsValid(_ p: UnsafeRawBufferPointer) -> Bool {
        let l3 = layout.ipHeaderLength
        if !layout.isIPv6 && !InternetChecksum.ipv4HeaderIsValid(p, headerLength: l3) { return false }
        let pseudo = layout.pseudoHeaderSum(addresses: layout.addressSum(p), length: p.count - l3)
        return InternetChecksum.sum(p.slice(l3, p.count - l3), initial: pseudo) == 0xffff
    }

    /// A short segment, PSH or FIN: nothing may follow it in the run.
    func endsRun(gsoSize: Int) -> Bool {
        payload < gsoSize || flags & (TCPFlags.psh | TCPFlags.fin) != 0
    }
}

/// Equal octets at two offsets of two buffers (offsets already checked).
@inline(__always)
func equalOctets(_ a: UnsafeRawBufferPointer, _ ai: Int, _ b: UnsafeRawBufferPointer, _ bi: Int, _ count: Int) -> Bool {
    var k = 0
    while k + 8 <= count {
        if a.loadUnaligned(fromByteOffset: ai + k, as: UInt64.self)
            != b.loadUnaligned(fromByteOffset: bi + k, as: UInt64.self) { return false }
        k += 8
    }
    while k < count {
        if a[ai + k] != b[bi + k] { return false }
        k += 1
    }
    return true
}

extension GROCoalescer {
    func held(_ r: Run) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[r.base..<(r.base + r.length)])
    }

    /// Same addresses and ports: the TCP connection (RFC 9293 §3.3).
    func sameFlow(_ r: Run, _ p: UnsafeRawBufferPointer, _ layout: PacketLayout) -> Bool {
        guard r.layout.isIPv6 == layout.isIPv6 else { return false }
        let h = held(r)
        let addresses = layout.isIPv6 ? equalOctets(h, 8, p, 8, 32) : equalOctets(h, 12, p, 12, 8)
        return addresses && equalOctets(h, r.layout.ipHeaderLength, p, layout.ipHeaderLength, 4)
    }

    /// Whether `p` continues run `r` exactly: what Linux's GRO compares, so
    /// that the super-packet says what each segment said.
    func canJoin(_ r: Run, _ p: UnsafeRawBufferPointer, _ c: Candidate) -> Bool {
        let h = held(r), l3 = r.layout.ipHeaderLength, thl = r.layout.transportHeaderLength
        guard c.layout.transportHeaderLength == thl, c.sequence == r.nextSequence, c.payload <= r.gsoSize,
              r.length + c.payload <= maximumLength
        else { return false }
        // Same ACK (RFC 9293 §3.4) and the same options, byte for byte
        // (timestamps included: RFC 7323 §3 values differ between rounds).
        guard equalOctets(h, l3 + 8, p, l3 + 8, 4), equalOctets(h, l3 + 20, p, l3 + 20, thl - 20) else { return false }
        // Control bits alike but for PSH and FIN, which only the last may
        // carry, and CWR, which only the first may (RFC 3168 §6.1.2).
        let ignored = TCPFlags.psh | TCPFlags.fin | TCPFlags.cwr
        guard (h[l3 + 13] ^ c.flags) & ~ignored == 0, c.flags & TCPFlags.cwr == 0 else { return false }
        if r.layout.isIPv6 {
            // RFC 8200 §3: version, traffic class, flow label; hop limit.
            return equalOctets(h, 0, p, 0, 4) && h[7] == p[7]
        }
        // RFC 791 §3.1: TOS, TTL and DF alike. Without DF the Identification
        // must count up by one, as the segments of one TSO write do; with DF
        // it names nothing (RFC 6864 §4.1), so any value is accepted.
        guard h[1] == p[1], h[8] == p[8], h[6] & 0x40 == p[6] & 0x40 else { return false }
        return p[6] & 0x40 != 0 || p.u16(4) == r.nextIdentification
    }

    mutating func start(_ i: Int, _ p: UnsafeRawBufferPointer, _ c: Candidate) {
        let base = runs[i].base
        buffer.copy(p, to: base)
        runs[i].length = p.count
        runs[i].segments = 1
        runs[i].layout = c.layout
        runs[i].gsoSize = c.payload
        runs[i].nextSequence = c.sequence &+ UInt32(truncatingIfNeeded: c.payload)
        runs[i].nextIdentification = c.layout.isIPv6 ? 0 : p.u16(4) &+ 1
        runs[i].age = clock
        clock &+= 1
    }

    mutating func append(_ i: Int, _ p: UnsafeRawBufferPointer, _ c: Candidate) {
        let r = runs[i], l3 = r.layout.ipHeaderLength
        buffer.copy(p.slice(c.layout.headersLength, c.payload), to: r.base + r.length)
        // PSH/FIN of the last segment belong to the super-packet; the window
        // is the latest the peer advertised (RFC 9293 §3.8.6).
        buffer[r.base + l3 + 13] |= c.flags & (TCPFlags.psh | TCPFlags.fin)
        buffer[r.base + l3 + 14] = p[l3 + 14]
        buffer[r.base + l3 + 15] = p[l3 + 15]
        runs[i].length += c.payload
        runs[i].segments += 1
        runs[i].nextSequence &+= UInt32(truncatingIfNeeded: c.payload)
        runs[i].nextIdentification &+= 1
    }

    /// Emits run `i`: alone, unchanged; else with new lengths and a GSO
    /// header. The TCP checksum field gets the pseudo-header sum and the
    /// header NEEDS_CSUM, as the kernel's own GSO packets have it: every
    /// segment was verified on the way in, the kernel trusts NEEDS_CSUM on
    /// local delivery and completes it if it forwards or segments, and 64 KiB
    /// are not summed a second time here.
    mutating func flushRun<E: Error>(
        _ i: Int, emit: (VirtioNetHeader, UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let r = runs[i]
        runs[i].segments = 0
        runs[i].length = 0
        guard r.segments > 1 else {
            counters.passedThrough += 1
            try emit(VirtioNetHeader(), held(r))
            return
        }
        let out = UnsafeMutableRawBufferPointer(rebasing: buffer[r.base..<(r.base + r.length)])
        let l3 = r.layout.ipHeaderLength
        if r.layout.isIPv6 {
            out.setU16(4, UInt16(r.length - l3))
        } else {
            // RFC 1624 eqn. 3: only Total Length changed in a header whose
            // checksum was verified.
            let old = UnsafeRawBufferPointer(out).u16(2)
            out.setU16(10, InternetChecksum.update(UnsafeRawBufferPointer(out).u16(10), old: old,
                                                   new: UInt16(r.length)))
            out.setU16(2, UInt16(r.length))
        }
        let view = UnsafeRawBufferPointer(out)
        out.setU16(l3 + 16, r.layout.pseudoHeaderSum(addresses: r.layout.addressSum(view), length: r.length - l3))
        let header = VirtioNetHeader(flags: .needsChecksum, gsoType: r.layout.isIPv6 ? .tcpv6 : .tcpv4,
                                     ecn: view[l3 + 13] & TCPFlags.cwr != 0,
                                     headerLength: UInt16(r.layout.headersLength), gsoSize: UInt16(r.gsoSize),
                                     checksumStart: UInt16(l3), checksumOffset: 16)
        counters.superPackets += 1
        counters.segmentsCoalesced += r.segments
        try emit(header, view)
    }
}
