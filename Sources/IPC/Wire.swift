// The fixed header every control message starts with, and the big-endian
// field readers/writers used by every payload codec. Pure Swift (no C) so the
// decoders can be fuzzed on their own.
//
//  0      2        3      4      6          8         12        16
//  +------+--------+------+------+----------+---------+---------+
//  |magic |version |flags | type | reserved | call id | length  | payload...
//  +------+--------+------+------+----------+---------+---------+

public enum Wire {
    public static let magic: UInt16 = 0x5052  // "PR"
    public static let version: UInt8 = 1
    public static let headerSize = 16
    /// Largest whole message (header + payload) on any link.
    public static let maxMessageSize = 65_536
}

/// Header flags of the call model (RxRPC-like).
public struct CallFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// More parts of this reply follow.
    public static let more = CallFlags(rawValue: 1 << 0)
    /// Last part of a reply.
    public static let end = CallFlags(rawValue: 1 << 1)
    /// The sender gives up the call; payload carries a code.
    public static let abort = CallFlags(rawValue: 1 << 2)
    /// The receiver is too busy to take the call now; try again later.
    public static let busy = CallFlags(rawValue: 1 << 3)
    /// The reply is an error (errorReplied).
    public static let error = CallFlags(rawValue: 1 << 4)
    static let known: CallFlags = [.more, .end, .abort, .busy, .error]
}

public struct Header: Equatable, Sendable {
    public var version: UInt8 = Wire.version
    public var flags: CallFlags
    public var type: UInt16
    public var callID: UInt32
    public var length: UInt32

    public init(type: UInt16, flags: CallFlags, callID: UInt32, length: UInt32) {
        self.type = type; self.flags = flags; self.callID = callID; self.length = length
    }

    public func encode(into w: inout ByteWriter) {
        w.u16(Wire.magic); w.u8(version); w.u8(flags.rawValue)
        w.u16(type); w.u16(0); w.u32(callID); w.u32(length)
    }

    /// Decodes and checks the header of a datagram of `total` bytes. The
    /// version check comes after the call id is known, so a peer speaking a
    /// newer version still gets an error reply it can match.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(IPCError) -> Header {
        var r = ByteReader(bytes)
        guard bytes.count >= Wire.headerSize else {
            throw .invalid(callID: 0, reason: "short message: \(bytes.count) bytes, header is \(Wire.headerSize)")
        }
        let magic = try r.u16()
        let version = try r.u8()
        let flags = CallFlags(rawValue: try r.u8())
        let type = try r.u16()
        let reserved = try r.u16()
        let callID = try r.u32()
        let length = try r.u32()
        guard magic == Wire.magic else { throw .invalid(callID: 0, reason: "bad magic \(hex(magic))") }
        guard version == Wire.version else {
            throw .invalid(callID: callID, reason: "unsupported version \(version), this side speaks \(Wire.version)")
        }
        guard reserved == 0 else { throw .invalid(callID: callID, reason: "reserved header field not zero") }
        guard CallFlags.known.isSuperset(of: flags) else {
            throw .invalid(callID: callID, reason: "unknown flags \(hex(UInt16(flags.rawValue)))")
        }
        guard Int(length) == bytes.count - Wire.headerSize else {
            throw .invalid(callID: callID, reason: "length field \(length) but payload is \(bytes.count - Wire.headerSize) bytes")
        }
        var h = Header(type: type, flags: flags, callID: callID, length: length)
        h.version = version
        return h
    }
}

/// Hex digits padded to the type's full width ("000a0000" for a UInt32), as
/// status output shows masks, magic numbers and CapEff.
public func paddedHex<T: FixedWidthInteger & UnsignedInteger>(_ v: T) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, T.bitWidth / 4 - s.count)) + s
}

func hex(_ v: UInt16) -> String { "0x" + paddedHex(v) }

/// Big-endian writer into a growable buffer.
public struct ByteWriter {
    public var bytes: [UInt8]
    public init(capacity: Int = 64) { bytes = []; bytes.reserveCapacity(capacity) }
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xff)) }
    public mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xffff)) }
    public mutating func u64(_ v: UInt64) { u32(UInt32(v >> 32)); u32(UInt32(v & 0xffff_ffff)) }
    public mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
    public mutating func raw<C: Collection>(_ v: C) where C.Element == UInt8 { bytes.append(contentsOf: v) }
    /// A byte string with a 32-bit length prefix.
    public mutating func blob<C: Collection>(_ v: C) where C.Element == UInt8 { u32(UInt32(v.count)); raw(v) }
    /// UTF-8 text with a 16-bit length prefix; callers keep names short.
    public mutating func string(_ s: String) {
        let utf8 = Array(s.utf8.prefix(Int(UInt16.max)))
        u16(UInt16(utf8.count)); raw(utf8)
    }
    /// UTF-8 text with a 32-bit length prefix (JSON documents).
    public mutating func text(_ s: String) { blob(Array(s.utf8)) }
}

/// Big-endian reader over a bounded slice; every read checks what is left,
/// and `finish()` rejects trailing bytes.
public struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int
    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; index = bytes.startIndex }
    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public var remaining: Int { bytes.endIndex - index }

    private mutating func need(_ n: Int, _ what: String) throws(IPCError) {
        guard n >= 0, remaining >= n else {
            throw .invalid(callID: 0, reason: "\(what): need \(n) bytes, \(remaining) left")
        }
    }
    public mutating func u8() throws(IPCError) -> UInt8 {
        try need(1, "u8"); defer { index += 1 }; return bytes[index]
    }
    public mutating func u16() throws(IPCError) -> UInt16 {
        try need(2, "u16"); defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }
    public mutating func u32() throws(IPCError) -> UInt32 {
        let hi = UInt32(try u16()), lo = UInt32(try u16()); return hi << 16 | lo
    }
    public mutating func u64() throws(IPCError) -> UInt64 {
        let hi = UInt64(try u32()), lo = UInt64(try u32()); return hi << 32 | lo
    }
    public mutating func bool() throws(IPCError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let v: throw .invalid(callID: 0, reason: "boolean byte \(v)")
        }
    }
    public mutating func raw(_ n: Int) throws(IPCError) -> [UInt8] {
        try need(n, "bytes"); defer { index += n }; return Array(bytes[index..<index + n])
    }
    public mutating func blob(max: Int = Wire.maxMessageSize) throws(IPCError) -> [UInt8] {
        let n = Int(try u32())
        guard n <= max else { throw .invalid(callID: 0, reason: "blob of \(n) bytes exceeds \(max)") }
        return try raw(n)
    }
    public mutating func string() throws(IPCError) -> String {
        let n = Int(try u16())
        return try utf8(raw(n))
    }
    public mutating func text() throws(IPCError) -> String { try utf8(blob()) }

    private func utf8(_ b: [UInt8]) throws(IPCError) -> String {
        guard let s = String(validating: b, as: UTF8.self) else {
            throw .invalid(callID: 0, reason: "string is not valid UTF-8")
        }
        return s
    }
    /// Rejects leftovers: decoders insist on exact lengths.
    public func finish() throws(IPCError) {
        guard remaining == 0 else { throw .invalid(callID: 0, reason: "\(remaining) trailing bytes") }
    }
}
