// An IPv6 address as one 128-bit value (RFC 4291 §2), with the few well-known
// addresses ND and DHCPv6 use, and text in the RFC 5952 form both ways (for
// configuration, status and logs).

public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt128

    public init(_ value: UInt128) { self.value = value }

    /// From 16 octets in network order; fewer or more is a programmer error.
    public init<C: Collection<UInt8>>(bytes: C) {
        precondition(bytes.count == 16, "an IPv6 address is 16 octets")
        // Called from another module (ncpd, pppinit) this generic runs
        // unspecialised, and a loop over C there heap-allocates per octet:
        // contiguous octets (arrays, slices) are read through a pointer.
        value = bytes.withContiguousStorageIfAvailable(Self.value(ofOctets:))
            ?? Array(bytes).withUnsafeBufferPointer(Self.value(ofOctets:))
    }

    static func value(ofOctets octets: UnsafeBufferPointer<UInt8>) -> UInt128 {
        var v: UInt128 = 0
        for b in octets { v = v << 8 | UInt128(b) }
        return v
    }

    /// A /64 prefix's upper half joined with a 64-bit interface identifier
    /// (RFC 4291 §2.5.1; RFC 4862 §5.5.3 d for SLAAC).
    public init(prefix: IPv6Prefix, interfaceID: UInt64) {
        value = prefix.address.value | UInt128(interfaceID)
    }

    /// fe80::/64 with the identifier IPv6CP negotiated (RFC 5072 §5, RFC 4291 §2.5.6).
    public static func linkLocal(interfaceID: UInt64) -> IPv6Address {
        IPv6Address(UInt128(0xfe80) << 112 | UInt128(interfaceID))
    }

    public static let unspecified = IPv6Address(0)
    /// RFC 4291 §2.7.1 all-nodes and all-routers, link-local scope.
    public static let allNodes = IPv6Address(UInt128(0xff02) << 112 | 1)
    public static let allRouters = IPv6Address(UInt128(0xff02) << 112 | 2)
    /// RFC 8415 §7.1 All_DHCP_Relay_Agents_and_Servers.
    public static let allDHCPRelayAgentsAndServers = IPv6Address(UInt128(0xff02) << 112 | 0x1_0002)

    public var interfaceID: UInt64 { UInt64(truncatingIfNeeded: value) }
    /// fe80::/10 (RFC 4291 §2.5.6).
    public var isLinkLocal: Bool { value >> 118 == 0x3fa }
    public var isMulticast: Bool { value >> 120 == 0xff }
    public var isUnspecified: Bool { value == 0 }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        write(into: &out)
        return out
    }

    func write(into out: inout [UInt8]) {
        for shift in stride(from: 120, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    func group(_ i: Int) -> UInt16 { UInt16(truncatingIfNeeded: value >> (112 - 16 * i)) }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { a.value < b.value }

    /// RFC 5952 §4: lower-case hex, leading zeros dropped, the longest run
    /// (leftmost on a tie) of two or more zero groups shortened to "::".
    public var description: String {
        var bestStart = -1, bestLength = 1, i = 0
        while i < 8 {
            if group(i) == 0 {
                var j = i
                while j < 8 && group(j) == 0 { j += 1 }
                if j - i > bestLength { bestStart = i; bestLength = j - i }
                i = j
            } else { i += 1 }
        }
        var text = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                text += "::"
                i += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(group(i), radix: 16)
            i += 1
        }
        return text
    }

    /// Parses hex groups with at most one "::" (no embedded IPv4 form).
    public init?(_ text: String) {
        func groups(_ s: Substring) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for part in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !part.isEmpty, part.count <= 4, let g = UInt16(part, radix: 16) else { return nil }
                out.append(g)
            }
            return out
        }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        let all: [UInt16]
        switch halves.count {
        case 1:
            guard let g = groups(halves[0]), g.count == 8 else { return nil }
            all = g
        case 2:
            guard let head = groups(halves[0]), let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        default:
            return nil
        }
        var v: UInt128 = 0
        for g in all { v = v << 16 | UInt128(g) }
        value = v
    }
}
