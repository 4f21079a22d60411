// Explicit big-endian reads and writes (network order, RFC 1661 §2 "transmitted
// most significant octet first"). Reads take a bounds-checked slice index;
// callers check the length first, so a bad index is a programmer error (trap).

enum BigEndian {
    static func uint16<C: RandomAccessCollection<UInt8>>(_ bytes: C, at index: C.Index) -> UInt16 {
        let next = bytes.index(after: index)
        return UInt16(bytes[index]) << 8 | UInt16(bytes[next])
    }

    static func uint32<C: RandomAccessCollection<UInt8>>(_ bytes: C, at index: C.Index) -> UInt32 {
        var value: UInt32 = 0
        var i = index
        for _ in 0..<4 {
            value = value << 8 | UInt32(bytes[i])
            i = bytes.index(after: i)
        }
        return value
    }

    static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
}
