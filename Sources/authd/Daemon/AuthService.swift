// authd's core: the credential sources (local secrets, then RADIUS for
// users not known locally), the conversations with each linkd, accounting,
// and the daemon's methods. Secrets stay in this process; log lines name
// users and methods, never a password, a response value or a shared secret.
import IPC

final class AuthService {
    let runtime: DaemonRuntime
    let settings: AuthSettings
    let secrets: LocalSecrets
    let policy: AuthPolicy
    let radius: RadiusClient
    let random: RandomSource
    let accounting: AccountingQueue
    private var conversations: [ObjectIdentifier: LinkdConversation] = [:]
    private(set) var counts = (started: 0, succeeded: 0, failed: 0, localChecks: 0, radiusChecks: 0, accounting: 0, refusedAttributes: 0)

    init(runtime: DaemonRuntime, settings: AuthSettings, secrets: LocalSecrets, radius: RadiusClient, random: RandomSource) {
        self.runtime = runtime; self.settings = settings; self.secrets = secrets; self.radius = radius
        self.random = random
        policy = AuthPolicy(settings)
        accounting = AccountingQueue(radius: radius, loop: runtime.loop, log: runtime.log)
    }

    var log: Log { runtime.log }

    // MARK: conversations

    /// A datagram on our rendezvous point: linkd opening a conversation.
    func arrived(_ arrival: inout RendezvousArrival) {
        guard case .conversationOpened = arrival.message, arrival.sender == .linkd else {
            log.warning("rendezvous: \(arrival.message.type) from \(arrival.sender) is not for authd")
            return
        }
        let link = Link(arrival.descriptors.take(0), remote: .linkd, loop: runtime.loop)
        let c = LinkdConversation(link: link, service: self, pid: arrival.credentials.pid)
        let key = ObjectIdentifier(c)
        conversations[key] = c
        link.onClose = { [unowned self, unowned c] in
            c.closed()
            self.conversations[key] = nil
        }
        do { try link.start() } catch {
            log.warning("conversation with linkd pid \(arrival.credentials.pid): \(error)")
            conversations[key] = nil
        }
        log.info("linkd pid \(arrival.credentials.pid) opened a conversation")
    }

    func concluded(_ v: AuthVerdict) {
        if v.success { counts.succeeded += 1 } else { counts.failed += 1 }
        runtime.publish(.auth(success: v.success, session: v.session, method: v.method?.description, peerName: v.peerName,
                              reason: v.reason, framedAddress: v.framedAddress != 0 ? IPv4.format(v.framedAddress) : nil))
    }

    func sessionStarted() { counts.started += 1 }

    // MARK: credential checks

    /// Local secrets for users they know, else RADIUS when configured.
    func verify(_ v: Verification, server: String, context: RadiusContext, completion: @escaping (VerificationResult) -> Void) {
        if let local = secrets.verify(v, server: server) {
            counts.localChecks += 1
            completion(local)
            return
        }
        guard radius.isEnabled else {
            completion(.reject("unknown user '\(v.user)'"))
            return
        }
        counts.radiusChecks += 1
        radius.send(.authentication, randomAuthenticator: true, build: RadiusRequests.accessRequest(v, context)) { [weak self] outcome in
            let result = RadiusRequests.result(outcome, for: v)
            if result.accepted, !result.grant.refused.isEmpty, let self {
                self.counts.refusedAttributes += result.grant.refused.count
                self.log.warning("session \(context.session): Access-Accept for '\(v.user)': ignored \(result.grant.refused.joined(separator: "; "))")
            }
            completion(result)
        }
    }

    // MARK: accounting

    func account(_ status: RadiusRequests.AccountingStatus, _ record: RadiusRequests.AccountingRecord, _ ctx: RadiusContext) {
        guard radius.hasAccounting else { return }
        counts.accounting += 1
        accounting.submit(status, record, ctx)
    }

    /// RFC 2866 §5.1 Accounting-On (router start) or -Off (clean stop): the
    /// server closes whatever sessions it still thinks this NAS has.
    /// Returns whether one was sent.
    @discardableResult
    func accountNAS(_ status: RadiusRequests.AccountingStatus) -> Bool {
        guard radius.hasAccounting else { return false }
        counts.accounting += 1
        let id = "\(settings.nasIdentifier)-\(status == .accountingOn ? "on" : "off")-\(random.bytes(4).hexString)"
        accounting.submit(status, RadiusRequests.AccountingRecord(user: "", sessionID: id),
                          RadiusContext(nasIdentifier: settings.nasIdentifier, session: "", callingStation: ""))
        return true
    }

    // MARK: counters across a linkd restart

    /// Last reported counters of sessions whose linkd went away, by
    /// Acct-Session-Id, until the restarted linkd resumes them. Bounded: a
    /// session that never resumes ended while linkd was down.
    private var carried: [String: SessionCounters] = [:]
    static let carriedLimit = 65_536

    func carryCounters(_ accountingID: String, _ c: SessionCounters) {
        if carried.count >= Self.carriedLimit {
            log.warning("\(carried.count) sessions' counters carried and none resumed: forgetting them")
            carried = [:]
        }
        carried[accountingID] = c
    }

