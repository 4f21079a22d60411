// A pppoe port (RFC 2516): discovery on the 0x8863 socket drives the PPPoE
// package's machines (DiscoveryClient as the Host, AccessConcentrator as the
// AC); sessions run on the 0x8864 socket, demultiplexed by (peer MAC,
// SESSION_ID) to their Line, and every way a session ends sends a PADT
// (§5.5). Both sockets are read in batches (recvmmsg) into buffers kept for
// the life of the port; a session frame reaches its Session as a slice of
// that buffer, and frames out are written whole by the Session's encoder.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPP
import PPPoE

final class PPPoEState {
    struct Counters {
        var discoveryFramesIn = 0
        /// Discovery frames a full socket queue could not take.
        var discoverySendDropped = 0
        var sessionFramesIn = 0
        /// Session frames that do not parse (RFC 2516 §4, §6), or were truncated.
        var sessionMalformed = 0
        /// Session frames for a (MAC, SESSION_ID) we have no session for.
        var sessionUnknown = 0
        var padtSent = 0
        /// Client: PADTs from the AC that ended one of our sessions (§5.5).
        var padtReceived = 0
    }

    let discoveryFD: Int32
    let sessionFD: Int32
    let interface: PacketInterface
    let local: EthernetAddress
    var ac: AccessConcentrator?
    /// Client role: discoveries under way and the sessions they led to
    /// (PortLink+PPPoEClient): the port's one, or one per subscriber on an
    /// upstream port.
    var dials: [ClientDial] = []
    /// Session lines by PPPoEBinding.key; the AC also by SESSION_ID.
    var lines: [UInt64: Line] = [:]
    var idToKey: [UInt16: UInt64] = [:]
    /// The client's session from before a restart (fd store), for a PADT.
    var stale: (id: UInt16, peer: EthernetAddress)?
    var inbound: PacketBatch
    var outbound = PacketBatch(slotSize: 1536, capacity: 32)
    var sessionInbound: PacketBatch
    var counters = Counters()

    init(discoveryFD: Int32, sessionFD: Int32, interface: PacketInterface) {
        self.discoveryFD = discoveryFD
        self.sessionFD = sessionFD
        self.interface = interface
        local = EthernetAddress(rawValue: interface.address)
        // A slot holds any frame the interface carries (Ethernet header + MTU).
        let slot = max(1536, interface.mtu + 32)
        inbound = PacketBatch(slotSize: slot, capacity: 32)
        sessionInbound = PacketBatch(slotSize: slot, capacity: 32)
    }

    /// The largest PPP payload this interface carries (RFC 4638: MTU - 8).
    var interfacePayload: Int { interface.mtu - PPPoEHeader.pppoeLength - 2 }
}

extension PortLink {
    /// RFC 2516 §7: the PPP payload of a 1500-octet Ethernet frame.
    static let standardPayload = 1492

    // MARK: Start and stop

    func startPPPoE() {
        guard let d = port.descriptor, let sd = port.sessionDescriptor, let i = port.interface else {
            rt.log.warning("port \(settings.name): pppoe sockets missing; idle")
            return
        }
        let state = PPPoEState(discoveryFD: d.raw, sessionFD: sd.raw, interface: i)
        pppoe = state
        do {
            try rt.loop.watch(d.raw) { [unowned self] _ in self.discoveryReadable() }
            try rt.loop.watch(sd.raw) { [unowned self] _ in self.sessionReadable() }
        } catch {
            rt.log.warning("port \(settings.name): \(error)")
            return
        }
        let p = settings.pppoe
        rt.log.info("port \(settings.name): pppoe \(p.role.name) on \(i.name) (\(state.local), mtu \(i.mtu))")
        switch p.role {
        case .ac:
            state.ac = AccessConcentrator(configuration: acConfiguration(state))
            resumePPPoESessions(state)
        case .client:
            // A session that resumes is the one stale-padt would end.
            let resumed = resumePPPoESessions(state)
            if resumed == 0, p.stalePADT, let e = rt.restored.first(where: { $0.key == .pppoeSession }), e.record.count == 8 {
                let id = UInt16(e.record[0]) << 8 | UInt16(e.record[1])
                state.stale = (id, EthernetAddress(e.record, at: 2))
            }
            // An upstream port discovers when a subscriber needs a session.
            if bridging.role == .upstream {
                rt.log.info("port \(settings.name): upstream; a PPPoE session is dialled per bridged subscriber")
            } else if resumed == 0 {
                startDiscovery()
            }
        }
    }

