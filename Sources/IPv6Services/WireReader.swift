// Big-endian field reads over a bounded slice, and the matching appends.
// Every read checks what is left and throws; `finish()` refuses trailing
// octets. Parsers index slices only: no unchecked pointers.

struct WireReader {
    let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; index = bytes.startIndex }

    var remaining: Int { bytes.endIndex - index }
    var isAtEnd: Bool { index == bytes.endIndex }

    mutating func need(_ n: Int) throws(IPv6Error) {
        guard n >= 0, remaining >= n else { throw .truncated(needed: n, available: remaining) }
    }
    mutating func u8() throws(IPv6Error) -> UInt8 {
        try need(1); defer { index += 1 }; return bytes[index]
    }
    mutating func u16() throws(IPv6Error) -> UInt16 {
        try need(2); defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }
    mutating func u32() throws(IPv6Error) -> UInt32 {
        let hi = UInt32(try u16()), lo = UInt32(try u16())
        return hi << 16 | lo
    }
    mutating func u64() throws(IPv6Error) -> UInt64 {
        let hi = UInt64(try u32()), lo = UInt64(try u32())
        return hi << 32 | lo
    }
    mutating func address() throws(IPv6Error) -> IPv6Address {
        IPv6Address(bytes: try take(16))
    }
    mutating func take(_ n: Int) throws(IPv6Error) -> ArraySlice<UInt8> {
        try need(n); defer { index += n }; return bytes[index..<index + n]
    }
    mutating func rest() -> ArraySlice<UInt8> {
        defer { index = bytes.endIndex }; return bytes[index...]
    }
    func finish() throws(IPv6Error) {
        guard isAtEnd else { throw .trailingBytes(remaining) }
    }
}

extension Array where Element == UInt8 {
    mutating func appendU16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    mutating func appendU32(_ v: UInt32) {
        appendU16(UInt16(truncatingIfNeeded: v >> 16)); appendU16(UInt16(truncatingIfNeeded: v))
    }
    mutating func appendU64(_ v: UInt64) {
        appendU32(UInt32(truncatingIfNeeded: v >> 32)); appendU32(UInt32(truncatingIfNeeded: v))
    }
    mutating func append(_ a: IPv6Address) { a.write(into: &self) }
    mutating func writeU16(_ v: UInt16, at i: Int) {
        self[i] = UInt8(truncatingIfNeeded: v >> 8); self[i + 1] = UInt8(truncatingIfNeeded: v)
    }
}
