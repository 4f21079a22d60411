// PPP session stage frames (RFC 2516 §6): ETHER_TYPE 0x8864, CODE 0, the
// SESSION_ID from discovery, and a PPP frame (Protocol field first) as the
// payload. Both directions work in place on one buffer: no allocation per
// frame on the data path.

public enum SessionFrame {
    /// RFC 2516 §6: "The PPPoE CODE MUST be set to 0x00".
    public static let code: UInt8 = 0

    /// Checks a received session frame and returns its header and where the
    /// PPP frame lies in `frame` (Ethernet padding after LENGTH excluded).
    public static func parse(_ frame: ArraySlice<UInt8>) throws(PPPoEError) -> (header: PPPoEHeader, payload: Range<Int>) {
        let header = try PPPoEHeader(parsing: frame)
        guard header.etherType == .session else { throw .unknownEtherType(header.etherType.rawValue) }
        guard header.code == code else { throw .unknownCode(header.code) }
        // §4: 0xffff is reserved; §5.4: 0 is what a failed PADS carries, never a session.
        guard header.sessionID != 0, header.sessionID != PPPoEHeader.reservedSessionID else {
            throw .badSessionID(header.sessionID)
        }
        guard header.source.isUnicast else { throw .sourceNotUnicast }
        let start = frame.startIndex + PPPoEHeader.length
        return (header, start..<(start + header.payloadLength))
    }

    /// Writes the 20-octet header in front of a PPP frame of `payloadLength`
    /// octets that the caller has already placed at `frame[20...]`.
    public static func writeHeader(into frame: inout [UInt8], destination: EthernetAddress,
                                   source: EthernetAddress, sessionID: UInt16, payloadLength: Int) {
        PPPoEHeader(destination: destination, source: source, etherType: .session, code: code,
                    sessionID: sessionID, payloadLength: payloadLength).write(into: &frame)
    }
}