    private func acConfiguration(_ state: PPPoEState) -> AccessConcentrator.Configuration {
        let p = settings.pppoe
        var c = AccessConcentrator.Configuration(
            localAddress: state.local, acName: Array((p.acName.isEmpty ? "ppprouter" : p.acName).utf8),
            key: SipHashKey(k0: Self.random64(), k1: Self.random64()))
        c.serviceNames = (p.serviceName.isEmpty ? [] : [Array(p.serviceName.utf8)]) + p.services.map { Array($0.utf8) }
        c.maxSessions = Int(p.maxSessions)
        c.perSourceLimit = RateLimit(rate: Double(p.padiLimit), burst: Double(p.padiBurst))
        c.totalLimit = RateLimit(rate: Double(p.padiTotal), burst: Double(p.padiTotal))
        // RFC 4638: grant above 1492 only what our MRU allows and the interface carries.
        c.maximumPayload = min(state.interfacePayload, max(Int(settings.mru), Self.standardPayload))
        // Ids differ across restarts, so a Host's stale id is not reused at once.
        c.firstSessionID = UInt16(truncatingIfNeeded: Self.random64() % 0xfffe) + 1
        return c
    }

    /// SIGTERM or pppinit gone: every live PPPoE session says goodbye to its
    /// peer (an LCP Terminate-Request, then the PADT of §5.5) before we exit.
    func shutdown() {
        guard let state = pppoe else { return }
        for line in Array(state.lines.values) {
            guard let s = line.session, s.phase != .dead else { continue }
            s.close(reason: "linkd stopping")
            pppoeLineEnded(line, reason: "linkd stopping")
        }
        for dial in state.dials { _ = stopDial(state, dial, "linkd stopping") }
        state.dials.removeAll()
    }

    // MARK: Discovery

    private func performAC(_ state: PPPoEState, _ actions: [AccessConcentrator.Action]) {
        for a in actions {
            switch a {
            case .send(let frame):
                if !state.outbound.enqueue(frame) {
                    flushDiscovery(state)
                    if !state.outbound.enqueue(frame) { state.counters.discoverySendDropped += 1 }
                }
            case .sessionOpened(let session):
                // The PADS goes out before the session's first LCP frame.
                flushDiscovery(state)
                let binding = PPPoEBinding(sessionID: session.id, peer: session.peer, local: state.local,
                                           maximumPayload: session.maximumPayload, serviceName: session.serviceName,
                                           acName: state.ac?.configuration.acName ?? [],
                                           relaySessionID: session.relaySessionID)
                openSession(state, binding).start()
            case .sessionClosed(let id, let reason):
                if let key = state.idToKey[id], let s = state.lines[key]?.session, s.phase != .dead {
                    s.lowerDown(reason: reason)
                }
            }
        }
    }

    /// One PPPoE session: a Line on the session socket and a Session on it
    /// (numbered `number` when a dial promised that id).
    @discardableResult
    func openSession(_ state: PPPoEState, _ binding: PPPoEBinding, number: Int? = nil) -> Session {
        let line = Line(shared: state.sessionFD, peer: "\(binding.peer)", pppoe: binding)
        // A session of an earlier PADR under the same key ends first.
        if let old = state.lines[binding.key]?.session, old.phase != .dead { old.lowerDown(reason: "replaced by a new PPPoE session") }
        state.lines[binding.key] = line
        state.idToKey[binding.sessionID] = binding.key
        let s = makeSession(on: line, resuming: number)
        rt.log.info("session \(s.id): PPPoE session \(binding.sessionID) with \(binding.peer) (max payload \(binding.maximumPayload))")
        return s
    }

    /// The session on `line` is over: forget it and send the PADT, unless the
    /// peer's PADT ended it (the machine has forgotten it then).
    func pppoeLineEnded(_ line: Line, reason: String) {
        guard let state = pppoe, let binding = line.pppoe, state.lines[binding.key] === line else { return }
        state.lines[binding.key] = nil
        state.idToKey[binding.sessionID] = nil
        switch settings.pppoe.role {
        case .ac:
            guard var ac = state.ac else { return }
            state.ac = nil  // unique while it mutates: its tables are not copied
            let actions = ac.terminate(sessionID: binding.sessionID, reason: reason)
            state.ac = ac
            for case .send(let f) in actions {
                sendDiscovery(state, f)
                state.counters.padtSent += 1
            }
        case .client:
            clientLineEnded(state, line, reason: reason)
        }
        flushDiscovery(state)
    }

    func sendDiscovery(_ state: PPPoEState, _ frame: [UInt8]) {
        if !state.outbound.enqueue(frame) {
            flushDiscovery(state)
            if !state.outbound.enqueue(frame) { state.counters.discoverySendDropped += 1 }
        }
        flushDiscovery(state)
    }

    /// sendmmsg of what is queued; what the socket will not take now is
    /// dropped and counted (discovery retransmits, RFC 2516 §8).
    func flushDiscovery(_ state: PPPoEState) {
        while state.outbound.count > 0 {
            let sent = (try? state.outbound.flush(to: state.discoveryFD)) ?? 0
            if sent == 0 {
                state.counters.discoverySendDropped += state.outbound.count
                state.outbound.removeAll()
            }
        }
    }

