// A pppoe port as Host (RFC 2516 §5.1-5.4): each discovery runs its own
// DiscoveryClient with its own Host-Uniq, so several can be under way on
// one interface and each tells its PADOs and PADS from the others'
// (Appendix A). A plain client port runs one at a time, restarted by
// persist/holdoff; an upstream port (bridging) runs one per subscriber that
// a bridging rule sent here, each leading to its own PPPoE session whose
// channel goes to bridged spliced to that subscriber. After a restart each
// deposited session comes back with a dial Established on it.
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
    /// The session's circuit once the PADS came.
    var circuit: Circuit?

    init(machine: DiscoveryClient, number: Int?, subscriber: String?) {
        self.machine = machine
        self.number = number
        self.subscriber = subscriber
    }

    var json: JSONObject {
        let k = machine.counters
        var o: JSONObject = [
            "state": .string(Self.describe(machine.state)), "malformed": .int(Int64(k.malformed)),
            "not_for_us": .int(Int64(k.notForUs)), "offers_refused": .int(Int64(k.offersRefused)),
            "unexpected": .int(Int64(k.unexpected)),
            "last_refusal": k.lastRefusal.map { .string($0) } ?? .null,
        ]
        if let subscriber { o["for"] = .string(subscriber) }
        return o
    }

    static func describe(_ s: DiscoveryClient.State) -> String {
        switch s {
        case .idle: "idle"
        case .selecting: "selecting"
        case .requesting: "requesting"
        case .established: "established"
        case .finished: "finished"
        }
    }
}

final class PPPoEClientTransport: Transport {
    let port: PPPoEPort
    /// Discoveries under way and the sessions they led to: the port's one,
    /// or one per subscriber on an upstream port.
    private var dials: [ClientDial] = []
    /// The session from before a restart (fd store), for a PADT.
    private var stale: (id: UInt16, peer: EthernetAddress)?

    init(port: PPPoEPort) { self.port = port }

    private var host: PortSessions { port.host }
    private var settings: PortSettings { port.settings }
    private var isUpstream: Bool { host.bridging.role == .upstream }

    func start() {
        // Dialing on a VLAN (issue 13): discovery arrives on the tagged socket.
        port.discoveryHandler = { [unowned self] frame, _, _ in self.offer(frame) }
        guard port.watch(discovery: { [unowned self] in self.discoveryReadable() },
                         sessions: { [unowned self] in self.sessionReadable() }) else { return }
        // A session that resumes is the one stale-padt would end.
        let resumed = port.resumeSessions(adopt: { [unowned self] b, d in b.vlan == self.port.dialTags && self.adopt(b, d) }, adopted: { [unowned self] circuit in
            self.dials.last?.circuit = circuit  // the dial adopt added
        })
        let rt = host.rt
        if resumed == 0, settings.pppoe.stalePADT, let e = rt.restored.first(where: { $0.key == .pppoeSession }),
           let r = try? StalePPPoESessionRecord.decode(e.record) {
            stale = (r.sessionID, EthernetAddress(rawValue: r.peer))
        }
        // An upstream port discovers when a subscriber needs a session.
        if isUpstream {
            rt.log.info("port \(settings.name): upstream; a PPPoE session is dialled per bridged subscriber")
        } else if resumed == 0 {
            startSession()
        }
    }

    /// Takes a deposited session back with a dial Established on it; false
    /// for a second session of a plain client port.
    private func adopt(_ b: PPPoEBinding, _ deposited: LinkSessionState) -> Bool {
        guard isUpstream || !dials.contains(where: { $0.number == nil }) else { return false }
        let session = DiscoveryClient.Session(id: b.sessionID, peer: b.peer, acName: b.acName,
                                              serviceName: b.serviceName, relaySessionID: b.relaySessionID,
                                              maximumPayload: b.maximumPayload)
        let machine = DiscoveryClient(configuration: configuration(), resuming: session)
        let partner = deposited.record.bridgeWith
        dials.append(ClientDial(machine: machine, number: isUpstream ? deposited.number : nil,
                                subscriber: isUpstream && !partner.isEmpty ? partner : nil))
        return true
    }

