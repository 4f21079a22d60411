// Big-endian reads and writes (RFC 2516 §4: SESSION_ID, LENGTH, TAG_TYPE and
// TAG_LENGTH are in network byte order). Callers check the length first, so
// an index out of range is a programmer error and traps.

enum NetworkOrder {
    static func uint16<C: RandomAccessCollection<UInt8>>(_ bytes: C, at index: C.Index) -> UInt16 {
        UInt16(bytes[index]) << 8 | UInt16(bytes[bytes.index(after: index)])
    }

    static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    static func write(_ value: UInt16, into bytes: inout [UInt8], at index: Int) {
        bytes[index] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[index + 1] = UInt8(truncatingIfNeeded: value)
    }
}
