// The HDLC Frame Check Sequences of RFC 1662 Appendix C: FCS-16 (C.2) and
// FCS-32 (C.3), table-driven, reflected (least significant bit first). The
// tables are immutable constants computed once, as the appendix's mktable does.

/// Which FCS a link uses (RFC 1662 §C.2, §C.3; FCS-32 by RFC 1570 negotiation).
public enum FCSKind: Sendable, Equatable {
    case fcs16
    case fcs32

    /// Octets of FCS on the wire.
    public var length: Int { self == .fcs16 ? 2 : 4 }
}

/// RFC 1662 Appendix C.2.
public enum FCS16 {
    public static let initial: UInt16 = 0xffff
    /// The remainder of a frame whose FCS is correct.
    public static let good: UInt16 = 0xf0b8

    /// Generated with the reversed polynomial 0x8408 (x**0 + x**5 + x**12 + x**16).
    static let table: [UInt16] = (0..<256).map { index in
        var v = UInt16(index)
        for _ in 0..<8 { v = v & 1 != 0 ? (v >> 1) ^ 0x8408 : v >> 1 }
        return v
    }

    /// The same table in 32-bit entries: FCS-16 run in a 32-bit register
    /// never leaves its low 16 bits, so one transmit loop serves both FCSs
    /// with FCS32.update (HDLCEncoder).
    static let wideTable: [UInt32] = table.map(UInt32.init)

    @inline(__always)
    static func update(_ fcs: UInt16, _ byte: UInt8, _ table: [UInt16]) -> UInt16 {
        (fcs >> 8) ^ table[Int(UInt8(truncatingIfNeeded: fcs) ^ byte)]
    }

    public static func compute<C: Sequence<UInt8>>(_ bytes: C, initial fcs: UInt16 = initial) -> UInt16 {
        let table = self.table
        var fcs = fcs
        for byte in bytes { fcs = update(fcs, byte, table) }
        return fcs
    }
}

/// RFC 1662 Appendix C.3.
public enum FCS32 {
    public static let initial: UInt32 = 0xffff_ffff
    public static let good: UInt32 = 0xdebb_20e3

    /// The reversed polynomial 0xedb88320 (the Ethernet CRC-32).
    static let table: [UInt32] = (0..<256).map { index in
        var v = UInt32(index)
        for _ in 0..<8 { v = v & 1 != 0 ? (v >> 1) ^ 0xedb8_8320 : v >> 1 }
        return v
    }

    @inline(__always)
    static func update(_ fcs: UInt32, _ byte: UInt8, _ table: [UInt32]) -> UInt32 {
        (fcs >> 8) ^ table[Int(UInt8(truncatingIfNeeded: fcs) ^ byte)]
    }

    public static func compute<C: Sequence<UInt8>>(_ bytes: C, initial fcs: UInt32 = initial) -> UInt32 {
        let table = self.table
        var fcs = fcs
        for byte in bytes { fcs = update(fcs, byte, table) }
        return fcs
    }
}
