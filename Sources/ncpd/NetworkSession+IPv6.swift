// Issue 18's server role on one session (docs/design.md "IPv6 RA and DHCPv6"):
// once IPv6CP is Opened, ncpd sends Router Advertisements of the session's
// /64 (RFC 4861 §6.2) and serves DHCPv6 with prefix delegation (RFC 8415
// §18.3) straight into the session's channel, from our link-local address.
// The peer's Router Solicitations and DHCPv6 messages are taken off the
// channel → TUN path, and the kernel's own RS/RA off the TUN → channel path,
// so only ours reach the peer. The /64 and every delegated prefix are routed
// out of the unit while the session holds them; the leases ride in the
// session's fd-store deposit, so `kill -9 ncpd` keeps them and their routes.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import IPv6Services
import PPP

/// The RA and DHCPv6 values of one session and the timer that drives them.
final class IPv6ServerSide {
    let settings: IPv6PortSettings
    var advertiser: RouterAdvertiser
    var server: DHCPv6Server
    /// The /64 in our RAs, from `settings.raPool` or RADIUS; routed to the session.
    var advertised: IPv6Prefix?
    /// `advertised` came from the pool (and goes back to it at the end);
    /// false for RADIUS's Framed-IPv6-Prefix.
    var advertisedPooled = false
    /// The session's IA_NA address from `settings.naPool` (a /128), offered
    /// to its DHCPv6 client; back to the pool at the end.
    var address: IPv6Prefix?
    /// What authd was last told (reportPrefixes), so each change is sent once.
    var reported: SessionPrefixesArguments?
    var timer: TimerID?
    /// The kernel's own RS and RAs from the unit, not sent to the peer.
    var kernelDiscoveryDropped = 0
    /// Routes the kernel refused (logged; the binding stands).
    var routeFailures = 0

    init(settings: IPv6PortSettings, source: IPv6Address, serverID: DUID, session: String, user: String, seed: UInt64) {
        self.settings = settings
        var ra = RouterAdvertiserConfiguration()
        ra.maxRtrAdvInterval = settings.raInterval
        ra.managed = settings.managed
        ra.otherConfiguration = settings.otherConfiguration
        ra.linkMTU = settings.mtu
        ra.minRtrAdvInterval = settings.minRaInterval == 0 ? nil : settings.minRaInterval
        ra.advDefaultLifetime = settings.routerLifetime
        ra.autonomous = settings.autonomous
        ra.dnsLifetime = settings.dnsLifetime == 0 ? nil : settings.dnsLifetime
        // pppinit checked the names; one that does not encode is left out.
        let domains = settings.searchDomains.filter { DomainName.encode($0) != nil }
        ra.searchDomains = domains
        let dns = settings.dns.map { IPv6Address(bytes: $0) }
        ra.dnsServers = dns
        advertiser = RouterAdvertiser(configuration: ra, source: source, seed: seed)
        var d = DHCPv6ServerConfiguration(serverID: serverID)
        d.dnsServers = dns
        d.searchDomains = domains
        d.preferredLifetime = settings.preferredLifetime
        d.validLifetime = settings.validLifetime
        server = DHCPv6Server(configuration: d, source: source, session: session, user: user)
    }

    /// What `pppctl sessions` shows under "ipv6".
    func json() -> JSON {
        let a = advertiser.counters, d = server.counters
        let delegated = server.leases.filter { $0.kind == .prefix && $0.committed }
        let assigned = server.leases.filter { $0.kind == .address && $0.committed }
        return .object([
            "prefix": advertised.map { .string($0.description) } ?? .null,
            "delegated": .array(delegated.map { .string($0.prefix.description) }),
            "address": assigned.first.map { .string($0.prefix.address.description) } ?? .null,
            "peer": server.peer.map { .string($0.description) } ?? .null,
            "ra_sent": .int(Int64(a.advertisementsSent)), "rs_received": .int(Int64(a.solicitationsReceived)),
            "nd_dropped": .int(Int64(a.dropped)),
            "dhcpv6_received": .int(Int64(d.received)), "dhcpv6_sent": .int(Int64(d.sent)),
            "dhcpv6_dropped": .int(Int64(d.dropped)), "no_prefix_available": .int(Int64(d.noPrefixAvailable)),
            "kernel_discovery_dropped": .int(Int64(kernelDiscoveryDropped)),
        ])
    }
}

