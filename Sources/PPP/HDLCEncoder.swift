// RFC 1662 §4 octet-stuffed (asynchronous HDLC-like) framing, transmit side:
// header per ACFC/PFC, FCS-16 or FCS-32, escaping per the sending ACCM, into a
// caller-owned buffer that is cleared but keeps its capacity between frames.

/// Encodes PPP frames for an asynchronous link (tty, pty, TCP byte stream).
public struct HDLCEncoder: Sendable {
    public static let flag: UInt8 = 0x7e
    public static let escape: UInt8 = 0x7d
    /// RFC 1662 §4.2: the escaped octet is "exclusive-or'd with 0x20".
    public static let escapeXor: UInt8 = 0x20

    /// Octets to escape (RFC 1662 §7.1 sending ACCM; 0x7d and 0x7e always).
    public var transmitMap: ACCM
    /// RFC 1661 §6.6 negotiated for transmit (never applied to LCP).
    public var compressAddressControl: Bool
    /// RFC 1661 §6.5 negotiated for transmit (never applied to LCP).
    public var compressProtocol: Bool
    public var fcs: FCSKind

    public init(transmitMap: ACCM = .allControlCharacters, compressAddressControl: Bool = false,
                compressProtocol: Bool = false, fcs: FCSKind = .fcs16) {
        self.transmitMap = transmitMap
        self.compressAddressControl = compressAddressControl
        self.compressProtocol = compressProtocol
        self.fcs = fcs
    }

    /// Replaces `output` with one complete frame: flag, escaped header +
    /// information + FCS, flag. No allocation once `output` has grown to fit.
    public func encode<C: Collection<UInt8>>(protocol proto: ProtocolNumber, information: C,
                                             into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(2 * (information.count + 8) + 2)
        var map = transmitMap
        // pppd (Linux ppp_async) sends LCP Configure-* .. Code-Reject with the
        // RFC 1662 §7.1 default map: during (re)negotiation the peer may
        // already have gone back to receiving with all of 0x00-0x1f mapped.
        if proto == .lcp, let code = information.first, (1...7).contains(code) {
            map = map.union(.allControlCharacters)
        }
        // RFC 1661 §6.5, §6.6: neither compression ever applies to LCP.
        let isLCP = proto == .lcp
        let withAddressControl = !(compressAddressControl && !isLCP)
        let shortProtocol = compressProtocol && !isLCP && proto.isCompressible
        output.append(Self.flag)
        // RFC 1662 §C.2, §C.3: FCS-16 is FCS-32's loop with the 16-bit table
        // (FCS16.wideTable); either goes out as its ones complement, least
        // significant octet first.
        let table = fcs == .fcs16 ? FCS16.wideTable : FCS32.table
        var sum = fcs == .fcs16 ? UInt32(FCS16.initial) : FCS32.initial
        func emit(_ byte: UInt8) {
            sum = FCS32.update(sum, byte, table)
            Self.put(byte, map, &output)
        }
        if withAddressControl {
            emit(FrameHeader.address)
            emit(FrameHeader.control)
        }
        if !shortProtocol { emit(UInt8(proto.rawValue >> 8)) }
        emit(UInt8(truncatingIfNeeded: proto.rawValue))
        for byte in information { emit(byte) }
        sum = ~sum
        for octet in 0..<fcs.length { Self.put(UInt8(truncatingIfNeeded: sum >> (8 * octet)), map, &output) }
        output.append(Self.flag)
    }

    @inline(__always)
    static func put(_ byte: UInt8, _ map: ACCM, _ output: inout [UInt8]) {
        if map.contains(byte) {
            output.append(escape)
            output.append(byte ^ escapeXor)
        } else {
            output.append(byte)
        }
    }
}
