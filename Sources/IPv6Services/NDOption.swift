// Neighbor Discovery options (RFC 4861 §4.6) for Router Solicitations and
// Advertisements, with RFC 8106's RDNSS and DNSSL. Every Length is checked:
// zero invalidates the packet (§4.6), a length past the message is refused,
// and each known option must have the size its RFC gives it. Unknown types
// are kept and skipped (§4.6: "MUST silently ignore" them).

/// RFC 4861 §4.6.2, the Prefix Information option's fields.
public struct PrefixInformation: Equatable, Sendable {
    public var prefix: IPv6Prefix
    /// L: the prefix is on-link.
    public var onLink: Bool = true
    /// A: usable for stateless address autoconfiguration (RFC 4862).
    public var autonomous: Bool = true
    /// Seconds; 0xffffffff is infinity.
    public var validLifetime: UInt32
    public var preferredLifetime: UInt32

    public init(prefix: IPv6Prefix, onLink: Bool = true, autonomous: Bool = true,
                validLifetime: UInt32, preferredLifetime: UInt32) {
        self.prefix = prefix; self.onLink = onLink; self.autonomous = autonomous
        self.validLifetime = validLifetime; self.preferredLifetime = preferredLifetime
    }
}

public enum NDOption: Equatable, Sendable {
    /// Type 1 and 2 (§4.6.1): the link-layer address, padding included
    /// (PPP has none; a peer on another link type may still send one).
    case sourceLinkLayerAddress([UInt8])
    case targetLinkLayerAddress([UInt8])
    /// Type 3 (§4.6.2), Length 4.
    case prefixInformation(PrefixInformation)
    /// Type 5 (§4.6.4), Length 1.
    case mtu(UInt32)
    /// Type 25, RFC 8106 §5.1: Length 3 + 2 per address, at least one.
    case recursiveDNSServers(lifetime: UInt32, servers: [IPv6Address])
    /// Type 31, RFC 8106 §5.2: Length at least 2, names zero-padded.
    case dnsSearchList(lifetime: UInt32, domains: [String])
    /// Any other type, kept so it is skipped, not lost (§4.6).
    case unknown(type: UInt8, body: [UInt8])

    public enum Kind {
        public static let sourceLinkLayerAddress: UInt8 = 1
        public static let targetLinkLayerAddress: UInt8 = 2
        public static let prefixInformation: UInt8 = 3
        public static let mtu: UInt8 = 5
        public static let recursiveDNSServers: UInt8 = 25
        public static let dnsSearchList: UInt8 = 31
    }

    public var type: UInt8 {
        switch self {
        case .sourceLinkLayerAddress: Kind.sourceLinkLayerAddress
        case .targetLinkLayerAddress: Kind.targetLinkLayerAddress
        case .prefixInformation: Kind.prefixInformation
        case .mtu: Kind.mtu
        case .recursiveDNSServers: Kind.recursiveDNSServers
        case .dnsSearchList: Kind.dnsSearchList
        case .unknown(let t, _): t
        }
    }

    /// Every option in `bytes`, which they must fill exactly.
    public static func parseList(_ bytes: ArraySlice<UInt8>) throws(IPv6Error) -> [NDOption] {
        var r = WireReader(bytes)
        var out: [NDOption] = []
        while !r.isAtEnd {
            try r.need(2)
            let type = try r.u8()
            let units = Int(try r.u8())
            guard units > 0 else { throw .zeroOptionLength(type: type) }
            guard units * 8 - 2 <= r.remaining else {
                throw .optionOverrun(type: UInt16(type), declared: units * 8, available: r.remaining + 2)
            }
            out.append(try parse(type: type, units: units, body: try r.take(units * 8 - 2)))
        }
        return out
    }

    static func parse(type: UInt8, units: Int, body: ArraySlice<UInt8>) throws(IPv6Error) -> NDOption {
        var r = WireReader(body)
        func length(_ ok: Bool) throws(IPv6Error) {
            guard ok else { throw .badOptionLength(type: UInt16(type), length: units) }
        }
        switch type {
        case Kind.sourceLinkLayerAddress: return .sourceLinkLayerAddress(Array(body))
        case Kind.targetLinkLayerAddress: return .targetLinkLayerAddress(Array(body))
        case Kind.prefixInformation:
            try length(units == 4)
            let prefixLength = Int(try r.u8())
            let flags = try r.u8()
            let valid = try r.u32(), preferred = try r.u32()
            _ = try r.u32()  // Reserved2
            let prefix = try IPv6Prefix(try r.address(), length: prefixLength)
            return .prefixInformation(PrefixInformation(prefix: prefix, onLink: flags & 0x80 != 0,
                                                        autonomous: flags & 0x40 != 0,
                                                        validLifetime: valid, preferredLifetime: preferred))
        case Kind.mtu:
            try length(units == 1)
            _ = try r.u16()
            return .mtu(try r.u32())
        case Kind.recursiveDNSServers:
            try length(units >= 3 && units % 2 == 1)
            _ = try r.u16()
            let lifetime = try r.u32()
            var servers: [IPv6Address] = []
            while !r.isAtEnd { servers.append(try r.address()) }
            return .recursiveDNSServers(lifetime: lifetime, servers: servers)
        case Kind.dnsSearchList:
            try length(units >= 2)
            _ = try r.u16()
            let lifetime = try r.u32()
            var domains: [String] = []
            // Names until the first zero octet that starts no name; the
            // rest is padding and must be zero (§5.2).
            while !r.isAtEnd {
                if body[r.index] == 0 {
                    guard r.rest().allSatisfy({ $0 == 0 }) else { throw .badDomainName }
                    break
                }
                domains.append(try DomainName.decode(&r))
            }
            guard !domains.isEmpty else { throw .badDomainName }
            return .dnsSearchList(lifetime: lifetime, domains: domains)
        default:
            return .unknown(type: type, body: Array(body))
        }
    }

    /// Appends the option; a body that is not a whole number of 8-octet units
    /// is zero-padded (link-layer addresses, DNSSL).
    func encode(into out: inout [UInt8]) {
        let start = out.count
        out.append(type)
        out.append(0)
        switch self {
        case .sourceLinkLayerAddress(let a), .targetLinkLayerAddress(let a): out += a
        case .prefixInformation(let p):
            out.append(p.prefix.length)
            out.append((p.onLink ? 0x80 : 0) | (p.autonomous ? 0x40 : 0))
            out.appendU32(p.validLifetime); out.appendU32(p.preferredLifetime); out.appendU32(0)
            out.append(p.prefix.address)
        case .mtu(let m):
            out.appendU16(0); out.appendU32(m)
        case .recursiveDNSServers(let lifetime, let servers):
            out.appendU16(0); out.appendU32(lifetime)
            for s in servers { out.append(s) }
        case .dnsSearchList(let lifetime, let domains):
            out.appendU16(0); out.appendU32(lifetime)
            for d in domains { out += DomainName.encode(d) ?? [] }
        case .unknown(_, let body): out += body
        }
        while (out.count - start) % 8 != 0 { out.append(0) }
        out[start + 1] = UInt8(truncatingIfNeeded: (out.count - start) / 8)
    }
}
