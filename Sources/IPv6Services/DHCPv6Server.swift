// The DHCPv6 server of one PPP session (RFC 8415 §18.3): an event-in,
// action-out value. Solicit → Advertise (or Reply with Rapid Commit),
// Request → Reply, Renew and Rebind extend, Release frees, Information-Request
// answers DNS. Delegated prefixes come from a shared PrefixPool passed in by
// the owner (or one fixed by RADIUS Delegated-IPv6-Prefix, RFC 4818); IA_NA
// addresses only when the owner gives the session one. Bindings run out at
// their valid lifetime and all end with the session.

public struct DHCPv6Server: Sendable {
    public enum Event: Equatable, Sendable {
        /// An IPv6 packet from the peer classified as `.dhcpv6ToServer`.
        case packet([UInt8])
        /// `deadline` has passed.
        case timer
        case sessionDown
    }

    public enum Action: Hashable, Sendable {
        case send([UInt8])
        /// Route the prefix (or /128 address) to the session, via the
        /// client's link-local address.
        case routeAdded(IPv6Prefix, via: IPv6Address)
        case routeRemoved(IPv6Prefix)
        /// The leases changed: deposit a fresh IPv6SessionRecord.
        case leasesChanged
    }

    public struct Counters: Equatable, Sendable {
        public var received = 0
        public var sent = 0
        /// Refused by the codec or by §16 validation (lastError / reason).
        public var dropped = 0
        /// Confirm and Decline: no addresses are checked here.
        public var unsupported = 0
        public var noPrefixAvailable = 0
    }

    public let configuration: DHCPv6ServerConfiguration
    /// Our link-local address, the source of every reply.
    public let source: IPv6Address
    /// Who owns the pool's prefixes (the session id) and the user they may
    /// be pinned to.
    public let session: String
    public let user: String
    /// RADIUS Delegated-IPv6-Prefix: delegated instead of one from the pool.
    public var fixedPrefix: IPv6Prefix?
    /// The session's IA_NA address, if it offers one.
    public var address: IPv6Address?
    /// The client's link-local address: the next hop of delegated routes.
    public private(set) var peer: IPv6Address?
    public private(set) var leases: [DHCPv6Lease] = []
    public private(set) var counters = Counters()
    public private(set) var lastError: IPv6Error?
    public private(set) var lastRefusal = ""

    public init(configuration: DHCPv6ServerConfiguration, source: IPv6Address, session: String, user: String = "") {
        self.configuration = configuration; self.source = source; self.session = session; self.user = user
    }

    public var deadline: UInt64? { leases.map(\.expires).min() }

    public mutating func handle(_ event: Event, now: UInt64, pool: inout PrefixPool?) -> [Action] {
        switch event {
        case .packet(let bytes): return receive(bytes, now: now, pool: &pool)
        case .timer: return expire(now: now, pool: &pool)
        case .sessionDown:
            let all = leases
            return remove(all, pool: &pool)
        }
    }

    // MARK: - Receiving (§16 validation, then §18.3 per message)

    private mutating func refuse(_ why: String) -> [Action] {
        counters.dropped += 1
        lastRefusal = why
        return []
    }