    // MARK: Reading

    private func discoveryReadable() {
        guard let state = pppoe else { return }
        // Bounded per wake-up, so a PADI flood cannot starve the sessions.
        for _ in 0..<8 {
            let n = (try? state.inbound.receive(from: state.discoveryFD)) ?? 0
            guard n > 0 else { break }
            let now = Instant.now().nanoseconds
            for i in 0..<n {
                state.counters.discoveryFramesIn += 1
                let frame = state.inbound.frame(i)
                if var ac = state.ac {
                    // Move the machine out while it runs so its tables are not copied.
                    state.ac = nil
                    let actions = ac.receive(frame, now: now)
                    state.ac = ac
                    performAC(state, actions)
                } else {
                    clientReceive(state, frame)
                }
            }
            flushDiscovery(state)
            if n < state.inbound.capacity { break }
        }
    }

    private func sessionReadable() {
        guard let state = pppoe else { return }
        // The AC's first LCP frame may be read before its PADS when both
        // wait: take the PADS first, so the session exists for that frame.
        if state.dials.contains(where: { if case .requesting = $0.machine.state { true } else { false } }) {
            discoveryReadable()
        }
        for _ in 0..<8 {
            let n = (try? state.sessionInbound.receive(from: state.sessionFD)) ?? 0
            guard n > 0 else { break }
            for i in 0..<n {
                state.counters.sessionFramesIn += 1
                sessionFrame(state, state.sessionInbound.frame(i))
            }
            if n < state.sessionInbound.capacity { break }
        }
    }

    /// RFC 2516 §6: a session frame to our MAC goes to the session of
    /// (source MAC, SESSION_ID); anything else is counted and dropped.
    private func sessionFrame(_ state: PPPoEState, _ frame: ArraySlice<UInt8>) {
        guard let (header, payload) = Self.parseSession(frame) else {
            state.counters.sessionMalformed += 1
            return
        }
        guard header.destination == state.local else { return }  // another station's, or our own going out
        guard let line = state.lines[PPPoEBinding.key(peer: header.source, sessionID: header.sessionID)],
              let s = line.session, s.phase != .dead else {
            state.counters.sessionUnknown += 1
            return
        }
        s.receive(frame[payload])
    }

    private static func parseSession(_ frame: ArraySlice<UInt8>) -> (PPPoEHeader, Range<Int>)? {
        do { return try SessionFrame.parse(frame) } catch { return nil }
    }

    // MARK: Status

    var pppoeStatus: JSONObject {
        guard let state = pppoe else { return [:] }
        let c = state.counters
        var o: JSONObject = [
            "role": .string(settings.pppoe.role.name), "interface": .string(state.interface.name),
            "mac": .string("\(state.local)"), "mtu": .int(Int64(state.interface.mtu)),
            "sessions": .int(Int64(state.lines.count)),
            "discovery_frames_in": .int(Int64(c.discoveryFramesIn)),
            "discovery_send_dropped": .int(Int64(c.discoverySendDropped)),
            "session_frames_in": .int(Int64(c.sessionFramesIn)), "session_malformed": .int(Int64(c.sessionMalformed)),
            "session_unknown": .int(Int64(c.sessionUnknown)), "padt_sent": .int(Int64(c.padtSent)),
        ]
        if let ac = state.ac {
            let a = ac.counters
            o["ac"] = .object([
                "sessions": .int(Int64(ac.sessionCount)), "max_sessions": .int(Int64(ac.configuration.maxSessions)),
                "tracked_sources": .int(Int64(ac.trackedSources)), "rate_table_size": .int(Int64(ac.rateTableSize)),
                "padi_received": .int(Int64(a.padiReceived)), "pado_sent": .int(Int64(a.padoSent)),
                "padi_source_limited": .int(Int64(a.padiSourceLimited)),
                "padi_total_limited": .int(Int64(a.padiTotalLimited)), "padi_refused": .int(Int64(a.padiRefused)),
                "padr_received": .int(Int64(a.padrReceived)), "padr_bad_cookie": .int(Int64(a.padrBadCookie)),
                "padr_repeated": .int(Int64(a.padrRepeated)), "pads_sent": .int(Int64(a.padsSent)),
                "pads_errors": .int(Int64(a.padsErrors)), "padt_received": .int(Int64(a.padtReceived)),
                "padt_sent": .int(Int64(a.padtSent)), "malformed": .int(Int64(a.malformed)),
                "ignored": .int(Int64(a.ignored)),
            ])
        }
        if settings.pppoe.role == .client {
            o["padt_received"] = .int(Int64(c.padtReceived))
            if let dial = state.dials.first(where: { $0.number == nil }) { o["client"] = .object(dial.json) }
            if bridging.role == .upstream { o["dials"] = .array(state.dials.map { .object($0.json) }) }
        }
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

    static func random64() -> UInt64 { Session.randomSeed() }
}
