// Big-endian reads and writes: every L2TP header field and AVP value is in
// network byte order (RFC 2661 §3.1, §4.1). Callers check the length first,
// so an index out of range is a programmer error and traps.

enum NetworkOrder {
    static func uint16<C: RandomAccessCollection<UInt8>>(_ bytes: C, at index: C.Index) -> UInt16 {
        UInt16(bytes[index]) << 8 | UInt16(bytes[bytes.index(after: index)])
    }

    static func uint32<C: RandomAccessCollection<UInt8>>(_ bytes: C, at index: C.Index) -> UInt32 {
        UInt32(uint16(bytes, at: index)) << 16 | UInt32(uint16(bytes, at: bytes.index(index, offsetBy: 2)))
    }

    static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        append(UInt16(truncatingIfNeeded: value >> 16), to: &bytes)
        append(UInt16(truncatingIfNeeded: value), to: &bytes)
    }

    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        append(UInt32(truncatingIfNeeded: value >> 32), to: &bytes)
        append(UInt32(truncatingIfNeeded: value), to: &bytes)
    }

    static func write(_ value: UInt16, into bytes: inout [UInt8], at index: Int) {
        bytes[index] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[index + 1] = UInt8(truncatingIfNeeded: value)
    }
}
