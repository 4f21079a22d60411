// Router Solicitation and Router Advertisement (RFC 4861 §4.1, §4.2) as whole
// IPv6 packets: ICMPv6 (RFC 4443 §2.1) inside an IPv6 header with Hop Limit
// 255 and a link-local source, checksum over the pseudo-header. Parsing
// applies the validity checks of §6.1.1 and §6.1.2; a packet that fails one
// is refused with the reason, for the caller to drop and count.

/// RFC 4861 §4.1.
public struct RouterSolicitation: Equatable, Sendable {
    public var options: [NDOption]
    public init(options: [NDOption] = []) { self.options = options }
}

/// RFC 4861 §4.2.
public struct RouterAdvertisement: Equatable, Sendable {
    public var curHopLimit: UInt8 = 64
    /// M: addresses by DHCPv6. O: other configuration by DHCPv6.
    public var managed = false
    public var otherConfiguration = false
    /// Seconds this router may be a default router; 0 = not one (§6.3.4).
    public var routerLifetime: UInt16
    /// Milliseconds; 0 = unspecified.
    public var reachableTime: UInt32 = 0
    public var retransTimer: UInt32 = 0
    public var options: [NDOption]

    public init(routerLifetime: UInt16, options: [NDOption] = []) {
        self.routerLifetime = routerLifetime; self.options = options
    }
}

public enum RouterDiscoveryMessage: Equatable, Sendable {
    case solicitation(RouterSolicitation)
    case advertisement(RouterAdvertisement)

    public enum ICMPType {
        public static let routerSolicitation: UInt8 = 133
        public static let routerAdvertisement: UInt8 = 134
    }

    /// RFC 4861 §6.1: the IP Hop Limit every ND message is sent and accepted with.
    public static let hopLimit: UInt8 = 255

    /// The ICMPv6 message, checksum zero.
    func icmp() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        switch self {
        case .solicitation(let rs):
            out += [ICMPType.routerSolicitation, 0, 0, 0, 0, 0, 0, 0]
            for o in rs.options { o.encode(into: &out) }
        case .advertisement(let ra):
            out += [ICMPType.routerAdvertisement, 0, 0, 0, ra.curHopLimit,
                    (ra.managed ? 0x80 : 0) | (ra.otherConfiguration ? 0x40 : 0)]
            out.appendU16(ra.routerLifetime)
            out.appendU32(ra.reachableTime)
            out.appendU32(ra.retransTimer)
            for o in ra.options { o.encode(into: &out) }
        }
        return out
    }

    /// The whole IPv6 packet, Hop Limit 255.
    public func packet(source: IPv6Address, destination: IPv6Address) -> [UInt8] {
        IPv6Packet.build(IPv6Header(source: source, destination: destination,
                                    nextHeader: NextHeader.icmpv6, hopLimit: Self.hopLimit),
                         segment: icmp(), checksumOffset: 2)
    }

    /// A received packet: its IPv6 header and the message, if it is a valid
    /// RS or RA (§6.1.1, §6.1.2).
    public static func parse(_ packet: [UInt8]) throws(IPv6Error) -> (IPv6Header, RouterDiscoveryMessage) {
        let (h, segment) = try IPv6Packet.parse(packet[...], expecting: NextHeader.icmpv6)
        guard h.hopLimit == hopLimit else { throw .badHopLimit(h.hopLimit) }
        var r = WireReader(segment)
        let type = try r.u8()
        let code = try r.u8()
        _ = try r.u16()
        switch type {
        case ICMPType.routerSolicitation:
            guard code == 0 else { throw .badCode(code) }
            _ = try r.u32()  // Reserved
            let options = try NDOption.parseList(r.rest())
            if h.source.isUnspecified && options.contains(where: { $0.type == NDOption.Kind.sourceLinkLayerAddress }) {
                throw .linkLayerAddressFromUnspecified
            }
            return (h, .solicitation(RouterSolicitation(options: options)))
        case ICMPType.routerAdvertisement:
            guard h.source.isLinkLocal else { throw .sourceNotLinkLocal }
            guard code == 0 else { throw .badCode(code) }
            var ra = RouterAdvertisement(routerLifetime: 0)
            ra.curHopLimit = try r.u8()
            let flags = try r.u8()
            ra.managed = flags & 0x80 != 0
            ra.otherConfiguration = flags & 0x40 != 0
            ra.routerLifetime = try r.u16()
            ra.reachableTime = try r.u32()
            ra.retransTimer = try r.u32()
            ra.options = try NDOption.parseList(r.rest())
            return (h, .advertisement(ra))
        default:
            throw .unexpectedType(type)
        }
    }
}
