// A control datagram from the peer: through the reliable transport (§5.8),
// then each message delivered in order through the control connection
// table of §7.2.1, or to its session (Tunnel+Sessions.swift).

extension Tunnel {
    /// A datagram whose header says control (T set) for this tunnel.
    public mutating func receiveControl(_ datagram: ArraySlice<UInt8>, now: UInt64) -> [Action] {
        if case .closed = state { return [] }
        let header: L2TPHeader
        do {
            header = try L2TPHeader(parsing: datagram)
        } catch {
            counters.malformed += 1
            return []
        }
        guard header.isControl else { return [] }
        lastHeard = now
        let body = datagram[(datagram.startIndex + header.payloadOffset)...]
        let receipt = transport.receive(header, body: body, now: now)
        var actions = receipt.send.map(Action.send)
        for message in receipt.delivered {
            counters.controlReceived += 1
            actions += deliver(message, now: now)
            if case .closed = state { break }
        }
        return actions
    }

    public mutating func receiveControl(_ datagram: [UInt8], now: UInt64) -> [Action] {
        receiveControl(datagram[...], now: now)
    }

    private mutating func deliver(_ delivered: ReliableDelivery.Outgoing, now: UInt64) -> [Action] {
        let message: ControlMessage
        do {
            message = try ControlMessage(decoding: delivered.body[...], secret: configuration.secret)
        } catch {
            // In sequence and acked, but unreadable: what it belonged to cannot
            // go on (a session's message ends the session, any other the tunnel).
            counters.malformed += 1
            let result = ResultCode(ResultCode.generalError, error: ResultCode.valueOutOfRange, message: "malformed control message: \(error)")
            if delivered.sessionID != 0, sessions[delivered.sessionID] != nil {
                return clearSession(delivered.sessionID, result, now: now)
            }
            return inStopping ? [] : stop(result, now: now)
        }
        guard message.type.isKnown else {
            // §4.4.1: an unknown type with M set clears the tunnel; without, it is ignored.
            guard message.typeMandatory else {
                counters.ignored += 1
                return []
            }
            return inStopping ? [] : stop(ResultCode(ResultCode.generalError, error: ResultCode.valueOutOfRange,
                                                    message: "unknown message type \(message.type.rawValue)"), now: now)
        }
        if !message.unrecognizedMandatory.isEmpty {
            // §4.1: an unknown AVP with M set ends the session or the whole tunnel.
            counters.unknownMandatory += 1
            let result = ResultCode(ResultCode.generalError, error: ResultCode.unknownMandatoryAVP,
                                    message: "unknown mandatory AVP " + message.unrecognizedMandatory.joined(separator: ","))
            if !message.type.concernsTunnel {
                if let id = sessionFor(delivered.sessionID, message) { return clearSession(id, result, now: now) }
                if message.type == .icrq, let peer = message.assignedSessionID { return refuseCall(peer: peer, result, now: now) }
                counters.ignored += 1
                return []
            }
            return inStopping ? [] : stop(result, now: now)
        }
        if message.type.concernsTunnel { return controlConnection(message, now: now) }
        return sessionMessage(message, headerSessionID: delivered.sessionID, now: now)
    }

    var inStopping: Bool {
        switch state {
        case .stopping, .closed: true
        default: false
        }
    }

    /// §7.2.1, one case per row of the table.
    private mutating func controlConnection(_ m: ControlMessage, now: UInt64) -> [Action] {
        switch (state, m.type) {
        case (_, .hello):
            return []  // §6.5: only the transport's ack, already given.
        case (.stopping, _), (.closed, _):
            // §5.7: keep acking StopCCN retransmissions; anything else is late.
            counters.ignored += 1
            return []
        case (_, .stopCCN):
            // §7.2.1: clean up, from any state; §5.7: ack it (the transport does) and hold.
            var actions = teardown(m.result ?? ResultCode(ResultCode.generalClear), byPeer: true)
            actions.append(.send(transport.zlb()))
            state = .stopping(until: now + configuration.reliable.fullCycle)
            return actions
        case (.idle, .sccrq) where origin == .responder:
            return acceptSCCRQ(m, now: now)
        case (.waitCtlReply, .sccrp):
            return acceptSCCRP(m, now: now)
        case (.waitCtlConn, .scccn):
            return acceptSCCCN(m, now: now)
        default:
            // §7.2.1: SCCRQ, SCCRP or SCCCN out of turn: StopCCN, clean up.
            if m.type == .sccrq, let peer = m.assignedTunnelID, transport.peerTunnelID == 0 { transport.peerTunnelID = peer }
            return stop(ResultCode(ResultCode.fsmError, message: "\(m.type) in state \(state)"), now: now)
        }
    }

