// Exact big-endian reading and writing for the state records linkd deposits
// in pppinit's fd store (TunnelRecord.swift). Every read checks the octets
// left; a record must be consumed exactly. The IPC library's ByteReader does
// the same for daemons, but it lives beside syscalls and this library is pure.

struct RecordWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { NetworkOrder.append(v, to: &bytes) }
    mutating func u32(_ v: UInt32) { NetworkOrder.append(v, to: &bytes) }
    mutating func u64(_ v: UInt64) { NetworkOrder.append(v, to: &bytes) }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
    mutating func blob(_ v: [UInt8]) {
        precondition(v.count <= Int(UInt16.max), "record field too long")
        u16(UInt16(v.count))
        bytes += v
    }
    mutating func longBlob(_ v: [UInt8]) {
        u32(UInt32(v.count))
        bytes += v
    }
    mutating func optional(_ v: [UInt8]?) {
        bool(v != nil)
        if let v { blob(v) }
    }
    mutating func optional(_ v: UInt32?) {
        bool(v != nil)
        if let v { u32(v) }
    }
    mutating func optional(_ v: UInt16?) {
        bool(v != nil)
        if let v { u16(v) }
    }
    mutating func optional(_ v: UInt8?) {
        bool(v != nil)
        if let v { u8(v) }
    }
}

struct RecordReader {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    private mutating func take(_ n: Int) throws(L2TPError) -> ArraySlice<UInt8> {
        guard bytes.endIndex - index >= n else { throw .badRecord("truncated at offset \(index - bytes.startIndex)") }
        defer { index += n }
        return bytes[index..<(index + n)]
    }

    mutating func u8() throws(L2TPError) -> UInt8 { try take(1).first! }
    mutating func u16() throws(L2TPError) -> UInt16 { NetworkOrder.uint16(try take(2), at: index - 2) }
    mutating func u32() throws(L2TPError) -> UInt32 { NetworkOrder.uint32(try take(4), at: index - 4) }
    mutating func u64() throws(L2TPError) -> UInt64 { UInt64(try u32()) << 32 | UInt64(try u32()) }
    mutating func bool() throws(L2TPError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let v: throw .badRecord("boolean \(v)")
        }
    }
    mutating func blob() throws(L2TPError) -> [UInt8] { Array(try take(Int(try u16()))) }
    /// A field whose length is a 32-bit count (a whole tunnel record).
    mutating func longBlob() throws(L2TPError) -> [UInt8] { Array(try take(Int(try u32()))) }
    mutating func optionalBlob() throws(L2TPError) -> [UInt8]? { try bool() ? try blob() : nil }
    mutating func optionalU32() throws(L2TPError) -> UInt32? { try bool() ? try u32() : nil }
    mutating func optionalU16() throws(L2TPError) -> UInt16? { try bool() ? try u16() : nil }
    mutating func optionalU8() throws(L2TPError) -> UInt8? { try bool() ? try u8() : nil }

    func finish() throws(L2TPError) {
        guard index == bytes.endIndex else { throw .badRecord("\(bytes.endIndex - index) octets left over") }
    }
}
