// The access concentrator's transitions: PADI → PADO with a cookie, PADR with
// a valid cookie → PADS and a session, PADT either way (RFC 2516 §5.1-§5.5),
// with Host-Uniq and Relay-Session-Id echoed (Appendix A) and RFC 4638's
// PPP-Max-Payload granted when the interface allows.

extension AccessConcentrator {
    /// One frame from the 0x8863 socket at monotonic time `now` (nanoseconds).
    /// `linkPayload`: the largest PPP payload the frame's link carries with
    /// the frame's VLAN tags (`VLANTags.maximumPayload(linkMTU:)`); a session
    /// opened by this frame is held to it, and so is any RFC 4638 grant.
    public mutating func receive(_ frame: ArraySlice<UInt8>, now: UInt64, linkPayload: Int = .max) -> [Action] {
        let packet: DiscoveryPacket
        do {
            packet = try DiscoveryPacket(parsing: frame)
        } catch {
            counters.malformed += 1
            return []
        }
        switch packet.code {
        case .padi where packet.destination == configuration.localAddress || packet.destination.isBroadcast:
            return receivePADI(packet, now: now, linkPayload: linkPayload)
        case .padr where packet.destination == configuration.localAddress:
            return receivePADR(packet, now: now, linkPayload: linkPayload)
        case .padt where packet.destination == configuration.localAddress:
            return receivePADT(packet)
        default:
            // PADO/PADS from another AC, or a frame for another station.
            counters.ignored += 1
            return []
        }
    }

    public mutating func receive(_ frame: [UInt8], now: UInt64, linkPayload: Int = .max) -> [Action] {
        receive(frame[...], now: now, linkPayload: linkPayload)
    }

    /// Ends a session from our side (LCP down, operator kill, shutdown): one
    /// PADT (§5.5). Unknown ids return nothing.
    public mutating func terminate(sessionID: UInt16, reason: String) -> [Action] {
        guard let session = remove(sessionID) else { return [] }
        var tags = [Tag(.genericError, reason)]
        if let relay = session.relaySessionID { tags.append(Tag(.relaySessionID, relay)) }
        let padt = DiscoveryPacket(destination: session.peer, source: configuration.localAddress,
                                   code: .padt, sessionID: sessionID, tags: tags)
        guard let frame = try? padt.encoded(maximumPayload: maxDiscoveryPayload) else { return [] }
        counters.padtSent += 1
        return [.send(frame)]
    }

    // MARK: - PADI

    private mutating func receivePADI(_ padi: DiscoveryPacket, now: UInt64, linkPayload: Int) -> [Action] {
        counters.padiReceived += 1
        switch limiter.admit(padi.source, now: now) {
        case .allowed: break
        case .sourceLimited:
            counters.padiSourceLimited += 1
            return []
        case .totalLimited:
            counters.padiTotalLimited += 1
            return []
        }
        let requested = padi.serviceName ?? []
        // §5.2: "If the Access Concentrator can not serve the PADI it MUST NOT respond with a PADO."
        guard serves(requested), sessions.count < configuration.maxSessions else {
            counters.padiRefused += 1
            if sessions.count >= configuration.maxSessions { counters.padiAtCapacity += 1 }
            return []
        }
        var tags = [Tag(.acName, configuration.acName), Tag(.serviceName, requested)]
        for name in configuration.serviceNames where name != requested { tags.append(Tag(.serviceName, name)) }
        tags.append(Tag(.acCookie, cookies.make(host: padi.source, serviceName: requested, now: now)))
        tags += echoedTags(padi, linkPayload: linkPayload)
        let pado = DiscoveryPacket(destination: padi.source, source: configuration.localAddress, code: .pado, tags: tags)
        guard let frame = try? pado.encoded(maximumPayload: maxDiscoveryPayload) else {
            counters.padiRefused += 1
            return []
        }
        counters.padoSent += 1
        return [.send(frame)]
    }

    private func serves(_ name: [UInt8]) -> Bool {
        name.isEmpty || configuration.serviceNames.isEmpty || configuration.serviceNames.contains(name)
    }

    /// Host-Uniq and Relay-Session-Id go back unmodified (Appendix A); a
    /// PPP-Max-Payload request is answered when we can exceed 1492 (RFC 4638 §4).
    private func echoedTags(_ request: DiscoveryPacket, linkPayload: Int) -> [Tag] {
        var tags: [Tag] = []
        if let uniq = request.hostUniq { tags.append(Tag(.hostUniq, uniq)) }
        if let relay = request.relaySessionID { tags.append(Tag(.relaySessionID, relay)) }
        if let granted = grantedMaxPayload(request, linkPayload: linkPayload) { tags.append(.pppMaxPayload(UInt16(granted))) }
        return tags
    }