    private mutating func acceptSCCRQ(_ m: ControlMessage, now: UInt64) -> [Action] {
        guard adoptPeer(m) else { return refuseVersion(now: now) }
        var reply = ControlMessage(.sccrp)
        fillStart(&reply)
        guard answerChallenge(of: m, in: &reply) else { return refuseAuthentication("challenged without a shared secret", now: now) }
        challengeIfSecret(&reply)
        state = .waitCtlConn
        return send(reply, sessionID: 0, now: now)
    }

    private mutating func acceptSCCRP(_ m: ControlMessage, now: UInt64) -> [Action] {
        // §7.2 wait-ctl-reply: only version 1.0 exists, so an earlier one is unsupported.
        guard adoptPeer(m) else { return refuseVersion(now: now) }
        guard responseMatches(m.challengeResponse, messageType: .sccrp) else {
            return refuseAuthentication("SCCRP challenge response wrong or absent", now: now)
        }
        var connected = ControlMessage(.scccn)
        guard answerChallenge(of: m, in: &connected) else { return refuseAuthentication("challenged without a shared secret", now: now) }
        var actions = send(connected, sessionID: 0, now: now)
        actions += established(now: now)
        return actions
    }

    /// The peer's tunnel id, window and name from its SCCRQ or SCCRP; false
    /// when its Protocol Version is not 1.0.
    private mutating func adoptPeer(_ m: ControlMessage) -> Bool {
        transport.peerTunnelID = m.assignedTunnelID ?? 0
        if let window = m.receiveWindowSize { transport.peerWindow = window }
        peerHostName = m.hostName ?? []
        return m.protocolVersion == ControlMessage.version1
    }

    /// §4.4.2 result 5: the Error Code carries the highest version supported.
    private mutating func refuseVersion(now: UInt64) -> [Action] {
        stop(ResultCode(ResultCode.unsupportedVersion, error: ControlMessage.version1), now: now)
    }

    /// §5.1.1: a Challenge in the SCCRQ or SCCRP is answered in `reply`
    /// (SCCRP or SCCCN); false when we hold no secret to answer with.
    private func answerChallenge(of m: ControlMessage, in reply: inout ControlMessage) -> Bool {
        guard let challenge = m.challenge else { return true }
        guard let secret = configuration.secret else { return false }
        reply.challengeResponse = Self.challengeResponse(for: reply.type, secret: secret, challenge: challenge)
        return true
    }

    private mutating func acceptSCCCN(_ m: ControlMessage, now: UInt64) -> [Action] {
        guard responseMatches(m.challengeResponse, messageType: .scccn) else {
            return refuseAuthentication("SCCCN challenge response wrong or absent", now: now)
        }
        return established(now: now)
    }

    /// §5.1.1: with our challenge out, the response must match; without, any is ignored.
    private mutating func responseMatches(_ response: [UInt8]?, messageType: MessageType) -> Bool {
        guard let challenge = ourChallenge, let secret = configuration.secret else { return true }
        guard let response else { return false }
        return response == Self.challengeResponse(for: messageType, secret: secret, challenge: challenge)
    }

    /// §5.1.1: "establishment of the tunnel MUST be disallowed" (result 4).
    private mutating func refuseAuthentication(_ why: String, now: UInt64) -> [Action] {
        counters.authenticationFailures += 1
        return stop(ResultCode(ResultCode.notAuthorized, message: why), now: now)
    }

    /// §7.2.1: tunnel-open; calls waiting for it send their ICRQ (§7.4.1).
    private mutating func established(now: UInt64) -> [Action] {
        state = .established
        ourChallenge = nil
        var actions: [Action] = [.tunnelEstablished]
        for id in sessions.keys.sorted() where sessions[id]?.state == .waitTunnel {
            actions += sendICRQ(id, now: now)
        }
        return actions
    }
}
