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
        do {
            let u = try units.create(name: interfaceName, mtu: UInt32(record.peerMRU))
            unit = u
            try host.loop.watch(u.fd.raw) { [weak self] _ in self?.tunReadable() }
            host.log.info("\(id): unit \(u.name) (index \(u.index), mtu \(record.peerMRU))")
            return true
        } catch {
            host.log.warning("\(id): cannot create unit \(interfaceName): \(error)")
            end(reason: "cannot create unit \(interfaceName)")
            return false
        }
    }

    func destroyUnit() {
        guard let u = unit else { return }
        host.loop.unwatch(u.fd.raw)
        unit = nil
        // Deleting the interface removes its addresses and routes too.
        host.units?.retire(u)
    }

    /// RFC 1332: IPCP Opened. pppd refuses to run without a peer address.
    func ipcpUp() {
        guard let n = ipcp?.negotiator.negotiated else { return }
        guard n.remoteAddress != 0, n.localAddress != 0 else {
            host.log.warning("\(id): IPCP opened without both addresses (local \(IPv4.format(n.localAddress)), remote \(IPv4.format(n.remoteAddress)))")
            run(ipv4: true) { $0.close(reason: "Could not determine remote IP address") }
            return
        }
        guard ensureUnit(), let u = unit, let units = host.units else { return }
        do {
            try units.addIPv4(u, local: n.localAddress, remote: n.remoteAddress)
            ipv4Configured = n
        } catch {
            host.log.warning("\(id): \(u.name): cannot add \(IPv4.format(n.localAddress)) peer \(IPv4.format(n.remoteAddress)): \(error)")
            run(ipv4: true) { $0.close(reason: "Could not set interface address") }
            return
        }
        if record.network.defaultRoute {
            do { try units.addDefaultRoute(u, ipv6: false) } catch {
                // pppd: "not replacing existing default route".
                host.log.notice("\(id): \(u.name): no default route added: \(error)")
            }
        }
        host.log.info("\(id): IPCP opened: local \(IPv4.format(n.localAddress)) remote \(IPv4.format(n.remoteAddress))"
                      + (n.dns.isEmpty ? "" : " dns \(n.dns.map(IPv4.format).joined(separator: ","))"))
        hook(.ipUp, local: UInt64(n.localAddress), remote: UInt64(n.remoteAddress), dns: n.dns)
    }

    func ipcpDown() {
        guard let n = ipv4Configured else { return }
        ipv4Configured = nil
        if let u = unit, let units = host.units {
            do { try units.deleteIPv4(u, local: n.localAddress, remote: n.remoteAddress) } catch {
                host.log.notice("\(id): \(u.name): removing \(IPv4.format(n.localAddress)): \(error)")
            }
        }
        hook(.ipDown, local: UInt64(n.localAddress), remote: UInt64(n.remoteAddress), dns: n.dns)
    }

    /// RFC 5072 §5: link-local addresses from the negotiated identifiers.
    func ipv6cpUp() {
        guard let n = ipv6cp?.negotiator.negotiated else { return }
        guard n.remoteIdentifier != 0 else {
            run6 { $0.close(reason: "Could not determine remote interface identifier") }
            return
        }
        guard ensureUnit(), let u = unit, let units = host.units else { return }
        do {
            try units.addIPv6(u, local: n.localIdentifier, remote: n.remoteIdentifier)
            ipv6Configured = n
        } catch {
            host.log.warning("\(id): \(u.name): cannot add link-local address: \(error)")
            run6 { $0.close(reason: "Could not set interface address") }
            return
        }
        if record.network.defaultRoute6 {
            do { try units.addDefaultRoute(u, ipv6: true) } catch {
                host.log.notice("\(id): \(u.name): no IPv6 default route added: \(error)")
            }
        }
        host.log.info("\(id): IPv6CP opened: local fe80::\(InterfaceIdentifierText.string(n.localIdentifier)) remote fe80::\(InterfaceIdentifierText.string(n.remoteIdentifier))")
        hook(.ipv6Up, local: n.localIdentifier, remote: n.remoteIdentifier, dns: [])
    }

    func ipv6cpDown() {
        guard let n = ipv6Configured else { return }
        ipv6Configured = nil
        if let u = unit, let units = host.units {
            do { try units.deleteIPv6(u, local: n.localIdentifier, remote: n.remoteIdentifier) } catch {
                host.log.notice("\(id): \(u.name): removing the link-local address: \(error)")
            }
        }
        hook(.ipv6Down, local: n.localIdentifier, remote: n.remoteIdentifier, dns: [])
    }

    private func hook(_ event: HookRequest.Event, local: UInt64, remote: UInt64, dns: [UInt32]) {
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
