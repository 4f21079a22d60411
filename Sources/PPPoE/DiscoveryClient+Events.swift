// The transitions of the Host's discovery: PADI with backoff, PADO selection
// by AC-Name and Service-Name, PADR echoing cookie and relay id, PADS, and
// PADT in both directions (RFC 2516 §5.1-§5.5, §8; RFC 4638 §4).

extension DiscoveryClient {
    /// Starts discovery. A `stale` session (left over from before a restart,
    /// when configured) is ended first with a PADT so the AC frees it.
    public mutating func start(stale: (id: UInt16, peer: EthernetAddress)? = nil) -> [Action] {
        guard state == .idle else { return [] }
        var actions: [Action] = []
        if let stale, stale.id != 0, stale.id != PPPoEHeader.reservedSessionID, stale.peer.isUnicast {
            let padt = DiscoveryPacket(destination: stale.peer, source: configuration.localAddress, code: .padt,
                                       sessionID: stale.id, tags: [Tag(.genericError, "stale session after restart")])
            if let frame = try? padt.encoded() { actions.append(.send(frame)) }
        }
        return actions + sendPADI()
    }

    /// The timer armed by the last action expired (§8: resend, double the wait).
    public mutating func timeout() -> [Action] {
        switch state {
        case .selecting:
            guard padisSent < configuration.padiAttempts else {
                return finish(failed: "no PADO after \(padisSent) PADI" + (counters.lastRefusal.map { "; last offer refused: \($0)" } ?? ""))
            }
            backOff()
            return sendPADI(resend: true)
        case .requesting(let offer):
            if attempts < configuration.padrAttempts {
                backOff()
                return sendPADR(offer)
            }
            // §8: "After a specified number of retries, the Host SHOULD then resend a PADI packet."
            guard padisSent < configuration.padiAttempts else {
                return finish(failed: "no PADS from \(offer.ac) after \(attempts) PADR")
            }
            wait = configuration.timeout
            return sendPADI(resend: true)
        case .idle, .established, .finished:
            return []
        }
    }

    /// Ends discovery or the session. An established session gets a PADT
    /// (§5.5), which linkd sends on every exit path: stop, LCP down, echo failure.
    public mutating func stop(reason: String) -> [Action] {
        switch state {
        case .established(let session):
            state = .finished(reason: reason)
            var tags = [Tag(.genericError, reason)]
            if let relay = session.relaySessionID { tags.append(Tag(.relaySessionID, relay)) }
            let padt = DiscoveryPacket(destination: session.peer, source: configuration.localAddress,
                                       code: .padt, sessionID: session.id, tags: tags)
            return (try? padt.encoded()).map { [.send($0)] } ?? []
        case .selecting, .requesting:
            state = .finished(reason: reason)
            return [.cancelTimer]
        case .idle:
            state = .finished(reason: reason)
            return []
        case .finished:
            return []
        }
    }

    /// One frame from the 0x8863 socket. Bad or unexpected frames are
    /// counted and change nothing.
    public mutating func receive(_ frame: ArraySlice<UInt8>) -> [Action] {
        let packet: DiscoveryPacket
        do {
            packet = try DiscoveryPacket(parsing: frame)
        } catch {
            counters.malformed += 1
            return []
        }
        // PADO, PADS and PADT are unicast to the Host (§5.2, §5.4, §5.5); a
        // PADI or PADR from another Host on the segment is not ours either.
        guard packet.destination == configuration.localAddress else {
            counters.notForUs += 1
            return []
        }
        switch (state, packet.code) {
        case (.selecting, .pado):
            return receivePADO(packet)
        case (.requesting(let offer), .pads) where packet.source == offer.ac:
            return receivePADS(packet, offer: offer)
        case (.established(let session), .padt) where packet.source == session.peer && packet.sessionID == session.id:
            state = .finished(reason: "PADT from the access concentrator")
            let detail = packet.error.map { " (\($0))" } ?? ""
            return [.terminated(reason: "PADT from the access concentrator" + detail)]
        default:
            counters.unexpected += 1
            return []
        }
    }

    public mutating func receive(_ frame: [UInt8]) -> [Action] { receive(frame[...]) }

    // MARK: - Stages

