// The Host side of a pppoe port (RFC 2516 §5.1-5.4): each discovery runs its
// own DiscoveryClient with its own Host-Uniq, so several can be under way on
// one interface and each tells its PADOs and PADS from the others'
// (Appendix A). A plain client port runs one at a time, restarted by
// persist/holdoff; an upstream port (bridging) runs one per subscriber that
// a bridging rule sent here, each leading to its own PPPoE session whose
// channel goes to bridged spliced to that subscriber.
import IPC
import PPPoE

/// One discovery and the session it led to.
final class ClientDial {
    var machine: DiscoveryClient
    var timer: TimerID?
    /// An upstream dial: the session number promised to the caller and the
    /// subscriber it is for. nil for the port's own session.
    let number: Int?
    let subscriber: String?
    /// The session's line once the PADS came.
    var line: Line?

    init(machine: DiscoveryClient, number: Int?, subscriber: String?) {
        self.machine = machine
        self.number = number
        self.subscriber = subscriber
    }

    var json: JSONObject {
        let k = machine.counters
        var o: JSONObject = [
            "state": .string(PortLink.describe(machine.state)), "malformed": .int(Int64(k.malformed)),
            "not_for_us": .int(Int64(k.notForUs)), "offers_refused": .int(Int64(k.offersRefused)),
            "unexpected": .int(Int64(k.unexpected)),
            "last_refusal": k.lastRefusal.map { .string($0) } ?? .null,
        ]
        if let subscriber { o["for"] = .string(subscriber) }
        return o
    }
}

extension PortLink {
    /// Client: a fresh discovery for the port's own session (the first, or
    /// after persist/holdoff), ending a stale session from before a restart.
    func startDiscovery() {
        guard let state = pppoe else { return }
        let stale = state.stale
        state.stale = nil
        if let stale {
            rt.log.notice("port \(settings.name): PADT for stale session \(stale.id) with \(stale.peer)")
            try? rt.withdraw(key: .pppoeSession)
        }
        let p = settings.pppoe
        rt.log.info("port \(settings.name): PPPoE discovery (service '\(p.serviceName)'\(p.acName.isEmpty ? "" : ", AC '\(p.acName)'"))")
        begin(state, ClientDial(machine: DiscoveryClient(configuration: clientConfiguration(state)), number: nil, subscriber: nil),
              stale: stale)
    }

    /// Upstream: a discovery for `subscriber`; the session it leads to will
    /// be numbered as answered here, so the subscriber's linkd can name it
    /// to bridged before it exists.
    func dialPPPoE(for subscriber: String) throws(MethodError) -> String {
        guard let state = pppoe, settings.pppoe.role == .client else {
            throw MethodError(.unavailable, "port \(settings.name): not a pppoe client port with its sockets")
        }
        let number = reserveNumber()
        rt.log.info("session \(settings.name):\(number): PPPoE discovery for \(subscriber)")
        begin(state, ClientDial(machine: DiscoveryClient(configuration: clientConfiguration(state)), number: number,
                                subscriber: subscriber), stale: nil)
        return "\(settings.name):\(number)"
    }

    func clientConfiguration(_ state: PPPoEState) -> DiscoveryClient.Configuration {
        let p = settings.pppoe
        var c = DiscoveryClient.Configuration(localAddress: state.local)
        c.serviceName = Array(p.serviceName.utf8)
        c.acName = p.acName.isEmpty ? nil : Array(p.acName.utf8)
        // Appendix A: a Host-Uniq of our own tells our answers from another
        // Host's (or another dial's) on the same segment; 8 random octets
        // unless configured, and always random per dial on an upstream port.
        c.hostUniq = p.hostUniq.isEmpty || bridging.role == .upstream
            ? withUnsafeBytes(of: Self.random64()) { Array($0) } : p.hostUniq
        // RFC 4638 §4: ask for more than 1492 only when `mru` does and the
        // interface carries it (MTU 1508 for a 1500-octet payload).
        if Int(settings.mru) > Self.standardPayload {
            c.requestedMaxPayload = UInt16(clamping: min(Int(settings.mru), state.interfacePayload))
        }
        c.timeout = Double(p.padiTimeout)
        c.padiAttempts = Int(p.padiAttempts)
        return c
    }

