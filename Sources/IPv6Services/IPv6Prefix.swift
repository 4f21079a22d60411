// An IPv6 prefix: an address with the bits beyond its length zero, as the
// Prefix Information option (RFC 4861 §4.6.2), IA_PD's IAPREFIX (RFC 8415
// §21.22) and RADIUS Framed-IPv6-Prefix / Delegated-IPv6-Prefix (RFC 3162
// §2.3, RFC 4818 §3) carry it; carving into sub-prefixes for the pools.

public struct IPv6Prefix: Hashable, Sendable, CustomStringConvertible {
    /// The prefix's address, bits beyond `length` cleared.
    public let address: IPv6Address
    public let length: UInt8

    /// Clears the bits beyond `length` (RFC 4861 §4.6.2: the receiver ignores
    /// them); a length above 128 is refused.
    public init(_ address: IPv6Address, length: Int) throws(IPv6Error) {
        guard (0...128).contains(length) else { throw .badPrefixLength(length) }
        self.length = UInt8(length)
        self.address = IPv6Address(address.value & Self.mask(length))
    }

    /// "2001:db8::/56".
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = IPv6Address(String(parts[0])), let n = Int(parts[1]),
              let p = try? IPv6Prefix(a, length: n), p.address == a else { return nil }
        self = p
    }

    static func mask(_ length: Int) -> UInt128 {
        length == 0 ? 0 : UInt128.max << (128 - length)
    }

    public var description: String { "\(address)/\(length)" }

    public func contains(_ a: IPv6Address) -> Bool {
        a.value & Self.mask(Int(length)) == address.value
    }

    public func contains(_ p: IPv6Prefix) -> Bool { p.length >= length && contains(p.address) }

    /// How many prefixes of `subLength` this one holds; nil when that is not
    /// longer, or more than 2^32 (pools are bit sets of that size at most).
    public func subprefixCount(length subLength: UInt8) -> Int? {
        guard subLength >= length, subLength <= 128, subLength - length <= 32 else { return nil }
        return 1 << Int(subLength - length)
    }

    /// The `index`th prefix of `subLength` inside this one, counting from the
    /// lowest address.
    public func subprefix(_ index: Int, length subLength: UInt8) -> IPv6Prefix? {
        guard let count = subprefixCount(length: subLength), index >= 0, index < count else { return nil }
        let shift = 128 - Int(subLength)
        let offset: UInt128 = shift >= 128 ? 0 : UInt128(index) << shift
        return try? IPv6Prefix(IPv6Address(address.value | offset), length: Int(subLength))
    }

    /// Where a sub-prefix sits inside this one (the inverse of `subprefix`).
    public func index(of sub: IPv6Prefix) -> Int? {
        guard subprefixCount(length: sub.length) != nil, contains(sub) else { return nil }
        let shift = 128 - Int(sub.length)
        let within = (sub.address.value & ~Self.mask(Int(length)))
        return Int(shift >= 128 ? 0 : within >> shift)
    }
}

extension IPv6Prefix {
    /// RFC 3162 §2.3 and RFC 4818 §3: the value of Framed-IPv6-Prefix (97) and
    /// Delegated-IPv6-Prefix (123): Reserved, Prefix-Length, then only as many
    /// prefix octets as the length needs (up to 16).
    public var radiusValue: [UInt8] {
        let octets = (Int(length) + 7) / 8
        return [0, length] + address.bytes.prefix(octets)
    }

    /// Reads that value: 2 to 18 octets, Prefix-Length at most 128, and at
    /// least enough prefix octets for the length. RFC 4818 §3: bits beyond
    /// the length MUST be zero; a value that breaks it is refused, not masked.
    public init(radiusValue v: [UInt8]) throws(IPv6Error) {
        guard v.count >= 2 else { throw .truncated(needed: 2, available: v.count) }
        guard v.count <= 18 else { throw .trailingBytes(v.count - 18) }
        let length = Int(v[1])
        guard length <= 128 else { throw .badPrefixLength(length) }
        let given = v.count - 2
        guard given * 8 >= length else { throw .truncated(needed: 2 + (length + 7) / 8, available: v.count) }
        let padded = Array(v[2...]) + Array(repeating: 0, count: 16 - given)
        let a = IPv6Address(bytes: padded)
        let p = try IPv6Prefix(a, length: length)
        guard p.address == a else { throw .invalidValue }
        self = p
    }
}
