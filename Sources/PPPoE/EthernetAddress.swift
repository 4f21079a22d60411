// A 48-bit IEEE 802 MAC address held in one UInt64, so that tables keyed by
// it (sessions, rate limits) hash and compare without touching the heap.

/// An Ethernet (MAC) address, most significant octet first as on the wire.
public struct EthernetAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let length = 6
    public static let broadcast = EthernetAddress(rawValue: 0xffff_ffff_ffff)
    public static let zero = EthernetAddress(rawValue: 0)

    /// The address in the low 48 bits.
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xffff_ffff_ffff }

    public init(_ o0: UInt8, _ o1: UInt8, _ o2: UInt8, _ o3: UInt8, _ o4: UInt8, _ o5: UInt8) {
        self.init(rawValue: UInt64(o0) << 40 | UInt64(o1) << 32 | UInt64(o2) << 24
                  | UInt64(o3) << 16 | UInt64(o4) << 8 | UInt64(o5))
    }

    /// Reads six octets at `index`; the caller has checked they are there.
    public init<C: RandomAccessCollection<UInt8>>(_ bytes: C, at index: C.Index) {
        var value: UInt64 = 0
        var i = index
        for _ in 0..<Self.length {
            value = value << 8 | UInt64(bytes[i])
            i = bytes.index(after: i)
        }
        self.init(rawValue: value)
    }

    /// "aa:bb:cc:dd:ee:ff" (case-insensitive; '-' also separates), as in configs.
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == Self.length else { return nil }
        var value: UInt64 = 0
        for part in parts {
            guard part.count == 2, let octet = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(octet)
        }
        self.init(rawValue: value)
    }

    public var octets: [UInt8] {
        (0..<Self.length).map { UInt8(truncatingIfNeeded: rawValue >> UInt64(40 - 8 * $0)) }
    }

    /// IEEE 802: the I/G bit (lowest bit of the first octet) marks group addresses.
    public var isMulticast: Bool { rawValue & 0x0100_0000_0000 != 0 }
    public var isBroadcast: Bool { self == .broadcast }
    /// What RFC 2516 §4 requires of every SOURCE_ADDR and of session traffic.
    public var isUnicast: Bool { !isMulticast && self != .zero }

    /// Writes the six octets at `index` (overwrites; the buffer is long enough).
    public func write(into bytes: inout [UInt8], at index: Int) {
        for i in 0..<Self.length {
            bytes[index + i] = UInt8(truncatingIfNeeded: rawValue >> UInt64(40 - 8 * i))
        }
    }

    public func append(to bytes: inout [UInt8]) {
        for i in 0..<Self.length {
            bytes.append(UInt8(truncatingIfNeeded: rawValue >> UInt64(40 - 8 * i)))
        }
    }

    public static func < (a: EthernetAddress, b: EthernetAddress) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        for (i, octet) in octets.enumerated() {
            if i > 0 { s.append(":") }
            s.append(digits[Int(octet >> 4)])
            s.append(digits[Int(octet & 0xf)])
        }
        return s
    }
}
