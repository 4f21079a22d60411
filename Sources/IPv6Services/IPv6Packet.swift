// The IPv6 header (RFC 8200 §3) and UDP (RFC 768) as the session's TUN and
// channel carry them: whole raw packets. Building puts the header, the
// upper-layer segment and its checksum together; parsing checks version,
// Payload Length against what arrived, the Next Header wanted and the
// checksum, and hands back the segment as a slice.

public enum NextHeader {
    public static let udp: UInt8 = 17
    public static let icmpv6: UInt8 = 58
}

/// The fields of the fixed IPv6 header this library reads or writes.
public struct IPv6Header: Equatable, Sendable {
    public static let size = 40
    public var source: IPv6Address
    public var destination: IPv6Address
    public var nextHeader: UInt8
    public var hopLimit: UInt8
    public var trafficClass: UInt8 = 0
    public var flowLabel: UInt32 = 0

    public init(source: IPv6Address, destination: IPv6Address, nextHeader: UInt8, hopLimit: UInt8) {
        self.source = source; self.destination = destination
        self.nextHeader = nextHeader; self.hopLimit = hopLimit
    }
}

public enum IPv6Packet {
    /// Header plus `segment`, whose checksum field (at `checksumOffset`) is
    /// filled in over the pseudo-header.
    static func build(_ header: IPv6Header, segment: [UInt8], checksumOffset: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(IPv6Header.size + segment.count)
        out.appendU32(6 << 28 | UInt32(header.trafficClass) << 20 | header.flowLabel & 0xfffff)
        out.appendU16(UInt16(segment.count))
        out.append(header.nextHeader)
        out.append(header.hopLimit)
        out.append(header.source)
        out.append(header.destination)
        let start = out.count
        out += segment
        var c = InternetChecksum.compute(segment, source: header.source, destination: header.destination,
                                         nextHeader: header.nextHeader)
        // RFC 768 / RFC 8200 §8.1: a computed zero is sent as all ones.
        if c == 0 && header.nextHeader == NextHeader.udp { c = 0xffff }
        out.writeU16(c, at: start + checksumOffset)
        return out
    }

    /// The header and the upper-layer segment of a whole packet whose Next
    /// Header must be `expecting`; the checksum is verified.
    static func parse(_ packet: ArraySlice<UInt8>, expecting next: UInt8) throws(IPv6Error) -> (IPv6Header, ArraySlice<UInt8>) {
        var r = WireReader(packet)
        try r.need(IPv6Header.size)
        let first = try r.u32()
        let version = UInt8(first >> 28)
        guard version == 6 else { throw .badVersion(version) }
        let length = Int(try r.u16())
        let nextHeader = try r.u8()
        let hopLimit = try r.u8()
        var h = IPv6Header(source: try r.address(), destination: try r.address(), nextHeader: nextHeader, hopLimit: hopLimit)
        h.trafficClass = UInt8(truncatingIfNeeded: first >> 20)
        h.flowLabel = first & 0xfffff
        guard length == r.remaining, length > 0 else {
            throw .payloadLengthMismatch(declared: length, available: r.remaining)
        }
        guard nextHeader == next else { throw .unexpectedNextHeader(nextHeader) }
        let segment = r.rest()
        if next == NextHeader.udp && segment.count >= 8
            && segment[segment.startIndex + 6] == 0 && segment[segment.startIndex + 7] == 0 {
            throw .badChecksum
        }
        guard InternetChecksum.verify(segment, source: h.source, destination: h.destination, nextHeader: next) else {
            throw .badChecksum
        }
        return (h, segment)
    }
}

/// A UDP datagram inside an IPv6 packet (RFC 768; checksum mandatory, RFC
/// 8200 §8.1).
public struct UDPDatagram: Equatable, Sendable {
    public var header: IPv6Header
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var payload: [UInt8]

    public init(header: IPv6Header, sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) {
        self.header = header; self.sourcePort = sourcePort
        self.destinationPort = destinationPort; self.payload = payload
    }

    public func packet() -> [UInt8] {
        var segment: [UInt8] = []
        segment.reserveCapacity(8 + payload.count)
        segment.appendU16(sourcePort); segment.appendU16(destinationPort)
        segment.appendU16(UInt16(8 + payload.count)); segment.appendU16(0)
        segment += payload
        var h = header
        h.nextHeader = NextHeader.udp
        return IPv6Packet.build(h, segment: segment, checksumOffset: 6)
    }

    public static func parse(_ packet: [UInt8]) throws(IPv6Error) -> UDPDatagram {
        let (h, segment) = try IPv6Packet.parse(packet[...], expecting: NextHeader.udp)
        var r = WireReader(segment)
        let sp = try r.u16(), dp = try r.u16(), length = Int(try r.u16())
        _ = try r.u16()
        guard length == segment.count else { throw .badUDPLength(declared: length, available: segment.count) }
        return UDPDatagram(header: h, sourcePort: sp, destinationPort: dp, payload: Array(r.rest()))
    }
}
