// The authenticator role of one session: we make the peer prove itself with
// PAP (RFC 1334 §2), CHAP-MD5 (RFC 1994 §4), MS-CHAPv2 (RFC 2759 §3–6) or
// EAP-MD5 (RFC 3748 §4–5, RFC 2284 for PPP). It takes packets, timers and
// the answers of credential checks, and returns actions. Failed attempts are
// answered after a growing delay and end the session after maxFailures.
import IPC
import PPP

struct Authenticator {
    enum State: Equatable {
        case initial
        /// PAP: waiting for an Authenticate-Request.
        case awaitingRequest
        /// EAP: Request/Identity sent.
        case identityRequested
        /// CHAP/MS-CHAPv2/EAP-MD5: our Challenge is out.
        case challengeSent
        /// A check is running (local or RADIUS).
        case verifying
        /// A failed attempt waits out its delay before the answer.
        case delaying
        case succeeded
        case failed
    }

    let method: AuthMethod
    let policy: AuthPolicy
    /// Our name in Challenges (pppd `name`).
    let localName: String
    private var random: RandomSource
    private(set) var state = State.initial
    private(set) var identifier: UInt8
    private(set) var challenge: [UInt8] = []
    /// Every challenge value of this session: RFC 1994 §2.3 wants them unique.
    private var usedChallenges: Set<[UInt8]> = []
    private var transmits = 0
    private var lastChallenge: [UInt8] = []
    private(set) var failures = 0
    private var checkID: UInt32 = 0
    private var pendingCheck: UInt32?
    /// The answer sent for the current identifier (RFC 1994 §4.2: a repeated
    /// Response gets the same Code again); for PAP the answer to a request.
    private var lastReply: (identifier: UInt8, packet: [UInt8])?
    /// The failed attempt's answer, sent when the delay ends.
    private var delayedFailure: [UInt8] = []
    /// The name the peer proved (or claimed, while checking).
    private(set) var peerName = ""
    private var succeededOnce = false
    /// RFC 2661 §4.4.5: the exchange was the LAC's (startProxied): the
    /// answer is the verdict alone, nothing goes to the caller.
    private(set) var proxied = false
    /// Packets dropped: stale identifiers, duplicates, malformed.
    private(set) var discarded = 0

    init(method: AuthMethod, policy: AuthPolicy, localName: String, random: RandomSource) {
        self.method = method; self.policy = policy; self.localName = localName; self.random = random
        identifier = random.bytes(1)[0]
    }

    var protocolNumber: UInt16 { method.protocolNumber }

    /// The message of our PAP Authenticate-Ack.
    static let papWelcome = Array("Login ok".utf8)

    mutating func start() -> [AuthAction] {
        switch method {
        case .pap:
            state = .awaitingRequest
            return [.startTimer(.requestWait, seconds: policy.papTimeout)]
        case .eapMD5:
            // RFC 3748 §5.1: the authenticator usually opens with Request/Identity.
            state = .identityRequested
            identifier &+= 1
            return transmit(packet(.request(.identity([])), identifier))
        case .chapMD5, .msChapV2:
            return newChallenge()
        }
    }

    /// RFC 2661 §4.4.5 with an LNS's `proxy-auth`: check what the LAC
    /// proxied (PAP's name and password; CHAP's name, Identifier, Challenge
    /// and Response) as if the caller had sent it to us. The LAC already
    /// answered the caller, so success sends nothing and a failure ends the
    /// session at once (no second attempt: the caller is not asked again).
    mutating func startProxied(_ p: ProxiedAuthentication) -> [AuthAction] {
        proxied = true
        peerName = String(decoding: p.name, as: UTF8.self)
        identifier = p.identifier
        switch (method, p.method) {
        case (.pap, .pap):
            return check(.password(p.response))
        case (.chapMD5, .chapMD5):
            challenge = p.challenge
            usedChallenges.insert(p.challenge)
            return check(.chapMD5(identifier: p.identifier, challenge: p.challenge, response: p.response))
        default:
            return fail("the LAC proxied \(p.method), not \(method)")
        }
    }

