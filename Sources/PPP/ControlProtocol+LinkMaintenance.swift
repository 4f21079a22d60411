// LCP's link-maintenance codes on the ControlProtocol receive and send paths
// (RFC 1661 §5.7-§5.9, RFC 1570). NCP negotiators do not understand them, so
// for IPCP/IPv6CP these codes are Code-Rejected (RUC).

extension ControlProtocol {
    /// Returns nil when the code is not a link-maintenance code (then RUC).
    mutating func receiveLinkMaintenance(_ packet: ControlPacket) -> [ControlAction]? {
        let body: LinkMaintenancePacket
        do {
            guard let parsed = try LinkMaintenancePacket(parsing: packet) else { return nil }
            body = parsed
        } catch {
            counters.malformed += 1
            return []
        }
        let opened = automaton.state == .opened
        let ours = negotiator.magicNumber
        switch body {
        case .protocolReject(let proto, _):
            // RFC 1661 §5.7: "received in any state other than the LCP Opened
            // state SHOULD be silently discarded"; rejecting LCP itself is RXJ-.
            guard opened else { return discard() }
            return [.protocolRejected(proto)] + run(proto == negotiator.protocolNumber ? .rxjMinus : .rxjPlus)
        case .echoRequest(let magic, _):
            // RFC 1661 §5.8: answered only in Opened (the RXR cell's ser).
            guard opened else { return discard() }
            let looped = ours != 0 && magic == ours
            return (looped ? [.loopbackSuspected] : []) + run(.rxr)
        case .echoReply(let magic, let data):
            guard opened else { return discard() }
            let looped = ours != 0 && magic == ours
            return (looped ? [.loopbackSuspected] : [])
                + [.echoReplyReceived(identifier: packet.identifier, magicNumber: magic, data: data)]
                + run(.rxr)
        case .discardRequest:
            // RFC 1661 §5.9: silently discarded in every state (RXR, no action).
            guard opened else { return discard() }
            return run(.rxr)
        case .identification(let magic, let message):
            // RFC 1570 §2.1: may arrive before Opened; advisory, never answered.
            return [.identificationReceived(magicNumber: magic, message: message)]
        case .timeRemaining(let magic, let seconds, let message):
            // RFC 1570 §2.2: only meaningful in Opened; advisory.
            guard opened else { return discard() }
            return [.timeRemainingReceived(magicNumber: magic, seconds: seconds, message: message)]
        }
    }

    private mutating func discard() -> [ControlAction] {
        counters.discarded += 1
        return []
    }

    /// RFC 1661 §5.7: answer a frame of an unsupported protocol. Only LCP in
    /// Opened may send one; otherwise nothing is sent.
    public mutating func protocolReject(_ proto: ProtocolNumber, information: ArraySlice<UInt8>) -> [ControlAction] {
        guard negotiator.understandsLinkMaintenanceCodes, automaton.state == .opened else { return [] }
        let body = LinkMaintenancePacket.protocolReject(
            proto, information: Array(information.prefix(maximumRejectedLength)))
        return [.send(body.controlPacket(identifier: takeIdentifier()).encoded())]
    }

    /// RFC 1661 §5.8: an Echo-Request with our Magic-Number, for link quality
    /// or keepalive (pppd's lcp-echo-interval). Opened only; returns the
    /// identifier used so the owner can match the reply.
    public mutating func echoRequest(data: [UInt8] = []) -> (identifier: UInt8, actions: [ControlAction])? {
        guard negotiator.understandsLinkMaintenanceCodes, automaton.state == .opened else { return nil }
        let identifier = takeIdentifier()
        let body = LinkMaintenancePacket.echoRequest(magicNumber: negotiator.magicNumber, data: data)
        return (identifier, [.send(body.controlPacket(identifier: identifier).encoded())])
    }

    /// RFC 1661 §5.9 Discard-Request, Opened only.
    public mutating func discardRequest(data: [UInt8] = []) -> [ControlAction] {
        guard negotiator.understandsLinkMaintenanceCodes, automaton.state == .opened else { return [] }
        let body = LinkMaintenancePacket.discardRequest(magicNumber: negotiator.magicNumber, data: data)
        return [.send(body.controlPacket(identifier: takeIdentifier()).encoded())]
    }
}
