// Frames without octet-stuffing or FCS, one per datagram, as FreeBSD ppp's udp
// device sends them: [ff 03] protocol information. The transport (UDP) already
// delimits and checks the frame, so there is nothing else to do.

/// Encoding and decoding of frames carried one per datagram.
public struct SyncFraming: Equatable, Sendable {
    /// RFC 1661 §6.6 negotiated for transmit (never applied to LCP).
    public var compressAddressControl: Bool
    /// RFC 1661 §6.5 negotiated for transmit (never applied to LCP).
    public var compressProtocol: Bool

    public init(compressAddressControl: Bool = false, compressProtocol: Bool = false) {
        self.compressAddressControl = compressAddressControl
        self.compressProtocol = compressProtocol
    }

    /// Replaces `output` with the datagram; keeps its capacity.
    public func encode<C: Collection<UInt8>>(protocol proto: ProtocolNumber, information: C,
                                             into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(information.count + 4)
        FrameHeader.append(protocol: proto, compressAddressControl: compressAddressControl,
                           compressProtocol: compressProtocol, to: &output)
        output.append(contentsOf: information)
    }

    /// Splits a received datagram; compressed fields are always accepted.
    public static func decode(_ datagram: ArraySlice<UInt8>) throws(PPPError) -> (protocol: ProtocolNumber, information: ArraySlice<UInt8>) {
        try FrameHeader.parse(datagram)
    }
}
