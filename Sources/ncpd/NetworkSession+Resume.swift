// Saving and resuming a session across an ncpd restart (DESIGN.md "Restart
// without losing sessions"): `snapshot` is what goes to the fd store with the
// channel and the TUN; `resume` rebuilds Opened NCPs from it without sending
// anything, re-adopts the unit (its addresses and routes never went away:
// pppinit's copy of the TUN kept the interface), and renegotiates only an NCP
// that was still negotiating when we died.
import IPC
import PPP

extension NetworkSession {
    private static func phase(_ state: Automaton.State?, finished: Bool) -> NetworkSessionState.Phase {
        guard let state else { return .notRun }
        if state == .opened { return .opened }
        return finished ? .finished : .negotiating
    }

    func snapshot() -> NetworkSessionState {
        var s = NetworkSessionState(record: record)
        s.unitNumber = UInt32(unitNumber)
        if let u = unit {
            s.interface = u.name
            s.interfaceIndex = u.index
        }
        if let lease {
            s.leasePool = lease.pool
            s.leaseAddress = lease.address
        }
        if let cp = ipcp {
            let n = cp.negotiator.negotiated
            s.ipcp.phase = Self.phase(cp.state, finished: ipcpFinished)
            s.ipcp.nextIdentifier = cp.identifierToSave
            s.ipcp.configured = ipv4Configured != nil
            s.ipcp.values = [UInt64(n.localAddress), UInt64(n.remoteAddress), UInt64(n.primaryDNS), UInt64(n.secondaryDNS)]
        }
        if let cp = ipv6cp {
            let n = cp.negotiator.negotiated
            s.ipv6cp.phase = Self.phase(cp.state, finished: ipv6cpFinished)
            s.ipv6cp.nextIdentifier = cp.identifierToSave
            s.ipv6cp.configured = ipv6Configured != nil
            s.ipv6cp.values = [n.localIdentifier, n.remoteIdentifier, 0, 0]
        }
        s.started = started.nanoseconds
        s.octetsIn = UInt64(counters.octetsIn); s.octetsOut = UInt64(counters.octetsOut)
        s.packetsIn = UInt64(counters.packetsIn); s.packetsOut = UInt64(counters.packetsOut)
        return s
    }

    /// Puts the saved state back on a session made from the same record;
    /// `tun` is the unit's descriptor when the state names one.
    func restore(_ s: NetworkSessionState, tun: consuming FileDescriptor?) {
        started = Instant(nanoseconds: s.started)
        counters.octetsIn = Int(s.octetsIn); counters.octetsOut = Int(s.octetsOut)
        counters.packetsIn = Int(s.packetsIn); counters.packetsOut = Int(s.packetsOut)
        if let tun, !s.interface.isEmpty {
            unit = Unit(fd: tun, name: s.interface, index: s.interfaceIndex)
        }
        var limits = Automaton.Limits()
        limits.restartInterval = .seconds(3)
        if s.ipcp.phase == .opened, var cp = ipcp {
            var n = IPCPNegotiated()
            n.localAddress = UInt32(truncatingIfNeeded: s.ipcp.values[0])
            n.remoteAddress = UInt32(truncatingIfNeeded: s.ipcp.values[1])
            n.primaryDNS = UInt32(truncatingIfNeeded: s.ipcp.values[2])
            n.secondaryDNS = UInt32(truncatingIfNeeded: s.ipcp.values[3])
            var negotiator = cp.negotiator
            negotiator.restore(n)
            let rejectLimit = cp.maximumRejectedLength
            cp = IPCP.resumed(negotiator: negotiator, limits: limits, nextIdentifier: s.ipcp.nextIdentifier)
            cp.maximumRejectedLength = rejectLimit
            ipcp = cp
            if s.ipcp.configured { ipv4Configured = n }
        }
        if s.ipv6cp.phase == .opened, var cp = ipv6cp {
            var n = IPv6CPNegotiated()
            n.localIdentifier = s.ipv6cp.values[0]
            n.remoteIdentifier = s.ipv6cp.values[1]
            var negotiator = cp.negotiator
            negotiator.restore(n)
            let rejectLimit = cp.maximumRejectedLength
            cp = IPv6CP.resumed(negotiator: negotiator, limits: limits, nextIdentifier: s.ipv6cp.nextIdentifier)
            cp.maximumRejectedLength = rejectLimit
            ipv6cp = cp
            if s.ipv6cp.configured { ipv6Configured = n }
        }
        if s.ipcp.phase == .finished { ipcpFinished = true }
        if s.ipv6cp.phase == .finished { ipv6cpFinished = true }
        resumedFrom = s
    }

    /// After `restore`: watch the unit again and start what was still
    /// negotiating (RFC 1661 §3.6: the Network phase goes on).
    func resume() {
        if let u = unit {
            do { try host.loop.watch(u.fd.raw) { [weak self] _ in self?.tunReadable() } } catch {
                end(reason: "cannot watch the unit after a restart: \(error)")
                return
            }
        }
        let s = resumedFrom
        if ipcp != nil, s?.ipcp.phase == .negotiating {
            run(ipv4: true) { $0.lowerUp() }
            run(ipv4: true) { $0.open() }
        }
        if ipv6cp != nil, s?.ipv6cp.phase == .negotiating {
            run6 { $0.lowerUp() }
            run6 { $0.open() }
        }
        checkFinished()
    }
}
