// The Multilink Protocol header of RFC 1990 §3: B and E bits and a 24-bit
// (long) or 12-bit (short, §5.1.2) sequence number, at the start of the
// Information field of a protocol 0x003d frame. Codec only; no state.

/// RFC 1990 §3: which header a direction of the bundle uses.
public enum MultilinkSequenceFormat: Equatable, Sendable {
    /// Figure 2: four octets, 24-bit sequence numbers (the default).
    case long
    /// Figure 3: two octets, 12-bit sequence numbers (§5.1.2 negotiated).
    case short

    public var headerLength: Int { self == .long ? 4 : 2 }
    public var sequenceBits: Int { self == .long ? 24 : 12 }
    /// Sequence numbers are taken modulo this (RFC 1990 §4.1 "modulo the
    /// size of the sequence space").
    public var sequenceMask: UInt32 { self == .long ? 0xff_ffff : 0xfff }

    /// Serial-number distance from `from` to `to`, in 0..<2^bits.
    @inline(__always)
    public func distance(from: UInt32, to: UInt32) -> UInt32 { (to &- from) & sequenceMask }

    /// True when `a` comes after `b` in sequence space: within half the
    /// space ahead of it.
    @inline(__always)
    public func isAfter(_ a: UInt32, _ b: UInt32) -> Bool {
        let d = distance(from: b, to: a)
        return d != 0 && d < (sequenceMask >> 1) + 1
    }
}

/// One fragment's header (RFC 1990 §3).
public struct MultilinkHeader: Equatable, Sendable {
    /// "(B)eginning fragment bit": first fragment of a packet.
    public var begin: Bool
    /// "(E)nding fragment bit": last fragment of a packet.
    public var end: Bool
    public var sequence: UInt32

    public init(begin: Bool, end: Bool, sequence: UInt32) {
        self.begin = begin
        self.end = end
        self.sequence = sequence
    }

    static let beginBit: UInt8 = 0x80
    static let endBit: UInt8 = 0x40

    /// Reads the header at the start of `bytes`; the fragment data follows at
    /// `bytes.startIndex + format.headerLength`. RFC 1990 §3 reserved bits
    /// "MUST be set to zero" by the sender; a receiver that refused them
    /// would gain nothing, so they are ignored here.
    public static func decode(_ bytes: ArraySlice<UInt8>, format: MultilinkSequenceFormat) throws(PPPError) -> MultilinkHeader {
        guard bytes.count >= format.headerLength else {
            throw .truncated(needed: format.headerLength, available: bytes.count)
        }
        let i = bytes.startIndex
        let flags = bytes[i]
        let sequence: UInt32
        switch format {
        case .long:
            sequence = UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        case .short:
            sequence = UInt32(flags & 0x0f) << 8 | UInt32(bytes[i + 1])
        }
        return MultilinkHeader(begin: flags & beginBit != 0, end: flags & endBit != 0, sequence: sequence)
    }

    public static func decode(_ bytes: [UInt8], format: MultilinkSequenceFormat) throws(PPPError) -> MultilinkHeader {
        try decode(bytes[...], format: format)
    }

    /// Writes the header over `bytes[index..<index + format.headerLength]`,
    /// which the caller has sized; the sequence number is taken modulo the
    /// format's space.
    public func write(into bytes: inout [UInt8], at index: Int, format: MultilinkSequenceFormat) {
        var flags: UInt8 = 0
        if begin { flags |= Self.beginBit }
        if end { flags |= Self.endBit }
        let s = sequence & format.sequenceMask
        switch format {
        case .long:
            bytes[index] = flags
            bytes[index + 1] = UInt8(truncatingIfNeeded: s >> 16)
            bytes[index + 2] = UInt8(truncatingIfNeeded: s >> 8)
            bytes[index + 3] = UInt8(truncatingIfNeeded: s)
        case .short:
            bytes[index] = flags | UInt8(truncatingIfNeeded: s >> 8)
            bytes[index + 1] = UInt8(truncatingIfNeeded: s)
        }
    }

    /// The header alone, for tests and the fuzz harness.
    public func encoded(format: MultilinkSequenceFormat) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: format.headerLength)
        write(into: &bytes, at: 0, format: format)
        return bytes
    }
}
