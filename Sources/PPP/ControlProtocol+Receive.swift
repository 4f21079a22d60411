// The receive path of ControlProtocol: parse a control packet strictly, turn it
// into one RFC 1661 §4.3 event (classifying Configure-Requests first), and the
// LCP link-maintenance codes (RFC 1661 §5.7-§5.9, RFC 1570).

extension ControlProtocol {
    /// Handles the Information field of a frame carrying our protocol.
    public mutating func receive(_ bytes: ArraySlice<UInt8>) -> [ControlAction] {
        // RFC 1661 §4.2: in Initial and Starting the lower layer is down, so
        // nothing can have been received; whatever arrives is stale.
        if automaton.state == .initial || automaton.state == .starting {
            counters.discarded += 1
            return []
        }
        let packet: ControlPacket
        do {
            packet = try ControlPacket(parsing: bytes)
        } catch {
            counters.malformed += 1
            return []
        }
        received = packet
        receivedRaw = bytes.prefix(ControlPacket.headerLength + packet.data.count)
        defer {
            received = nil
            receivedRaw = []
        }
        switch packet.code {
        case .configureRequest: return receiveConfigureRequest(packet)
        case .configureAck: return receiveConfigureAck(packet)
        case .configureNak, .configureReject: return receiveConfigureNakOrReject(packet)
        case .terminateRequest:
            let reason = ControlAction.terminateRequested(reason: packet.data)
            return [reason] + run(.rtr)
        case .terminateAck: return run(.rta)
        case .codeReject:
            guard let code = packet.data.first else {
                counters.malformed += 1
                return []
            }
            // RFC 1661 §4.3 RXJ-: a Code-Reject of a code the automaton needs
            // (Configure-*, Terminate-*, Code-Reject) is catastrophic.
            let rejected = ControlCode(code)
            return [.codeRejected(rejected)] + run(rejected.isCommon ? .rxjMinus : .rxjPlus)
        default:
            if negotiator.understandsLinkMaintenanceCodes,
               let actions = receiveLinkMaintenance(packet) {
                return actions
            }
            counters.unknownCodes += 1
            return run(.ruc)
        }
    }

    public mutating func receive(_ bytes: [UInt8]) -> [ControlAction] { receive(bytes[...]) }

    // MARK: Configure-*

    /// RFC 1661 §5.1: classify first, then let the table decide whether the
    /// prepared Ack/Nak/Reject is sent. Cells that never answer (Closed,
    /// Closing, Stopping) skip classification so they cannot disturb the
    /// negotiator.
    mutating func receiveConfigureRequest(_ packet: ControlPacket) -> [ControlAction] {
        let options: [ConfigurationOption]
        do {
            options = try ConfigurationOption.parseList(packet.data)
        } catch {
            counters.malformed += 1
            return []
        }
        let answers = Automaton.transition(from: automaton.state, on: .rcrPlus)?.1.contains(.sca) ?? false
        guard answers else { return run(.rcrPlus) }
        // RFC 1661 §4.1 Opened + RCR: tld, scr, sca/scn — a new negotiation
        // starts here. Reset before the request is classified: resetting at
        // the scr would forget what the peer asks for in this very request
        // (its IP address, its interface identifier) and the NCP would come
        // up without it.
        if automaton.state == .opened {
            negotiator.resetNegotiation()
            naksSent = 0
            negotiationAlreadyReset = true
        }
        let response = classify(options, of: packet)
        pendingResponse = response
        return run(response.code == .configureAck ? .rcrPlus : .rcrMinus)
    }

