// The Authenticate phase of a session (RFC 1661 §3.5) and what follows from
// its verdict: authd does PAP/CHAP/EAP in both roles; linkd relays the
// packets, bounds the wait, and enforces the verdict (Session-Timeout,
// Idle-Timeout, interim accounting, a later failed re-challenge). Secrets
// never pass through here: authd alone holds them.
import IPC
import PPP
import PPPoE

/// The Authenticate phase's bookkeeping, kept apart from LCP's.
struct AuthState {
    /// authStarted went out and the session has not ended for authd yet.
    var active = false
    /// authd's last successful verdict (kept after the end for display).
    var verdict: AuthVerdict?
    /// The last verdict's outcome, for `pppctl sessions` ("pap", "failed").
    var failed = false
    var deadline: TimerID?
    /// The accounting Start waits for IPCP (startAccounting).
    var startPending = false
    var startTimer: TimerID?
    var ipcp = IPCPWatch()
    /// What earlier lives of this linkd counted (the deposited record's
    /// counters): accounting counts on from there, so a restart sends
    /// neither lower octets nor a Stop that differs from `pppctl sessions`.
    var counterBase = SessionCounters()
}

extension Session: AuthParticipant {
    /// How long authd and the peer together may take, from LCP Opened to a
    /// verdict: the peer's retransmission budget, like LCP's (lcp-restart ×
    /// lcp-max-configure: 30 s by default, pppd's pap-timeout), at least 5 s.
    var authTimeout: Double { max(Double(settings.lcpRestart) * Double(settings.lcpMaxConfigure), 5) }

    /// RFC 1661 §3.5: LCP is Opened with an Auth-Protocol acked in either
    /// direction; authd takes it from here.
    func beginAuthentication(_ o: LCPNegotiatedOptions) {
        let start = authStart(o)
        auth.verdict = nil
        auth.failed = false
        do {
            try context.auth.start(self, start)
        } catch {
            close(reason: "authd unreachable: \(error)")
            return
        }
        auth.active = true
        let limit = authTimeout
        auth.deadline = loop.schedule(after: limit) { [weak self] in
            guard let self, self.phase == .authenticate else { return }
            self.auth.deadline = nil
            self.close(reason: "authentication did not finish within \(Int(limit)) s (authd or the peer silent)")
        }
        // Debug: authd's own line says who authenticated with what (issue 13:
        // a line per step and session, times a thousand setups a second).
        log.debug("session \(id): authenticating (peer with \(start.authenticatePeer.map { "\($0)" } ?? "-"), us with \(start.authenticateSelf.map { "\($0)" } ?? "-"))")
    }

    /// What authd is told of this session's authentication.
    private func authStart(_ o: LCPNegotiatedOptions) -> AuthStart {
        var start = AuthStart(session: id, port: settings.name,
                              authenticatePeer: o.weAuthenticatePeerWith.map(LCPPolicy.method),
                              authenticateSelf: o.peerAuthenticatesUsWith.map(LCPPolicy.method))
        start.user = settings.user
        start.remoteName = settings.remoteName
        start.localName = settings.localName
        start.callingStation = circuit.peer
        start.nasPortType = NASPortType.of(settings.kind)
        start.calledStation = calledStation
        // RFC 2661 §4.4.5: the LAC's exchange, for the method LCP settled.
        if let p = proxiedAuthentication, p.method == start.authenticatePeer { start.proxied = p }
        // Issue 13: a session on a VLAN is named by port and VLAN, as
        // accel-ppp names it by its VLAN interface; RFC 4603 §2 type 33.
        if circuit.vlan.isTagged {
            start.nasPortType = NASPortType.pppoeOverVLAN
            start.nasPortID = "\(settings.name):\(circuit.vlan.description)"
        }
        return start
    }

    /// RFC 2865 §5.30 Called-Station-Id: what the peer reached. PPPoE: the
    /// access concentrator's MAC on that interface (what the host's PADR
    /// went to, RFC 2516 §5.3); udp/tcp: our "addr:port"; a tty: nothing.
    var calledStation: String {
        if case let .pppoe(binding) = circuit.framing { return "\(binding.local)" }
        return settings.kind == .udp || settings.kind == .tcp || settings.kind == .l2tp ? settings.local : ""
    }

