// The control packet shared by LCP and every NCP (RFC 1661 §5): Code,
// Identifier, Length, Data. Parsing is strict about Length and lenient only
// where the RFC says so (octets beyond Length are padding).

/// One LCP/IPCP/IPv6CP packet: what sits in the Information field of a PPP
/// frame whose Protocol is a control protocol.
public struct ControlPacket: Equatable, Sendable {
    /// RFC 1661 §5: Code (1) + Identifier (1) + Length (2).
    public static let headerLength = 4
    /// The most Data a 16-bit Length can describe.
    public static let maximumDataLength = Int(UInt16.max) - headerLength

    public var code: ControlCode
    public var identifier: UInt8
    public var data: [UInt8]

    public init(code: ControlCode, identifier: UInt8, data: [UInt8] = []) {
        self.code = code
        self.identifier = identifier
        self.data = data
    }

    /// RFC 1661 §5: "Octets outside the range of the Length field are treated as
    /// padding and are ignored on reception"; a Length below 4 or above the
    /// received octets makes the packet invalid (silently discarded by the caller).
    public init(parsing bytes: ArraySlice<UInt8>) throws(PPPError) {
        guard bytes.count >= Self.headerLength else {
            throw .truncated(needed: Self.headerLength, available: bytes.count)
        }
        let start = bytes.startIndex
        let length = Int(BigEndian.uint16(bytes, at: start + 2))
        guard length >= Self.headerLength else {
            throw .lengthTooShort(declared: length, minimum: Self.headerLength)
        }
        guard length <= bytes.count else {
            throw .lengthExceedsData(declared: length, available: bytes.count)
        }
        code = ControlCode(bytes[start])
        identifier = bytes[start + 1]
        data = Array(bytes[(start + Self.headerLength)..<(start + length)])
    }

    public init(parsing bytes: [UInt8]) throws(PPPError) {
        try self.init(parsing: bytes[...])
    }

    /// Appends the packet, Length written big-endian. Data longer than a 16-bit
    /// Length can carry is a programmer error: callers truncate first (§5.6, §5.7).
    public func encode(into bytes: inout [UInt8]) {
        precondition(data.count <= Self.maximumDataLength, "control packet data too long")
        bytes.append(code.rawValue)
        bytes.append(identifier)
        BigEndian.append(UInt16(Self.headerLength + data.count), to: &bytes)
        bytes.append(contentsOf: data)
    }

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerLength + data.count)
        encode(into: &bytes)
        return bytes
    }
}
