// What authd asks RADIUS: an Access-Request for each proof (RFC 2865 §5.2
// User-Password, §5.3 CHAP-Password with §5.40 CHAP-Challenge, RFC 2548
// MS-CHAP-Challenge and MS-CHAP2-Response), always signed with
// Message-Authenticator (RFC 2869 §5.14); an Access-Accept turned into a
// verdict's grant; and Accounting-Requests (RFC 2866) with the counters.
import IPC

/// Who the request is about (NAS-side attributes).
struct RadiusContext {
    var nasIdentifier: String
    var session: String
    var callingStation: String
    var calledStation = ""
    /// RFC 2865 §5.41 (IPC NASPortType).
    var nasPortType = NASPortType.virtual
    /// NAS-Port-Id when not `session` (AuthStart.nasPortID: a VLAN's).
    var nasPortID = ""

    /// The port attributes every request carries: §5.41 NAS-Port-Type,
    /// RFC 2869 §5.17 NAS-Port-Id, §5.30 Called- and §5.31 Calling-Station-Id
    /// (RFC 2866 §5.13 allows each in accounting too).
    var portAttributes: [RadiusAttribute] {
        typealias T = RadiusAttributeType
        var attrs: [RadiusAttribute] = [.integer(T.nasPortType, nasPortType), .text(T.nasPortId, nasPortID.isEmpty ? session : nasPortID)]
        if !calledStation.isEmpty { attrs.append(.text(T.calledStationId, calledStation)) }
        if !callingStation.isEmpty { attrs.append(.text(T.callingStationId, callingStation)) }
        return attrs
    }
}

