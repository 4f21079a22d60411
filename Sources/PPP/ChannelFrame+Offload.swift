// Issue 21: the two channel frames that are not PPP frames. A channel
// carries one PPP frame per datagram (ChannelFrame); with TUN offloads on, a
// datagram may instead carry a super-packet: up to 64 KiB of one TCP or UDP
// flow with the virtio-net header the TUN driver put in front of it (what
// to segment, where the checksum goes), so one syscall moves ~44 MTU-sized
// packets' worth. The first two octets tell them apart: a PPP Protocol field
// always has the low bit of its low octet set (RFC 1661 §2), so the even
// values 0x0000 and 0x0002 can never start a PPP frame, and a reader of the
// release before drops either as an invalid protocol (counted), never
// misreads it. Neither end sends one before the other said it can take it:
// linkd offers in the channel record, the owner answers with a capability
// frame, and only then do super-packets flow (docs/design.md "Issue 21").
//
//   super-packet:  0x00 0x00 | Protocol (2) | virtio_net_hdr (10) | IP packet
//   capability:    0x00 0x02 | version (1) | flags (1)

/// What an end of a channel can do with super-packets.
public struct ChannelOffload: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// It sends super-packets (the owner: the TUN hands it TSO/USO reads;
    /// linkd: it coalesces received segments).
    public static let sendsSuperPackets = ChannelOffload(rawValue: 0x01)
    /// It takes super-packets (linkd: it segments them to the session's
    /// MTU; the owner: it writes them to a TUN with a virtio-net header).
    public static let takesSuperPackets = ChannelOffload(rawValue: 0x02)
    /// In a capability frame: the receiver answers with its own (sent by an
    /// end that restarted and lost what the other said).
    public static let replyRequested = ChannelOffload(rawValue: 0x80)

    public static let known: ChannelOffload = [.sendsSuperPackets, .takesSuperPackets, .replyRequested]
}

/// The kind of a channel datagram, from its first two octets.
public enum ChannelFrameKind: Equatable, Sendable {
    case ppp
    case superPacket
    case capability
    /// Shorter than two octets, or another even value: no valid frame.
    case invalid
}

extension ChannelFrame {
    /// 0x0000: a super-packet follows.
    public static let superPacketMarker: UInt16 = 0x0000
    /// 0x0002: a capability frame.
    public static let capabilityMarker: UInt16 = 0x0002
    /// struct virtio_net_hdr (linux/virtio_net.h) without num_buffers: what
    /// a TUN unit reads and writes in front of every packet with
    /// IFF_VNET_HDR and TUNSETVNETHDRSZ 10.
    public static let virtioHeaderLength = 10
    /// Marker, Protocol, virtio header: where the IP packet starts.
    public static let superPacketHeaderLength = 4 + virtioHeaderLength
    /// The largest IP packet a super-packet carries (the IPv4 Total Length
    /// and the IPv6 Payload Length are 16 bits; TSO stays below).
    public static let superPacketMaximum = 65_535
    /// A capability frame: marker, version, flags.
    public static let capabilityLength = 4
    public static let capabilityVersion: UInt8 = 1

    public static func kind(_ frame: UnsafeRawBufferPointer) -> ChannelFrameKind {
        guard frame.count >= headerLength else { return .invalid }
        let marker = UInt16(frame[0]) << 8 | UInt16(frame[1])
        if marker & 0x0001 == 1 { return .ppp }
        switch marker {
        case superPacketMarker: return .superPacket
        case capabilityMarker: return .capability
        default: return .invalid
        }
    }

    /// Writes the marker and `proto` into the first four octets of `frame`,
    /// in front of a virtio header and packet already in place.
    public static func writeSuperPacketHeader(_ proto: ProtocolNumber, into frame: UnsafeMutableRawBufferPointer) {
        frame[0] = 0; frame[1] = 0
        frame[2] = UInt8(proto.rawValue >> 8)
        frame[3] = UInt8(proto.rawValue & 0xff)
    }

    /// A super-packet's Protocol (IPv4 or IPv6 only) and where its virtio
    /// header starts (the packet follows it). Strict: the marker, a known
    /// network protocol, a header, and at least an IP version octet.
    public static func superPacket(_ frame: UnsafeRawBufferPointer) throws(PPPError) -> ProtocolNumber {
        guard frame.count > superPacketHeaderLength else {
            throw .truncated(needed: superPacketHeaderLength + 1, available: frame.count)
        }
        guard frame.count - superPacketHeaderLength <= superPacketMaximum else {
            throw .tooLong(length: frame.count - superPacketHeaderLength, maximum: superPacketMaximum)
        }
        guard frame[0] == 0, frame[1] == 0 else { throw .invalidProtocol(UInt16(frame[0]) << 8 | UInt16(frame[1])) }
        let proto = ProtocolNumber(UInt16(frame[2]) << 8 | UInt16(frame[3]))
        let version = frame[superPacketHeaderLength] >> 4
        guard (proto == .ipv4 && version == 4) || (proto == .ipv6 && version == 6) else {
            throw .invalidProtocol(proto.rawValue)
        }
        return proto
    }

    /// The four octets of a capability frame.
    public static func capability(_ offload: ChannelOffload) -> [UInt8] {
        [0x00, 0x02, capabilityVersion, offload.rawValue]
    }

    /// A capability frame's flags. A later version may add octets after
    /// the flags (read and ignored); flags this version does not know are
    /// dropped, so an older end never acts on what it cannot do.
    public static func capability(_ frame: UnsafeRawBufferPointer) throws(PPPError) -> ChannelOffload {
        guard frame.count >= capabilityLength else { throw .truncated(needed: capabilityLength, available: frame.count) }
        guard frame[0] == 0, frame[1] == 2 else { throw .invalidProtocol(UInt16(frame[0]) << 8 | UInt16(frame[1])) }
        guard frame[2] >= capabilityVersion else { throw .invalidValue }
        guard frame[2] > capabilityVersion || frame.count == capabilityLength else {
            throw .trailingData(count: frame.count - capabilityLength)
        }
        return ChannelOffload(rawValue: frame[3]).intersection(.known)
    }
}