    // MARK: packets

    mutating func receive(_ p: ControlPacket) -> [AuthAction] {
        switch method {
        case .pap:
            guard case let .authenticateRequest(peerID, password)? = try? PAPPacket(parsing: p) else { return drop() }
            return receivePAP(identifier: p.identifier, peerID: peerID.text, password: password)
        case .chapMD5, .msChapV2:
            guard case let .response(value, name)? = try? CHAPPacket(parsing: p) else { return drop() }
            return receiveCHAP(identifier: p.identifier, value: value, name: name.text)
        case .eapMD5:
            guard case let .response(type)? = try? EAPPacket(parsing: p) else { return drop() }
            return receiveEAP(identifier: p.identifier, type: type)
        }
    }

    private mutating func receivePAP(identifier id: UInt8, peerID: String, password: [UInt8]) -> [AuthAction] {
        switch state {
        case .awaitingRequest:
            identifier = id
            peerName = peerID
            return check(.password(password))
        case .succeeded, .failed:
            // RFC 1334 §2.2.1: a repeated request (our Ack or Nak was lost)
            // gets the same answer, with the request's identifier (the peer
            // changes it on every request it sends: same Identifier, same
            // answer; a new one, the same answer under the new Identifier).
            guard var reply = lastReply?.packet else { return drop() }
            reply[1] = id
            return [.send(protocol: protocolNumber, packet: reply)]
        case .verifying:
            // A retransmission while we check (RADIUS may take seconds): not
            // checked twice, but the answer goes out under the newest
            // Identifier, the one a peer that changes it per request (§2.2.1)
            // waits for.
            identifier = id
            return drop()
        case .delaying:
            // The same for a failed attempt's Nak, sent when the delay ends.
            if !delayedFailure.isEmpty { delayedFailure[1] = id }
            return drop()
        default:
            return drop()
        }
    }

    private mutating func receiveCHAP(identifier id: UInt8, value: [UInt8], name: String) -> [AuthAction] {
        // RFC 1994 §4.1: a Response must carry the current Challenge's Identifier.
        guard id == identifier else { return drop() }
        switch state {
        case .challengeSent:
            if succeededOnce && name != peerName {
                return fail("peer changed its name from '\(peerName)' to '\(name)' on re-challenge")
            }
            peerName = name
            if method == .msChapV2 {
                guard let r = try? MSCHAPv2Response(parsing: value) else {
                    return rejected("malformed MS-CHAPv2 response")
                }
                return check(.msChapV2(identifier: id, authenticatorChallenge: challenge, response: r))
            }
            return check(.chapMD5(identifier: id, challenge: challenge, response: value))
        case .succeeded, .failed:
            // RFC 1994 §4.2: the same Code again for the same Identifier.
            guard let last = lastReply, last.identifier == id else { return drop() }
            return [.send(protocol: protocolNumber, packet: last.packet)]
        default:
            return drop()
        }
    }

    private mutating func receiveEAP(identifier id: UInt8, type: EAPType) -> [AuthAction] {
        // RFC 3748 §4.1: a Response must match the outstanding Request.
        guard id == identifier else { return drop() }
        switch (state, type) {
        case let (.identityRequested, .identity(name)):
            peerName = name.text
            return newChallenge()
        case (.identityRequested, .nak), (.challengeSent, .nak):
            return fail("peer refused EAP-MD5 (RFC 3748 §5.3.1 Nak)")
        case let (.challengeSent, .md5Challenge(value, _)):
            return check(.chapMD5(identifier: id, challenge: challenge, response: value))
        case (.succeeded, _), (.failed, _):
            guard let last = lastReply, last.identifier == id else { return drop() }
            return [.send(protocol: protocolNumber, packet: last.packet)]
        default:
            return drop()
        }
    }

    // MARK: the answer of a check

