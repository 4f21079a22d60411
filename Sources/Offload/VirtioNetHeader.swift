// struct virtio_net_hdr (virtio 1.x §5.1.6, Linux include/uapi/linux/
// virtio_net.h): the 10 octets a TUN opened with IFF_VNET_HDR puts before
// every packet it reads and expects before every packet written to it.
//
// Byte order: little-endian. A TUN device uses the virtio byte order of its
// TUNSETVNETLE/TUNSETVNETBE setting and otherwise the legacy one, which is
// the CPU's; on x86-64 and arm64 both are little-endian, so LE is right
// with or without TUNSETVNETLE (and a big-endian host must set it).

public struct VirtioNetHeader: Equatable, Sendable {
    /// sizeof(struct virtio_net_hdr), the TUN default (TUNSETVNETHDRSZ unset);
    /// the 12-octet variant with num_buffers is for mergeable rx buffers,
    /// which a TUN never needs.
    public static let size = 10

    public struct Flags: OptionSet, Equatable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// VIRTIO_NET_HDR_F_NEEDS_CSUM: the ones'-complement sum from
        /// checksumStart to the end goes at checksumStart + checksumOffset,
        /// where the pseudo-header's sum already sits.
        public static let needsChecksum = Flags(rawValue: 1)
        /// VIRTIO_NET_HDR_F_DATA_VALID: the checksum was already verified.
        public static let dataValid = Flags(rawValue: 2)
        static let known: Flags = [.needsChecksum, .dataValid]
    }

    /// VIRTIO_NET_HDR_GSO_*, without the ECN bit (kept in `ecn`).
    public enum GSOType: UInt8, Equatable, Sendable {
        case none = 0
        case tcpv4 = 1
        case tcpv6 = 4
        case udpL4 = 5
    }

    /// VIRTIO_NET_HDR_GSO_ECN, or'ed into gso_type.
    static let ecnBit: UInt8 = 0x80

    public var flags: Flags
    public var gsoType: GSOType
    /// The TCP segments carry CWR/ECE (VIRTIO_NET_HDR_GSO_ECN).
    public var ecn: Bool
    /// hdr_len: octets of IP + transport headers. Linux fills it from the
    /// linear part of the skb on read, which may be longer than the
    /// headers, so the segmenter takes header lengths from the packet.
    public var headerLength: UInt16
    /// gso_size: payload octets per segment.
    public var gsoSize: UInt16
    public var checksumStart: UInt16
    public var checksumOffset: UInt16

    public init(flags: Flags = [], gsoType: GSOType = .none, ecn: Bool = false, headerLength: UInt16 = 0,
                gsoSize: UInt16 = 0, checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0) {
        self.flags = flags
        self.gsoType = gsoType
        self.ecn = ecn
        self.headerLength = headerLength
        self.gsoSize = gsoSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// Splits a datagram read from the TUN into its header and its packet,
    /// checking the header against the packet it describes.
    public static func parse(datagram: UnsafeRawBufferPointer) throws(OffloadError)
        -> (header: VirtioNetHeader, packet: UnsafeRawBufferPointer)
    {
        guard datagram.count >= size else { throw .headerTruncated(length: datagram.count) }
        let rawFlags = datagram[0], rawType = datagram[1]
        guard rawFlags & ~Flags.known.rawValue == 0 else { throw .unknownFlags(rawFlags) }
        guard let type = GSOType(rawValue: rawType & ~ecnBit) else { throw .unknownGSOType(rawType) }
        func le16(_ o: Int) -> UInt16 { UInt16(datagram[o]) | UInt16(datagram[o + 1]) << 8 }
        let header = VirtioNetHeader(flags: Flags(rawValue: rawFlags), gsoType: type, ecn: rawType & ecnBit != 0,
                                     headerLength: le16(2), gsoSize: le16(4), checksumStart: le16(6),
                                     checksumOffset: le16(8))
        let packet = UnsafeRawBufferPointer(rebasing: datagram[size...])
        try header.validate(packetLength: packet.count)
        return (header, packet)
    }

    /// The checks that depend only on the header and the packet's length.
    public func validate(packetLength: Int) throws(OffloadError) {
        if flags.contains(.needsChecksum) {
            let start = Int(checksumStart), offset = Int(checksumOffset)
            guard start + offset + 2 <= packetLength else {
                throw .checksumBeyondPacket(start: start, offset: offset, packetLength: packetLength)
            }
        }
        guard Int(headerLength) <= packetLength else {
            throw .headerLengthBeyondPacket(headerLength: Int(headerLength), packetLength: packetLength)
        }
        if gsoType != .none && gsoSize == 0 { throw .gsoSizeZero }
    }

    /// Writes the 10 octets at the start of `out` (at least `size` long).
    public func encode(into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= Self.size, "virtio_net_hdr needs 10 octets")
        out[0] = flags.rawValue
        out[1] = gsoType.rawValue | (ecn ? Self.ecnBit : 0)
        func le16(_ o: Int, _ v: UInt16) {
            out[o] = UInt8(truncatingIfNeeded: v)
            out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
        }
        le16(2, headerLength)
        le16(4, gsoSize)
        le16(6, checksumStart)
        le16(8, checksumOffset)
    }
}