    private func begin(_ state: PPPoEState, _ dial: ClientDial, stale: (id: UInt16, peer: EthernetAddress)?) {
        state.dials.append(dial)
        let actions = dial.machine.start(stale: stale)
        perform(state, dial, actions)
    }

    /// A discovery frame, offered to every dial: each takes only what
    /// carries its Host-Uniq or its session.
    func clientReceive(_ state: PPPoEState, _ frame: ArraySlice<UInt8>) {
        for dial in state.dials {
            let actions = dial.machine.receive(frame)
            perform(state, dial, actions)
        }
    }

    private func perform(_ state: PPPoEState, _ dial: ClientDial, _ actions: [DiscoveryClient.Action]) {
        for a in actions {
            switch a {
            case .send(let frame):
                sendDiscovery(state, frame)
            case .startTimer(let seconds):
                if let t = dial.timer { rt.loop.cancel(t) }
                dial.timer = rt.loop.schedule(after: seconds) { [unowned self, unowned state, unowned dial] in
                    dial.timer = nil
                    let next = dial.machine.timeout()
                    self.perform(state, dial, next)
                }
            case .cancelTimer:
                if let t = dial.timer { rt.loop.cancel(t) }
                dial.timer = nil
            case .established(let session):
                let binding = PPPoEBinding(sessionID: session.id, peer: session.peer, local: state.local,
                                           maximumPayload: session.maximumPayload, serviceName: session.serviceName,
                                           acName: session.acName, relaySessionID: session.relaySessionID)
                if dial.number == nil {
                    // A restarted linkd ends this session with a PADT (stale-padt).
                    var record: [UInt8] = [UInt8(session.id >> 8), UInt8(session.id & 0xff)]
                    session.peer.append(to: &record)
                    try? rt.deposit(key: .pppoeSession, record: record, descriptors: [])
                }
                let s = openSession(state, binding, number: dial.number)
                dial.line = state.lines[binding.key]
                if let subscriber = dial.subscriber { markDialled(s, for: subscriber) }
                s.start()
            case .failed(let reason):
                // Discovery gave up: a failed attempt as pppd counts one
                // (maxfail), with persist/holdoff deciding what comes next;
                // an upstream dial's subscriber is told at once
                // (PortLink+PartnerFailure) and ends with this reason.
                forget(state, dial)
                let s = makeSession(on: Line(shared: -1, peer: state.interface.name), resuming: dial.number)
                if let subscriber = dial.subscriber { markDialled(s, for: subscriber) }
                s.lineFailed(reason: "PPPoE discovery failed: \(reason)")
            case .terminated(let reason):
                state.counters.padtReceived += 1
                if let s = dial.line?.session, s.phase != .dead { s.lowerDown(reason: reason) }
            }
        }
    }

    /// The session of a dial is over: its machine sends the PADT (§5.5).
    func clientLineEnded(_ state: PPPoEState, _ line: Line, reason: String) {
        guard let dial = state.dials.first(where: { $0.line === line }) else { return }
        if stopDial(state, dial, reason), dial.number == nil { try? rt.withdraw(key: .pppoeSession) }
        forget(state, dial)
    }

    /// Stops a dial's machine; true when that sent a PADT.
    func stopDial(_ state: PPPoEState, _ dial: ClientDial, _ reason: String) -> Bool {
        let actions = dial.machine.stop(reason: reason)
        if let t = dial.timer { rt.loop.cancel(t) }
        dial.timer = nil
        var sent = false
        for case .send(let f) in actions {
            sendDiscovery(state, f)
            state.counters.padtSent += 1
            sent = true
        }
        return sent
    }

    private func forget(_ state: PPPoEState, _ dial: ClientDial) {
        if let t = dial.timer { rt.loop.cancel(t) }
        dial.timer = nil
        state.dials.removeAll { $0 === dial }
    }
}