    /// RFC 4638 §4. We grant the smaller of the request and what the
    /// interface carries (with the request's VLAN tags), and stay silent
    /// when that is not above 1492, so a Host never learns a value it must
    /// not use.
    private func grantedMaxPayload(_ request: DiscoveryPacket, linkPayload: Int) -> Int? {
        guard let asked = request.pppMaxPayload else { return nil }
        let granted = min(Int(asked), configuration.maximumPayload, linkPayload)
        return granted > DiscoveryClient.standardMaximumPayload ? granted : nil
    }

    /// Our discovery packets fit the interface like any frame.
    private var maxDiscoveryPayload: Int {
        max(PPPoEHeader.standardMaximumPayload, configuration.maximumPayload + 2)
    }

    // MARK: - PADR

    private mutating func receivePADR(_ padr: DiscoveryPacket, now: UInt64, linkPayload: Int) -> [Action] {
        counters.padrReceived += 1
        let service = padr.serviceName ?? []
        // §9: the cookie proves the PADI's source is reachable at that MAC; a
        // PADR without a valid one gets no answer (and so no reflection).
        guard let cookie = padr.acCookie,
              cookies.verify(cookie, host: padr.source, serviceName: service, now: now) else {
            counters.padrBadCookie += 1
            return []
        }
        if let repeated = repeatedSession(padr, cookie: cookie, now: now) {
            counters.padrRepeated += 1
            return sendPADS(to: padr, sessionID: repeated.id, tags: [Tag(.serviceName, repeated.serviceName)],
                            linkPayload: linkPayload)
        }
        // §5.4: a service we do not like gets Service-Name-Error and SESSION_ID 0.
        guard serves(service) else {
            counters.padsErrors += 1
            return sendPADS(to: padr, sessionID: 0, tags: [Tag(.serviceNameError, "service not offered")],
                            linkPayload: linkPayload)
        }
        guard sessions.count < configuration.maxSessions, let id = allocateSessionID() else {
            counters.padsErrors += 1
            return sendPADS(to: padr, sessionID: 0, tags: [Tag(.acSystemError, "session limit reached")],
                            linkPayload: linkPayload)
        }
        let session = Session(id: id, peer: padr.source, serviceName: service, hostUniq: padr.hostUniq,
                              relaySessionID: padr.relaySessionID,
                              maximumPayload: grantedMaxPayload(padr, linkPayload: linkPayload)
                                  ?? min(DiscoveryClient.standardMaximumPayload, linkPayload),
                              cookie: cookie, opened: now)
        sessions[id] = session
        byPeer[session.peer, default: []].append(id)
        return sendPADS(to: padr, sessionID: id, tags: [Tag(.serviceName, service)], linkPayload: linkPayload)
            + [.sessionOpened(session)]
    }

    /// The same Host repeating the same PADR (same cookie and Host-Uniq)
    /// shortly after: its PADS was lost, so it gets that PADS again.
    private func repeatedSession(_ padr: DiscoveryPacket, cookie: [UInt8], now: UInt64) -> Session? {
        let window = UInt64(configuration.repeatWindow * 1e9)
        for id in byPeer[padr.source] ?? [] {
            if let s = sessions[id], s.cookie == cookie, s.hostUniq == padr.hostUniq, now &- s.opened <= window {
                return s
            }
        }
        return nil
    }

    private mutating func sendPADS(to padr: DiscoveryPacket, sessionID: UInt16, tags: [Tag], linkPayload: Int) -> [Action] {
        let pads = DiscoveryPacket(destination: padr.source, source: configuration.localAddress, code: .pads,
                                   sessionID: sessionID,
                                   tags: [Tag(.acName, configuration.acName)] + tags + echoedTags(padr, linkPayload: linkPayload))
        guard let frame = try? pads.encoded(maximumPayload: maxDiscoveryPayload) else { return [] }
        counters.padsSent += 1
        return [.send(frame)]
    }

    /// §5.4: "a unique SESSION_ID": the next free id after the last one given,
    /// skipping 0 and the reserved 0xffff, so a closed id is reused last.
    private mutating func allocateSessionID() -> UInt16? {
        for _ in 0..<65534 {
            let id = nextSessionID
            nextSessionID = nextSessionID >= 0xfffe ? 1 : nextSessionID + 1
            if id != 0 && id != PPPoEHeader.reservedSessionID && sessions[id] == nil { return id }
        }
        return nil
    }

    // MARK: - PADT

    private mutating func receivePADT(_ padt: DiscoveryPacket) -> [Action] {
        counters.padtReceived += 1
        // The session is identified by SESSION_ID and the Host's address (§4).
        guard let s = sessions[padt.sessionID], s.peer == padt.source else {
            counters.ignored += 1
            return []
        }
        remove(padt.sessionID)
        let detail = padt.error.map { " (\($0))" } ?? ""
        return [.sessionClosed(id: padt.sessionID, reason: "PADT from the host" + detail)]
    }

    @discardableResult
    private mutating func remove(_ id: UInt16) -> Session? {
        guard let s = sessions.removeValue(forKey: id) else { return nil }
        byPeer[s.peer]?.removeAll { $0 == id }
        if byPeer[s.peer]?.isEmpty == true { byPeer[s.peer] = nil }
        return s
    }
}
