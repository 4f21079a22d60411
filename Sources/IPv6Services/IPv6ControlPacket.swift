// Which IPv6 packets from a session's peer are for the RA and DHCPv6 code
// rather than the kernel: a look at fixed offsets of the raw packet with no
// allocation, for the per-packet data path. Anything it names still goes
// through the full, checking parser.

public enum IPv6ControlPacket: Equatable, Sendable {
    case routerSolicitation
    case routerAdvertisement
    /// UDP to port 547: a client's message for the session's server.
    case dhcpv6ToServer
    /// UDP to port 546: a server's message for the CPE's client.
    case dhcpv6ToClient

    /// Looks at the Next Header (offset 6), then the ICMPv6 type (40) or the
    /// UDP destination port (42-43). Extension headers are not walked.
    public static func classify<C: RandomAccessCollection<UInt8>>(_ packet: C) -> IPv6ControlPacket? where C.Index == Int {
        let s = packet.startIndex
        guard packet.count >= 48, packet[s] >> 4 == 6 else { return nil }
        switch packet[s + 6] {
        case NextHeader.icmpv6:
            switch packet[s + 40] {
            case RouterDiscoveryMessage.ICMPType.routerSolicitation: return .routerSolicitation
            case RouterDiscoveryMessage.ICMPType.routerAdvertisement: return .routerAdvertisement
            default: return nil
            }
        case NextHeader.udp:
            switch UInt16(packet[s + 42]) << 8 | UInt16(packet[s + 43]) {
            case DHCPv6Message.serverPort: return .dhcpv6ToServer
            case DHCPv6Message.clientPort: return .dhcpv6ToClient
            default: return nil
            }
        default:
            return nil
        }
    }
}
