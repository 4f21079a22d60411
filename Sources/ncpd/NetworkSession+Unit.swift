// The unit side of a session: the TUN interface appears when the first NCP
// opens (MTU from the peer's MRU), each NCP's addresses and default route
// are set at its tlu and removed at its tld, and pppd's hooks are asked of
// pppinit at the same moments.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

extension NetworkSession {
    /// Creates the unit on first use; false (and the session ends) if the
    /// kernel refuses.
    func ensureUnit() -> Bool {
        if unit != nil { return true }
        guard let units = host.units else {
            end(reason: "no unit system (CAP_NET_ADMIN or /dev/net/tun missing)")
            return false
        }
        // Issue 21: offloads only where linkd segments what the TUN
        // hands us (it offered in the record).
        let offload = ChannelOffload(rawValue: record.offload).contains(.takesSuperPackets)
        while true {
            let name = interfaceName
            do {
                let u = try units.create(name: name, mtu: mtu, ipv6: record.network.ipv6, offload: offload)
                unit = u
                try host.loop.watch(u.fd.raw) { [weak self] _ in self?.tunReadable() }
                host.log.info("\(id): unit \(u.name) (index \(u.index), mtu \(mtu)\(offload ? ", offload \(u.offload.description)" : ""))")
                sendCapability()
                return true
            } catch {
                if let next = renumberIfBusy(error) {
                    host.log.notice("\(id): unit name \(name) is busy (an earlier unit of that name is still there); trying ppp\(next)")
                    continue
                }
                host.log.warning("\(id): cannot create unit \(name): \(error)")
                end(reason: "cannot create unit \(name)")
                return false
            }
        }
    }

    /// Issue 13: TUNSETIFF says EBUSY when an interface of the name is
    /// still attached to another descriptor: an ended session's unit whose
    /// deletion has not finished (a copy of its descriptor still in
    /// pppinit's fd store until the withdraw is read, or a previous ncpd's).
    /// A name we chose (ppp<N>) is not the session's to insist on: it takes
    /// another number, a bounded number of times (the host decides). A name
    /// from the config stays what the operator asked for.
    private func renumberIfBusy(_ error: IPCError) -> Int? {
        guard case .system(_, let e) = error, e == EBUSY, record.network.ifname.isEmpty, unit == nil, !ended else { return nil }
        busyUnitNames += 1
        guard let next = host.unitNameBusy(self, attempt: busyUnitNames) else { return nil }
        unitNumber = next
        return next
    }

    /// The peer's MRU (RFC 1661 §6.1), or RADIUS Framed-MTU when lower
    /// (RFC 2865 §5.12: the MTU configured for the user).
    var mtu: UInt32 {
        let framed = record.verdict?.framedMTU ?? 0
        return framed >= 64 ? min(UInt32(record.peerMRU), framed) : UInt32(record.peerMRU)
    }

    /// The routes RADIUS assigned the session, once IPCP is up: each
    /// Framed-Route (RFC 2865 §5.22), and the subnet of Framed-IP-Netmask
    /// (§5.9) shorter than /32 behind the peer's address. They go with the
    /// interface; one the kernel refuses is logged and the others stay.
    func addFramedRoutes(peer: UInt32) {
        guard let v = record.verdict, let u = unit, let units = host.units else { return }
        var routes = v.framedRoutes
        if v.framedNetmask != 0, v.framedNetmask != 0xffff_ffff {
            let length = UInt8(v.framedNetmask.nonzeroBitCount)
            routes.append(FramedRoute(destination: peer & v.framedNetmask, prefixLength: length))
        }
        for r in routes {
            do { try units.addRoute(u, r, peer: peer) } catch {
                host.log.warning("\(id): \(u.name): route \(r.description) not added: \(error)")
                continue
            }
            host.log.info("\(id): \(u.name): route \(r.description) added (RADIUS)")
        }
    }

    func destroyUnit() {
        guard let u = unit else { return }
        host.loop.unwatch(u.fd.raw)
        unit = nil
        // Deleting the interface removes its addresses and routes too.
        host.units?.retire(u)
    }

    /// The unit (created on first use) with `add` applied and, if asked, a
    /// default route of N's family; false when the session ended or the
    /// kernel refused the address (the NCP is closed).
    fileprivate func configureUnit<N: NetworkNegotiator>(_: N.Type, what: String, defaultRoute: Bool,
                                                         _ add: (Unit, UnitSystem) throws -> Void) -> Bool {
        guard ensureUnit(), let u = unit, let units = host.units else { return false }
        do { try add(u, units) } catch {
            host.log.warning("\(id): \(u.name): cannot add \(what): \(error)")
            run(N.self) { $0.close(reason: "Could not set interface address") }
            return false
        }
        let ipv6 = N.networkProtocol == .ipv6
        if defaultRoute {
            do { try units.addDefaultRoute(u, ipv6: ipv6) } catch {
                // pppd: "not replacing existing default route".
                host.log.notice("\(id): \(u.name): no \(ipv6 ? "IPv6 " : "")default route added: \(error)")
            }
        }
        return true
    }

