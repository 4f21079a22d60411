// After a restart (docs/design.md "L2TP (issue 16)"): each deposited tunnel
// comes back from its record (ids, Ns/Nr, window, pending messages, calls)
// on the port's socket from the fd store, with no new SCCRQ; each call's
// session resumes Opened from its own deposit (PortSessions.resume). A call
// whose session was not deposited (still in LCP or authentication when
// linkd died) is cleared with a CDN: its PPP state is gone.
import IPC
import L2TP

extension L2TPTransport {
    func resume() {
        let now = Self.now()
        var owners: [String: (L2TPTunnelSlot, TunnelDeposit.Call)] = [:]
        for e in host.rt.restored {
            guard case let .tunnel(id) = e.key else { continue }
            do {
                let d = try TunnelDeposit(record: e.record)
                let peer = L2TPEndpoint(address: d.peerAddress, port: d.peerPort)
                let tunnel = try Tunnel(record: d.tunnel, configuration: configuration(for: d.peerAddress), seed: Self.seed(), now: now)
                guard tunnel.localID == id, Self.open(tunnel.state), slots[id] == nil else {
                    try? host.rt.withdraw(key: e.key)
                    continue
                }
                let slot = L2TPTunnelSlot(tunnel: tunnel, peer: peer, serverIndex: Int(d.serverIndex))
                slot.deposited = e.record
                // RFC 2867: the Start's ids and what the calls carried, so
                // the Stop pairs with it (a version 1 record has none).
                slot.restore(d.accounting)
                add(slot)
                for c in d.calls { owners[c.linkSession] = (slot, c) }
                host.rt.log.notice("port \(settings.name): tunnel \(id) with \(peer) resumed after a restart (\(tunnel.sessions.count) call(s), Ns \(tunnel.transport.nextNs), Nr \(tunnel.transport.nextNr))")
            } catch {
                host.rt.log.warning("\(e.key): unusable tunnel record (\(error)); dropping it")
                try? host.rt.withdraw(key: e.key)
            }
        }
        var resumed = 0
        for (e, state) in host.depositedSessions() {
            guard let (slot, call) = owners[state.id], slot.tunnel.sessions[call.sessionID]?.state == .established,
                  e.descriptors.count == 1 else {
                host.dropDeposited(e, state)
                continue
            }
            let circuit = makeCircuit(slot, call.sessionID)
            circuit.l2tp?.restore(call.accounting)
            if host.resume(e, state, on: circuit) != nil { resumed += 1 }
        }
        for slot in slots.values {
            for id in slot.tunnel.sessions.keys.sorted() where slot.circuits[id] == nil {
                let result = ResultCode(ResultCode.seeErrorCode, error: 0, message: "session lost in a restart")
                perform(slot.tunnel.disconnect(id, result, now: now), on: slot, now: now)
            }
            if slot.circuits.isEmpty { slot.idleSince = now }
        }
        if resumed > 0 { host.rt.log.notice("port \(settings.name): \(resumed) L2TP session(s) resumed after a restart") }
    }
}
