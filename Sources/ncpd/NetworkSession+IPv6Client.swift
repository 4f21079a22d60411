// Issue 18's CPE role on one session: with `[ipv6.PORT] mode = "client"`,
// once IPv6CP is Opened ncpd runs the host side of router discovery (RFC 4861
// §6.3: Router Solicitations, then every valid RA) with SLAAC (RFC 4862 §5.5:
// an address from each autonomous /64 and the IPv6CP identifier) and a DHCPv6
// client asking for a delegated prefix (RFC 8415 §18.2), all straight over
// the session's channel like the server role (NetworkSession+IPv6.swift).
// What they learn goes onto the unit by rtnetlink: the address, the default
// route, and the first /64 of the delegated prefix on a LAN interface;
// `pppctl sessions` shows the address and prefix. At IPv6CP's tld the
// client releases its prefix (§18.2.7) and the address and routes go.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import IPv6Services
import PPP

/// The router discovery host and DHCPv6 client of one session.
final class IPv6ClientSide {
    let settings: IPv6PortSettings
    var discovery: RouterDiscoveryHost
    var dhcp: DHCPv6Client
    var timer: TimerID?
    var delegated: [IPv6Prefix] = []
    var dnsServers: [IPv6Address] = []
    var kernelDiscoveryDropped = 0
    var kernelFailures = 0

    init(settings: IPv6PortSettings, port: String, interfaceID: UInt64, seed: UInt64) {
        self.settings = settings
        discovery = RouterDiscoveryHost(interfaceID: interfaceID, seed: seed)
        // RFC 8415 §11.3 DUID-EN, the same across restarts (a Renew names
        // the client too): RFC 5612's example number, "ppprouter", the port.
        var c = DHCPv6ClientConfiguration(clientID: DUID.enterprise(number: 32473, identifier: Array("ppprouter:\(port)".utf8)))
        c.prefixLengthHint = settings.prefixHint
        dhcp = DHCPv6Client(configuration: c, source: .linkLocal(interfaceID: interfaceID), seed: seed ^ 0x6c69_656e_74)
    }

    var deadline: UInt64? { [discovery.deadline, dhcp.deadline].compactMap { $0 }.min() }

    func json() -> JSON {
        .object([
            "mode": "client",
            "prefix": discovery.addresses.first.map { .string($0.prefix.description) } ?? .null,
            "addresses": .array(discovery.addresses.map { .string($0.address.description) }),
            "router": discovery.router.map { .string($0.description) } ?? .null,
            "delegated": .array(delegated.map { .string($0.description) }),
            "dns": .array((discovery.dnsServers + dnsServers).map { .string($0.description) }),
            "dhcpv6_state": .string("\(dhcp.state)"),
            "ra_accepted": .int(Int64(discovery.counters.advertisementsAccepted)),
            "rs_sent": .int(Int64(discovery.counters.solicitationsSent)),
            "nd_dropped": .int(Int64(discovery.counters.dropped)),
            "dhcpv6_sent": .int(Int64(dhcp.counters.sent)), "dhcpv6_dropped": .int(Int64(dhcp.counters.dropped)),
            "kernel_discovery_dropped": .int(Int64(kernelDiscoveryDropped)),
        ])
    }
}

extension NetworkSession {
    /// IPv6CP's tlu in the client role (after a restart too: the client
    /// solicits afresh, and the server gives the same DUID/IAID its prefix).
    func startIPv6Client(_ settings: IPv6PortSettings, localIdentifier: UInt64) {
        guard ipv6Client == nil else { return }
        let side = IPv6ClientSide(settings: settings, port: record.port, interfaceID: localIdentifier,
                                  seed: localIdentifier ^ Self.now())
        ipv6Client = side
        let now = Self.now()
        perform(side.discovery.handle(.linkUp, now: now))
        perform(side.dhcp.handle(.start, now: now))
        host.log.info("\(id): IPv6 client started (router discovery, DHCPv6 prefix delegation)")
        scheduleIPv6Client()
    }

    /// IPv6CP's tld: release the prefix (its Release goes out while the
    /// channel is still open), then forget the router and the addresses.
    func stopIPv6Client() {
        guard let side = ipv6Client else { return }
        if let t = side.timer { host.loop.cancel(t) }
        side.timer = nil
        let now = Self.now()
        perform(side.dhcp.handle(.stop, now: now))
        perform(side.discovery.handle(.linkDown, now: now))
        for p in side.delegated {
            lanAddress(p, add: false)
            host.publish(.prefixReleased(session: id, prefix: p.description))
            prefixHook(.prefixDown, p, preferred: 0, valid: 0, lan: side.settings.lanInterface)
        }
        side.delegated = []
        ipv6Client = nil
    }

