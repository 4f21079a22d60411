// One linkd's conversation with authd (Catalogue 50–56): authStarted opens
// an AuthSession, authFrameReceived feeds it, its actions go back as
// authFrameSent / authFinished, timers run on the loop; accountingUpdated and
// authStopped become RADIUS accounting, tunnelAccounted RFC 2867's. A message for an unknown session is
// dropped and counted.
import IPC

final class LinkdConversation {
    final class Slot {
        var auth: AuthSession
        var timers: [AuthRoleName: [AuthTimer: TimerID]] = [:]
        /// RFC 2866 §5.5 Acct-Session-Id: unique beyond linkd's "PORT:N".
        let accountingID: String
        var accountingStarted = false
        /// The peer's address as IPCP agreed it (linkd saw it; from ncpd's
        /// pool or the Access-Accept), 0 until then.
        var framedAddress: UInt32 = 0
        var counters = CounterCarry()
        /// ncpd's pool prefixes (session-prefixes), when RADIUS gave none.
        var framedIPv6Prefix: IPv6PrefixValue?
        var delegatedIPv6Prefix: IPv6PrefixValue?
        /// ncpd's IA_NA address for the session (a /128), RFC 6911 §3.1.
        var framedIPv6Address: IPv6PrefixValue?
        init(auth: AuthSession, accountingID: String) { self.auth = auth; self.accountingID = accountingID }
    }

    let link: Link
    unowned let service: AuthService
    let pid: Int32
    private var slots: [String: Slot] = [:]
    private(set) var unknownSession = 0

    init(link: Link, service: AuthService, pid: Int32) {
        self.link = link; self.service = service; self.pid = pid
        link.onMessage = { [unowned self] r in self.handle(&r) }
        link.onInvalid = { [unowned self] e in self.service.log.warning("linkd pid \(self.pid): invalid message: \(e)") }
    }

    var sessionCount: Int { slots.count }
    private var loop: EventLoop { service.runtime.loop }

    private func handle(_ r: inout Received) {
        switch r.message {
        case let .authStarted(start): started(start)
        case let .authFrameReceived(session, proto, packet):
            guard let slot = slots[session] else { unknownSession += 1; return }
            var auth = slot.auth
            let actions = auth.receive(protocol: proto, packet: packet)
            slot.auth = auth
            perform(actions, slot)
        case let .accountingUpdated(session, started, counters, address):
            guard let slot = slots[session] else { unknownSession += 1; return }
            if address != 0 { slot.framedAddress = address }
            guard let record = accountingRecord(slot, counters) else { return }
            if started && !slot.accountingStarted {
                slot.accountingStarted = true
                service.account(.start, record, context(slot))
            } else if slot.accountingStarted {
                service.account(.interimUpdate, record, context(slot))
            }
        case let .accountingResumed(start, verdict): resumed(start, verdict)
        case let .tunnelAccounted(t): accountTunnel(t)
        case let .authStopped(session, reason, counters):
            guard let slot = slots.removeValue(forKey: session) else { unknownSession += 1; return }
            cancelTimers(slot)
            if slot.accountingStarted, var record = accountingRecord(slot, counters) {
                record.terminateCause = RadiusRequests.terminateCause(reason)
                service.account(.stop, record, context(slot))
            }
            service.log.info("session \(session) ended: \(reason)")
            service.withdrawCounterBase(slot.accountingID)
        default:
            try? link.replyError(to: r.callID, .invalidMessage, "\(r.message.type) is not for authd")
        }
    }

