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
    private var conversations: [ObjectIdentifier: LinkdConversation] = [:]
    private(set) var counts = (started: 0, succeeded: 0, failed: 0, localChecks: 0, radiusChecks: 0, accounting: 0)

    init(runtime: DaemonRuntime, settings: AuthSettings, secrets: LocalSecrets, radius: RadiusClient, random: RandomSource) {
        self.runtime = runtime; self.settings = settings; self.secrets = secrets; self.radius = radius
        self.random = random
        policy = AuthPolicy(settings)
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
        var e: JSONObject = ["event": .string(v.success ? "auth-succeeded" : "auth-failed"), "session": .string(v.session),
                             "method": v.method.map { .string($0.description) } ?? .null,
                             "peer_name": .string(v.peerName), "reason": .string(v.reason)]
        if v.framedAddress != 0 { e["framed_address"] = .string(IPv4.format(v.framedAddress)) }
        runtime.publish(e)
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
        radius.send(.authentication, randomAuthenticator: true, build: RadiusRequests.accessRequest(v, context)) { outcome in
            completion(RadiusRequests.result(outcome, for: v))
        }
    }

    // MARK: accounting

    func account(_ status: RadiusRequests.AccountingStatus, _ record: RadiusRequests.AccountingRecord, _ ctx: RadiusContext) {
        guard radius.hasAccounting else { return }
        counts.accounting += 1
        radius.send(.accounting, randomAuthenticator: false,
                    build: RadiusRequests.accountingRequest(status, record, ctx)) { [weak self] outcome in
            switch outcome {
            case let .answered(p, _) where p.code == RadiusPacket.accountingResponse: break
            case let .answered(p, _):
                self?.log.warning("RADIUS accounting \(status) for \(record.sessionID): answered with code \(p.code)")
            case let .timedOut(tried):
                self?.log.warning("RADIUS accounting \(status) for \(record.sessionID): no server answered (\(tried) tried)")
            }
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

    var status: JSONObject {
        var sessions = 0, unknown = 0
        for c in conversations.values { sessions += c.sessionCount; unknown += c.unknownSession }
        return ["sessions": .int(Int64(sessions)), "conversations": .int(Int64(conversations.count)),
                "started": .int(Int64(counts.started)), "succeeded": .int(Int64(counts.succeeded)),
                "failed": .int(Int64(counts.failed)), "local_checks": .int(Int64(counts.localChecks)),
                "radius_checks": .int(Int64(counts.radiusChecks)), "accounting_requests": .int(Int64(counts.accounting)),
                "unknown_session_messages": .int(Int64(unknown)),
                "users": .int(Int64(secrets.users.count)),
                "pap_secrets": .int(Int64(secrets.papSecrets.entries.count)),
                "chap_secrets": .int(Int64(secrets.chapSecrets.entries.count)),
                "radius": .object(radius.status),
                "dynamic_authorization": dynamicAuthorization.map { .object($0.status) } ?? .null]
    }

    var sessionList: JSON {
        .array(conversations.values.flatMap { $0.sessionJSON })
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