extension NetworkSession {
    static func now() -> UInt64 { Instant.now().nanoseconds }

    /// Either role runs: the data path's two checks look at this.
    var hasIPv6Services: Bool { ipv6Services != nil || ipv6Client != nil }

    /// IPv6CP's tlu: RAs start (the first at once) if the port has [ipv6.PORT].
    func startIPv6Services(localIdentifier: UInt64) {
        guard ipv6Services == nil, let router = host.ipv6, let settings = router.settings(port: record.port) else { return }
        if settings.client {
            startIPv6Client(settings, localIdentifier: localIdentifier)
            return
        }
        let user = record.verdict?.peerName ?? ""
        let side = IPv6ServerSide(settings: settings, source: .linkLocal(interfaceID: localIdentifier),
                                  serverID: router.serverID, session: id, user: user,
                                  seed: localIdentifier ^ Self.now())
        let (framed, delegated) = radiusPrefixes()
        side.server.fixedPrefix = delegated
        if let framed {
            side.advertised = framed
        } else if !settings.raPool.isEmpty {
            side.advertised = router.allocate(pool: settings.raPool, session: id, user: user)
            side.advertisedPooled = side.advertised != nil
            if side.advertised == nil { host.log.warning("\(id): pool6 \(settings.raPool) is exhausted: RAs carry no prefix") }
        }
        takeAddress(side, router)
        ipv6Services = side
        if let p = side.advertised { route(p, add: true) }
        perform(side.advertiser.handle(.sessionUp(prefix: side.advertised), now: Self.now()))
        reportPrefixes()
        host.log.info("\(id): IPv6 RAs started" + (side.advertised.map { " for \($0)" } ?? " (no prefix)"))
        scheduleIPv6()
    }

    /// IPv6CP's tld (or the session's end): the final RA (RFC 4861 §6.2.5),
    /// every binding released with its route, the /64 back to its pool.
    func stopIPv6Services() {
        stopIPv6Client()
        guard let side = ipv6Services, let router = host.ipv6 else { return }
        if let t = side.timer { host.loop.cancel(t) }
        side.timer = nil
        perform(side.advertiser.handle(.sessionDown, now: Self.now()))
        let actions = router.withPool(side.settings.pdPool) { side.server.handle(.sessionDown, now: Self.now(), pool: &$0) }
        perform(actions, leasesChanged: false)
        if let p = side.advertised {
            route(p, add: false)
            if side.advertisedPooled { router.free(pool: side.settings.raPool, p) }
        }
        if let a = side.address { router.free(pool: side.settings.naPool, a) }
        ipv6Services = nil
    }

    /// `na-pool`: the one address this session's IA_NA gets (RFC 8415
    /// §18.3.2; DHCPv6Server answers NoAddrsAvail without one). After a
    /// restart the leased address is reserved again, or a fresh one taken.
    private func takeAddress(_ side: IPv6ServerSide, _ router: IPv6Router, leased: IPv6Prefix? = nil) {
        let pool = side.settings.naPool
        guard !pool.isEmpty else { return }
        if let leased, router.reserve(pool: pool, leased, session: id) {
            side.address = leased
        } else {
            side.address = router.allocate(pool: pool, session: id, user: side.server.user)
            if side.address == nil { host.log.warning("\(id): pool6 \(pool) is exhausted: IA_NA gets NoAddrsAvail") }
        }
        side.server.address = side.address?.address
    }