    mutating func verified(id: UInt32, _ result: VerificationResult) -> [AuthAction] {
        guard state == .verifying, pendingCheck == id else { return [] }  // stale (re-challenged meanwhile)
        pendingCheck = nil
        if proxied && !succeededOnce {
            // The LAC's exchange: the verdict only (startProxied).
            state = result.accepted ? .succeeded : .failed
            if !result.accepted {
                return [.concluded(RoleOutcome(success: false, reason: "peer '\(peerName)' failed proxied \(method) authentication: \(result.reason)", name: peerName))]
            }
            succeededOnce = true
            var actions: [AuthAction] = [.concluded(RoleOutcome(success: true, reason: result.reason, name: peerName, grant: result.grant))]
            if policy.chapInterval > 0, method == .chapMD5 { actions.append(.startTimer(.rechallenge, seconds: policy.chapInterval)) }
            return actions
        }
        guard result.accepted else { return rejected(result.reason) }
        let reply: [UInt8]
        switch method {
        case .pap: reply = packet(PAPPacket.authenticateAck(message: Self.papWelcome), identifier)
        case .chapMD5: reply = packet(CHAPPacket.success(message: Array("Access granted".utf8)), identifier)
        case .msChapV2:
            // RFC 2759 §5: "S=<auth_string> M=<message>".
            reply = packet(CHAPPacket.success(message: Array("\(result.authenticatorResponse) M=Access granted".utf8)),
                           identifier)
        case .eapMD5: reply = packet(EAPPacket.success, identifier)
        }
        lastReply = (identifier, reply)
        state = .succeeded
        var actions: [AuthAction] = [.send(protocol: protocolNumber, packet: reply)]
        if method == .pap { actions.append(.cancelTimer(.requestWait)) }
        if !succeededOnce {
            succeededOnce = true
            actions.append(.concluded(RoleOutcome(success: true, reason: result.reason, name: peerName, grant: result.grant)))
        }
        // pppd `chap-interval`: periodic re-authentication (CHAP and MS-CHAPv2).
        if policy.chapInterval > 0, method == .chapMD5 || method == .msChapV2 {
            actions.append(.startTimer(.rechallenge, seconds: policy.chapInterval))
        }
        return actions
    }

    /// The peer passed before a restart (AuthSession(resuming:)): Succeeded
    /// again, and the periodic re-challenge runs as it did.
    mutating func resumeSucceeded(peerName name: String) -> [AuthAction] {
        state = .succeeded
        succeededOnce = true
        peerName = name
        // RFC 1334 §2.2.1: a request repeated after the restart (the Ack
        // was lost with it) still gets an Ack.
        if method == .pap { lastReply = (identifier, packet(PAPPacket.authenticateAck(message: Self.papWelcome), identifier)) }
        guard policy.chapInterval > 0, method == .chapMD5 || method == .msChapV2 else { return [] }
        return [.startTimer(.rechallenge, seconds: policy.chapInterval)]
    }

    // MARK: timers

    mutating func timerExpired(_ t: AuthTimer) -> [AuthAction] {
        switch (t, state) {
        case (.requestWait, .awaitingRequest):
            return fail("peer sent no PAP Authenticate-Request within \(Int(policy.papTimeout)) s")
        case (.challengeRestart, .challengeSent), (.challengeRestart, .identityRequested):
            guard transmits < policy.maxChallenges else {
                return fail("peer did not answer \(transmits) \(method == .eapMD5 ? "EAP requests" : "challenges")")
            }
            return transmit(lastChallenge)
        case (.rechallenge, .succeeded):
            return newChallenge()
        case (.failureDelay, .delaying):
            return failureDelayElapsed()
        default:
            return []
        }
    }

    // MARK: steps

    private mutating func check(_ proof: Proof) -> [AuthAction] {
        checkID &+= 1
        pendingCheck = checkID
        state = .verifying
        var actions: [AuthAction] = method == .pap ? [] : [.cancelTimer(.challengeRestart)]
        actions.append(.verify(Verification(id: checkID, method: method, user: peerName, proof: proof)))
        return actions
    }