    func takeCarriedCounters(_ accountingID: String) -> SessionCounters? { carried.removeValue(forKey: accountingID) }

    /// Sessions whose counter base an earlier authd deposited in the fd
    /// store, by Acct-Session-Id (linkd keeps the counts now; these are
    /// read as floors and withdrawn when their session ends).
    private var deposited: Set<String> = []

    func withdrawCounterBase(_ accountingID: String) {
        guard deposited.remove(accountingID) != nil else { return }
        try? runtime.withdraw(key: .session(accountingID))
    }

    /// After a restart: deposited bases wait for their sessions' resume.
    func restoreCounterBases(_ entries: [RestoredEntry]) {
        for e in entries {
            guard let id = e.key.session else { continue }
            guard let base = try? CounterBaseRecord.decode(e.record) else {
                log.warning("fd store: unreadable counter base for \(id); withdrawn")
                try? runtime.withdraw(key: e.key)
                continue
            }
            carried[id] = base
            deposited.insert(id)
        }
    }

    // MARK: dynamic authorization (RFC 5176)

    var dynamicAuthorization: DynamicAuthorizationServer?

    var dynamicAuthorizationSessions: DynamicAuthorizationServer.Sessions {
        .init(matching: { [unowned self] selector in conversations.values.flatMap { $0.sessions(matching: selector) } },
              apply: { [unowned self] session, change in
                  conversations.values.first { $0.owns(session) }?.send(change) ?? false
              })
    }

    // MARK: methods

    var status: AuthdStatus {
        var s = AuthdStatus()
        for c in conversations.values { s.sessions += c.sessionCount; s.unknownSessionMessages += c.unknownSession }
        s.conversations = conversations.count
        (s.started, s.succeeded, s.failed) = (counts.started, counts.succeeded, counts.failed)
        (s.localChecks, s.radiusChecks, s.accountingRequests) = (counts.localChecks, counts.radiusChecks, counts.accounting)
        s.refusedAttributes = counts.refusedAttributes
        s.users = secrets.users.count
        (s.papSecrets, s.chapSecrets) = (secrets.papSecrets.entries.count, secrets.chapSecrets.entries.count)
        (s.radius, s.accountingQueue, s.dynamicAuthorization) = (radius.status, accounting.status, dynamicAuthorization?.status)
        return s
    }

    /// `sessions`: every session of every linkd conversation.
    var sessionList: SessionListing {
        SessionListing(sessions: conversations.values.flatMap { $0.sessionJSON })
    }
}

extension AuthPolicy {
    init(_ s: AuthSettings) {
        self.init()
        challengeRestart = Double(s.chapRestart)
        maxChallenges = Int(s.chapMaxChallenge)
        chapInterval = Double(s.chapInterval)
        papRestart = Double(s.papRestart)
        maxAuthRequests = Int(s.papMaxAuthreq)
        papTimeout = Double(s.papTimeout)
        maxFailures = Int(s.maxFailures)
        failureDelay = Double(s.failureDelay)
    }
}

extension AuthService {
    /// ncpd's `session-prefixes` (through pppinit's daemon-call table): the
    /// pool prefixes of a session, for its accounting.
    func sessionPrefixes(_ arguments: JSON) throws(MethodError) -> JSON {
        let a = try SessionPrefixesArguments(json: arguments)
        let known = conversations.values.first { $0.owns(a.session) }?.setPrefixes(a) ?? false
        return SessionPrefixesReply(session: a.session, known: known).json
    }

    /// ncpd's `session-prefixes` (through pppinit's daemon-call table), asked
    /// when a session's accounting resumes here after authd's restart or
    /// linkd's: ncpd reported its pool prefixes to the old slot, and reports
    /// again only when they change. `then` gets them when ncpd holds the
    /// session. Best effort: no ncpd, or one that does not answer, is logged.
    func askPrefixes(_ session: String, then: @escaping (SessionPrefixesArguments) -> Void) {
        do {
            try runtime.link.call(.daemonCallRequested(target: ComponentName(.ncpd).description,
                                                       method: DaemonMethod.ncpdSessionPrefixes.name,
                                                       arguments: SessionArguments(id: session).json.encoded()),
                                  timeout: 10, onReply: { [weak self] r in
                switch r.message {
                case let .callReplied(json):
                    guard let answer = (try? JSON.parse(json)).flatMap({ try? NcpdSessionPrefixesReply(json: $0) }),
                          answer.prefixes.session == session else {
                        self?.log.notice("session \(session): ncpd's session-prefixes answer is unusable: \(json)")
                        return
                    }
                    if answer.known { then(answer.prefixes) } else { self?.log.debug("session \(session): ncpd does not hold it") }
                case let .errorReplied(code, reason):
                    self?.log.notice("session \(session): IPv6 prefixes not asked of ncpd: \(code): \(reason)")
                default: break
                }
            }, onFailure: { [weak self] e in
                self?.log.notice("session \(session): IPv6 prefixes not asked of ncpd: \(e)")
            })
        } catch {
            log.notice("session \(session): IPv6 prefixes not asked of ncpd: \(error)")
        }
    }
}
