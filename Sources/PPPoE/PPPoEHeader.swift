// The Ethernet header and the 6-octet PPPoE header in front of every PPPoE
// frame (RFC 2516 §4). Parsing is strict about VER/TYPE, ETHER_TYPE and
// LENGTH; octets after LENGTH are Ethernet padding (a 60-octet minimum frame)
// and are ignored.

/// RFC 2516 §4: the two ETHER_TYPEs of PPPoE.
public struct EtherType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Discovery stage (PADI, PADO, PADR, PADS, PADT).
    public static let discovery = EtherType(rawValue: 0x8863)
    /// PPP session stage.
    public static let session = EtherType(rawValue: 0x8864)
}

/// Destination, source, ETHER_TYPE, then VER/TYPE, CODE, SESSION_ID, LENGTH.
public struct PPPoEHeader: Equatable, Sendable {
    public static let ethernetLength = 14
    public static let pppoeLength = 6
    /// Where the PPPoE payload starts in the frame.
    public static let length = ethernetLength + pppoeLength
    /// RFC 2516 §4: VER = 1 and TYPE = 1, in one octet.
    public static let versionType: UInt8 = 0x11
    /// RFC 2516 §4: "A value of 0xffff is reserved for future use and MUST NOT be used".
    public static let reservedSessionID: UInt16 = 0xffff
    /// The most a 1500-octet Ethernet payload leaves for the PPPoE payload;
    /// RFC 4638 raises it with the interface's MTU.
    public static let standardMaximumPayload = 1500 - pppoeLength

    public var destination: EthernetAddress
    public var source: EthernetAddress
    public var etherType: EtherType
    public var code: UInt8
    public var sessionID: UInt16
    /// The LENGTH field: octets of PPPoE payload after this header.
    public var payloadLength: Int

    public init(destination: EthernetAddress, source: EthernetAddress, etherType: EtherType,
                code: UInt8, sessionID: UInt16, payloadLength: Int) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
        self.code = code
        self.sessionID = sessionID
        self.payloadLength = payloadLength
    }

    /// Parses the 20 header octets of an Ethernet frame (as AF_PACKET SOCK_RAW
    /// delivers it, without FCS) and checks that LENGTH fits the frame.
    public init(parsing frame: ArraySlice<UInt8>) throws(PPPoEError) {
        guard frame.count >= Self.length else {
            throw .truncated(needed: Self.length, available: frame.count)
        }
        let s = frame.startIndex
        let type = NetworkOrder.uint16(frame, at: s + 12)
        guard type == EtherType.discovery.rawValue || type == EtherType.session.rawValue else {
            throw .unknownEtherType(type)
        }
        guard frame[s + 14] == Self.versionType else { throw .badVersionType(frame[s + 14]) }
        let length = Int(NetworkOrder.uint16(frame, at: s + 18))
        let available = frame.count - Self.length
        guard length <= available else { throw .lengthExceedsData(declared: length, available: available) }
        destination = EthernetAddress(frame, at: s)
        source = EthernetAddress(frame, at: s + 6)
        etherType = EtherType(rawValue: type)
        code = frame[s + 15]
        sessionID = NetworkOrder.uint16(frame, at: s + 16)
        payloadLength = length
    }

    public init(parsing frame: [UInt8]) throws(PPPoEError) { try self.init(parsing: frame[...]) }

    /// Writes the 20 octets at the start of `frame` (which is at least that
    /// long): the session hot path reuses one buffer and allocates nothing.
    public func write(into frame: inout [UInt8]) { write(into: &frame, vlan: .untagged) }

    /// The same with VLAN tags between the addresses and the ETHER_TYPE
    /// (issue 13): `frame` has 20 + `vlan.length` header octets.
    public func write(into frame: inout [UInt8], vlan: VLANTags) {
        let t = vlan.length
        precondition(frame.count >= Self.length + t && payloadLength <= Int(UInt16.max))
        destination.write(into: &frame, at: 0)
        source.write(into: &frame, at: 6)
        if t > 0 { vlan.write(into: &frame, at: 12) }
        NetworkOrder.write(etherType.rawValue, into: &frame, at: 12 + t)
        frame[14 + t] = Self.versionType
        frame[15 + t] = code
        NetworkOrder.write(sessionID, into: &frame, at: 16 + t)
        NetworkOrder.write(UInt16(payloadLength), into: &frame, at: 18 + t)
    }

    public func append(to frame: inout [UInt8]) {
        precondition(payloadLength <= Int(UInt16.max))
        destination.append(to: &frame)
        source.append(to: &frame)
        NetworkOrder.append(etherType.rawValue, to: &frame)
        frame.append(Self.versionType)
        frame.append(code)
        NetworkOrder.append(sessionID, to: &frame)
        NetworkOrder.append(UInt16(payloadLength), to: &frame)
    }
}
