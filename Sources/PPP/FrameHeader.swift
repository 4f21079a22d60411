// The start of every PPP frame on a serial-like link (RFC 1662 §3.1, RFC 1661
// §2, §6.5, §6.6): optional Address 0xff / Control 0x03, then a Protocol field
// of one or two octets. Shared by the async deframer and sync (UDP) framing.

/// Parsing and writing "[ff 03] protocol information".
public enum FrameHeader {
    public static let address: UInt8 = 0xff
    public static let control: UInt8 = 0x03

    /// Splits a frame (FCS already removed). Compressed Address/Control and a
    /// compressed Protocol field are always accepted (RFC 1661 §6.5, §6.6 allow
    /// a receiver to accept them before negotiation; pppd and Linux do).
    public static func parse(_ frame: ArraySlice<UInt8>) throws(PPPError) -> (protocol: ProtocolNumber, information: ArraySlice<UInt8>) {
        var index = frame.startIndex
        if frame.count >= 2 && frame[index] == address && frame[index + 1] == control {
            index += 2
        }
        guard index < frame.endIndex else {
            throw .truncated(needed: 1, available: 0)
        }
        let first = frame[index]
        // RFC 1661 §2: the Protocol field ends with the first octet whose
        // least significant bit is 1.
        if first & 1 == 1 {
            return (ProtocolNumber(UInt16(first)), frame[(index + 1)...])
        }
        guard index + 1 < frame.endIndex else {
            throw .truncated(needed: 2, available: 1)
        }
        let value = UInt16(first) << 8 | UInt16(frame[index + 1])
        guard ProtocolNumber(value).isValid else { throw .invalidProtocol(value) }
        return (ProtocolNumber(value), frame[(index + 2)...])
    }

    /// Writes Address/Control unless compressed, then the Protocol field,
    /// compressed when allowed. LCP is never compressed either way (RFC 1661
    /// §6.5 "MUST NOT be compressed when sending any LCP packet", §6.6 likewise).
    public static func append(protocol proto: ProtocolNumber, compressAddressControl: Bool,
                              compressProtocol: Bool, to bytes: inout [UInt8]) {
        let isLCP = proto == .lcp
        if !(compressAddressControl && !isLCP) {
            bytes.append(address)
            bytes.append(control)
        }
        if compressProtocol && !isLCP && proto.isCompressible {
            bytes.append(UInt8(proto.rawValue))
        } else {
            BigEndian.append(proto.rawValue, to: &bytes)
        }
    }
}
