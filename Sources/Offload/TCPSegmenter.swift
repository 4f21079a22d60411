// TSO and USO done in userland (issue 21): a super-packet read from a TUN
// with IFF_VNET_HDR is cut into segments no longer than the session's MTU,
// one at a time into a buffer the caller reuses, each with its own lengths,
// IPv4 ID, TCP sequence number, flags and full checksums. No allocation:
// the segmenter is a value over the caller's buffers.

public struct TCPSegmenter {
    public let header: VirtioNetHeader
    /// Payload octets in every segment but the last (which may be shorter):
    /// min(gso_size, mtu − IP and TCP/UDP headers).
    public let segmentPayload: Int
    /// How many segments `next(into:)` produces in all.
    public let segmentCount: Int
    /// The longest segment `next(into:)` writes; the output buffer must hold it.
    public let maximumSegmentLength: Int

    let packet: UnsafeRawBufferPointer
    let layout: PacketLayout?
    let addresses: UInt16
    let payloadLength: Int
    var index = 0

    /// Checks the super-packet `packet` (without its virtio header) against
    /// `header` and plans its segments for `mtu` (the session's MTU: at most
    /// the peer's MRU, 1492 or less on PPPoE, RFC 2516 §7). `packet` must
    /// stay valid and unchanged while `next(into:)` is called.
    public init(packet: UnsafeRawBufferPointer, header: VirtioNetHeader, mtu: Int) throws(OffloadError) {
        try header.validate(packetLength: packet.count)
        self.packet = packet
        self.header = header
        guard header.gsoType != .none else {
            // One packet, at most its checksum to complete: nothing to cut.
            guard packet.count <= mtu else { throw .packetExceedsMTU(length: packet.count, mtu: mtu) }
            layout = nil
            addresses = 0
            payloadLength = packet.count
            segmentPayload = packet.count
            segmentCount = 1
            maximumSegmentLength = packet.count
            return
        }
        let l = try PacketLayout.parse(packet)
        switch header.gsoType {
        case .tcpv4, .tcpv6:
            guard l.isIPv6 == (header.gsoType == .tcpv6) else { throw .gsoTypeMismatch }
            guard l.transport == IPProtocol.tcp else { throw .unsupportedProtocol(l.transport) }
        case .udpL4:
            guard l.transport == IPProtocol.udp else { throw .unsupportedProtocol(l.transport) }
        case .none:
            break
        }
        if header.flags.contains(.needsChecksum) {
            guard Int(header.checksumStart) == l.ipHeaderLength,
                  Int(header.checksumStart) + Int(header.checksumOffset) == l.checksumField
            else { throw .checksumFieldMismatch(start: Int(header.checksumStart), offset: Int(header.checksumOffset)) }
        }
        let room = mtu - l.headersLength
        guard room > 0 else { throw .mtuTooSmall(mtu: mtu, headers: l.headersLength) }
        layout = l
        addresses = l.addressSum(packet)
        payloadLength = packet.count - l.headersLength
        segmentPayload = min(Int(header.gsoSize), room)
        segmentCount = max(1, (payloadLength + segmentPayload - 1) / segmentPayload)
        maximumSegmentLength = l.headersLength + min(segmentPayload, payloadLength)
    }

    /// Writes the next segment at the start of `out` and returns its length,
    /// or nil when every segment has been produced. `out` must hold
    /// `maximumSegmentLength` octets.
    public mutating func next(into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard index < segmentCount else { return nil }
        precondition(out.count >= maximumSegmentLength, "segment buffer shorter than maximumSegmentLength")
        defer { index += 1 }
        guard let l = layout else {
            out.copy(packet, to: 0)
            if header.flags.contains(.needsChecksum) {
                Self.complete(UnsafeMutableRawBufferPointer(rebasing: out[0..<packet.count]),
                              start: Int(header.checksumStart), field: Int(header.checksumStart) + Int(header.checksumOffset))
            }
            return packet.count
        }
        let hl = l.headersLength, l3 = l.ipHeaderLength
        let offset = index * segmentPayload
        let length = min(segmentPayload, payloadLength - offset)
        let first = index == 0, last = index == segmentCount - 1
        out.copy(packet.slice(0, hl), to: 0)
        out.copy(packet.slice(hl + offset, length), to: hl)
        let transportLength = l.transportHeaderLength + length
        if l.isIPv6 {
            // RFC 8200 §3: Payload Length counts what follows the fixed header.
            out.setU16(4, UInt16(transportLength))
        } else {
            // RFC 791 §3.1: Total Length; a new Identification per datagram
            // (consecutive, as Linux's TSO gives them, RFC 6864 §4.1), then
            // the header checksum over the changed header.
            out.setU16(2, UInt16(l3 + transportLength))
            out.setU16(4, packet.u16(4) &+ UInt16(truncatingIfNeeded: index))
            InternetChecksum.setIPv4HeaderChecksum(out, headerLength: l3)
        }
        if l.transport == IPProtocol.tcp {
            // RFC 9293 §3.4: each segment's sequence number is that of its
            // first data octet. FIN and PSH belong to the end of the data,
            // CWR to its first segment (RFC 3168 §6.1.2: set once).
            out.setU32(l3 + 4, packet.u32(l3 + 4) &+ UInt32(truncatingIfNeeded: offset))
            var flags = packet[l3 + 13]
            if !last { flags &= ~(TCPFlags.fin | TCPFlags.psh) }
            if !first { flags &= ~TCPFlags.cwr }
            out[l3 + 13] = flags
        } else {
            // RFC 768: UDP Length covers header and data.
            out.setU16(l3 + 4, UInt16(transportLength))
        }
        let field = l.checksumField
        out.setU16(field, 0)
        let pseudo = l.pseudoHeaderSum(addresses: addresses, length: transportLength)
        var check = InternetChecksum.finish(InternetChecksum.sum(out.slice(l3, transportLength), initial: pseudo))
        // RFC 768: a computed zero is sent as all ones (zero means "none" for
        // UDP over IPv4; for TCP both spell the same sum).
        if check == 0 { check = 0xffff }
        out.setU16(field, check)
        return hl + length
    }

    /// Completes a NEEDS_CSUM packet in place (no GSO): the ones'-complement
    /// sum from csum_start to the end, over the pseudo-header sum the kernel
    /// left in the field, complemented into the field at csum_start +
    /// csum_offset.
    public static func completeChecksum(_ packet: UnsafeMutableRawBufferPointer,
                                        header: VirtioNetHeader) throws(OffloadError) {
        try header.validate(packetLength: packet.count)
        guard header.flags.contains(.needsChecksum) else { return }
        complete(packet, start: Int(header.checksumStart), field: Int(header.checksumStart) + Int(header.checksumOffset))
    }

    static func complete(_ packet: UnsafeMutableRawBufferPointer, start: Int, field: Int) {
        let covered = UnsafeRawBufferPointer(rebasing: packet[start...])
        var check = InternetChecksum.finish(InternetChecksum.sum(covered))
        if check == 0 { check = 0xffff }
        packet.setU16(field, check)
    }
}

/// RFC 9293 §3.1 control bits (octet 13 of the TCP header), RFC 3168 §6.1.
enum TCPFlags {
    static let fin: UInt8 = 0x01
    static let syn: UInt8 = 0x02
    static let rst: UInt8 = 0x04
    static let psh: UInt8 = 0x08
    static let ack: UInt8 = 0x10
    static let urg: UInt8 = 0x20
    static let ece: UInt8 = 0x40
    static let cwr: UInt8 = 0x80
}
