// DHCPv6 client/server messages (RFC 8415 §8): msg-type, a 24-bit
// transaction-id, then options to the end of the UDP payload. Relay messages
// (§9) are refused: on a PPP session the client and this server share the
// link, and a relay's message arriving from a subscriber is a forgery.

public enum DHCPv6MessageType: UInt8, Sendable, CaseIterable {
    case solicit = 1, advertise, request, confirm, renew, rebind, reply, release, decline, reconfigure, informationRequest
}

public struct DHCPv6Message: Equatable, Sendable {
    /// RFC 8415 §7.2 UDP ports.
    public static let clientPort: UInt16 = 546
    public static let serverPort: UInt16 = 547

    public var type: DHCPv6MessageType
    public var transactionID: UInt32
    public var options: [DHCPv6Option]

    public init(type: DHCPv6MessageType, transactionID: UInt32, options: [DHCPv6Option] = []) {
        self.type = type; self.transactionID = transactionID & 0xff_ffff; self.options = options
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.appendU32(UInt32(type.rawValue) << 24 | transactionID & 0xff_ffff)
        for o in options { o.encode(into: &out) }
        return out
    }

    public static func decode(_ bytes: ArraySlice<UInt8>) throws(IPv6Error) -> DHCPv6Message {
        var r = WireReader(bytes)
        let first = try r.u32()
        let rawType = UInt8(first >> 24)
        guard let type = DHCPv6MessageType(rawValue: rawType) else { throw .unexpectedType(rawType) }
        return DHCPv6Message(type: type, transactionID: first & 0xff_ffff,
                             options: try DHCPv6Option.parseList(r.rest(), in: .message))
    }

    public var clientID: DUID? {
        for case .clientID(let d) in options { return d }
        return nil
    }
    public var serverID: DUID? {
        for case .serverID(let d) in options { return d }
        return nil
    }
    public var requestedOptions: [UInt16] {
        for case .optionRequest(let codes) in options { return codes }
        return []
    }
    public var hasRapidCommit: Bool { options.contains(.rapidCommit) }
    public var preference: UInt8 {
        for case .preference(let p) in options { return p }
        return 0
    }
    public var status: DHCPv6Status? {
        for case .statusCode(let s, _) in options { return s }
        return nil
    }
    public var iaPDs: [IdentityAssociation] { options.compactMap { if case .iaPD(let ia) = $0 { ia } else { nil } } }
    public var iaNAs: [IdentityAssociation] { options.compactMap { if case .iaNA(let ia) = $0 { ia } else { nil } } }
    public var dnsServers: [IPv6Address] {
        for case .dnsServers(let s) in options { return s }
        return []
    }

    /// The whole IPv6/UDP packet for the session's TUN/channel. Hop Limit 1
    /// for the link-scoped multicast group, 64 towards a client's address.
    public func packet(source: IPv6Address, destination: IPv6Address,
                       sourcePort: UInt16, destinationPort: UInt16) -> [UInt8] {
        let header = IPv6Header(source: source, destination: destination, nextHeader: NextHeader.udp,
                                hopLimit: destination.isMulticast ? 1 : 64)
        return UDPDatagram(header: header, sourcePort: sourcePort, destinationPort: destinationPort,
                           payload: encoded()).packet()
    }

    /// A received packet: its UDP/IPv6 envelope and the message.
    public static func parse(_ packet: [UInt8]) throws(IPv6Error) -> (UDPDatagram, DHCPv6Message) {
        let d = try UDPDatagram.parse(packet)
        return (d, try decode(d.payload[...]))
    }
}