enum RadiusRequests {
    /// The Access-Request for `v`, as a builder for the client (per server).
    static func accessRequest(_ v: Verification, _ ctx: RadiusContext) -> RadiusClient.Builder {
        { secret, id, requestAuthenticator in
            typealias T = RadiusAttributeType
            var attrs: [RadiusAttribute] = [.text(T.userName, v.user), .text(T.nasIdentifier, ctx.nasIdentifier),
                                            .integer(T.serviceType, 2),      // Framed
                                            .integer(T.framedProtocol, 1)]   // PPP
            attrs += ctx.portAttributes
            switch v.proof {
            case let .password(password):
                guard password.count <= 128 else { return nil }  // §5.2: at most 128 octets
                attrs.append(RadiusAttribute(type: T.userPassword, value: RadiusCrypto.hidePassword(
                    password, secret: secret, requestAuthenticator: requestAuthenticator)))
            case let .chapMD5(identifier, challenge, response):
                // §5.3: CHAP Ident then the 16-octet response; §5.40: the challenge.
                guard response.count == 16, challenge.count <= 253 else { return nil }
                attrs.append(RadiusAttribute(type: T.chapPassword, value: [identifier] + response))
                attrs.append(RadiusAttribute(type: T.chapChallenge, value: challenge))
            case let .msChapV2(identifier, challenge, r):
                // RFC 2548 §2.3.2: Ident, Flags, Peer-Challenge, Reserved (8), Response.
                attrs.append(MicrosoftAttribute.vendorSpecific(MicrosoftAttribute.chapChallenge, challenge))
                attrs.append(MicrosoftAttribute.vendorSpecific(MicrosoftAttribute.chap2Response,
                    [identifier, r.flags] + r.peerChallenge + [UInt8](repeating: 0, count: 8) + r.ntResponse))
            }
            attrs.append(RadiusAttribute(type: T.messageAuthenticator, value: [UInt8](repeating: 0, count: 16)))
            let packet = RadiusPacket(code: RadiusPacket.accessRequest, identifier: id,
                                      authenticator: requestAuthenticator, attributes: attrs)
            guard var wire = try? packet.encoded(),
                  let offset = RadiusCrypto.messageAuthenticatorOffset(wire),
                  let mac = RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: requestAuthenticator, secret: secret)
            else { return nil }
            wire.replaceSubrange(offset..<(offset + 16), with: mac)
            return wire
        }
    }

    /// An answer to an Access-Request as a check result.
    static func result(_ outcome: RadiusClient.Outcome, for v: Verification) -> VerificationResult {
        typealias T = RadiusAttributeType
        guard case let .answered(p, _, secret, requestAuthenticator) = outcome else {
            if case let .timedOut(tried) = outcome { return .reject("no RADIUS server answered (\(tried) tried)") }
            return .reject("RADIUS failed")
        }
        let message = p.attribute(T.replyMessage).map { ": " + printable($0) } ?? ""
        switch p.code {
        case RadiusPacket.accessAccept:
            var g = grant(p)
            // RFC 2868: the L2TP tunnels for this user (a LAC's bridging uses them).
            let tunnels = TunnelAttributes.choices(p, secret: secret, requestAuthenticator: requestAuthenticator)
            g.tunnels = tunnels.tunnels
            g.refused += tunnels.refused
            var response = ""
            if case let .msChapV2(identifier, _, _) = v.proof {
                // RFC 2548 §2.3.3 MS-CHAP2-Success: Ident then "S=" and 40 hex digits.
                guard let s = p.vendorAttribute(vendor: MicrosoftAttribute.vendor, type: MicrosoftAttribute.chap2Success),
                      s.count >= 43, s[0] == identifier, s[1] == UInt8(ascii: "S"), s[2] == UInt8(ascii: "="),
                      s[3..<43].allSatisfy({ $0 < 128 && Character(UnicodeScalar($0)).isHexDigit }) else {
                    return .reject("RADIUS Access-Accept without a valid MS-CHAP2-Success")
                }
                response = String(decoding: s[1..<43], as: UTF8.self)
            }
            return .accept("radius", grant: g, authenticatorResponse: response)
        case RadiusPacket.accessReject:
            return .reject("RADIUS Access-Reject\(message)")
        case RadiusPacket.accessChallenge:
            return .reject("RADIUS Access-Challenge is not supported for \(v.method)")
        default:
            return .reject("RADIUS answered with code \(p.code)")
        }
    }

    /// What an Access-Accept assigns (RFC 2865 §5). Every attribute is
    /// checked on its own: a malformed one is refused with the reason (in
    /// `refused`), the others still apply.
    static func grant(_ p: RadiusPacket) -> Grant {
        typealias T = RadiusAttributeType
        var g = Grant()
        func integer(_ type: UInt8, _ name: String) -> UInt32? {
            guard let v = p.attribute(type) else { return nil }
            guard v.count == 4 else { g.refused.append("\(name) of \(v.count) octets"); return nil }
            return p.integer(type)
        }
        // §5.8: 0xFFFFFFFF (user chooses) and 0xFFFFFFFE (NAS chooses) assign nothing.
        if let a = integer(T.framedIPAddress, "Framed-IP-Address"), a < 0xFFFF_FFFE { g.framedAddress = a }
        if let m = integer(T.framedIPNetmask, "Framed-IP-Netmask") {
            // §5.9: a netmask is leading ones then zeros.
            if m != 0 && (~m & (~m &+ 1)) == 0 {
                g.framedNetmask = m
            } else if m != 0 {
                g.refused.append("Framed-IP-Netmask \(IPv4.format(m)) is not a netmask")
            }
        }
        g.sessionTimeout = integer(T.sessionTimeout, "Session-Timeout") ?? 0
        g.idleTimeout = integer(T.idleTimeout, "Idle-Timeout") ?? 0
        g.interimInterval = integer(T.acctInterimInterval, "Acct-Interim-Interval") ?? 0
        g.radiusClass = p.attribute(T.class) ?? []
        if let mtu = integer(T.framedMTU, "Framed-MTU") {
            // §5.12: 64 to 65535.
            if (64...65535).contains(mtu) { g.framedMTU = mtu } else { g.refused.append("Framed-MTU \(mtu) (64-65535)") }
        }
        if let pool = p.attribute(T.framedPool) {
            // RFC 2869 §5.18: the name of a pool; ours are printable names.
            if !pool.isEmpty, pool.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) { g.framedPool = pool.text } else {
                g.refused.append("Framed-Pool '\(printable(pool))' is not a pool name")
            }
        }
        for a in p.attributes where a.type == T.framedRoute {
            do {
                let r = try FramedRoute(parsing: a.value[...])
                if g.framedRoutes.count < AuthVerdict.maximumRoutes { g.framedRoutes.append(r) } else {
                    g.refused.append("Framed-Route \(r.description): more than \(AuthVerdict.maximumRoutes)")
                }
            } catch {
                g.refused.append("\(error)")
            }
        }
        // RFC 2548 §2.7.6-7: four octets each.
        for (type, name) in [(MicrosoftAttribute.primaryDNSServer, "MS-Primary-DNS-Server"),
                             (MicrosoftAttribute.secondaryDNSServer, "MS-Secondary-DNS-Server")] {
            guard let v = p.vendorAttribute(vendor: MicrosoftAttribute.vendor, type: type) else { continue }
            let a = v.count == 4 ? v.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : 0
            if a != 0 && a != 0xffff_ffff { g.dns.append(a) } else { g.refused.append("\(name) of \(v.count) octets") }
        }
        // RFC 3162 §2.3 (may appear more than once: the first is the
        // session's /64) and RFC 4818 §3 (one delegated prefix).
        for (type, name) in [(T.framedIPv6Prefix, "Framed-IPv6-Prefix"), (T.delegatedIPv6Prefix, "Delegated-IPv6-Prefix")] {
            guard let v = p.attribute(type) else { continue }
            do {
                let prefix = try ipv6Prefix(v[...])
                if type == T.framedIPv6Prefix { g.framedIPv6Prefix = prefix } else { g.delegatedIPv6Prefix = prefix }
            } catch {
                g.refused.append("\(name): \(error)")
            }
        }
        return g
    }

    /// Why an IPv6 prefix attribute was refused.
    enum PrefixRefusal: Error, Equatable, CustomStringConvertible {
        case length(Int), reserved(UInt8), prefixLength(UInt8), truncated(needed: Int, given: Int), bitsPastLength
        var description: String {
            switch self {
            case let .length(n): "\(n) octets of value, 2 to 18"
            case let .reserved(r): "reserved octet \(r), not 0"
            case let .prefixLength(l): "prefix length \(l), more than 128"
            case let .truncated(needed, given): "prefix of \(given) octets for a length needing \(needed)"
            case .bitsPastLength: "bits past the prefix length are set"
            }
        }
    }

    /// RFC 3162 §2.3's layout, which RFC 4818 §3 repeats: Reserved (0),
    /// Prefix-Length (0-128), then "up to 16 octets" of prefix (attribute
    /// Length 4-20, so 2-18 octets of value). The prefix must cover its
    /// length (a shorter field would leave the prefix undefined) and "bits
    /// outside of the Prefix-Length, if included, must be zero".
    static func ipv6Prefix(_ v: ArraySlice<UInt8>) throws(PrefixRefusal) -> IPv6PrefixValue {
        guard (2...18).contains(v.count) else { throw .length(v.count) }
        let reserved = v[v.startIndex], length = v[v.startIndex + 1]
        guard reserved == 0 else { throw .reserved(reserved) }
        guard length <= 128 else { throw .prefixLength(length) }
        let given = v.count - 2, needed = (Int(length) + 7) / 8
        guard given >= needed else { throw .truncated(needed: needed, given: given) }
        var address = [UInt8](repeating: 0, count: 16)
        for (i, b) in v.dropFirst(2).enumerated() { address[i] = b }
        guard let prefix = IPv6PrefixValue(address: address, length: length) else { throw .bitsPastLength }
        return prefix
    }

    /// The attribute's value as we send it in accounting: all 16 octets
    /// (RFC 3162 §2.3 allows up to 16; a full field needs no padding rule).
    static func ipv6PrefixValue(_ p: IPv6PrefixValue) -> [UInt8] { [0, p.length] + p.address }

    /// RFC 2866 §5.1 Acct-Status-Type.
    /// RFC 2867 §2.1 adds 9-14 for tunnels and their links (calls).
    enum AccountingStatus: UInt32 {
        case start = 1, stop = 2, interimUpdate = 3, accountingOn = 7, accountingOff = 8
        case tunnelStart = 9, tunnelStop = 10, tunnelReject = 11, tunnelLinkStart = 12, tunnelLinkStop = 13, tunnelLinkReject = 14
    }

    struct AccountingRecord {
        var user: String
        var sessionID: String
        var framedAddress: UInt32 = 0
        /// RFC 3162 §2.3 and RFC 4818 §3, as the session holds them.
        var framedIPv6Prefix: IPv6PrefixValue?
        var delegatedIPv6Prefix: IPv6PrefixValue?
        /// RFC 6911 §3.1: the address DHCPv6 IA_NA gave the session (a /128).
        var framedIPv6Address: IPv6PrefixValue?
        var radiusClass: [UInt8] = []
        var counters = SessionCounters()
        /// RFC 2866 §5.10: 1 User-Request, 2 Lost-Carrier, 4 Idle-Timeout, 5 Session-Timeout, 6 Admin-Reset, …
        var terminateCause: UInt32 = 0
        /// RFC 2867: a LAC's tunnel or call; the request is built from it alone.
        var tunnel: TunnelAccounting?
    }

    /// RFC 2866 §4.1 Accounting-Request; the Authenticator is MD5 over the
    /// packet with 16 zero octets and the secret (§3).
    /// `since`: when the event happened; a request sent later says how much
    /// later in Acct-Delay-Time (§5.2), recomputed at every try.
    static func accountingRequest(_ status: AccountingStatus, _ r: AccountingRecord, _ ctx: RadiusContext,
                                  since: Instant? = nil) -> RadiusClient.Builder {
        { secret, id, _ in
            typealias T = RadiusAttributeType
            var attrs: [RadiusAttribute]
            if let t = r.tunnel {
                attrs = tunnelAccountingAttributes(t, ctx)
                if let since { attrs.append(.integer(T.acctDelayTime, UInt32(max(0, min(Instant.now().seconds(since: since), 4e9))))) }
                return signedAccountingRequest(id, attrs, secret)
            }
            if status == .accountingOn || status == .accountingOff {
                // §5.1: the NAS, not a session; §5.5: Acct-Session-Id in every request.
                attrs = [.integer(T.acctStatusType, status.rawValue), .text(T.acctSessionId, r.sessionID),
                         .text(T.nasIdentifier, ctx.nasIdentifier)]
                if let since { attrs.append(.integer(T.acctDelayTime, UInt32(max(0, min(Instant.now().seconds(since: since), 4e9))))) }
                return signedAccountingRequest(id, attrs, secret)
            }
            attrs = [.integer(T.acctStatusType, status.rawValue), .text(T.acctSessionId, r.sessionID),
                                            .text(T.userName, r.user), .text(T.nasIdentifier, ctx.nasIdentifier),
                                            .integer(T.serviceType, 2), .integer(T.framedProtocol, 1)]
            attrs += ctx.portAttributes
            if r.framedAddress != 0 { attrs.append(.integer(T.framedIPAddress, r.framedAddress)) }
            // RFC 3162 §3 and RFC 4818's table of attributes: both may be in an
            // Accounting-Request, so billing sees the session's IPv6 too.
            if let p = r.framedIPv6Prefix { attrs.append(RadiusAttribute(type: T.framedIPv6Prefix, value: ipv6PrefixValue(p))) }
            if let p = r.delegatedIPv6Prefix {
                attrs.append(RadiusAttribute(type: T.delegatedIPv6Prefix, value: ipv6PrefixValue(p)))
            }
            // RFC 6911 §3.1: Framed-IPv6-Address may be in an Accounting-Request;
            // its value is the 16 octets of the address.
            if let a = r.framedIPv6Address, a.length == 128 {
                attrs.append(RadiusAttribute(type: T.framedIPv6Address, value: a.address))
            }
            if !r.radiusClass.isEmpty { attrs.append(RadiusAttribute(type: T.class, value: r.radiusClass)) }
            if status != .start {
                let c = r.counters
                // §5.3/5.4 with RFC 2869 §5.1/5.2 Gigawords for the high 32 bits.
                attrs += [.integer(T.acctInputOctets, UInt32(truncatingIfNeeded: c.inputOctets)),
                          .integer(T.acctOutputOctets, UInt32(truncatingIfNeeded: c.outputOctets)),
                          .integer(T.acctInputGigawords, UInt32(truncatingIfNeeded: c.inputOctets >> 32)),
                          .integer(T.acctOutputGigawords, UInt32(truncatingIfNeeded: c.outputOctets >> 32)),
                          .integer(T.acctInputPackets, UInt32(truncatingIfNeeded: c.inputPackets)),
                          .integer(T.acctOutputPackets, UInt32(truncatingIfNeeded: c.outputPackets)),
                          .integer(T.acctSessionTime, c.sessionSeconds)]
            }
            if let since {
                let delay = max(0, Instant.now().seconds(since: since))
                attrs.append(.integer(T.acctDelayTime, UInt32(min(delay, Double(UInt32.max)))))
            }
            if status == .stop && r.terminateCause != 0 { attrs.append(.integer(T.acctTerminateCause, r.terminateCause)) }
            return signedAccountingRequest(id, attrs, secret)
        }
    }

    /// §3: the Request Authenticator is MD5 over the packet with 16 zero octets and the secret.
    private static func signedAccountingRequest(_ id: UInt8, _ attrs: [RadiusAttribute], _ secret: [UInt8]) -> [UInt8]? {
        let zero = [UInt8](repeating: 0, count: 16)
        guard var wire = try? RadiusPacket(code: RadiusPacket.accountingRequest, identifier: id,
                                           authenticator: zero, attributes: attrs).encoded() else { return nil }
        wire.replaceSubrange(4..<20, with: RadiusCrypto.authenticator(of: wire, withAuthenticator: zero, secret: secret))
        return wire
    }

    /// RFC 2866 §5.10 Acct-Terminate-Cause values.
    enum TerminateCause: UInt32 {
        case userRequest = 1, lostCarrier = 2, lostService = 3, idleTimeout = 4, sessionTimeout = 5, adminReset = 6
        case adminReboot = 7, portError = 8, nasError = 9, nasRequest = 10, nasReboot = 11, portUnneeded = 12
        case portPreempted = 13, portSuspended = 14, serviceUnavailable = 15, callback = 16, userError = 17, hostRequest = 18
    }

    /// How linkd's end reasons (Session.close/lowerDown/lineFailed texts and
    /// the PPPoE machines' PADT reasons) map to §5.10, first match wins.
    static let terminateCauses: [(prefix: String, cause: TerminateCause)] = [
        ("peer terminated", .userRequest),            // LCP Terminate-Request from the peer
        ("padt from the host", .userRequest),         // RFC 2516 §5.5: the client ended it
        ("padt from the access concentrator", .hostRequest),
        ("hangup", .lostCarrier),                     // tty/TCP end of file
        ("peer not responding", .lostCarrier),        // LCP echoes unanswered
        ("read error", .portError),
        ("idle timeout", .idleTimeout),
        ("session timeout", .sessionTimeout),
        ("killed by the operator", .adminReset),      // pppctl session kill
        ("admin reset", .adminReset),                 // RFC 5176 Disconnect-Request
        ("unbridged by the operator", .adminReset),
        ("linkd stopping", .nasReboot),               // the router is shutting down
        ("router stopping", .nasReboot),              // SIGTERM to pppinit: linkd ends each session first
        ("port removed", .adminReset),                // a reload took the port out of the config
        ("replaced by a new pppoe session", .portPreempted),
        ("upstream ", .serviceUnavailable),           // a bridge's partner failed
        ("lcp renegotiation", .userRequest),          // the peer restarted LCP
        ("lcp: no agreement", .userError),
        ("authentication failed", .userError),
        ("authd unreachable", .nasError),
        ("cannot resume", .nasError),
    ]

    static func terminateCause(_ reason: String) -> UInt32 {
        let r = reason.lowercased()
        return (terminateCauses.first { r.hasPrefix($0.prefix) }?.cause ?? .nasRequest).rawValue
    }
}
