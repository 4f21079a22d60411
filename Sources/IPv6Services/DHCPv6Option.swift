// DHCPv6 options (RFC 8415 §21, RFC 3646 §3-4): a typed value per option this
// router uses, the rest kept raw. Lengths are checked per option and options
// nest only where Appendix C lets them (IAADDR in IA_NA, IAPREFIX in IA_PD,
// Status Code in those and at the top), so the depth is bounded by the codec.

public struct DHCPv6Status: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// RFC 8415 §21.13.
    public static let success = DHCPv6Status(rawValue: 0)
    public static let unspecFail = DHCPv6Status(rawValue: 1)
    public static let noAddrsAvail = DHCPv6Status(rawValue: 2)
    public static let noBinding = DHCPv6Status(rawValue: 3)
    public static let notOnLink = DHCPv6Status(rawValue: 4)
    public static let useMulticast = DHCPv6Status(rawValue: 5)
    public static let noPrefixAvail = DHCPv6Status(rawValue: 6)
}

/// RFC 8415 §21.4 IA_NA and §21.21 IA_PD share this shape.
public struct IdentityAssociation: Equatable, Sendable {
    public var iaid: UInt32
    /// Seconds; §21.4: 0 leaves the times to the client.
    public var t1: UInt32
    public var t2: UInt32
    public var options: [DHCPv6Option]
    public init(iaid: UInt32, t1: UInt32 = 0, t2: UInt32 = 0, options: [DHCPv6Option] = []) {
        self.iaid = iaid; self.t1 = t1; self.t2 = t2; self.options = options
    }

    public var status: DHCPv6Status? {
        for case .statusCode(let s, _) in options { return s }
        return nil
    }
    public var prefixes: [IAPrefix] { options.compactMap { if case .iaPrefix(let p) = $0 { p } else { nil } } }
    public var addresses: [IAAddress] { options.compactMap { if case .iaAddress(let a) = $0 { a } else { nil } } }
}

/// RFC 8415 §21.6.
public struct IAAddress: Equatable, Sendable {
    public var address: IPv6Address
    public var preferredLifetime: UInt32
    public var validLifetime: UInt32
    public var options: [DHCPv6Option] = []
    public init(address: IPv6Address, preferredLifetime: UInt32, validLifetime: UInt32, options: [DHCPv6Option] = []) {
        self.address = address; self.preferredLifetime = preferredLifetime
        self.validLifetime = validLifetime; self.options = options
    }
}

/// RFC 8415 §21.22.
public struct IAPrefix: Equatable, Sendable {
    public var prefix: IPv6Prefix
    public var preferredLifetime: UInt32
    public var validLifetime: UInt32
    public var options: [DHCPv6Option] = []
    public init(prefix: IPv6Prefix, preferredLifetime: UInt32, validLifetime: UInt32, options: [DHCPv6Option] = []) {
        self.prefix = prefix; self.preferredLifetime = preferredLifetime
        self.validLifetime = validLifetime; self.options = options
    }
}

