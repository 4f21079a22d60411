// Incoming calls inside a tunnel (RFC 2661 §7.4): the LAC places a call
// (ICRQ, ICCN with proxy LCP and authentication, §4.4.5), the LNS answers
// (ICRP); either side clears it with a CDN (§6.12). WEN and SLI are
// reported; outgoing calls (§7.5) are refused.

extension Tunnel {
    /// §7.4.1 idle, Ready to indicate incoming connection. Opens the tunnel
    /// if needed; the ICRQ goes when it is up. Returns the new session's id,
    /// or nil when this end is no LAC, the tunnel is closing or full.
    public mutating func placeCall(_ call: IncomingCall, now: UInt64) -> (localID: UInt16?, actions: [Action]) {
        guard configuration.role == .lac, sessions.count < configuration.maximumSessions, !inStopping else { return (nil, []) }
        var call = call.fitted
        if call.serialNumber == 0 {
            call.serialNumber = nextCallSerial
            nextCallSerial &+= 1
        }
        let id = allocateSessionID()
        sessions[id] = Session(localID: id, peerID: 0, state: .waitTunnel, call: call,
                               sequencing: configuration.requireSequencing, sequencingRequired: configuration.requireSequencing)
        var actions: [Action] = []
        switch state {
        case .established: actions += sendICRQ(id, now: now)
        case .idle: actions += open(now: now)
        default: break
        }
        return (id, actions)
    }

    /// §7.4.1/§7.4.2 Local close request: CDN to the peer (none while the
    /// tunnel is still coming up), then the session is gone.
    public mutating func disconnect(_ localID: UInt16, _ result: ResultCode, now: UInt64) -> [Action] {
        guard sessions[localID] != nil else { return [] }
        return clearSession(localID, result, now: now, byPeer: false)
    }

    func sessionFor(_ headerSessionID: UInt16, _ m: ControlMessage) -> UInt16? {
        if headerSessionID != 0 { return sessions[headerSessionID] != nil ? headerSessionID : nil }
        // Before our id reached the peer it can only name the call by its own id.
        guard let peer = m.assignedSessionID, peer != 0 else { return nil }
        return sessions.values.first { $0.peerID == peer }?.localID
    }

    mutating func sendICRQ(_ id: UInt16, now: UInt64) -> [Action] {
        guard var session = sessions[id] else { return [] }
        var m = ControlMessage(.icrq)
        m.assignedSessionID = id
        m.callSerialNumber = session.call.serialNumber
        m.bearerType = session.call.bearerType
        m.physicalChannelID = session.call.physicalChannelID
        m.callingNumber = session.call.callingNumber
        m.calledNumber = session.call.calledNumber
        m.subAddress = session.call.subAddress
        session.state = .waitReply
        sessions[id] = session
        return send(m, sessionID: 0, now: now)
    }

    /// CDN for one of ours (§6.12: Assigned Session ID is ours, the header names the peer's).
    mutating func clearSession(_ id: UInt16, _ result: ResultCode, now: UInt64, byPeer: Bool = false) -> [Action] {
        guard let session = sessions.removeValue(forKey: id) else { return [] }
        endedCounters[id] = session.dataCounters
        var actions: [Action] = []
        if session.state != .waitTunnel {
            var m = ControlMessage(.cdn)
            m.result = result
            m.assignedSessionID = id
            actions += send(m, sessionID: session.peerID, now: now)
        }
        actions.append(.sessionClosed(localID: id, result, byPeer: byPeer))
        return actions
    }

    /// CDN for a call we never took (§7.4.2 idle, ICRQ not acceptable): no
    /// id of ours exists, so the Assigned Session ID is 0 (§6.12).
    mutating func refuseCall(peer: UInt16, _ result: ResultCode, now: UInt64) -> [Action] {
        var m = ControlMessage(.cdn)
        m.result = result
        m.assignedSessionID = 0
        return send(m, sessionID: peer, now: now)
    }

