// Where the headers of one IPv4 or IPv6 packet with TCP or UDP directly
// inside sit, checked once so the segmenter and coalescer can then read
// fields without re-checking. IPv6 extension headers are refused, not
// walked: neither a TUN TSO read nor a GRO candidate needs them.

enum IPProtocol {
    static let tcp: UInt8 = 6
    static let udp: UInt8 = 17
}

struct PacketLayout: Equatable {
    var isIPv6: Bool
    /// IPv4 IHL×4 (RFC 791 §3.1) or 40 (RFC 8200 §3).
    var ipHeaderLength: Int
    var transport: UInt8
    /// TCP Data Offset×4 (RFC 9293 §3.1) or 8 for UDP (RFC 768).
    var transportHeaderLength: Int
    var headersLength: Int { ipHeaderLength + transportHeaderLength }

    /// Offset of the TCP/UDP checksum field.
    var checksumField: Int { ipHeaderLength + (transport == IPProtocol.tcp ? 16 : 6) }

    /// Parses the IP header and the TCP or UDP header after it. The IP
    /// length field must match `packet.count` exactly (neither short nor
    /// trailing octets), and IPv4 fragments are refused.
    static func parse(_ packet: UnsafeRawBufferPointer) throws(OffloadError) -> PacketLayout {
        guard packet.count >= 1 else { throw .packetTruncated(needed: 20, length: 0) }
        let version = packet[0] >> 4
        var layout: PacketLayout
        switch version {
        case 4:
            guard packet.count >= 20 else { throw .packetTruncated(needed: 20, length: packet.count) }
            let ihl = Int(packet[0] & 0x0f) * 4
            guard ihl >= 20 else { throw .badIPv4HeaderLength(ihl) }
            guard packet.count >= ihl else { throw .packetTruncated(needed: ihl, length: packet.count) }
            let total = Int(packet.u16(2))
            guard total == packet.count else { throw .ipLengthMismatch(announced: total, length: packet.count) }
            // RFC 791 §3.1: MF flag and Fragment Offset.
            guard packet.u16(6) & 0x3fff == 0 else { throw .fragment }
            layout = PacketLayout(isIPv6: false, ipHeaderLength: ihl, transport: packet[9], transportHeaderLength: 0)
        case 6:
            guard packet.count >= 40 else { throw .packetTruncated(needed: 40, length: packet.count) }
            let payload = Int(packet.u16(4))
            guard payload + 40 == packet.count else {
                throw .ipLengthMismatch(announced: payload + 40, length: packet.count)
            }
            layout = PacketLayout(isIPv6: true, ipHeaderLength: 40, transport: packet[6], transportHeaderLength: 0)
        default:
            throw .notIP(version: version)
        }
        let l3 = layout.ipHeaderLength
        switch layout.transport {
        case IPProtocol.tcp:
            guard packet.count >= l3 + 20 else { throw .packetTruncated(needed: l3 + 20, length: packet.count) }
            let thl = Int(packet[l3 + 12] >> 4) * 4
            guard thl >= 20 else { throw .badTCPHeaderLength(thl) }
            guard packet.count >= l3 + thl else { throw .packetTruncated(needed: l3 + thl, length: packet.count) }
            layout.transportHeaderLength = thl
        case IPProtocol.udp:
            guard packet.count >= l3 + 8 else { throw .packetTruncated(needed: l3 + 8, length: packet.count) }
            layout.transportHeaderLength = 8
        default:
            throw .unsupportedProtocol(layout.transport)
        }
        return layout
    }

    /// The folded sum of the source and destination addresses.
    func addressSum(_ packet: UnsafeRawBufferPointer) -> UInt16 {
        isIPv6 ? InternetChecksum.sum(packet.slice(8, 32)) : InternetChecksum.sum(packet.slice(12, 8))
    }

    /// The pseudo-header sum for a transport segment of `length` octets.
    func pseudoHeaderSum(addresses: UInt16, length: Int) -> UInt16 {
        isIPv6
            ? InternetChecksum.ipv6PseudoHeader(addresses: addresses, nextHeader: transport, length: length)
            : InternetChecksum.ipv4PseudoHeader(addresses: addresses, protocol: transport, length: length)
    }
}

extension InternetChecksum {
    /// Sets the IPv4 header checksum of the header at the start of `packet`
    /// (RFC 791 §3.1: the field is zero while summing).
    static func setIPv4HeaderChecksum(_ packet: UnsafeMutableRawBufferPointer, headerLength: Int) {
        packet.setU16(10, 0)
        packet.setU16(10, finish(sum(packet.slice(0, headerLength))))
    }

    /// True if the IPv4 header at the start of `packet` sums to all ones.
    static func ipv4HeaderIsValid(_ packet: UnsafeRawBufferPointer, headerLength: Int) -> Bool {
        sum(packet.slice(0, headerLength)) == 0xffff
    }
}