public indirect enum DHCPv6Option: Equatable, Sendable {
    case clientID(DUID)
    case serverID(DUID)
    case iaNA(IdentityAssociation)
    case iaAddress(IAAddress)
    /// §21.7: requested option codes, two octets each.
    case optionRequest([UInt16])
    /// §21.8: one octet, 255 = take this server at once.
    case preference(UInt8)
    /// §21.9: hundredths of a second since the exchange began.
    case elapsedTime(UInt16)
    case statusCode(DHCPv6Status, message: String)
    /// §21.14: no data.
    case rapidCommit
    /// §21.20: no data.
    case reconfigureAccept
    /// RFC 3646 §3: 16 octets per address, at least one.
    case dnsServers([IPv6Address])
    /// RFC 3646 §4.
    case domainList([String])
    case iaPD(IdentityAssociation)
    case iaPrefix(IAPrefix)
    /// RFC 8415 §21.23: four octets.
    case informationRefreshTime(UInt32)
    /// Anything else, raw (IA_TA, Auth, vendor options...).
    case unknown(code: UInt16, data: [UInt8])

    public enum Code {
        public static let clientID: UInt16 = 1
        public static let serverID: UInt16 = 2
        public static let iaNA: UInt16 = 3
        public static let iaAddress: UInt16 = 5
        public static let optionRequest: UInt16 = 6
        public static let preference: UInt16 = 7
        public static let elapsedTime: UInt16 = 8
        public static let statusCode: UInt16 = 13
        public static let rapidCommit: UInt16 = 14
        public static let reconfigureAccept: UInt16 = 20
        public static let dnsServers: UInt16 = 23
        public static let domainList: UInt16 = 24
        public static let iaPD: UInt16 = 25
        public static let iaPrefix: UInt16 = 26
        public static let informationRefreshTime: UInt16 = 32
    }

    public var code: UInt16 {
        switch self {
        case .clientID: Code.clientID
        case .serverID: Code.serverID
        case .iaNA: Code.iaNA
        case .iaAddress: Code.iaAddress
        case .optionRequest: Code.optionRequest
        case .preference: Code.preference
        case .elapsedTime: Code.elapsedTime
        case .statusCode: Code.statusCode
        case .rapidCommit: Code.rapidCommit
        case .reconfigureAccept: Code.reconfigureAccept
        case .dnsServers: Code.dnsServers
        case .domainList: Code.domainList
        case .iaPD: Code.iaPD
        case .iaPrefix: Code.iaPrefix
        case .informationRefreshTime: Code.informationRefreshTime
        case .unknown(let c, _): c
        }
    }

    /// Where a list of options sits, for Appendix C's nesting rules.
    enum Container { case message, iaNA, iaPD, iaAddress, iaPrefix }

    /// Every option in `bytes`, which they must fill exactly.
    static func parseList(_ bytes: ArraySlice<UInt8>, in container: Container) throws(IPv6Error) -> [DHCPv6Option] {
        var r = WireReader(bytes)
        var out: [DHCPv6Option] = []
        while !r.isAtEnd {
            try r.need(4)
            let code = try r.u16()
            let length = Int(try r.u16())
            guard length <= r.remaining else { throw .optionOverrun(type: code, declared: length, available: r.remaining) }
            let option = try parse(code: code, data: try r.take(length), in: container)
            // §21: Client and Server Identifier, Preference and Elapsed Time at most once.
            if [Code.clientID, Code.serverID, Code.preference, Code.elapsedTime, Code.statusCode].contains(code),
               out.contains(where: { $0.code == code }) {
                throw .duplicateOption(code)
            }
            out.append(option)
        }
        return out
    }

    static func parse(code: UInt16, data: ArraySlice<UInt8>, in container: Container) throws(IPv6Error) -> DHCPv6Option {
        var r = WireReader(data)
        func length(_ ok: Bool) throws(IPv6Error) {
            guard ok else { throw .badOptionLength(type: code, length: data.count) }
        }
        func place(_ allowed: Container...) throws(IPv6Error) {
            guard allowed.contains(container) else { throw .misplacedOption(code) }
        }
        switch code {
        case Code.statusCode:
            try length(data.count >= 2)
            let status = DHCPv6Status(rawValue: try r.u16())
            let text = r.rest()
            guard let message = String(validating: text, as: UTF8.self) else { throw .invalidValue }
            return .statusCode(status, message: message)
        case Code.iaAddress:
            try place(.iaNA)
            try length(data.count >= 24)
            let a = try r.address()
            let preferred = try r.u32(), valid = try r.u32()
            return .iaAddress(IAAddress(address: a, preferredLifetime: preferred, validLifetime: valid,
                                        options: try parseList(r.rest(), in: .iaAddress)))
        case Code.iaPrefix:
            try place(.iaPD)
            try length(data.count >= 25)
            let preferred = try r.u32(), valid = try r.u32()
            let length = Int(try r.u8())
            let prefix = try IPv6Prefix(try r.address(), length: length)
            return .iaPrefix(IAPrefix(prefix: prefix, preferredLifetime: preferred, validLifetime: valid,
                                      options: try parseList(r.rest(), in: .iaPrefix)))
        default:
            break
        }
        // Everything else is a top-level option; inside an IA or an address
        // or prefix, unknown options are kept raw (§21.4, §21.6).
        guard container == .message else {
            if [Code.iaNA, Code.iaPD, Code.clientID, Code.serverID].contains(code) { throw .misplacedOption(code) }
            return .unknown(code: code, data: Array(data))
        }
        switch code {
        case Code.clientID: return .clientID(try DUID(data))
        case Code.serverID: return .serverID(try DUID(data))
        case Code.iaNA, Code.iaPD:
            try length(data.count >= 12)
            var ia = IdentityAssociation(iaid: try r.u32(), t1: try r.u32(), t2: try r.u32())
            ia.options = try parseList(r.rest(), in: code == Code.iaNA ? .iaNA : .iaPD)
            return code == Code.iaNA ? .iaNA(ia) : .iaPD(ia)
        case Code.optionRequest:
            try length(data.count % 2 == 0)
            var codes: [UInt16] = []
            while !r.isAtEnd { codes.append(try r.u16()) }
            return .optionRequest(codes)
        case Code.preference:
            try length(data.count == 1)
            return .preference(try r.u8())
        case Code.elapsedTime:
            try length(data.count == 2)
            return .elapsedTime(try r.u16())
        case Code.rapidCommit:
            try length(data.isEmpty)
            return .rapidCommit
        case Code.reconfigureAccept:
            try length(data.isEmpty)
            return .reconfigureAccept
        case Code.dnsServers:
            try length(!data.isEmpty && data.count % 16 == 0)
            var servers: [IPv6Address] = []
            while !r.isAtEnd { servers.append(try r.address()) }
            return .dnsServers(servers)
        case Code.domainList:
            try length(!data.isEmpty)
            var names: [String] = []
            while !r.isAtEnd { names.append(try DomainName.decode(&r)) }
            return .domainList(names)
        case Code.informationRefreshTime:
            try length(data.count == 4)
            return .informationRefreshTime(try r.u32())
        default:
            return .unknown(code: code, data: Array(data))
        }
    }

    func encode(into out: inout [UInt8]) {
        out.appendU16(code)
        let lengthAt = out.count
        out.appendU16(0)
        switch self {
        case .clientID(let d), .serverID(let d): out += d.bytes
        case .iaNA(let ia), .iaPD(let ia):
            out.appendU32(ia.iaid); out.appendU32(ia.t1); out.appendU32(ia.t2)
            for o in ia.options { o.encode(into: &out) }
        case .iaAddress(let a):
            out.append(a.address); out.appendU32(a.preferredLifetime); out.appendU32(a.validLifetime)
            for o in a.options { o.encode(into: &out) }
        case .iaPrefix(let p):
            out.appendU32(p.preferredLifetime); out.appendU32(p.validLifetime)
            out.append(p.prefix.length); out.append(p.prefix.address)
            for o in p.options { o.encode(into: &out) }
        case .optionRequest(let codes): for c in codes { out.appendU16(c) }
        case .preference(let p): out.append(p)
        case .elapsedTime(let t): out.appendU16(t)
        case .statusCode(let s, let message): out.appendU16(s.rawValue); out += Array(message.utf8)
        case .rapidCommit, .reconfigureAccept: break
        case .dnsServers(let servers): for s in servers { out.append(s) }
        case .domainList(let names): for n in names { out += DomainName.encode(n) ?? [] }
        case .informationRefreshTime(let t): out.appendU32(t)
        case .unknown(_, let data): out += data
        }
        out.writeU16(UInt16(truncatingIfNeeded: out.count - lengthAt - 2), at: lengthAt)
    }
}