    /// What the Access-Accept assigned instead of the pools (RFC 3162 §2.3
    /// Framed-IPv6-Prefix, RFC 4818 §3 Delegated-IPv6-Prefix). RFC 3162
    /// allows any length, but only a /64 can be advertised for SLAAC (RFC
    /// 4862 §5.5.3 d): another length is logged and the pool's /64 used.
    func radiusPrefixes() -> (framed: IPv6Prefix?, delegated: IPv6Prefix?) {
        func prefix(_ v: IPv6PrefixValue?) -> IPv6Prefix? {
            guard let v else { return nil }
            return try? IPv6Prefix(IPv6Address(bytes: v.address), length: Int(v.length))
        }
        var framed = prefix(record.verdict?.framedIPv6Prefix)
        if let f = framed, f.length != 64 {
            host.log.warning("\(id): RADIUS Framed-IPv6-Prefix \(f) is not a /64; the RAs use the port's ra-pool")
            framed = nil
        }
        return (framed, prefix(record.verdict?.delegatedIPv6Prefix))
    }

    /// From the channel: a packet the classifier names goes to our values
    /// instead of the unit. True when it was taken.
    func interceptIPv6(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard let kind = IPv6ControlPacket.classify(packet) else { return false }
        if ipv6Client != nil { return interceptIPv6Client(kind, packet) }
        guard let side = ipv6Services, let router = host.ipv6 else { return false }
        let now = Self.now()
        switch kind {
        case .routerSolicitation, .routerAdvertisement:
            perform(side.advertiser.handle(.packet(Array(packet)), now: now))
        case .dhcpv6ToServer:
            let actions = router.withPool(side.settings.pdPool) { side.server.handle(.packet(Array(packet)), now: now, pool: &$0) }
            perform(actions, leasesChanged: true)
        case .dhcpv6ToClient:
            return false
        }
        scheduleIPv6()
        return true
    }

    /// From the unit: the kernel's own RS or RA is not for the peer while
    /// we advertise (the design's "only ours reach the peer").
    func dropsKernelDiscovery(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard hasIPv6Services else { return false }
        switch IPv6ControlPacket.classify(packet) {
        case .routerSolicitation?, .routerAdvertisement?:
            ipv6Services?.kernelDiscoveryDropped += 1
            ipv6Client?.kernelDiscoveryDropped += 1
            return true
        default:
            return false
        }
    }

    private func scheduleIPv6() {
        guard let side = ipv6Services else { return }
        if let t = side.timer { host.loop.cancel(t) }
        side.timer = nil
        let due = [side.advertiser.deadline, side.server.deadline].compactMap { $0 }.min()
        guard let due else { return }
        let now = Self.now()
        let seconds = due > now ? Double(due - now) / 1e9 : 0
        side.timer = host.loop.schedule(after: seconds) { [weak self] in
            guard let self, !self.ended, let side = self.ipv6Services, let router = self.host.ipv6 else { return }
            side.timer = nil
            let now = Self.now()
            self.perform(side.advertiser.handle(.timer, now: now))
            if let d = side.server.deadline, d <= now {
                let actions = router.withPool(side.settings.pdPool) { side.server.handle(.timer, now: now, pool: &$0) }
                self.perform(actions, leasesChanged: true)
            }
            self.scheduleIPv6()
        }
    }

    private func perform(_ actions: [RouterAdvertiser.Action]) {
        for case .send(let packet) in actions { sendIPv6(packet) }
    }

