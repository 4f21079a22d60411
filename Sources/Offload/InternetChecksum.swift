// The Internet checksum (RFC 1071) and its incremental update (RFC 1624),
// with the TCP/UDP pseudo-headers of IPv4 (RFC 9293 §3.1, RFC 768) and IPv6
// (RFC 8200 §8.1). Sums are kept as folded 16-bit values in network order
// (the number the two octets spell big-endian), not complemented.

public enum InternetChecksum {
    /// Ones'-complement addition of two folded sums (RFC 1071 §2(A)).
    @inlinable
    public static func add(_ a: UInt16, _ b: UInt16) -> UInt16 {
        let s = UInt32(a) &+ UInt32(b)
        return UInt16(truncatingIfNeeded: (s & 0xffff) &+ (s >> 16))
    }

    /// The ones'-complement sum of `bytes` read as big-endian 16-bit words,
    /// an odd last octet padded with zero (RFC 1071 §1), added to `initial`.
    /// Only the last of several buffers summed in turn may have odd length.
    ///
    /// RFC 1071 §2(B): the sum is byte-order independent, so words are added
    /// eight octets at a time in the machine's order, with end-around carry
    /// (§2(C), any word size folds to the same 16-bit sum), and the folded
    /// result is swapped once at the end.
    public static func sum(_ bytes: UnsafeRawBufferPointer, initial: UInt16 = 0) -> UInt16 {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return initial }
        var a: UInt64 = 0, b: UInt64 = 0
        var i = 0
        // Two accumulators let the carries of consecutive words overlap.
        while i + 16 <= n {
            let w0 = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let w1 = base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            let (s0, c0) = a.addingReportingOverflow(w0)
            let (s1, c1) = b.addingReportingOverflow(w1)
            a = s0 &+ (c0 ? 1 : 0)
            b = s1 &+ (c1 ? 1 : 0)
            i += 16
        }
        let (ab, cab) = a.addingReportingOverflow(b)
        var acc = ab &+ (cab ? 1 : 0)
        if i + 8 <= n {
            let (s, c) = acc.addingReportingOverflow(base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            acc = s &+ (c ? 1 : 0)
            i += 8
        }
        // The tail as at most seven octets, each at its place in a
        // machine-order 64-bit word, so the sum keeps one byte order.
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            let byte = UInt64(base.load(fromByteOffset: i, as: UInt8.self))
            #if _endian(little)
            tail |= byte << shift
            #else
            tail |= byte << (56 - shift)
            #endif
            shift += 8
            i += 1
        }
        let (s, c) = acc.addingReportingOverflow(tail)
        acc = s &+ (c ? 1 : 0)
        acc = (acc >> 32) &+ (acc & 0xffff_ffff)
        acc = (acc >> 32) &+ (acc & 0xffff_ffff)
        acc = (acc >> 16) &+ (acc & 0xffff)
        acc = (acc >> 16) &+ (acc & 0xffff)
        var folded = UInt16(truncatingIfNeeded: acc)
        #if _endian(little)
        folded = folded.byteSwapped
        #endif
        return add(folded, initial)
    }

    /// The checksum field value for data whose sum is `sum`: its complement.
    @inlinable
    public static func finish(_ sum: UInt16) -> UInt16 { ~sum }

    /// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), the field value after one
    /// 16-bit word of the covered data changed from `old` to `new`.
    @inlinable
    public static func update(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
        ~add(add(~checksum, ~old), new)
    }

    /// The sum of an IPv4 pseudo-header (RFC 9293 §3.1, RFC 768): source,
    /// destination, zero, protocol, upper-layer length. `addresses` is the
    /// eight octets of source and destination as they sit in the IP header.
    @inlinable
    public static func ipv4PseudoHeader(addresses: UInt16, protocol proto: UInt8, length: Int) -> UInt16 {
        add(add(addresses, UInt16(proto)), UInt16(truncatingIfNeeded: length))
    }

    /// The sum of an IPv6 pseudo-header (RFC 8200 §8.1): addresses, 32-bit
    /// upper-layer length, three zero octets, next header. `addresses` is
    /// the sum of the 32 address octets.
    @inlinable
    public static func ipv6PseudoHeader(addresses: UInt16, nextHeader: UInt8, length: Int) -> UInt16 {
        let l = UInt32(truncatingIfNeeded: length)
        return add(add(add(addresses, UInt16(nextHeader)), UInt16(truncatingIfNeeded: l >> 16)),
                   UInt16(truncatingIfNeeded: l))
    }
}