    private mutating func receive(_ bytes: [UInt8], now: UInt64, pool: inout PrefixPool?) -> [Action] {
        let datagram: UDPDatagram, m: DHCPv6Message
        do {
            (datagram, m) = try DHCPv6Message.parse(bytes)
        } catch {
            lastError = error
            return refuse("malformed")
        }
        guard datagram.destinationPort == DHCPv6Message.serverPort else { return refuse("not to port 547") }
        // RFC 8415 §17: a client on the link sends from its link-local
        // address; it is also the next hop of the routes installed for it.
        guard datagram.header.source.isLinkLocal else { return refuse("source not link-local") }
        counters.received += 1
        let ours = configuration.serverID
        switch m.type {
        case .solicit, .rebind:
            // §16.2, §16.7: a Client Identifier, no Server Identifier.
            guard m.clientID != nil, m.serverID == nil else { return refuse("\(m.type) identifiers") }
        case .request, .renew, .release:
            // §16.4, §16.6, §16.9: both, and the server's must be ours.
            guard m.clientID != nil, m.serverID == ours else { return refuse("\(m.type) identifiers") }
        case .informationRequest:
            // §16.12: no IA, and a Server Identifier only if it is ours.
            guard m.serverID == nil || m.serverID == ours, m.iaNAs.isEmpty, m.iaPDs.isEmpty else {
                return refuse("information-request contents")
            }
        case .confirm, .decline:
            counters.unsupported += 1
            return []
        case .advertise, .reply, .reconfigure:
            return refuse("\(m.type) is a server's message")
        }
        peer = datagram.header.source
        var actions: [Action] = []
        let reply: DHCPv6Message
        switch m.type {
        case .solicit:
            let rapid = m.hasRapidCommit && configuration.rapidCommit
            let (ias, complete) = assign(m, now: now, pool: &pool, commit: false, actions: &actions)
            if rapid && complete {
                var r = answer(.reply, to: m, with: ias)
                r.options.append(.rapidCommit)
                reply = r
                commitOffers(for: m, now: now, actions: &actions)
            } else {
                var r = answer(.advertise, to: m, with: ias)
                r.options.append(.preference(configuration.preference))
                reply = r
            }
        case .request:
            let (ias, _) = assign(m, now: now, pool: &pool, commit: true, actions: &actions)
            reply = answer(.reply, to: m, with: ias)
        case .renew, .rebind:
            reply = answer(.reply, to: m, with: extend(m, now: now, actions: &actions))
        case .release:
            var ias: [DHCPv6Option] = []
            var freed: [DHCPv6Lease] = []
            for (pd, ia) in Self.identityAssociations(m) {
                let held = leases.filter { $0.client == m.clientID && $0.iaid == ia.iaid && ($0.kind == .prefix) == pd }
                if held.isEmpty { ias.append(Self.noBinding(pd, ia.iaid)) }
                freed += held
            }
            actions += remove(freed, pool: &pool)
            var r = answer(.reply, to: m, with: ias)
            r.options.append(.statusCode(.success, message: "released"))
            reply = r
        default:
            reply = answer(.reply, to: m, with: [])
        }
        counters.sent += 1
        actions.insert(.send(reply.packet(source: source, destination: datagram.header.source,
                                          sourcePort: DHCPv6Message.serverPort, destinationPort: DHCPv6Message.clientPort)), at: 0)
        return actions
    }

    /// Client and Server Identifiers, the IAs, and the DNS options the
    /// client asked for (RFC 3646 §3-4 via §21.7's Option Request).
    private func answer(_ type: DHCPv6MessageType, to m: DHCPv6Message, with ias: [DHCPv6Option]) -> DHCPv6Message {
        var r = DHCPv6Message(type: type, transactionID: m.transactionID)
        if let c = m.clientID { r.options.append(.clientID(c)) }
        r.options.append(.serverID(configuration.serverID))
        r.options += ias
        let asked = m.requestedOptions
        if asked.contains(DHCPv6Option.Code.dnsServers), !configuration.dnsServers.isEmpty {
            r.options.append(.dnsServers(configuration.dnsServers))
        }
        if asked.contains(DHCPv6Option.Code.domainList), !configuration.searchDomains.isEmpty {
            r.options.append(.domainList(configuration.searchDomains))
        }
        return r
    }

    private func ia(_ pd: Bool, _ iaid: UInt32, _ leases: [DHCPv6Lease], status: DHCPv6Status? = nil) -> DHCPv6Option {
        var ia = IdentityAssociation(iaid: iaid, t1: configuration.effectiveT1, t2: configuration.effectiveT2)
        for l in leases {
            ia.options.append(pd
                ? .iaPrefix(IAPrefix(prefix: l.prefix, preferredLifetime: l.preferredLifetime, validLifetime: l.validLifetime))
                : .iaAddress(IAAddress(address: l.prefix.address, preferredLifetime: l.preferredLifetime,
                                       validLifetime: l.validLifetime)))
        }
        if let s = status {
            ia = IdentityAssociation(iaid: iaid, options: [.statusCode(s, message: s == .noPrefixAvail ? "no prefix available" : "no address available")])
        }
        return pd ? .iaPD(ia) : .iaNA(ia)
    }

