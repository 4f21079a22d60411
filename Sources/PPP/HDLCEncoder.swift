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
    /// Contiguous information (arrays, slices: every caller in the daemons)
    /// takes the pointer loop below; this entry point is generic, and a
    /// generic loop called from another module runs unspecialised, through
    /// the collection's witness table for every octet (~140 cycles per
    /// octet in an optimised build, against a few for the pointer loop).
    public func encode<C: Collection<UInt8>>(protocol proto: ProtocolNumber, information: C,
                                             into output: inout [UInt8]) {
        let done: Void? = information.withContiguousStorageIfAvailable {
            encode(protocol: proto, octets: UnsafeRawBufferPointer($0), into: &output)
        }
        if done == nil {
            let copy = Array(information)
            copy.withUnsafeBytes { encode(protocol: proto, octets: $0, into: &output) }
        }
    }

    /// The encoder proper, over the information's octets in memory.
    public func encode(protocol proto: ProtocolNumber, octets information: UnsafeRawBufferPointer,
                       into output: inout [UInt8]) {
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
        // The longest this frame can be: every octet of Address, Control,
        // Protocol, information and FCS escaped, and two Flags. The buffer
        // is grown to it (capacity kept between frames), written through a
        // pointer, then cut to what was written.
        let longest = 2 * (information.count + 4 + fcs.length) + 2
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: repeatElement(0, count: longest))
        // RFC 1662 §C.2, §C.3: FCS-16 is FCS-32's loop with the 16-bit table
        // (FCS16.wideTable); either goes out as its ones complement, least
        // significant octet first.
        let table = fcs == .fcs16 ? FCS16.wideTable : FCS32.table
        let initial = fcs == .fcs16 ? UInt32(FCS16.initial) : FCS32.initial
        let fcsLength = fcs.length
        let written = output.withUnsafeMutableBufferPointer { out in
            table.withUnsafeBufferPointer { table in
                var w = Stuffer(out: out.baseAddress!, table: table.baseAddress!, map: map, sum: initial)
                w.flag()
                if withAddressControl {
                    w.emit(FrameHeader.address)
                    w.emit(FrameHeader.control)
                }
                if !shortProtocol { w.emit(UInt8(proto.rawValue >> 8)) }
                w.emit(UInt8(truncatingIfNeeded: proto.rawValue))
                for byte in information { w.emit(byte) }
                let sum = ~w.sum
                for octet in 0..<fcsLength { w.put(UInt8(truncatingIfNeeded: sum >> (8 * octet))) }
                w.flag()
                return w.count
            }
        }
        output.removeLast(output.count - written)
    }

    /// Writes escaped octets through a pointer and keeps the running FCS.
    private struct Stuffer {
        let out: UnsafeMutablePointer<UInt8>
        let table: UnsafePointer<UInt32>
        let map: ACCM
        var sum: UInt32
        var count = 0

        init(out: UnsafeMutablePointer<UInt8>, table: UnsafePointer<UInt32>, map: ACCM, sum: UInt32) {
            self.out = out
            self.table = table
            self.map = map
            self.sum = sum
        }

        @inline(__always) mutating func flag() {
            out[count] = HDLCEncoder.flag
            count += 1
        }

        /// An octet covered by the FCS.
        @inline(__always) mutating func emit(_ byte: UInt8) {
            sum = (sum >> 8) ^ table[Int(UInt8(truncatingIfNeeded: sum) ^ byte)]
            put(byte)
        }

        /// RFC 1662 §4.2: a mapped octet goes out as Control Escape and the
        /// octet exclusive-or'd with 0x20.
        @inline(__always) mutating func put(_ byte: UInt8) {
            if map.contains(byte) {
                out[count] = HDLCEncoder.escape
                out[count + 1] = byte ^ HDLCEncoder.escapeXor
                count += 2
            } else {
                out[count] = byte
                count += 1
            }
        }
    }
}