    /// A discovery failed or a session ended: no faster than once a second.
    var holdoff: Double { Double(max(settings.holdoff, 1)) }

    /// A fresh discovery for the port's own session (the first, or after
    /// persist/holdoff), ending a stale session from before a restart.
    func startSession() {
        let stale = self.stale
        self.stale = nil
        if let stale {
            host.rt.log.notice("port \(settings.name): PADT for stale session \(stale.id) with \(stale.peer)")
            try? host.rt.withdraw(key: .pppoeSession)
        }
        let p = settings.pppoe
        host.rt.log.info("port \(settings.name): PPPoE discovery (service '\(p.serviceName)'\(p.acName.isEmpty ? "" : ", AC '\(p.acName)'"))")
        begin(ClientDial(machine: DiscoveryClient(configuration: configuration()), number: nil, subscriber: nil),
              stale: stale)
    }

    /// Upstream: a discovery for `subscriber`; the session it leads to will
    /// be numbered as answered here, so the subscriber's linkd can name it
    /// to bridged before it exists.
    func dial(for subscriber: String) throws(MethodError) -> String {
        let number = host.reserveNumber()
        host.rt.log.info("session \(settings.name):\(number): PPPoE discovery for \(subscriber)")
        begin(ClientDial(machine: DiscoveryClient(configuration: configuration()), number: number,
                         subscriber: subscriber), stale: nil)
        return "\(settings.name):\(number)"
    }

    private func configuration() -> DiscoveryClient.Configuration {
        let p = settings.pppoe
        var c = DiscoveryClient.Configuration(localAddress: port.local)
        c.serviceName = Array(p.serviceName.utf8)
        c.acName = p.acName.isEmpty ? nil : Array(p.acName.utf8)
        // Appendix A: a Host-Uniq of our own tells our answers from another
        // Host's (or another dial's) on the same segment; 8 random octets
        // unless configured, and always random per dial on an upstream port.
        c.hostUniq = p.hostUniq.isEmpty || isUpstream
            ? withUnsafeBytes(of: PPPoEPort.random64()) { Array($0) } : p.hostUniq
        // RFC 4638 §4: ask for more than 1492 only when `mru` does and the
        // interface carries it with our VLAN tags (MTU 1508 for a
        // 1500-octet payload untagged).
        if Int(settings.mru) > PPPoEPort.standardPayload {
            c.requestedMaxPayload = UInt16(clamping: min(Int(settings.mru), port.payload(for: port.dialTags)))
        }
        c.timeout = Double(p.padiTimeout)
        c.padiAttempts = Int(p.padiAttempts)
        return c
    }

    private func begin(_ dial: ClientDial, stale: (id: UInt16, peer: EthernetAddress)?) {
        dials.append(dial)
        let actions = dial.machine.start(stale: stale)
        perform(dial, actions)
    }

    // MARK: Reading

    /// A discovery frame, offered to every dial: each takes only what
    /// carries its Host-Uniq or its session.
    private func discoveryReadable() {
        port.readDiscovery { [unowned self] frame, _, _ in self.offer(frame) }
    }

    private func offer(_ frame: ArraySlice<UInt8>) {
        for dial in dials {
            let actions = dial.machine.receive(frame)
            perform(dial, actions)
        }
    }

    private func sessionReadable() {
        // The AC's first LCP frame may be read before its PADS when both
        // wait: take the PADS first, so the session exists for that frame.
        if dials.contains(where: { if case .requesting = $0.machine.state { true } else { false } }) {
            discoveryReadable()
        }
        port.readSessions()
    }