    /// After linkd or authd restarted: authd takes the session's accounting
    /// back (accountingResumed carries the verdict and its Acct-Session-Id),
    /// so interim updates and the Stop reach the RADIUS server as before.
    private func reattachAccounting(_ v: AuthVerdict) {
        guard let o = negotiated, o.weAuthenticatePeerWith != nil || o.peerAuthenticatesUsWith != nil else { return }
        do {
            try context.auth.resume(self, authStart(o), v)
        } catch {
            log.warning("session \(id): accounting not resumed (authd unreachable: \(error))")
            return
        }
        auth.active = true
        if v.accountingStarted {
            if v.interimInterval > 0 && interimTimer == nil { scheduleInterim(Double(v.interimInterval)) }
        } else if !auth.startPending {
            // linkd restarted while the Start waited for IPCP: wait again
            // (the new relay watches IPCP), bounded as before.
            waitForIPCPThenStart()
        }
    }

    /// A PAP/CHAP/EAP packet from the wire.
    func authFrameFromPeer(_ proto: ProtocolNumber, _ information: ArraySlice<UInt8>) {
        guard auth.active, phase == .authenticate || phase == .network else {
            counters.authFramesDropped += 1
            // RFC 1661 §5.7: in the Network phase a protocol we did not
            // negotiate is rejected; before it, discarded (§3.4).
            if phase == .network { protocolReject(proto, information) }
            return
        }
        counters.authFramesIn += 1
        if phase == .authenticate { proxyCapture.authFromPeer(proto, information) }
        do {
            try context.auth.send(.authFrameReceived(session: id, protocol: proto.rawValue, packet: Array(information)))
        } catch {
            if phase == .authenticate { close(reason: "authd unreachable: \(error)") }
        }
    }

    func authFrameFromAuthd(_ proto: UInt16, _ packet: [UInt8]) {
        let p = ProtocolNumber(proto)
        guard auth.active, lcp.state == .opened, p == .pap || p == .chap || p == .eap else {
            counters.authFramesDropped += 1
            return
        }
        counters.authFramesOut += 1
        if phase == .authenticate { proxyCapture.authToPeer(p, packet) }
        transmit(p, packet)
    }

    func authFinished(_ verdict: AuthVerdict) {
        guard auth.active else { return }
        if let t = auth.deadline { loop.cancel(t) }
        auth.deadline = nil
        owner?.sessionAuthenticated(self, verdict)
        guard verdict.success else {
            auth.failed = true
            run(.authFailed(reason: verdict.reason))
            return
        }
        auth.verdict = verdict
        run(.authSucceeded)
    }

    /// RFC 5176 through authd: a Disconnect-Request ends the session (its
    /// Stop says Admin-Reset); a CoA-Request replaces the verdict's limits,
    /// Session-Timeout counting from now.
    func authChanged(_ change: AuthChange) {
        guard auth.active, phase == .network, var v = auth.verdict else { return }
        if change.disconnect {
            close(reason: change.reason.isEmpty ? "admin reset" : change.reason)
            return
        }
        if let s = change.sessionTimeout {
            // Kept as counted from the Network phase's start, which is what
            // a restarted linkd counts from (resumeAuthorization).
            let elapsed = networkSince.map { UInt32(clamping: Int(Instant.now().seconds(since: $0))) } ?? 0
            v.sessionTimeout = s == 0 ? 0 : elapsed &+ s < elapsed ? UInt32.max : elapsed + s
            if let t = sessionTimer { loop.cancel(t); sessionTimer = nil }
            if s > 0 { scheduleSessionTimeout(after: Double(s), limit: s) }
        }
        if let i = change.idleTimeout {
            v.idleTimeout = i
            if let t = idleTimer { loop.cancel(t); idleTimer = nil }
            if i > 0 { scheduleIdleCheck(limit: Double(i), after: Double(i)) }
        }
        if let i = change.interimInterval {
            v.interimInterval = i
            if let t = interimTimer { loop.cancel(t); interimTimer = nil }
            if i > 0 { scheduleInterim(Double(i)) }
        }
        auth.verdict = v
        // Deposited: a restarted linkd keeps the new limits, and authd
        // (accountingResumed) the new interim.
        owner?.channelHeld(self)
        func text(_ x: UInt32?) -> String { x.map { "\($0)" } ?? "unchanged" }
        log.notice("session \(id): limits changed by RADIUS CoA (Session-Timeout \(text(change.sessionTimeout)), Idle-Timeout \(text(change.idleTimeout)), interim \(text(change.interimInterval)))")
    }

