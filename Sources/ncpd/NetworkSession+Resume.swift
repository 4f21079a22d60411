// Saving and resuming a session across an ncpd restart (DESIGN.md "Restart
// without losing sessions"): `snapshot` is what goes to the fd store with the
// channel and the TUN; `resume` rebuilds Opened NCPs from it without sending
// anything, re-adopts the unit (its addresses and routes never went away:
// pppinit's copy of the TUN kept the interface), and renegotiates only an NCP
// that was still negotiating when we died.
import IPC
import PPP

extension NetworkSession {
    private static func record<N: NetworkNegotiator>(_ slot: NCPSlot<N>, into n: inout NetworkSessionState.NCP<N.Negotiated>) {
        guard let cp = slot.cp else { return }
        n.phase = cp.state == .opened ? .opened : slot.finished ? .finished : .negotiating
        n.nextIdentifier = cp.identifierToSave
        n.configured = slot.configured != nil
        n.negotiated = cp.negotiator.negotiated
    }

    func snapshot() -> NetworkSessionState {
        var s = NetworkSessionState(record: record)
        s.unitNumber = UInt32(unitNumber)
        // Issue 13: on linkd's mux, the handle instead of a channel end.
        if channel.mux != nil { s.muxHandle = channel.handle }
        if let u = unit {
            s.interface = u.name
            s.interfaceIndex = u.index
        }
        if let lease {
            s.leasePool = lease.pool
            s.leaseAddress = lease.address
        }
        Self.record(ipv4, into: &s.ipcp)
        Self.record(ipv6, into: &s.ipv6cp)
        s.started = started.nanoseconds
        s.octetsIn = UInt64(counters.octetsIn); s.octetsOut = UInt64(counters.octetsOut)
        s.packetsIn = UInt64(counters.packetsIn); s.packetsOut = UInt64(counters.packetsOut)
        s.ipv6 = ipv6Deposit()
        return s
    }

    /// Puts the saved state back on a session made from the same record;
    /// `tun` is the unit's descriptor when the state names one.
    func restore(_ s: NetworkSessionState, tun: consuming FileDescriptor?) {
        started = Instant(nanoseconds: s.started)
        counters.octetsIn = Int(s.octetsIn); counters.octetsOut = Int(s.octetsOut)
        counters.packetsIn = Int(s.packetsIn); counters.packetsOut = Int(s.packetsOut)
        if let tun, !s.interface.isEmpty {
            let u = Unit(fd: tun, name: s.interface, index: s.interfaceIndex)
            // Issue 21: the descriptor keeps the mode it was opened with.
            u.offload = host.units?.resumedOffload(u) ?? .plain
            unit = u
        }
        restore(s.ipcp, IPCPNegotiator.self)
        restore(s.ipv6cp, IPv6CPNegotiator.self)
        resumedFrom = ResumedState(s)
    }

    private func restore<N: NetworkNegotiator>(_ saved: NetworkSessionState.NCP<N.Negotiated>, _: N.Type) {
        switch saved.phase {
        case .opened:
            self[keyPath: N.slot].resume(saved.negotiated, nextIdentifier: saved.nextIdentifier,
                                         configured: saved.configured, settings: record.network)
        case .finished:
            self[keyPath: N.slot].finished = true
        case .negotiating, .notRun:
            break
        }
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
        // linkd learns again what we do (it may have restarted too).
        if unit != nil { sendCapability() }
        let saved = resumedFrom?.state
        // Used once: the thousands of resumed sessions do not keep it.
        resumedFrom = nil
        if saved?.ipcp.phase == .negotiating { begin(IPCPNegotiator.self) }
        if saved?.ipv6cp.phase == .negotiating { begin(IPv6CPNegotiator.self) }
        resumeIPv6(saved?.ipv6 ?? [])
        checkFinished()
    }
}

/// The state a restarted ncpd resumes a session from, between `restore`
/// and `resume`. Boxed: NetworkSessionState is a value of about 490
/// octets, and kept inline it was part of every NetworkSession, resumed or
/// not (issue 13, point 5: memory per session).
final class ResumedState {
    let state: NetworkSessionState

    init(_ state: NetworkSessionState) { self.state = state }
}
