// The host side of Router Discovery and SLAAC for a CPE's PPP interface (RFC
// 4861 §6.3, RFC 4862 §5.5, RFC 8106 §5.3): solicits a router, accepts only
// RAs that pass §6.1.2 (Hop Limit 255, link-local source), forms an address
// from each autonomous /64 and the interface identifier IPv6CP negotiated,
// follows the default router and the RDNSS servers, and expires them.

public struct RouterDiscoveryHost: Sendable {
    /// RFC 4861 §10 host constants.
    public enum Constants {
        public static let maxRtrSolicitationDelay: UInt64 = 1 * Nanoseconds.perSecond
        public static let rtrSolicitationInterval: UInt64 = 4 * Nanoseconds.perSecond
        public static let maxRtrSolicitations = 3
        /// RFC 4862 §5.5.3 e.
        public static let twoHours: UInt64 = 7200 * Nanoseconds.perSecond
        public static let infinity: UInt32 = 0xffff_ffff
    }

    public enum Event: Equatable, Sendable {
        case linkUp
        case packet([UInt8])
        case timer
        case linkDown
    }

    public enum Action: Equatable, Sendable {
        case send([UInt8])
        /// Add, or update the lifetimes of, an autoconfigured address (/64).
        case addAddress(IPv6Address, prefixLength: UInt8, validLifetime: UInt32, preferredLifetime: UInt32)
        case removeAddress(IPv6Address, prefixLength: UInt8)
        case setDefaultRouter(IPv6Address, lifetime: UInt16)
        case removeDefaultRouter(IPv6Address)
        /// The whole current RDNSS list (empty: none left).
        case setDNSServers([IPv6Address])
        case setMTU(UInt32)
    }

    struct Timed: Equatable, Sendable {
        var expires: UInt64?   // nil = infinity
        func expired(_ now: UInt64) -> Bool { expires.map { $0 <= now } ?? false }
    }

    public struct AutoconfiguredAddress: Equatable, Sendable {
        public var prefix: IPv6Prefix
        public var address: IPv6Address
        var valid: Timed
        var preferred: Timed
    }

    public struct Counters: Equatable, Sendable {
        public var advertisementsAccepted = 0
        public var solicitationsSent = 0
        public var dropped = 0
        /// Prefix options not used for SLAAC (not autonomous, link-local,
        /// not a /64, preferred above valid).
        public var prefixesIgnored = 0
    }

    public let interfaceID: UInt64
    public var source: IPv6Address { .linkLocal(interfaceID: interfaceID) }
    public private(set) var addresses: [AutoconfiguredAddress] = []
    public private(set) var router: IPv6Address?
    public private(set) var dnsServers: [IPv6Address] = []
    public private(set) var mtu: UInt32?
    /// The last RA's M and O flags: whether to run DHCPv6 for addresses or
    /// for other configuration (RFC 4861 §4.2).
    public private(set) var managed = false
    public private(set) var otherConfiguration = false
    public private(set) var counters = Counters()
    public private(set) var lastError: IPv6Error?
    private var routerExpires = Timed(expires: nil)  // meaningful while `router` is set
    private var dnsExpires: [IPv6Address: Timed] = [:]
    private var solicitationsLeft = 0
    private var nextSolicitation: UInt64?
    private var up = false
    private var random: SeededGenerator

    public init(interfaceID: UInt64, seed: UInt64) {
        self.interfaceID = interfaceID
        random = SeededGenerator(seed: seed)
    }

    /// The earliest solicitation or expiry the owner must deliver `.timer` for.
    public var deadline: UInt64? {
        var all: [UInt64] = []
        if let n = nextSolicitation { all.append(n) }
        if router != nil, let e = routerExpires.expires { all.append(e) }
        for a in addresses { if let e = a.valid.expires { all.append(e) } }
        for t in dnsExpires.values { if let e = t.expires { all.append(e) } }
        return all.min()
    }

    public mutating func handle(_ event: Event, now: UInt64) -> [Action] {
        switch event {
        case .linkUp:
            guard !up else { return [] }
            up = true
            solicitationsLeft = Constants.maxRtrSolicitations
            // §6.3.7: the first solicitation waits a random 0-1 s.
            nextSolicitation = now + random.duration(in: 0...Constants.maxRtrSolicitationDelay)
            return []
        case .packet(let bytes):
            guard up else { counters.dropped += 1; return [] }
            return receive(bytes, now: now)
        case .timer:
            guard up else { return [] }
            var actions = expire(now: now)
            if let n = nextSolicitation, n <= now {
                solicitationsLeft -= 1
                nextSolicitation = solicitationsLeft > 0 ? now + Constants.rtrSolicitationInterval : nil
                counters.solicitationsSent += 1
                actions.append(.send(RouterDiscoveryMessage.solicitation(RouterSolicitation())
                    .packet(source: source, destination: .allRouters)))
            }
            return actions
        case .linkDown:
            guard up else { return [] }
            up = false
            nextSolicitation = nil
            var actions: [Action] = addresses.map { .removeAddress($0.address, prefixLength: $0.prefix.length) }
            if let r = router { actions.append(.removeDefaultRouter(r)) }
            if !dnsServers.isEmpty { actions.append(.setDNSServers([])) }
            addresses = []; router = nil; dnsServers = []; dnsExpires = [:]; mtu = nil
            return actions
        }
    }