    private func scheduleSessionTimeout(after seconds: Double, limit: UInt32) {
        sessionTimer = loop.schedule(after: seconds) { [weak self] in
            self?.sessionTimer = nil
            self?.close(reason: "session timeout (\(limit) s)")
        }
    }

    func authdHungUp() {
        guard auth.active else { return }
        if phase == .authenticate {
            close(reason: "authd closed the conversation during authentication")
        } else if let v = auth.verdict {
            // The Network phase goes on; the restarted authd takes the
            // accounting back on a new conversation.
            log.notice("session \(id): authd hung up; the session stays up")
            reattachAccounting(v)
        }
    }

    /// The session (or this LCP negotiation) is over for authd: accounting
    /// Stop with the final counters and the reason.
    func endAuthentication(reason: String) {
        guard auth.active else { return }
        auth.active = false
        if let t = auth.deadline { loop.cancel(t) }
        auth.deadline = nil
        // A session that ends before IPCP opened still gets its Start, so
        // the Stop that follows has one (RFC 2866 §2).
        if auth.startPending { sendAccountingStart() }
        context.auth.forget(id)
        try? context.auth.send(.authStopped(session: id, reason: reason, counters: accountingCounters))
    }

    // MARK: Accounting and the verdict's limits

    /// RFC 2866 counters: what crossed the channel, each way.
    var accountingCounters: SessionCounters {
        var c = auth.counterBase
        if let r = channel?.counters {
            c.inputOctets &+= UInt64(r.octetsToChannel)
            c.inputPackets &+= UInt64(r.framesToChannel)
            c.outputOctets &+= UInt64(r.octetsFromChannel)
            c.outputPackets &+= UInt64(r.framesFromChannel)
        }
        c.sessionSeconds = 0
        if let since = networkSince { c.sessionSeconds = UInt32(Instant.now().seconds(since: since)) }
        return c
    }

    /// How long the Start waits for IPCP: the NCP's own negotiation budget
    /// (restart timer × max-configure, RFC 1661 §4.6), at least 5 s.
    var accountingStartWait: Double { max(Double(settings.lcpRestart) * Double(settings.lcpMaxConfigure), 5) }

    /// Network phase began: the verdict's timers now; the accounting Start
    /// once IPCP opened, so it carries the address ncpd assigned (RFC 2866
    /// §5 with RFC 2865 §5.8; pppd likewise sends its Start when the network
    /// phase is up), or after `accountingStartWait` for a session whose
    /// IPCP never opens (a peer that rejects it or never agrees); at once on
    /// a `noip` port.
    func startAccounting() {
        guard auth.active, let v = auth.verdict else { return }
        waitForIPCPThenStart()
        if v.sessionTimeout > 0 { scheduleSessionTimeout(after: Double(v.sessionTimeout), limit: v.sessionTimeout) }
        if v.idleTimeout > 0 { scheduleIdleCheck(limit: Double(v.idleTimeout), after: Double(v.idleTimeout)) }
    }

