// Why a datagram or packet was refused by the offload code (issue 21). One
// enum for the library, thrown typed: the caller drops the packet and counts
// the case; nothing here traps on input from the TUN or the wire.

public enum OffloadError: Error, Equatable, Sendable {
    /// Fewer than `VirtioNetHeader.size` octets before the packet.
    case headerTruncated(length: Int)
    /// A gso_type we do not segment: UFO (3), or a value Linux never defined.
    case unknownGSOType(UInt8)
    /// Flag bits other than NEEDS_CSUM and DATA_VALID.
    case unknownFlags(UInt8)
    /// gso_size of zero on a GSO datagram: no segment size to cut to.
    case gsoSizeZero
    /// csum_start + csum_offset + 2 lies beyond the packet.
    case checksumBeyondPacket(start: Int, offset: Int, packetLength: Int)
    /// hdr_len longer than the packet itself.
    case headerLengthBeyondPacket(headerLength: Int, packetLength: Int)
    /// The packet is shorter than the IP (or TCP/UDP) header it announces.
    case packetTruncated(needed: Int, length: Int)
    /// IP version nibble other than 4 or 6.
    case notIP(version: UInt8)
    /// IPv4 IHL below 5 (RFC 791 §3.1).
    case badIPv4HeaderLength(Int)
    /// IPv4 Total Length or IPv6 Payload Length disagrees with the octets
    /// received (short, or trailing octets after the packet).
    case ipLengthMismatch(announced: Int, length: Int)
    /// An IPv4 fragment (MF set or a non-zero offset): TSO never makes one.
    case fragment
    /// The transport is not the one the gso_type names (TCP for TCPV4/6, UDP
    /// for UDP_L4), or an IPv6 extension header sits before it (refused,
    /// not walked: RFC 8200 §4 chains are not what a TUN TSO read carries).
    case unsupportedProtocol(UInt8)
    /// TCPV4 on an IPv6 packet or TCPV6 on an IPv4 one.
    case gsoTypeMismatch
    /// TCP Data Offset below 5 (RFC 9293 §3.1).
    case badTCPHeaderLength(Int)
    /// NEEDS_CSUM pointing somewhere other than the TCP/UDP checksum field.
    case checksumFieldMismatch(start: Int, offset: Int)
    /// The MTU leaves no room for payload after the IP and TCP/UDP headers.
    case mtuTooSmall(mtu: Int, headers: Int)
    /// A packet without GSO that is longer than the MTU.
    case packetExceedsMTU(length: Int, mtu: Int)
}
