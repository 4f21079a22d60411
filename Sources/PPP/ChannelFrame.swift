// The frame format of a channel (DESIGN.md "Channels"): one datagram per frame,
// the 2-octet Protocol field then the Information field; no Address/Control,
// no FCS, no escaping, and never a compressed Protocol field.

/// Encoding and decoding of frames on a linkd <-> ncpd/bridged channel.
public enum ChannelFrame {
    public static let headerLength = 2

    /// Replaces `output` with the datagram; keeps its capacity.
    public static func encode<C: Collection<UInt8>>(protocol proto: ProtocolNumber, information: C,
                                                    into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(information.count + headerLength)
        BigEndian.append(proto.rawValue, to: &output)
        output.append(contentsOf: information)
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
}
