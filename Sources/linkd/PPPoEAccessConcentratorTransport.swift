// A pppoe port as access concentrator (RFC 2516 §5): the PPPoE package's
// AccessConcentrator answers discovery, and each PADS opens a session on the
// port's session socket. Subscribers call in, so persist/holdoff do not
// apply; every way a session ends sends a PADT (§5.5). After a restart the
// machine adopts the deposited sessions again, so an id is not handed out
// twice and the peer's PADT is still answered.
import IPC
import PPPoE

final class PPPoEAccessConcentratorTransport: Transport {
    let port: PPPoEPort
    private var ac: AccessConcentrator
    /// The tags of the discovery frame being answered (issue 13): what the
    /// machine sends in answer goes out with them, a session opens on them.
    private var requestTags = VLANTags.untagged

    init(port: PPPoEPort) {
        self.port = port
        ac = AccessConcentrator(configuration: Self.configuration(port))
    }

    private var host: PortSessions { port.host }

    private static func configuration(_ port: PPPoEPort) -> AccessConcentrator.Configuration {
        let settings = port.settings
        let p = settings.pppoe
        var c = AccessConcentrator.Configuration(
            localAddress: port.local, acName: Array((p.acName.isEmpty ? "ppprouter" : p.acName).utf8),
            key: SipHashKey(k0: PPPoEPort.random64(), k1: PPPoEPort.random64()))
        c.serviceNames = (p.serviceName.isEmpty ? [] : [Array(p.serviceName.utf8)]) + p.services.map { Array($0.utf8) }
        c.maxSessions = Int(p.maxSessions)
        c.perSourceLimit = RateLimit(rate: Double(p.padiLimit), burst: Double(p.padiBurst))
        c.totalLimit = RateLimit(rate: Double(p.padiTotal), burst: Double(p.padiTotal))
        // RFC 4638: grant above 1492 only what our MRU allows and the interface carries.
        c.maximumPayload = min(port.interfacePayload, max(Int(settings.mru), PPPoEPort.standardPayload))
        // Ids differ across restarts, so a Host's stale id is not reused at once.
        c.firstSessionID = UInt16(truncatingIfNeeded: PPPoEPort.random64() % 0xfffe) + 1
        return c
    }

    func start() {
        port.discoveryHandler = { [unowned self] frame, now, tags in self.discovery(frame, now: now, tags: tags) }
        guard port.watch(discovery: { [unowned self] in self.discoveryReadable() },
                         sessions: { [unowned self] in self.port.readSessions() }) else { return }
        port.resumeSessions(adopt: { [unowned self] b, _ in
            // A session on a VLAN this port no longer serves is not resumed.
            guard self.port.serves(b.vlan) else { return false }
            return self.ac.adopt(sessionID: b.sessionID, peer: b.peer, serviceName: b.serviceName,
                          relaySessionID: b.relaySessionID, maximumPayload: b.maximumPayload)
        })
    }

    func startSession() {}
    var isServing: Bool { true }
    var holdoff: Double { Double(max(host.settings.holdoff, 1)) }

    func dial(for subscriber: String) throws(MethodError) -> String {
        throw MethodError(.unavailable, "port \(host.settings.name): not a pppoe client port with its sockets")
    }

    /// The session on `circuit` is over: the machine forgets it and sends
    /// the PADT, unless the peer's PADT ended it (forgotten already).
    func sessionEnded(_ session: Session, on circuit: Circuit) { ended(circuit, reason: session.reason ?? "ended") }

    private func ended(_ circuit: Circuit, reason: String) {
        guard let binding = circuit.pppoe, port.remove(circuit) else { return }
        let actions = ac.terminate(sessionID: binding.sessionID, reason: reason)
        for case .send(let f) in actions {
            port.sendDiscovery(f, vlan: binding.vlan)
            port.counters.padtSent += 1
        }
        port.flushDiscovery()
    }

    /// SIGTERM or pppinit gone: every live session says goodbye to its peer.
    func shutdown() {
        port.closeAll { [unowned self] circuit in self.ended(circuit, reason: "linkd stopping") }
    }

    private func discoveryReadable() {
        port.readDiscovery { [unowned self] frame, now, tags in self.discovery(frame, now: now, tags: tags) }
    }

    private func discovery(_ frame: ArraySlice<UInt8>, now: UInt64, tags: VLANTags) {
        // A PADT ends a session only from the VLAN the session is on.
        if frame.count >= PPPoEHeader.length, frame[frame.startIndex + 15] == DiscoveryCode.padt.rawValue {
            let id = UInt16(frame[frame.startIndex + 16]) << 8 | UInt16(frame[frame.startIndex + 17])
            if let circuit = port.session(id: id)?.circuit, circuit.vlan != tags {
                port.counters.vlanMismatch += 1
                return
            }
        }
        requestTags = tags
        perform(ac.receive(frame, now: now, linkPayload: port.payload(for: tags)))
        requestTags = .untagged
    }

    private func perform(_ actions: [AccessConcentrator.Action]) {
        for a in actions {
            switch a {
            case .send(let frame):
                port.enqueueDiscovery(frame, vlan: requestTags)
            case .sessionOpened(let session):
                // The PADS goes out before the session's first LCP frame.
                port.flushDiscovery()
                let binding = PPPoEBinding(sessionID: session.id, peer: session.peer, local: port.local,
                                           maximumPayload: session.maximumPayload, serviceName: session.serviceName,
                                           acName: ac.configuration.acName, relaySessionID: session.relaySessionID,
                                           vlan: requestTags)
                port.openSession(binding).start()
            case .sessionClosed(let id, let reason):
                port.session(id: id)?.lowerDown(reason: reason)
            }
        }
    }

    func addStatus(to status: inout JSONObject) {
        var o = port.status
        let a = ac.counters
        o["ac"] = .object([
            "sessions": .int(Int64(ac.sessionCount)), "max_sessions": .int(Int64(ac.configuration.maxSessions)),
            "tracked_sources": .int(Int64(ac.trackedSources)), "rate_table_size": .int(Int64(ac.rateTableSize)),
            "padi_received": .int(Int64(a.padiReceived)), "pado_sent": .int(Int64(a.padoSent)),
            "padi_source_limited": .int(Int64(a.padiSourceLimited)),
            "padi_total_limited": .int(Int64(a.padiTotalLimited)), "padi_refused": .int(Int64(a.padiRefused)),
            "padi_at_capacity": .int(Int64(a.padiAtCapacity)),
            "padr_received": .int(Int64(a.padrReceived)), "padr_bad_cookie": .int(Int64(a.padrBadCookie)),
            "padr_repeated": .int(Int64(a.padrRepeated)), "pads_sent": .int(Int64(a.padsSent)),
            "pads_errors": .int(Int64(a.padsErrors)), "padt_received": .int(Int64(a.padtReceived)),
            "padt_sent": .int(Int64(a.padtSent)), "malformed": .int(Int64(a.malformed)),
            "ignored": .int(Int64(a.ignored)),
        ])
        status["pppoe"] = .object(o)
    }
}