    /// §18.3.1, §18.3.2, §18.3.9: each IA keeps what its client already
    /// holds, or gets a new prefix or address, or the NoPrefixAvail /
    /// NoAddrsAvail status. `complete` says every IA got something.
    private mutating func assign(_ m: DHCPv6Message, now: UInt64, pool: inout PrefixPool?, commit: Bool,
                                 actions: inout [Action]) -> ([DHCPv6Option], complete: Bool) {
        guard let client = m.clientID else { return ([], false) }
        var out: [DHCPv6Option] = []
        var complete = true
        for (pd, ia) in Self.identityAssociations(m) {
            let kind: DHCPv6Lease.Kind = pd ? .prefix : .address
            if let i = leases.firstIndex(where: { $0.client == client && $0.iaid == ia.iaid && $0.kind == kind }) {
                if commit { self.commit(i, now: now, actions: &actions) }
                out.append(self.ia(pd, ia.iaid, [leases[i]]))
                continue
            }
            var lease = DHCPv6Lease(kind: kind, client: client, iaid: ia.iaid, prefix: IPv6Prefix.zero,
                                    preferredLifetime: configuration.preferredLifetime,
                                    validLifetime: configuration.validLifetime,
                                    expires: now + Nanoseconds.seconds(configuration.offerHold),
                                    committed: false, pooled: false)
            if pd {
                if let fixed = fixedPrefix, !leases.contains(where: { $0.prefix == fixed }) {
                    lease.prefix = fixed
                } else if fixedPrefix == nil, pool != nil, let p = try? pool!.allocate(to: session, user: user) {
                    lease.prefix = p
                    lease.pooled = true
                } else {
                    counters.noPrefixAvailable += 1
                    complete = false
                    out.append(self.ia(true, ia.iaid, [], status: .noPrefixAvail))
                    continue
                }
            } else {
                guard let a = address, !leases.contains(where: { $0.kind == .address }),
                      let p = try? IPv6Prefix(a, length: 128) else {
                    complete = false
                    out.append(self.ia(false, ia.iaid, [], status: .noAddrsAvail))
                    continue
                }
                lease.prefix = p
            }
            leases.append(lease)
            if commit { self.commit(leases.count - 1, now: now, actions: &actions) }
            out.append(self.ia(pd, ia.iaid, [lease]))
        }
        actions.append(.leasesChanged)
        return (out, complete)
    }

    private mutating func commitOffers(for m: DHCPv6Message, now: UInt64, actions: inout [Action]) {
        for i in leases.indices where leases[i].client == m.clientID && !leases[i].committed {
            commit(i, now: now, actions: &actions)
        }
    }

    private mutating func commit(_ i: Int, now: UInt64, actions: inout [Action]) {
        leases[i].preferredLifetime = configuration.preferredLifetime
        leases[i].validLifetime = configuration.validLifetime
        leases[i].expires = now + Nanoseconds.seconds(configuration.validLifetime)
        if !leases[i].committed, let via = peer {
            leases[i].committed = true
            actions.append(.routeAdded(leases[i].prefix, via: via))
        }
    }

    /// §18.3.4 Renew and §18.3.5 Rebind: a binding found is extended; an IA
    /// without one gets NoBinding.
    private mutating func extend(_ m: DHCPv6Message, now: UInt64, actions: inout [Action]) -> [DHCPv6Option] {
        var out: [DHCPv6Option] = []
        for (pd, ia) in Self.identityAssociations(m) {
            let kind: DHCPv6Lease.Kind = pd ? .prefix : .address
            guard let i = leases.firstIndex(where: { $0.client == m.clientID && $0.iaid == ia.iaid && $0.kind == kind && $0.committed }) else {
                out.append(Self.noBinding(pd, ia.iaid))
                continue
            }
            commit(i, now: now, actions: &actions)
            out.append(self.ia(pd, ia.iaid, [leases[i]]))
        }
        actions.append(.leasesChanged)
        return out
    }

    /// The message's IA_PDs (true) then IA_NAs (false).
    static func identityAssociations(_ m: DHCPv6Message) -> [(Bool, IdentityAssociation)] {
        m.iaPDs.map { (true, $0) } + m.iaNAs.map { (false, $0) }
    }

    static func noBinding(_ pd: Bool, _ iaid: UInt32) -> DHCPv6Option {
        let empty = IdentityAssociation(iaid: iaid, options: [.statusCode(.noBinding, message: "no binding")])
        return pd ? .iaPD(empty) : .iaNA(empty)
    }

    private mutating func expire(now: UInt64, pool: inout PrefixPool?) -> [Action] {
        remove(leases.filter { $0.expires <= now }, pool: &pool)
    }

    private mutating func remove(_ gone: [DHCPv6Lease], pool: inout PrefixPool?) -> [Action] {
        guard !gone.isEmpty else { return [] }
        var actions: [Action] = []
        for l in gone {
            if l.pooled { pool?.free(l.prefix) }
            if l.committed { actions.append(.routeRemoved(l.prefix)) }
        }
        leases.removeAll { gone.contains($0) }
        actions.append(.leasesChanged)
        return actions
    }

    /// After a restart: the deposited leases come back and their pooled
    /// prefixes are taken from the pool again. False (and nothing restored)
    /// when a prefix is held by another session: two records disagree.
    public mutating func restore(leases saved: [DHCPv6Lease], peer: IPv6Address?, pool: inout PrefixPool?) -> Bool {
        var taken: [IPv6Prefix] = []
        for l in saved where l.pooled {
            guard pool?.reserve(l.prefix, for: session) == true else {
                for p in taken { pool?.free(p) }
                return false
            }
            taken.append(l.prefix)
        }
        leases = saved
        self.peer = peer
        return true
    }
}

extension IPv6Prefix {
    static let zero = try! IPv6Prefix(.unspecified, length: 0)
}