    private func started(_ start: AuthStart) {
        if let old = slots.removeValue(forKey: start.session) { cancelTimers(old) }
        let auth = AuthSession(start, policy: service.policy, secrets: service.secrets, random: service.random)
        let slot = Slot(auth: auth, accountingID: "\(start.session)-\(service.random.bytes(4).hexString)")
        slots[start.session] = slot
        service.sessionStarted()
        let roles = [start.authenticatePeer.map { "peer must use \($0)" }, start.authenticateSelf.map { "we use \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
        // Debug: the outcome's line names the method (issue 13: fewer lines per setup).
        service.log.debug("session \(start.session): authentication starts (\(roles))")
        var session = slot.auth
        let actions = session.begin()
        slot.auth = session
        perform(actions, slot)
    }

    /// RFC 2867: a LAC's tunnel or call began or ended; not tied to one of
    /// our slots (a tunnel outlives its sessions), so it goes out as is.
    private func accountTunnel(_ t: TunnelAccounting) {
        guard let status = RadiusRequests.AccountingStatus(rawValue: UInt32(t.status.rawValue)) else { return }
        var record = RadiusRequests.AccountingRecord(user: t.user, sessionID: t.accountingID)
        record.tunnel = t
        service.log.info("tunnel accounting \(status) \(t.accountingID) (\(t.connection) to \(t.serverEndpoint))")
        service.account(status, record, RadiusContext(nasIdentifier: service.settings.nasIdentifier, session: t.session,
                                                      callingStation: ""))
    }

    /// A session that was authenticated before linkd or authd restarted:
    /// its accounting carries on under the same Acct-Session-Id (RFC 2866
    /// §5.5), so the server sees one Start and, later, one Stop; the
    /// interim updates come from linkd as before.
    private func resumed(_ start: AuthStart, _ verdict: AuthVerdict) {
        guard verdict.session == start.session, verdict.success else { unknownSession += 1; return }
        if let old = slots.removeValue(forKey: start.session) { cancelTimers(old) }
        let id = verdict.accountingSessionID.isEmpty
            ? "\(start.session)-\(service.random.bytes(4).hexString)" : verdict.accountingSessionID
        var auth = AuthSession(resuming: start, verdict: verdict, policy: service.policy, secrets: service.secrets,
                               random: service.random)
        let actions = auth.resume()
        let slot = Slot(auth: auth, accountingID: id)
        // After a linkd restart: what was reported (kept by the service when
        // the old conversation closed) is the floor of what is reported next.
        let reported = service.takeCarriedCounters(id)
        if let reported { slot.counters = CounterCarry(resumingFrom: reported) }
        // The Start went out unless linkd says it still waits for IPCP (a
        // restart inside that wait); counters carried mean it went out.
        slot.accountingStarted = verdictForAccounting(slot) != nil && (verdict.accountingStarted || reported != nil)
        slots[start.session] = slot
        // ncpd's pool prefixes went with the old slot: ask again (RADIUS's
        // own are in the verdict). A report ncpd sends meanwhile and this
        // answer come in the order ncpd sent them, both through pppinit.
        if verdictForAccounting(slot) != nil {
            let session = start.session
            service.askPrefixes(session) { [weak self, weak slot] prefixes in
                guard let self, let slot, self.slots[session] === slot else { return }
                self.store(prefixes, in: slot)
            }
        }
        service.log.info("session \(start.session): accounting resumed (Acct-Session-Id \(id)\(slot.accountingStarted ? "" : ", Start still to come"))")
        perform(actions, slot)
    }

    /// Carries out a session's actions, in order.
    private func perform(_ actions: [SessionAction], _ slot: Slot) {
        let session = slot.auth.start.session
        for a in actions {
            // A verdict may have ended the session meanwhile (authStopped).
            guard slots[session] === slot else { return }
            switch a {
            case let .send(proto, packet):
                try? link.send(.authFrameSent(session: session, protocol: proto, packet: packet))
            case let .startTimer(role, t, seconds):
                if let old = slot.timers[role]?[t] { loop.cancel(old) }
                slot.timers[role, default: [:]][t] = loop.schedule(after: seconds) { [weak self, weak slot] in
                    guard let self, let slot else { return }
                    slot.timers[role]?[t] = nil
                    var auth = slot.auth
                    let next = auth.timerExpired(role, t)
                    slot.auth = auth
                    self.perform(next, slot)
                }
            case let .cancelTimer(role, t):
                if let old = slot.timers[role]?[t] { loop.cancel(old); slot.timers[role]?[t] = nil }
            case let .verify(v):
                service.verify(v, server: slot.auth.start.localName, context: context(slot)) { [weak self, weak slot] result in
                    guard let self, let slot else { return }
                    var auth = slot.auth
                    let next = auth.verified(id: v.id, result)
                    slot.auth = auth
                    self.perform(next, slot)
                }
            case var .verdict(v):
                if v.success && v.interimInterval == 0 && service.radius.hasAccounting {
                    v.interimInterval = service.settings.interimInterval
                }
                if v.success { v.accountingSessionID = slot.accountingID }
                if v.success {
                    service.log.notice("session \(session): authenticated\(v.peerName.isEmpty ? "" : " peer '\(v.peerName)'") with \(v.method?.description ?? "-") (\(v.reason))")
                } else {
                    service.log.warning("session \(session): authentication failed: \(v.reason)")
                }
                try? link.send(.authFinished(v))
                service.concluded(v)
            }
        }
    }

    private func cancelTimers(_ slot: Slot) {
        for (_, timers) in slot.timers { for (_, id) in timers { loop.cancel(id) } }
        slot.timers = [:]
    }

    private func context(_ slot: Slot) -> RadiusContext {
        RadiusContext(nasIdentifier: service.settings.nasIdentifier, session: slot.auth.start.session,
                      callingStation: slot.auth.start.callingStation, calledStation: slot.auth.start.calledStation,
                      nasPortType: slot.auth.start.nasPortType, nasPortID: slot.auth.start.nasPortID)
    }

    /// Accounting is for sessions whose peer authenticated to us.
    private func verdictForAccounting(_ slot: Slot) -> AuthVerdict? {
        guard let v = slot.auth.verdict, v.success, !v.peerName.isEmpty else { return nil }
        return v
    }

    /// The record to report, with counters that never go back (CounterCarry).
    private func accountingRecord(_ slot: Slot, _ counters: SessionCounters) -> RadiusRequests.AccountingRecord? {
        guard let v = verdictForAccounting(slot) else { return nil }
        let total = slot.counters.total(counters)
        return RadiusRequests.AccountingRecord(user: v.peerName, sessionID: slot.accountingID,
                                               framedAddress: slot.framedAddress != 0 ? slot.framedAddress : v.framedAddress,
                                               framedIPv6Prefix: v.framedIPv6Prefix ?? slot.framedIPv6Prefix,
                                               delegatedIPv6Prefix: v.delegatedIPv6Prefix ?? slot.delegatedIPv6Prefix,
                                               framedIPv6Address: slot.framedIPv6Address,
                                               radiusClass: v.radiusClass, counters: total)
    }

    /// RFC 5176 §3: the authenticated sessions `selector` names.
    func sessions(matching selector: SessionSelector) -> [String] {
        slots.values.compactMap { slot in
            guard let v = slot.auth.verdict, v.success else { return nil }
            let s = slot.auth.start
            return selector.matches(accountingSessionID: slot.accountingID, userName: v.peerName,
                                    framedAddress: slot.framedAddress != 0 ? slot.framedAddress : v.framedAddress,
                                    nasPortID: s.nasPortID.isEmpty ? s.session : s.nasPortID,
                                    callingStation: s.callingStation) ? s.session : nil
        }
    }

    func owns(_ session: String) -> Bool { slots[session] != nil }

    /// ncpd's session-prefixes: false when no such session is ours.
    func setPrefixes(_ a: SessionPrefixesArguments) -> Bool {
        guard let slot = slots[a.session] else { return false }
        store(a, in: slot)
        return true
    }

    private func store(_ a: SessionPrefixesArguments, in slot: Slot) {
        slot.framedIPv6Prefix = a.prefix
        slot.delegatedIPv6Prefix = a.delegated
        slot.framedIPv6Address = a.address
    }

    /// A Disconnect or CoA for one of our sessions, carried out by linkd.
    func send(_ change: AuthChange) -> Bool {
        do { try link.send(.authChanged(change)) } catch {
            service.log.warning("session \(change.session): linkd not told of a RADIUS change: \(error)")
            return false
        }
        return true
    }

    /// linkd went away (restart): its sessions' timers stop; accounting of
    /// sessions it resumes continues when it reopens and reports them.
    func closed() {
        for slot in slots.values {
            cancelTimers(slot)
            if slot.accountingStarted { service.carryCounters(slot.accountingID, slot.counters.last) }
        }
        if !slots.isEmpty { service.log.notice("linkd pid \(pid) closed its conversation with \(slots.count) sessions") }
        slots = [:]
    }

    var sessionJSON: [JSONObject] {
        slots.values.map { slot in
            let a = slot.auth
            let o: JSONObject = [
                "session": .string(a.start.session), "port": .string(a.start.port),
                "authenticate_peer": a.start.authenticatePeer.map { .string($0.description) } ?? .null,
                "authenticate_self": a.start.authenticateSelf.map { .string($0.description) } ?? .null,
                "peer_name": .string(a.verdict?.peerName ?? a.authenticator?.peerName ?? ""),
                "state": .string(a.verdict.map { $0.success ? "succeeded" : "failed" } ?? "authenticating"),
                "reason": .string(a.verdict?.reason ?? ""),
                "failures": .int(Int64(a.authenticator?.failures ?? 0)),
                "accounting": .bool(slot.accountingStarted),
                "discarded": .int(Int64(a.discarded + (a.authenticator?.discarded ?? 0) + (a.peer?.discarded ?? 0))),
            ]
            return o
        }
    }
}
