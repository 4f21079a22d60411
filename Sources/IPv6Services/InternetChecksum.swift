// The Internet checksum (RFC 1071) over the IPv6 pseudo-header (RFC 8200
// §8.1): source, destination, upper-layer length, next header. ICMPv6 (RFC
// 4443 §2.3) and UDP over IPv6 both use it; a UDP checksum of zero is sent as
// 0xffff and refused on receipt.

enum InternetChecksum {
    /// The one's-complement sum of `bytes` as 16-bit big-endian words (an
    /// odd last octet padded with zero), folded to 16 bits, not inverted.
    static func sum<C: Collection<UInt8>>(_ bytes: C, initial: UInt32 = 0) -> UInt32 {
        var total = initial
        var high = true
        for b in bytes {
            total &+= high ? UInt32(b) << 8 : UInt32(b)
            high.toggle()
        }
        return fold(total)
    }

    static func fold(_ v: UInt32) -> UInt32 {
        var s = v
        while s > 0xffff { s = (s & 0xffff) + (s >> 16) }
        return s
    }

    static func pseudoHeaderSum(source: IPv6Address, destination: IPv6Address,
                                length: Int, nextHeader: UInt8) -> UInt32 {
        var total: UInt32 = 0
        for a in [source, destination] {
            for i in 0..<8 { total &+= UInt32(a.group(i)) }
        }
        total &+= UInt32(truncatingIfNeeded: length >> 16) & 0xffff
        total &+= UInt32(truncatingIfNeeded: length) & 0xffff
        total &+= UInt32(nextHeader)
        return fold(total)
    }

    /// The value to put in the checksum field of `segment` (whose own
    /// checksum field must be zero while this is computed).
    static func compute<C: Collection<UInt8>>(_ segment: C, source: IPv6Address, destination: IPv6Address,
                                              nextHeader: UInt8) -> UInt16 {
        let s = sum(segment, initial: pseudoHeaderSum(source: source, destination: destination,
                                                      length: segment.count, nextHeader: nextHeader))
        return ~UInt16(truncatingIfNeeded: s)
    }

    /// A received segment, checksum field included, sums to 0xffff.
    static func verify<C: Collection<UInt8>>(_ segment: C, source: IPv6Address, destination: IPv6Address,
                                             nextHeader: UInt8) -> Bool {
        sum(segment, initial: pseudoHeaderSum(source: source, destination: destination,
                                              length: segment.count, nextHeader: nextHeader)) == 0xffff
    }
}