    private func perform(_ actions: [DHCPv6Server.Action], leasesChanged save: Bool) {
        var changed = false
        for action in actions {
            switch action {
            case .send(let packet): sendIPv6(packet)
            case .routeAdded(let p, _):
                route(p, add: true)
                if p.length < 128 {
                    host.publish(.prefixDelegated(session: id, prefix: p.description))
                    let c = ipv6Services?.server.configuration
                    prefixHook(.prefixUp, p, preferred: c?.preferredLifetime ?? 0, valid: c?.validLifetime ?? 0)
                }
            case .routeRemoved(let p):
                route(p, add: false)
                if p.length < 128 {
                    host.publish(.prefixReleased(session: id, prefix: p.description))
                    prefixHook(.prefixDown, p, preferred: 0, valid: 0)
                }
            case .leasesChanged: changed = true
            }
        }
        if changed && save && !ended {
            host.sessionChanged(self)
            reportPrefixes()
        }
    }

    /// authd's accounting gets the prefixes taken from our pools (RADIUS's
    /// own are in its verdict already). Not at the session's end: the Stop
    /// is to name what the session had.
    private func reportPrefixes() {
        guard let report = prefixReport(), report != ipv6Services?.reported else { return }
        ipv6Services?.reported = report
        host.accountPrefixes(report)
    }

    /// What authd is told of this session: the pool /64, the committed
    /// delegated prefix from the pool and the committed IA_NA address (RFC
    /// 6911 §3.1 Framed-IPv6-Address); nil when the session has no server
    /// side or its peer did not authenticate (no accounting). Also ncpd's
    /// `session-prefixes` answer to an authd that resumed the session's
    /// accounting (its restart or linkd's), which then counts as reported.
    func prefixReport() -> SessionPrefixesArguments? {
        guard let side = ipv6Services, record.verdict?.success == true, !(record.verdict?.peerName ?? "").isEmpty else { return nil }
        // Optional chaining, never an `IPv6Prefix?` parameter: see
        // IPv6Prefix.ipcValue for the debug-build crash that avoids.
        let delegated = side.server.leases.first { $0.kind == .prefix && $0.committed && $0.pooled }?.prefix
        let address = side.server.leases.first { $0.kind == .address && $0.committed }?.prefix
        return SessionPrefixesArguments(session: id, prefix: side.advertisedPooled ? side.advertised?.ipcValue : nil,
                                        delegated: delegated?.ipcValue, address: address?.ipcValue)
    }

    /// ncpd's `session-prefixes` (authd asks when it resumes accounting).
    func answerPrefixes() -> SessionPrefixesArguments {
        guard let report = prefixReport() else { return SessionPrefixesArguments(session: id, prefix: nil, delegated: nil) }
        ipv6Services?.reported = report
        return report
    }

    /// ipv6-prefix-up/-down (pppinit runs the script): a prefix delegated
    /// by us (BRAS) or to us (CPE, with its LAN interface), its lifetimes
    /// as the binding has them (0 on the way down).
    func prefixHook(_ event: HookRequest.Event, _ p: IPv6Prefix, preferred: UInt32, valid: UInt32, lan: String = "") {
        var h = HookRequest(event: event, session: id, port: record.port, interface: unit?.name ?? interfaceName)
        h.prefix = IPv6PrefixValue(address: p.address.bytes, length: p.length)
        h.preferredLifetime = min(preferred, valid)
        h.validLifetime = valid
        h.lanInterface = lan
        h.peerName = record.verdict?.peerName ?? ""
        h.connectSeconds = UInt32(Instant.now().seconds(since: started))
        host.hook(h)
    }

    /// One whole IPv6 packet to the peer, as a TUN read would send it.
    func sendIPv6(_ packet: [UInt8]) {
        counters.transmit.count(packet.withUnsafeBytes {
            channel.send(protocol: IPv6CPNegotiator.networkProtocol.rawValue, information: $0)
        })
    }

    private func route(_ p: IPv6Prefix, add: Bool) {
        guard let u = unit, let units = host.units else { return }
        do {
            if add {
                try units.addPrefixRoute(u, prefix: p.address.bytes, length: p.length)
            } else {
                try units.deletePrefixRoute(u, prefix: p.address.bytes, length: p.length)
            }
            host.log.info("\(id): route \(p) \(add ? "added via" : "removed from") \(u.name)")
        } catch {
            ipv6Services?.routeFailures += 1
            host.log.warning("\(id): \(add ? "adding" : "removing") route \(p) via \(u.name): \(error)")
        }
    }

