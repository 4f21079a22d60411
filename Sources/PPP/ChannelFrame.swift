// The frame format of a channel (DESIGN.md "Channels"): one datagram per frame,
// the 2-octet Protocol field then the Information field; no Address/Control,
// no FCS, no escaping, and never a compressed Protocol field. Frames are sent
// by IPC's ChannelPump, which gathers the Protocol field and the Information
// without copying them together first; this type writes the field in place
// and reads frames, including the LCP Protocol-Reject either end may carry.

/// Encoding and decoding of frames on a linkd <-> ncpd/bridged channel.
public enum ChannelFrame {
    public static let headerLength = 2

    /// Writes the Protocol field into the first two octets of `frame`,
    /// in front of an Information field already in place.
    public static func writeHeader(_ proto: ProtocolNumber, into frame: UnsafeMutableRawBufferPointer) {
        frame[0] = UInt8(proto.rawValue >> 8)
        frame[1] = UInt8(proto.rawValue & 0xff)
    }

    /// Strict: exactly two Protocol octets forming a valid value (RFC 1661 §2).
    public static func decode(_ datagram: ArraySlice<UInt8>) throws(PPPError) -> (protocol: ProtocolNumber, information: ArraySlice<UInt8>) {
        guard datagram.count >= headerLength else {
            throw .truncated(needed: headerLength, available: datagram.count)
        }
        let proto = ProtocolNumber(BigEndian.uint16(datagram, at: datagram.startIndex))
        guard proto.isValid else { throw .invalidProtocol(proto.rawValue) }
        return (proto, datagram[(datagram.startIndex + headerLength)...])
    }

    /// RFC 1661 §5.7: the Information of an LCP frame on a channel, which
    /// is only ever a Protocol-Reject: the rejected protocol and the
    /// rejected information (within the packet's Length; padding ignored).
    /// nil for another code, a bad Length, or no Rejected-Protocol.
    public static func protocolReject(_ information: ArraySlice<UInt8>) -> (protocol: ProtocolNumber, information: ArraySlice<UInt8>)? {
        guard let packet = try? ControlPacket(parsing: information), packet.code == .protocolReject,
              packet.data.count >= 2 else { return nil }
        let rejected = ProtocolNumber(BigEndian.uint16(packet.data[...], at: 0))
        // The Data is a suffix of `information` up to Length: hand back the
        // caller's octets, not the packet's copy.
        let start = information.startIndex + ControlPacket.headerLength + 2
        return (rejected, information[start..<(start + packet.data.count - 2)])
    }
}