    /// A failed attempt: the last allowed one is answered at once and ends
    /// the session; earlier ones wait out a growing delay, then get their
    /// Nak/Failure and another chance.
    private mutating func rejected(_ reason: String) -> [AuthAction] {
        failures += 1
        let answer: [UInt8]
        switch method {
        case .pap: answer = packet(PAPPacket.authenticateNak(message: Array("Login incorrect".utf8)), identifier)
        case .chapMD5: answer = packet(CHAPPacket.failure(message: Array("Access denied".utf8)), identifier)
        case .msChapV2:
            // RFC 2759 §6: E=691 authentication failure, R=0 no retry of this
            // challenge (a fresh Challenge follows when attempts remain).
            answer = packet(CHAPPacket.failure(message: Array(
                "E=691 R=0 C=\(challenge.hexString) V=3 M=Access denied".utf8)), identifier)
        case .eapMD5: answer = packet(EAPPacket.failure, identifier)
        }
        let who = peerName.isEmpty ? "peer" : "peer '\(peerName)'"
        if succeededOnce || failures >= policy.maxFailures {
            lastReply = (identifier, answer)
            state = .failed
            let why = succeededOnce
                ? "\(who) failed re-authentication (\(method)): \(reason)"
                : "\(who) failed \(method) authentication \(failures) time\(failures == 1 ? "" : "s"): \(reason)"
            var actions: [AuthAction] = [.send(protocol: protocolNumber, packet: answer)]
            if method == .pap { actions.append(.cancelTimer(.requestWait)) }
            actions.append(.concluded(RoleOutcome(success: false, reason: why, name: peerName)))
            return actions
        }
        state = .delaying
        // EAP: a Failure ends the conversation (RFC 3748 §4.2), so a retry is
        // just a new MD5-Challenge, sent after the delay instead.
        delayedFailure = method == .eapMD5 ? [] : answer
        return [.startTimer(.failureDelay, seconds: policy.delay(afterFailures: failures))]
    }

    private mutating func failureDelayElapsed() -> [AuthAction] {
        var actions: [AuthAction] = []
        if !delayedFailure.isEmpty { actions.append(.send(protocol: protocolNumber, packet: delayedFailure)) }
        delayedFailure = []
        if method == .pap {
            state = .awaitingRequest  // the peer may send another Authenticate-Request
            return actions
        }
        return actions + newChallenge()
    }

    private mutating func fail(_ reason: String) -> [AuthAction] {
        state = .failed
        return [.cancelTimer(.challengeRestart), .cancelTimer(.requestWait), .cancelTimer(.rechallenge),
                .concluded(RoleOutcome(success: false, reason: reason, name: peerName))]
    }

    /// A fresh Identifier and a challenge value never used in this session,
    /// 16 octets from the kernel CSPRNG (RFC 1994 §2.3; RFC 2759 §4 needs 16).
    private mutating func newChallenge() -> [AuthAction] {
        var value = random.bytes(16)
        while usedChallenges.contains(value) { value = random.bytes(16) }
        usedChallenges.insert(value)
        challenge = value
        identifier &+= 1
        state = .challengeSent
        let name = Array(localName.utf8.prefix(200))
        let p: [UInt8] = method == .eapMD5
            ? packet(EAPPacket.request(.md5Challenge(value: value, name: name)), identifier)
            : packet(CHAPPacket.challenge(value: value, name: name), identifier)
        return transmit(p, fresh: true)
    }

    private mutating func transmit(_ p: [UInt8], fresh: Bool = false) -> [AuthAction] {
        if fresh || p != lastChallenge { transmits = 0 }
        lastChallenge = p
        transmits += 1
        return [.send(protocol: protocolNumber, packet: p), .startTimer(.challengeRestart, seconds: policy.challengeRestart)]
    }

    private mutating func drop() -> [AuthAction] {
        discarded += 1
        return []
    }
}

/// Encodes one auth packet; every packet we build fits (names are bounded).
func packet(_ p: PAPPacket, _ id: UInt8) -> [UInt8] { try! p.controlPacket(identifier: id).encoded() }
func packet(_ p: CHAPPacket, _ id: UInt8) -> [UInt8] { try! p.controlPacket(identifier: id).encoded() }
func packet(_ p: EAPPacket, _ id: UInt8) -> [UInt8] { try! p.controlPacket(identifier: id).encoded() }