    private func until(_ now: UInt64, _ seconds: UInt32) -> Timed {
        Timed(expires: seconds == Constants.infinity ? nil : now + Nanoseconds.seconds(seconds))
    }

    private mutating func receive(_ bytes: [UInt8], now: UInt64) -> [Action] {
        let header: IPv6Header, message: RouterDiscoveryMessage
        do {
            (header, message) = try RouterDiscoveryMessage.parse(bytes)
        } catch {
            counters.dropped += 1
            lastError = error
            return []
        }
        guard case .advertisement(let ra) = message else {
            counters.dropped += 1  // a solicitation on a host: not ours to answer
            return []
        }
        counters.advertisementsAccepted += 1
        nextSolicitation = nil  // §6.3.7: a valid RA ends soliciting
        managed = ra.managed
        otherConfiguration = ra.otherConfiguration
        var actions: [Action] = []
        // §6.3.4: Router Lifetime 0 removes the router; otherwise it is
        // (re)installed with the new expiry.
        if ra.routerLifetime == 0 {
            if let r = router { actions.append(.removeDefaultRouter(r)); router = nil }
        } else {
            if router != header.source {
                actions.append(.setDefaultRouter(header.source, lifetime: ra.routerLifetime))
            }
            router = header.source
            routerExpires = Timed(expires: now + UInt64(ra.routerLifetime) * Nanoseconds.perSecond)
        }
        let dnsBefore = dnsServers
        for option in ra.options {
            switch option {
            case .prefixInformation(let p): actions += autoconfigure(p, now: now)
            case .mtu(let m) where m >= 1280 && m != mtu:
                mtu = m
                actions.append(.setMTU(m))
            case .recursiveDNSServers(let lifetime, let servers):
                // RFC 8106 §5.3.1: lifetime 0 removes; otherwise add or refresh.
                for s in servers {
                    if lifetime == 0 {
                        dnsExpires[s] = nil
                        dnsServers.removeAll { $0 == s }
                    } else {
                        dnsExpires[s] = until(now, lifetime)
                        if !dnsServers.contains(s) { dnsServers.append(s) }
                    }
                }
            default: break
            }
        }
        if dnsServers != dnsBefore { actions.append(.setDNSServers(dnsServers)) }
        return actions
    }

    /// RFC 4862 §5.5.3: a and b (A flag, not link-local), c (preferred not
    /// above valid), d (a new prefix: the /64 and our identifier), e (an
    /// existing one: the two-hour rule on the valid lifetime).
    private mutating func autoconfigure(_ p: PrefixInformation, now: UInt64) -> [Action] {
        guard p.autonomous, !p.prefix.address.isLinkLocal, p.preferredLifetime <= p.validLifetime,
              p.prefix.length == 64 else {
            counters.prefixesIgnored += 1
            return []
        }
        let preferred = until(now, p.preferredLifetime)
        guard let i = addresses.firstIndex(where: { $0.prefix == p.prefix }) else {
            guard p.validLifetime > 0 else { return [] }
            let a = IPv6Address(prefix: p.prefix, interfaceID: interfaceID)
            addresses.append(AutoconfiguredAddress(prefix: p.prefix, address: a,
                                                   valid: until(now, p.validLifetime), preferred: preferred))
            return [.addAddress(a, prefixLength: 64, validLifetime: p.validLifetime, preferredLifetime: p.preferredLifetime)]
        }
        let remaining: UInt64? = addresses[i].valid.expires.map { $0 > now ? $0 - now : 0 }
        let received = UInt64(p.validLifetime) * Nanoseconds.perSecond
        if p.validLifetime == Constants.infinity || received > Constants.twoHours || remaining.map({ received > $0 }) == true {
            addresses[i].valid = until(now, p.validLifetime)
        } else if let r = remaining, r <= Constants.twoHours {
            // Keep the remaining valid lifetime.
        } else {
            addresses[i].valid = Timed(expires: now + Constants.twoHours)
        }
        addresses[i].preferred = preferred
        let validSeconds = addresses[i].valid.expires.map { UInt32(clamping: ($0 - now) / Nanoseconds.perSecond) } ?? Constants.infinity
        return [.addAddress(addresses[i].address, prefixLength: 64, validLifetime: validSeconds,
                            preferredLifetime: p.preferredLifetime)]
    }

    private mutating func expire(now: UInt64) -> [Action] {
        var actions: [Action] = []
        for a in addresses where a.valid.expired(now) { actions.append(.removeAddress(a.address, prefixLength: a.prefix.length)) }
        addresses.removeAll { $0.valid.expired(now) }
        if let r = router, routerExpires.expired(now) {
            actions.append(.removeDefaultRouter(r))
            router = nil
        }
        let before = dnsServers
        for (s, t) in dnsExpires where t.expired(now) { dnsExpires[s] = nil }
        dnsServers.removeAll { dnsExpires[$0] == nil }
        if dnsServers != before { actions.append(.setDNSServers(dnsServers)) }
        return actions
    }
}