    /// Undoes what `configureUnit` added; a failure is only logged (the
    /// interface may already be gone).
    /// Issue 13: not when the session ends, for deleting the interface
    /// (destroyUnit, right after) takes its addresses and routes with it;
    /// an IPv6 address deleted on its own made the kernel walk every IPv6
    /// route of every unit (rt6_remove_prefsrc), a cost per ended session
    /// that grew with the number of sessions.
    fileprivate func unconfigureUnit(what: String, _ delete: (Unit, UnitSystem) throws -> Void) {
        guard !unitGoing, let u = unit, let units = host.units else { return }
        do { try delete(u, units) } catch {
            host.log.notice("\(id): \(u.name): removing \(what): \(error)")
        }
    }

    fileprivate func hook(_ event: HookRequest.Event, local: UInt64, remote: UInt64, dns: [UInt32]) {
        var h = HookRequest(event: event, session: id, port: record.port, interface: unit?.name ?? interfaceName)
        h.local = local
        h.remote = remote
        h.dns = dns
        h.usePeerDNS = record.network.usePeerDNS
        h.peerName = record.verdict?.peerName ?? ""
        h.connectSeconds = UInt32(Instant.now().seconds(since: started))
        h.octetsSent = UInt64(counters.octetsOut)
        h.octetsReceived = UInt64(counters.octetsIn)
        host.hook(h)
    }
}

extension IPCPNegotiated: NetworkResult {
    /// RFC 1332: IPCP Opened. pppd refuses to run without a peer address.
    func configure(on s: NetworkSession) -> Bool {
        let local = IPv4.format(localAddress), remote = IPv4.format(remoteAddress)
        guard remoteAddress != 0, localAddress != 0 else {
            s.host.log.warning("\(s.id): IPCP opened without both addresses (local \(local), remote \(remote))")
            s.run(IPCPNegotiator.self) { $0.close(reason: "Could not determine remote IP address") }
            return false
        }
        guard s.configureUnit(IPCPNegotiator.self, what: "\(local) peer \(remote)", defaultRoute: s.record.network.defaultRoute, {
            try $1.addIPv4($0, local: localAddress, remote: remoteAddress)
        }) else { return false }
        s.host.log.info("\(s.id): IPCP opened: local \(local) remote \(remote)"
                        + (dns.isEmpty ? "" : " dns \(dns.map(IPv4.format).joined(separator: ","))"))
        s.addFramedRoutes(peer: remoteAddress)
        s.hook(.ipUp, local: UInt64(localAddress), remote: UInt64(remoteAddress), dns: dns)
        return true
    }

    func unconfigure(on s: NetworkSession) {
        s.unconfigureUnit(what: IPv4.format(localAddress)) { try $1.deleteIPv4($0, local: localAddress, remote: remoteAddress) }
        s.hook(.ipDown, local: UInt64(localAddress), remote: UInt64(remoteAddress), dns: dns)
    }
}

extension IPv6CPNegotiated: NetworkResult {
    /// RFC 5072 §5: link-local addresses from the negotiated identifiers.
    func configure(on s: NetworkSession) -> Bool {
        guard remoteIdentifier != 0 else {
            s.run(IPv6CPNegotiator.self) { $0.close(reason: "Could not determine remote interface identifier") }
            return false
        }
        guard s.configureUnit(IPv6CPNegotiator.self, what: "link-local address", defaultRoute: s.record.network.defaultRoute6, {
            try $1.addIPv6($0, local: localIdentifier, remote: remoteIdentifier)
        }) else { return false }
        let local = InterfaceIdentifierText.string(localIdentifier), remote = InterfaceIdentifierText.string(remoteIdentifier)
        s.host.log.info("\(s.id): IPv6CP opened: local fe80::\(local) remote fe80::\(remote)")
        s.hook(.ipv6Up, local: localIdentifier, remote: remoteIdentifier, dns: [])
        s.startIPv6Services(localIdentifier: localIdentifier)
        return true
    }

    func unconfigure(on s: NetworkSession) {
        s.stopIPv6Services()
        s.unconfigureUnit(what: "the link-local address") {
            try $1.deleteIPv6($0, local: localIdentifier, remote: remoteIdentifier)
        }
        s.hook(.ipv6Down, local: localIdentifier, remote: remoteIdentifier, dns: [])
    }
}
