// The VLAN tag the kernel took off a received frame, read from the control
// messages recvmsg returned beside it (issue 13): a `struct cmsghdr` chain
// (cmsg(3): length including the header, level, type, data aligned to the
// size of a size_t) in which SOL_PACKET/PACKET_AUXDATA carries
// `struct tpacket_auxdata` (linux/if_packet.h): tp_status, tp_len,
// tp_snaplen (u32), tp_mac, tp_net, tp_vlan_tci, tp_vlan_tpid (u16). The
// tag is there only when tp_status has TP_STATUS_VLAN_VALID; the TPID only
// with TP_STATUS_VLAN_TPID_VALID (else it is 802.1Q's). Host byte order, as
// the kernel wrote it: little-endian on the targets we build (x86_64, arm64). Reads in place: no allocation per frame.

public enum PacketAuxdata {
    static let solPacket: Int32 = 263
    static let packetAuxdata: Int32 = 8
    static let vlanValid: UInt32 = 1 << 4
    static let vlanTPIDValid: UInt32 = 1 << 6
    /// cmsg_len (a size_t), cmsg_level and cmsg_type (ints).
    static let headerLength = MemoryLayout<Int>.size + 8
    /// struct tpacket_auxdata.
    static let auxdataLength = 20

    /// Why a control buffer was refused: the kernel wrote it, so these mean
    /// a bug or a truncated buffer, and the frame is dropped and counted.
    public enum Failure: Error, Equatable, Sendable {
        /// A cmsg_len shorter than its header or past the buffer's end.
        case badLength(Int)
        /// PACKET_AUXDATA shorter than struct tpacket_auxdata.
        case shortAuxdata(Int)
    }

    /// The stripped tag in `control` (nil: the frame came untagged, or the
    /// buffer has no PACKET_AUXDATA).
    public static func vlan(_ control: ArraySlice<UInt8>) throws(Failure) -> VLANTags.Stripped? {
        var at = 0
        let align = MemoryLayout<Int>.size
        while control.count - at >= headerLength {
            let s = control.startIndex + at
            let length = Int(truncatingIfNeeded: load(control, s, as: Int.self))
            guard length >= headerLength, length <= control.count - at else { throw .badLength(length) }
            let level = load(control, s + align, as: Int32.self), type = load(control, s + align + 4, as: Int32.self)
            if level == solPacket && type == packetAuxdata {
                guard length - headerLength >= auxdataLength else { throw .shortAuxdata(length - headerLength) }
                let d = s + headerLength
                let status = load(control, d, as: UInt32.self)
                guard status & vlanValid != 0 else { return nil }
                let tci = load(control, d + 16, as: UInt16.self)
                let tpid = status & vlanTPIDValid != 0 ? load(control, d + 18, as: UInt16.self) : VLANTags.customerTPID
                return VLANTags.Stripped(tci: tci, tpid: tpid)
            }
            // CMSG_NXTHDR: the next header starts at the aligned end.
            at += (length + align - 1) & ~(align - 1)
        }
        return nil
    }

    private static func load<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, _ at: Int, as: T.Type) -> T {
        var v: T = 0
        for k in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: bytes[at + k]) << (8 * k) }
        return v
    }

    /// A control buffer as the kernel writes it, for tests and the fuzzer's
    /// round trip: one PACKET_AUXDATA message with `tag` (nil: untagged).
    public static func encode(_ tag: VLANTags.Stripped?) -> [UInt8] {
        let length = headerLength + auxdataLength
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(Int(length)); put(solPacket); put(packetAuxdata)
        put(tag == nil ? UInt32(1) : 1 | vlanValid | vlanTPIDValid)
        put(UInt32(0)); put(UInt32(0)); put(UInt16(0)); put(UInt16(0))
        put(tag?.tci ?? 0); put(tag?.tpid ?? 0)
        let align = MemoryLayout<Int>.size
        out.append(contentsOf: repeatElement(0, count: (align - out.count % align) % align))
        return out
    }
}
