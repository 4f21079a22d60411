// A restarted linkd takes its PPPoE sessions back (DESIGN.md "Restart
// without losing sessions"). The port's two AF_PACKET sockets come back from
// the fd store; each session in the Network phase was deposited with its
// LCP state, its channel end and its PPPoE binding. Each resumes Opened on
// the session socket under its old (peer MAC, SESSION_ID), and the discovery
// machines learn it again: the AC's table (so the id is not handed out twice
// and the peer's PADT is answered), or a client dial Established with it.
import IPC
import PPPoE

extension PortLink {
    /// The sessions resumed.
    @discardableResult
    func resumePPPoESessions(_ state: PPPoEState) -> Int {
        var resumed = 0
        for e in rt.restored where e.key.session != nil {
            guard let deposited = depositedSession(e) else { continue }
            let binding = deposited.pppoe.map(PPPoEBinding.init)
            guard let binding, binding.local == state.local, e.descriptors.count == 1,
                  adopt(state, binding, deposited) else {
                dropDeposited(e, deposited)
                continue
            }
            let line = Line(shared: state.sessionFD, peer: "\(binding.peer)", pppoe: binding)
            state.lines[binding.key] = line
            state.idToKey[binding.sessionID] = binding.key
            if settings.pppoe.role == .client { state.dials.last?.line = line }  // the dial adopt added
            // A failed resume ends the session like any other: with a PADT.
            if resume(e, deposited, on: line) != nil { resumed += 1 }
        }
        if resumed > 0 { rt.log.notice("port \(settings.name): \(resumed) PPPoE session(s) resumed after a restart") }
        return resumed
    }

    /// Tells the discovery machine about a deposited session; false when it
    /// cannot take it (an id in use, a second session on a plain client).
    private func adopt(_ state: PPPoEState, _ b: PPPoEBinding, _ deposited: LinkSessionState) -> Bool {
        switch settings.pppoe.role {
        case .ac:
            guard var ac = state.ac else { return false }
            state.ac = nil  // unique while it mutates: its tables are not copied
            let ok = ac.adopt(sessionID: b.sessionID, peer: b.peer, serviceName: b.serviceName,
                              relaySessionID: b.relaySessionID, maximumPayload: b.maximumPayload)
            state.ac = ac
            return ok
        case .client:
            let upstream = bridging.role == .upstream
            guard upstream || !state.dials.contains(where: { $0.number == nil }) else { return false }
            let session = DiscoveryClient.Session(id: b.sessionID, peer: b.peer, acName: b.acName,
                                                  serviceName: b.serviceName, relaySessionID: b.relaySessionID,
                                                  maximumPayload: b.maximumPayload)
            let machine = DiscoveryClient(configuration: clientConfiguration(state), resuming: session)
            let partner = deposited.record.bridgeWith
            state.dials.append(ClientDial(machine: machine, number: upstream ? deposited.number : nil,
                                          subscriber: upstream && !partner.isEmpty ? partner : nil))
            return true
        }
    }
}