    /// After a linkd restart: accounting goes back to authd; Session-Timeout
    /// counts from the Network phase's start as before; Idle-Timeout from
    /// the last data frame the new relay sees (or the resume).
    func resumeAuthorization() {
        guard let v = auth.verdict, let since = networkSince else { return }
        reattachAccounting(v)
        if v.sessionTimeout > 0 {
            let limit = v.sessionTimeout
            scheduleSessionTimeout(after: max(0, Double(limit) - Instant.now().seconds(since: since)), limit: limit)
        }
        if v.idleTimeout > 0 { scheduleIdleCheck(limit: Double(v.idleTimeout), after: Double(v.idleTimeout)) }
    }

    /// The Start waits for IPCP (watchIPCP), at most `accountingStartWait`.
    private func waitForIPCPThenStart() {
        auth.startPending = true
        auth.ipcp = IPCPWatch()
        if settings.network.ipv4 {
            auth.startTimer = loop.schedule(after: accountingStartWait) { [weak self] in
                guard let self else { return }
                self.auth.startTimer = nil
                self.sendAccountingStart()
            }
        } else {
            sendAccountingStart()  // `noip`: no IPCP to wait for
        }
    }

    /// The Start, once (RFC 2866 §5.1 Acct-Status-Type Start), then interims.
    /// The verdict says it went out and is deposited again, so a restarted
    /// linkd or authd neither loses nor repeats it.
    func sendAccountingStart() {
        guard auth.startPending else { return }
        auth.startPending = false
        if let t = auth.startTimer { loop.cancel(t) }
        auth.startTimer = nil
        guard auth.active, let v = auth.verdict else { return }
        auth.verdict?.accountingStarted = true
        try? context.auth.send(.accountingUpdated(session: id, started: true, counters: accountingCounters,
                                                  framedAddress: v.framedAddress))
        depositSoon()
        if v.interimInterval > 0 && interimTimer == nil { scheduleInterim(Double(v.interimInterval)) }
    }

    /// Deposits the session again from the loop, not from inside the
    /// relay's read that may be calling us (the snapshot reads that relay).
    private func depositSoon() {
        _ = loop.schedule(after: 0) { [weak self] in
            guard let self, self.phase == .network else { return }
            self.owner?.channelHeld(self)
        }
    }

    /// An IPCP packet relayed either way while the Start waits for it:
    /// the peer's address becomes the verdict's (deposited again, so a
    /// restarted linkd and authd keep it), and an Opened IPCP sends the Start.
    func watchIPCP(_ information: ArraySlice<UInt8>, fromOwner: Bool) {
        guard auth.startPending else { return }
        if fromOwner { auth.ipcp.fromOwner(information) } else { auth.ipcp.fromPeer(information) }
        guard auth.ipcp.opened else { return }
        let address = auth.ipcp.peerAddress
        if address != 0, auth.verdict != nil, auth.verdict?.framedAddress != address {
            auth.verdict?.framedAddress = address
        }
        sendAccountingStart()  // deposits the address with the Start
    }

    private func scheduleInterim(_ interval: Double) {
        interimTimer = loop.schedule(after: interval) { [weak self] in
            guard let self, self.phase == .network, self.auth.active else { return }
            // The counters into the fd store before authd reports them: a
            // linkd killed after this counts on from at least what RADIUS saw.
            self.owner?.channelHeld(self)
            try? self.context.auth.send(.accountingUpdated(session: self.id, started: false,
                                                           counters: self.accountingCounters,
                                                           framedAddress: self.auth.verdict?.framedAddress ?? 0))
            self.scheduleInterim(interval)
        }
    }

    /// Idle-Timeout: no data frame (network protocols, not NCPs) either way
    /// for `limit` seconds. Checked against the relay's last-data time.
    private func scheduleIdleCheck(limit: Double, after delay: Double) {
        idleTimer = loop.schedule(after: delay) { [weak self] in
            guard let self, self.phase == .network else { return }
            self.idleTimer = nil
            let last = self.channel?.lastData ?? self.networkSince ?? Instant.now()
            let idle = Instant.now().seconds(since: last)
            if idle >= limit {
                self.close(reason: "idle timeout (\(Int(limit)) s without data)")
            } else {
                self.scheduleIdleCheck(limit: limit, after: limit - idle)
            }
        }
    }
}