    mutating func sessionMessage(_ m: ControlMessage, headerSessionID: UInt16, now: UInt64) -> [Action] {
        guard state == .established else {
            // A call before SCCCN, or while stopping: no control connection yet (§4.4.2 error 1).
            if m.type == .icrq, let peer = m.assignedSessionID, !inStopping {
                return refuseCall(peer: peer, ResultCode(ResultCode.seeErrorCode, error: ResultCode.noControlConnection), now: now)
            }
            counters.ignored += 1
            return []
        }
        let id = sessionFor(headerSessionID, m)
        let session = id.flatMap { sessions[$0] }
        let fsmError = ResultCode(ResultCode.seeErrorCode, error: ResultCode.invalidSessionID, message: "\(m.type) out of turn")
        switch m.type {
        case .icrq:
            guard configuration.role == .lns else {
                return refuseCall(peer: m.assignedSessionID ?? 0, ResultCode(ResultCode.permanentFacilities, error: 0, message: "this end is a LAC"), now: now)
            }
            if let id { return clearSession(id, fsmError, now: now) }  // §7.4.2: ICRQ for a live call
            return answerICRQ(m, now: now)
        case .icrp:
            guard let id, var session, session.state == .waitReply else {
                if let id { return clearSession(id, fsmError, now: now) }
                // §7.4.2 idle, Receive ICRP: Send CDN.
                return refuseCall(peer: m.assignedSessionID ?? 0, fsmError, now: now)
            }
            session.peerID = m.assignedSessionID ?? 0
            session.state = .established
            sessions[id] = session
            var iccn = ControlMessage(.iccn)
            iccn.txConnectSpeed = session.call.txConnectSpeed
            iccn.rxConnectSpeed = session.call.rxConnectSpeed
            iccn.framingType = session.call.framingType
            iccn.privateGroupID = session.call.privateGroupID
            iccn.proxy = session.call.proxy
            iccn.sequencingRequired = session.sequencingRequired
            var actions = send(iccn, sessionID: session.peerID, now: now)
            actions.append(.sessionEstablished(session))
            return actions
        case .iccn:
            guard let id, var session, session.state == .waitConnect else {
                if let id { return clearSession(id, fsmError, now: now) }
                counters.ignored += 1  // §7.4.2 idle, Receive ICCN: clean up.
                return []
            }
            session.state = .established
            session.call.txConnectSpeed = m.txConnectSpeed ?? 0
            session.call.rxConnectSpeed = m.rxConnectSpeed
            session.call.framingType = m.framingType ?? 0
            session.call.privateGroupID = m.privateGroupID
            session.call.proxy = m.proxy
            // §5.4: Sequencing Required keeps Ns on for the life of the session.
            session.sequencingRequired = m.sequencingRequired
            session.sequencing = m.sequencingRequired || configuration.sequenceData
            sessions[id] = session
            return [.sessionEstablished(session)]
        case .cdn:
            guard let id else {
                counters.ignored += 1
                return []
            }
            endedCounters[id] = sessions.removeValue(forKey: id)?.dataCounters
            return [.sessionClosed(localID: id, m.result ?? ResultCode(ResultCode.lostCarrier), byPeer: true)]
        case .wen:
            guard let id, configuration.role == .lns, let errors = m.callErrors else {
                counters.ignored += 1
                return []
            }
            return [.sessionWANError(localID: id, errors)]
        case .sli:
            guard let id, configuration.role == .lac, let accm = m.accm else {
                counters.ignored += 1
                return []
            }
            return [.sessionLinkInfo(localID: id, accm)]
        case .ocrq:
            // §7.5 outgoing calls: parsed, not offered; refused as a permanent lack of facilities.
            return refuseCall(peer: m.assignedSessionID ?? 0,
                              ResultCode(ResultCode.permanentFacilities, error: 0, message: "outgoing calls not supported"), now: now)
        default:
            counters.ignored += 1
            return []
        }
    }

    /// §7.4.2 idle, Receive ICRQ: acceptable while there is room.
    private mutating func answerICRQ(_ m: ControlMessage, now: UInt64) -> [Action] {
        let peer = m.assignedSessionID ?? 0
        guard sessions.count < configuration.maximumSessions else {
            return refuseCall(peer: peer, ResultCode(ResultCode.temporaryFacilities), now: now)
        }
        var call = IncomingCall()
        call.serialNumber = m.callSerialNumber ?? 0
        call.bearerType = m.bearerType
        call.physicalChannelID = m.physicalChannelID
        call.callingNumber = m.callingNumber
        call.calledNumber = m.calledNumber
        call.subAddress = m.subAddress
        let id = allocateSessionID()
        sessions[id] = Session(localID: id, peerID: peer, state: .waitConnect, call: call,
                               sequencing: configuration.sequenceData, sequencingRequired: false)
        var reply = ControlMessage(.icrp)
        reply.assignedSessionID = id
        return send(reply, sessionID: peer, now: now)
    }

    /// A non-zero id not in use, from a random start (ids differ across restarts).
    mutating func allocateSessionID() -> UInt16 {
        precondition(sessions.count < Int(UInt16.max), "session ids exhausted")
        while nextSessionID == 0 || sessions[nextSessionID] != nil { nextSessionID &+= 1 }
        let id = nextSessionID
        nextSessionID &+= 1
        return id
    }
}