    // MARK: the fd store

    /// What rides in NetworkSessionState (empty: no IPv6 services).
    func ipv6Deposit() -> [UInt8] {
        guard let side = ipv6Services else { return [] }
        var r = IPv6SessionRecord(session: id)
        r.user = side.server.user
        r.advertisedPool = side.advertisedPooled ? side.settings.raPool : ""
        r.delegatedPool = side.settings.pdPool
        r.advertisedPrefix = side.advertised
        r.peer = side.server.peer
        r.leases = side.server.leases
        return r.encoded()
    }

    /// After `kill -9`: the /64 and the leases come back from the deposit
    /// and are reserved in the pools again; their routes never left the
    /// kernel (the unit lived on in pppinit's store). RAs resume with one at
    /// once, on new timers.
    func resumeIPv6(_ deposit: [UInt8]) {
        guard let n = ipv6.configured, let router = host.ipv6, let settings = router.settings(port: record.port) else { return }
        if settings.client {
            startIPv6Client(settings, localIdentifier: n.localIdentifier)
            return
        }
        guard !deposit.isEmpty else { return }
        let saved: IPv6SessionRecord
        do { saved = try IPv6SessionRecord.decode(deposit) } catch {
            host.log.warning("\(id): unusable IPv6 deposit (\(error)); starting RAs and DHCPv6 afresh")
            startIPv6Services(localIdentifier: n.localIdentifier)
            return
        }
        let side = IPv6ServerSide(settings: settings, source: .linkLocal(interfaceID: n.localIdentifier),
                                  serverID: router.serverID, session: id, user: saved.user,
                                  seed: n.localIdentifier ^ Self.now())
        let (framed, delegated) = radiusPrefixes()
        side.server.fixedPrefix = delegated
        if let p = saved.advertisedPrefix, saved.advertisedPool.isEmpty, p == framed {
            side.advertised = p
        } else if let p = saved.advertisedPrefix, !saved.advertisedPool.isEmpty, saved.advertisedPool == settings.raPool,
                  router.reserve(pool: settings.raPool, p, session: id) {
            side.advertised = p
            side.advertisedPooled = true
        }
        let restored = router.withPool(saved.delegatedPool == settings.pdPool ? settings.pdPool : "") {
            side.server.restore(leases: saved.leases, peer: saved.peer, pool: &$0)
        }
        if !restored { host.log.warning("\(id): deposited IPv6 leases clash with another session's; not restored") }
        takeAddress(side, router, leased: side.server.leases.first { $0.kind == .address }?.prefix)
        ipv6Services = side
        perform(side.advertiser.handle(.sessionUp(prefix: side.advertised), now: Self.now()))
        reportPrefixes()
        host.log.info("\(id): IPv6 resumed: \(side.advertised.map(\.description) ?? "no prefix"), \(side.server.leases.count) lease(s)")
        scheduleIPv6()
    }
}

extension IPv6Prefix {
    /// The prefix as IPC carries it (SessionPrefixesArguments). A property on
    /// the non-optional value on purpose: Swift 6.3.1 at -Onone miscompiles
    /// `map`/`flatMap` on a *parameter* of type `IPv6Prefix?` (the optional
    /// of a struct holding a UInt128 is spilled to an 8-aligned stack slot
    /// and reloaded with movaps, a general-protection fault that Linux
    /// reports as SIGSEGV at address 0); ncpd died that way in every debug
    /// build when it first reported a session's prefixes (docs/design.md,
    /// issue 18). `if let`/`guard let` and optional chaining are unaffected.
    var ipcValue: IPv6PrefixValue? { IPv6PrefixValue(address: address.bytes, length: length) }
}