    private mutating func receivePADO(_ pado: DiscoveryPacket) -> [Action] {
        if let refusal = refusal(of: pado) {
            counters.offersRefused += 1
            counters.lastRefusal = "\(pado.source): \(refusal)"
            return []
        }
        let offer = Offer(ac: pado.source, acName: pado.acName ?? [], cookie: pado.acCookie,
                          relaySessionID: pado.relaySessionID)
        attempts = 0
        wait = configuration.timeout
        return [.cancelTimer] + sendPADR(offer)
    }

    /// Why a PADO is not taken, or nil: wrong Host-Uniq, AC-Name, service, or an error tag.
    private func refusal(of pado: DiscoveryPacket) -> String? {
        if let reason = hostUniqMismatch(pado) { return reason }
        if let error = pado.error { return error }
        if let wanted = configuration.acName, pado.acName != wanted {
            return "AC-Name '\(Tag(.acName, pado.acName ?? []).text)' is not '\(Tag(.acName, wanted).text)'"
        }
        // §5.2: the PADO carries "a Service-Name TAG identical to the one in the PADI".
        if !pado.values(.serviceName).contains(configuration.serviceName) {
            return "service '\(Tag(.serviceName, configuration.serviceName).text)' not offered"
        }
        return nil
    }

    /// Appendix A: the AC "MUST include the TAG unmodified" in PADO and PADS.
    private func hostUniqMismatch(_ packet: DiscoveryPacket) -> String? {
        guard !configuration.hostUniq.isEmpty else { return nil }
        return packet.hostUniq == configuration.hostUniq ? nil : "Host-Uniq does not match"
    }

    private mutating func receivePADS(_ pads: DiscoveryPacket, offer: Offer) -> [Action] {
        if let reason = hostUniqMismatch(pads) {
            counters.offersRefused += 1
            counters.lastRefusal = "\(pads.source): \(reason)"
            return []
        }
        // §5.4: an error tag (with SESSION_ID 0) means the AC refused the PADR.
        if let error = pads.error {
            return [.cancelTimer] + finish(failed: "PADS from \(pads.source): \(error)")
        }
        // RFC 4638 §4: a larger payload only if we asked and the AC's PADS
        // granted it; a grant below 1492 is ignored, never lowers RFC 2516's value.
        var maximum = Self.standardMaximumPayload
        if let asked = requestsMaxPayload, let granted = pads.pppMaxPayload, Int(granted) > maximum {
            maximum = Int(min(asked, granted))
        }
        let session = Session(id: pads.sessionID, peer: pads.source, acName: offer.acName,
                              serviceName: pads.serviceName ?? configuration.serviceName,
                              relaySessionID: pads.relaySessionID ?? offer.relaySessionID,
                              maximumPayload: maximum)
        state = .established(session)
        return [.cancelTimer, .established(session)]
    }

    // MARK: - Sending

    private mutating func backOff() { wait = min(wait * 2, configuration.maximumTimeout) }

    private func requestTags() -> [Tag] {
        var tags = [Tag(.serviceName, configuration.serviceName)]
        if !configuration.hostUniq.isEmpty { tags.append(Tag(.hostUniq, configuration.hostUniq)) }
        if let m = requestsMaxPayload { tags.append(.pppMaxPayload(m)) }
        return tags
    }

    private mutating func sendPADI(resend: Bool = false) -> [Action] {
        if !resend || state != .selecting { attempts = 0 }
        state = .selecting
        attempts += 1
        padisSent += 1
        let padi = DiscoveryPacket(destination: .broadcast, source: configuration.localAddress,
                                   code: .padi, tags: requestTags())
        do {
            return [.send(try padi.encoded()), .startTimer(seconds: wait)]
        } catch {
            return finish(failed: "PADI would break RFC 2516 §5.1: \(error)")
        }
    }

    private mutating func sendPADR(_ offer: Offer) -> [Action] {
        state = .requesting(offer)
        attempts += 1
        var tags = requestTags()
        // Appendix A: AC-Cookie and Relay-Session-Id go back unmodified.
        if let cookie = offer.cookie { tags.append(Tag(.acCookie, cookie)) }
        if let relay = offer.relaySessionID { tags.append(Tag(.relaySessionID, relay)) }
        let padr = DiscoveryPacket(destination: offer.ac, source: configuration.localAddress, code: .padr, tags: tags)
        do {
            return [.send(try padr.encoded()), .startTimer(seconds: wait)]
        } catch {
            return finish(failed: "PADR too long: \(error)")
        }
    }

    private mutating func finish(failed reason: String) -> [Action] {
        state = .finished(reason: reason)
        return [.failed(reason: reason)]
    }
}
