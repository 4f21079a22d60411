// DHCP Unique Identifiers (RFC 8415 §11): opaque to whoever compares them
// (§11), so they are held as their octets; the known types are checked for
// their fixed parts and the whole is held to §11.1's 128 octets after the
// type code.

public struct DUID: Hashable, Sendable {
    public enum Kind {
        /// §11.2 link-layer address plus time, §11.3 enterprise number,
        /// §11.4 link-layer address, §11.5 UUID (RFC 6355).
        public static let llt: UInt16 = 1
        public static let en: UInt16 = 2
        public static let ll: UInt16 = 3
        public static let uuid: UInt16 = 4
    }

    public let bytes: [UInt8]

    /// §11.4 DUID-LL: type 3, hardware type, link-layer address.
    public static func linkLayer(hardwareType: UInt16, address: [UInt8]) -> DUID {
        var b: [UInt8] = []
        b.appendU16(Kind.ll); b.appendU16(hardwareType); b += address
        return DUID(checked: b)
    }

    /// §11.3 DUID-EN: type 2, enterprise number, identifier.
    public static func enterprise(number: UInt32, identifier: [UInt8]) -> DUID {
        var b: [UInt8] = []
        b.appendU16(Kind.en); b.appendU32(number); b += identifier
        return DUID(checked: b)
    }

    init(checked bytes: [UInt8]) { self.bytes = bytes }

    public init(_ bytes: ArraySlice<UInt8>) throws(IPv6Error) {
        guard bytes.count >= 2 else { throw .truncated(needed: 2, available: bytes.count) }
        guard bytes.count <= 130 else { throw .badOptionLength(type: DHCPv6Option.Code.clientID, length: bytes.count) }
        let type = UInt16(bytes[bytes.startIndex]) << 8 | UInt16(bytes[bytes.startIndex + 1])
        let minimum: Int
        switch type {
        case Kind.llt: minimum = 2 + 2 + 4 + 1
        case Kind.en: minimum = 2 + 4 + 1
        case Kind.ll: minimum = 2 + 2 + 1
        case Kind.uuid: minimum = 18
        default: minimum = 3
        }
        guard bytes.count >= minimum, type != Kind.uuid || bytes.count == 18 else { throw .invalidValue }
        self.bytes = Array(bytes)
    }

    public var type: UInt16 { UInt16(bytes[0]) << 8 | UInt16(bytes[1]) }
}