    /// Builds the answer to a Configure-Request: Reject wins over Nak, Nak over
    /// Ack (RFC 1661 §5.3, §5.4); after Max-Failure Naks turn into Rejects of
    /// the offending options and hints are no longer appended (§4.6).
    mutating func classify(_ options: [ConfigurationOption], of packet: ControlPacket) -> ControlPacket {
        let verdicts = negotiator.classifyConfigureRequest(options)
        precondition(verdicts.count == options.count, "one verdict per option")
        let failed = naksSent >= automaton.limits.maxFailure
        var rejects: [ConfigurationOption] = []
        var naks: [ConfigurationOption] = []
        for (option, verdict) in zip(options, verdicts) {
            switch verdict {
            case .ack: break
            case .reject: rejects.append(option)
            case .nak(let suggestion):
                if failed && !negotiator.nakSurvivesMaxFailure(option) {
                    rejects.append(option)
                } else {
                    naks.append(suggestion)
                }
            }
        }
        if !rejects.isEmpty {
            return ControlPacket(code: .configureReject, identifier: packet.identifier,
                                 data: ConfigurationOption.encodeList(rejects))
        }
        if !failed { naks += negotiator.configureNakHints(for: options) }
        if !naks.isEmpty {
            return ControlPacket(code: .configureNak, identifier: packet.identifier,
                                 data: ConfigurationOption.encodeList(naks))
        }
        // RFC 1661 §5.2: the Ack carries the request's options unchanged.
        return ControlPacket(code: .configureAck, identifier: packet.identifier, data: packet.data)
    }

    /// RFC 1661 §5.2: an Ack must answer our last request, by Identifier and
    /// with exactly its options; anything else is silently discarded.
    mutating func receiveConfigureAck(_ packet: ControlPacket) -> [ControlAction] {
        guard let request = lastRequest, awaitingReply,
              packet.identifier == request.identifier, packet.data == request.data,
              let options = try? ConfigurationOption.parseList(packet.data)
        else {
            counters.unmatchedReplies += 1
            return []
        }
        awaitingReply = false
        negotiator.configureRequestAcked(options)
        return run(.rca)
    }

    /// RFC 1661 §5.3, §5.4: matched by Identifier; a Reject must list only
    /// options we sent, unmodified and in order. The negotiator is consulted
    /// only where the table will send a new request from it.
    mutating func receiveConfigureNakOrReject(_ packet: ControlPacket) -> [ControlAction] {
        guard let request = lastRequest, awaitingReply, packet.identifier == request.identifier else {
            counters.unmatchedReplies += 1
            return []
        }
        let options: [ConfigurationOption]
        do {
            options = try ConfigurationOption.parseList(packet.data)
        } catch {
            counters.malformed += 1
            return []
        }
        let isReject = packet.code == .configureReject
        if isReject {
            let sent = (try? ConfigurationOption.parseList(request.data)) ?? []
            guard Self.isOrderedSubset(options, of: sent) else {
                counters.unmatchedReplies += 1
                return []
            }
        }
        let renegotiates = Automaton.transition(from: automaton.state, on: .rcn)?.1.contains(.scr) ?? false
        if renegotiates {
            let disposition = isReject
                ? negotiator.configureRejectReceived(options)
                : negotiator.configureNakReceived(options)
            switch disposition {
            case .accepted: break
            case .invalid:
                counters.unmatchedReplies += 1
                return []
            case .failed(let failure):
                awaitingReply = false
                terminateReason = Array(Self.reason(failure).utf8)
                return [.negotiationFailed(failure)] + run(.close)
            }
        }
        awaitingReply = false
        return run(.rcn)
    }

    static func isOrderedSubset(_ options: [ConfigurationOption], of sent: [ConfigurationOption]) -> Bool {
        var remaining = sent[...]
        for option in options {
            guard let index = remaining.firstIndex(of: option) else { return false }
            remaining = remaining[(index + 1)...]
        }
        return true
    }

    static func reason(_ failure: NegotiationFailure) -> String {
        switch failure {
        case .loopedBack: "Loopback detected"
        case .authenticationRefused: "Peer refused to authenticate"
        case .requiredOptionRejected(let type): "Required option \(type) rejected"
        }
    }
}