    private func perform(_ dial: ClientDial, _ actions: [DiscoveryClient.Action]) {
        let rt = host.rt
        for a in actions {
            switch a {
            case .send(let frame):
                port.sendDiscovery(frame, vlan: port.dialTags)
            case .startTimer(let seconds):
                if let t = dial.timer { rt.loop.cancel(t) }
                dial.timer = rt.loop.schedule(after: seconds) { [unowned self, unowned dial] in
                    dial.timer = nil
                    let next = dial.machine.timeout()
                    self.perform(dial, next)
                }
            case .cancelTimer:
                if let t = dial.timer { rt.loop.cancel(t) }
                dial.timer = nil
            case .established(let session):
                // The AC's 1492 is more than a tagged frame carries on a
                // 1500-octet link (VLANTags.maximumPayload): the MRU ceiling
                // is what both hold.
                let binding = PPPoEBinding(sessionID: session.id, peer: session.peer, local: port.local,
                                           maximumPayload: min(session.maximumPayload, port.payload(for: port.dialTags)),
                                           serviceName: session.serviceName,
                                           acName: session.acName, relaySessionID: session.relaySessionID,
                                           vlan: port.dialTags)
                if dial.number == nil {
                    // A restarted linkd ends this session with a PADT (stale-padt).
                    let record = StalePPPoESessionRecord(sessionID: session.id, peer: session.peer.rawValue)
                    try? rt.deposit(key: .pppoeSession, record: record.encoded(), descriptors: [])
                }
                let s = port.openSession(binding, number: dial.number)
                dial.circuit = s.circuit
                if let subscriber = dial.subscriber { host.markDialled(s, for: subscriber) }
                s.start()
            case .failed(let reason):
                // Discovery gave up: a failed attempt as pppd counts one
                // (maxfail), with persist/holdoff deciding what comes next;
                // an upstream dial's subscriber is told at once
                // (PortSessions+PartnerFailure) and ends with this reason.
                forget(dial)
                let circuit = Circuit(shared: -1, peer: port.interface.name, framing: .datagram)
                let s = host.makeSession(on: circuit, resuming: dial.number)
                if let subscriber = dial.subscriber { host.markDialled(s, for: subscriber) }
                s.circuitFailed(reason: "PPPoE discovery failed: \(reason)")
            case .terminated(let reason):
                port.counters.padtReceived += 1
                if let s = dial.circuit?.session, s.phase != .dead { s.lowerDown(reason: reason) }
            }
        }
    }

    /// The session of a dial is over: its machine sends the PADT (§5.5).
    func sessionEnded(_ session: Session, on circuit: Circuit) { ended(circuit, reason: session.reason ?? "ended") }

    private func ended(_ circuit: Circuit, reason: String) {
        guard port.remove(circuit) else { return }
        if let dial = dials.first(where: { $0.circuit === circuit }) {
            if stop(dial, reason), dial.number == nil { try? host.rt.withdraw(key: .pppoeSession) }
            forget(dial)
        }
        port.flushDiscovery()
    }

    /// SIGTERM or pppinit gone: every live session says goodbye to its
    /// peer, and every discovery under way ends.
    func shutdown() {
        port.closeAll { [unowned self] circuit in self.ended(circuit, reason: "linkd stopping") }
        for dial in dials { _ = stop(dial, "linkd stopping") }
        dials.removeAll()
    }

    /// Stops a dial's machine; true when that sent a PADT.
    private func stop(_ dial: ClientDial, _ reason: String) -> Bool {
        let actions = dial.machine.stop(reason: reason)
        if let t = dial.timer { host.rt.loop.cancel(t) }
        dial.timer = nil
        var sent = false
        for case .send(let f) in actions {
            port.sendDiscovery(f, vlan: port.dialTags)
            port.counters.padtSent += 1
            sent = true
        }
        return sent
    }

    private func forget(_ dial: ClientDial) {
        if let t = dial.timer { host.rt.loop.cancel(t) }
        dial.timer = nil
        dials.removeAll { $0 === dial }
    }

    func addStatus(to status: inout JSONObject) {
        var o = port.status
        o["padt_received"] = .int(Int64(port.counters.padtReceived))
        if let dial = dials.first(where: { $0.number == nil }) { o["client"] = .object(dial.json) }
        if isUpstream { o["dials"] = .array(dials.map { .object($0.json) }) }
        status["pppoe"] = .object(o)
    }
}