    func interceptIPv6Client(_ kind: IPv6ControlPacket, _ packet: UnsafeRawBufferPointer) -> Bool {
        guard let side = ipv6Client else { return false }
        let now = Self.now()
        switch kind {
        case .routerAdvertisement: perform(side.discovery.handle(.packet(Array(packet)), now: now))
        case .dhcpv6ToClient: perform(side.dhcp.handle(.packet(Array(packet)), now: now))
        case .routerSolicitation, .dhcpv6ToServer: return false
        }
        scheduleIPv6Client()
        return true
    }

    private func scheduleIPv6Client() {
        guard let side = ipv6Client else { return }
        if let t = side.timer { host.loop.cancel(t) }
        side.timer = nil
        guard let due = side.deadline else { return }
        let now = Self.now()
        side.timer = host.loop.schedule(after: due > now ? Double(due - now) / 1e9 : 0) { [weak self] in
            guard let self, !self.ended, let side = self.ipv6Client else { return }
            side.timer = nil
            let now = Self.now()
            if let d = side.discovery.deadline, d <= now { self.perform(side.discovery.handle(.timer, now: now)) }
            if let d = side.dhcp.deadline, d <= now { self.perform(side.dhcp.handle(.timer, now: now)) }
            self.scheduleIPv6Client()
        }
    }

    private func perform(_ actions: [RouterDiscoveryHost.Action]) {
        guard let u = unit, let units = host.units else { return }
        for action in actions {
            switch action {
            case .send(let packet): sendIPv6(packet)
            case .addAddress(let a, let length, _, _):
                kernel("address \(a)/\(length)") { try units.globalAddress(add: true, index: u.index, address: a.bytes, prefixLength: length) }
            case .removeAddress(let a, let length):
                kernel("removing \(a)/\(length)") { try units.globalAddress(add: false, index: u.index, address: a.bytes, prefixLength: length) }
            case .setDefaultRouter(let r, _):
                // One peer on a PPP link: the route names the unit (RTA_OIF).
                kernel("default route (router \(r))") { try units.addDefaultRoute(u, ipv6: true) }
            case .removeDefaultRouter:
                kernel("removing the default route") {
                    try units.deletePrefixRoute(u, prefix: [UInt8](repeating: 0, count: 16), length: 0)
                }
            case .setDNSServers, .setMTU:
                break  // shown by pppctl from the host value
            }
        }
    }

    private func perform(_ actions: [DHCPv6Client.Action]) {
        guard let side = ipv6Client else { return }
        for action in actions {
            switch action {
            case .send(let packet): sendIPv6(packet)
            case .prefixDelegated(let p):
                if !side.delegated.contains(p.prefix) {
                    side.delegated.append(p.prefix)
                    host.log.notice("\(id): prefix \(p.prefix) delegated (valid \(p.validLifetime) s)")
                    lanAddress(p.prefix, add: true)
                    host.publish(.prefixDelegated(session: id, prefix: p.prefix.description))
                    prefixHook(.prefixUp, p.prefix, preferred: p.preferredLifetime, valid: p.validLifetime,
                               lan: side.settings.lanInterface)
                    host.sessionChanged(self)
                }
            case .prefixRemoved(let p):
                guard side.delegated.contains(p) else { continue }
                side.delegated.removeAll { $0 == p }
                host.log.notice("\(id): prefix \(p) no longer delegated")
                lanAddress(p, add: false)
                host.publish(.prefixReleased(session: id, prefix: p.description))
                prefixHook(.prefixDown, p, preferred: 0, valid: 0, lan: side.settings.lanInterface)
            case .dnsServers(let servers):
                side.dnsServers = servers
            case .addressAssigned, .addressRemoved:
                break  // IA_NA is not asked for (requestAddress is false)
            }
        }
    }

    /// The first /64 of a delegated prefix, its ::1, on the LAN interface.
    private func lanAddress(_ p: IPv6Prefix, add: Bool) {
        guard let side = ipv6Client, !side.settings.lanInterface.isEmpty, let units = host.units,
              let lan = try? IPv6Prefix(p.address, length: max(64, Int(p.length))) else { return }
        let index = Int32(bitPattern: if_nametoindex(side.settings.lanInterface))
        guard index > 0 else {
            host.log.warning("\(id): lan-interface \(side.settings.lanInterface) does not exist")
            return
        }
        let address = IPv6Address(lan.address.value | 1)
        kernel("\(add ? "" : "removing ")\(address)/64 on \(side.settings.lanInterface)") {
            try units.globalAddress(add: add, index: index, address: address.bytes, prefixLength: 64)
        }
    }

    private func kernel(_ what: String, _ body: () throws -> Void) {
        do {
            try body()
            host.log.info("\(id): \(what)")
        } catch {
            ipv6Client?.kernelFailures += 1
            host.log.notice("\(id): \(what): \(error)")
        }
    }
}
