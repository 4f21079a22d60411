// The peer role of one session: we prove ourselves to the authenticator with
// PAP (RFC 1334 §2.2: we send Authenticate-Requests until answered), CHAP-MD5
// (RFC 1994 §4.1: we answer every Challenge), MS-CHAPv2 (RFC 2759 §4–5: we
// answer, then verify the authenticator's "S=" response) or EAP-MD5 (RFC 3748
// §4–5: we answer Identity and MD5-Challenge, Nak other types). The secret
// comes from the local sources, looked up under our `user` name.
import IPC
import PPP

struct PeerRole {
    enum State: Equatable { case initial, waiting, succeeded, failed }

    let method: AuthMethod
    let policy: AuthPolicy
    /// pppd `user`: the name we authenticate as.
    let user: String
    /// pppd `remotename`: the authenticator's name for the secrets lookup;
    /// empty = the name it sends in its Challenge.
    let remoteName: String
    private let secrets: LocalSecrets
    private var random: RandomSource
    private(set) var state = State.initial
    /// PAP: the Identifier of the newest Authenticate-Request.
    private var identifier: UInt8 = 0
    /// PAP: the Identifier of this attempt's first request; the requests
    /// since carry the next ones, so this and `transmits` describe every
    /// Identifier the attempt has used without storing them.
    private var firstIdentifier: UInt8 = 0
    private var transmits = 0
    /// Our answer to the last Challenge/Request, resent for a duplicate.
    private var lastRequest: (identifier: UInt8, value: [UInt8], packet: [UInt8])?
    /// MS-CHAPv2: what we need to verify the authenticator response.
    private var msState: (secret: String, peerChallenge: [UInt8], ntResponse: [UInt8], challenge: [UInt8])?
    private(set) var discarded = 0

    init(method: AuthMethod, policy: AuthPolicy, user: String, remoteName: String,
         secrets: LocalSecrets, random: RandomSource) {
        self.method = method; self.policy = policy; self.user = user; self.remoteName = remoteName
        self.secrets = secrets; self.random = random
    }

    var protocolNumber: UInt16 { method.protocolNumber }

    mutating func start() -> [AuthAction] {
        state = .waiting
        guard method == .pap else { return [.startTimer(.peerWait, seconds: policy.peerTimeout)] }
        guard let (secret, _) = secrets.secret(client: user, server: remoteName, method: .pap) else {
            return fail("no PAP secret for user '\(user)'")
        }
        identifier = random.bytes(1)[0]
        firstIdentifier = identifier
        let request = packet(PAPPacket.authenticateRequest(peerID: Array(user.utf8.prefix(255)),
                                                           password: Array(secret.utf8.prefix(255))), identifier)
        lastRequest = (identifier, [], request)
        transmits = 1
        return [.send(protocol: protocolNumber, packet: request), .startTimer(.requestRestart, seconds: policy.papRestart)]
    }

    /// The authenticator accepted us before a restart: Succeeded, so its
    /// re-challenges are answered.
    mutating func resumeSucceeded() { state = .succeeded }

    mutating func receive(_ p: ControlPacket) -> [AuthAction] {
        switch method {
        case .pap:
            guard let pap = try? PAPPacket(parsing: p), state == .waiting, sentThisAttempt(p.identifier) else { return drop() }
            switch pap {
            case .authenticateAck: return succeed([.cancelTimer(.requestRestart)])
            case let .authenticateNak(message):
                return fail("authenticator refused us (PAP Nak: \(printable(message)))")
            case .authenticateRequest: return drop()
            }
        case .chapMD5, .msChapV2:
            guard let chap = try? CHAPPacket(parsing: p) else { return drop() }
            switch chap {
            case let .challenge(value, name): return answerChallenge(p.identifier, value, name.text)
            case let .success(message):
                guard let last = lastRequest, last.identifier == p.identifier else { return drop() }
                if state == .succeeded { return [] }  // a re-challenge passed
                return chapSucceeded(message)
            case let .failure(message):
                guard let last = lastRequest, last.identifier == p.identifier, state != .failed else { return drop() }
                return fail("authenticator refused us (\(method) Failure: \(printable(message)))")
            case .response: return drop()
            }
        case .eapMD5:
            guard let eap = try? EAPPacket(parsing: p) else { return drop() }
            switch eap {
            case let .request(type): return answerEAP(p.identifier, type)
            case .success:
                guard state == .waiting else { return drop() }
                return succeed([])
            case .failure:
                guard state != .failed else { return drop() }
                return fail("authenticator refused us (EAP Failure)")
            case .response: return drop()
            }
        }
    }

    mutating func timerExpired(_ t: AuthTimer) -> [AuthAction] {
        switch (t, state) {
        case (.requestRestart, .waiting):
            // RFC 1334 §2.2.1: retransmit until answered, then give up (pppd `pap-max-authreq`).
            guard transmits < policy.maxAuthRequests, var request = lastRequest?.packet else {
                return fail("no answer to \(transmits) PAP Authenticate-Requests")
            }
            // §2.2.1: "The Identifier field MUST be changed each time an
            // Authenticate-Request packet is issued": the next one.
            identifier &+= 1
            transmits += 1
            request[1] = identifier
            lastRequest = (identifier, [], request)
            return [.send(protocol: protocolNumber, packet: request),
                    .startTimer(.requestRestart, seconds: policy.papRestart)]
        case (.peerWait, .waiting):
            return fail("the authenticator did not conclude within \(Int(policy.peerTimeout)) s")
        default:
            return []
        }
    }

    /// RFC 1334 §2.2.1: an Ack or Nak answers this attempt if its Identifier
    /// is one of our requests' (firstIdentifier, +1, ... +transmits-1, mod
    /// 256): a slow authenticator may answer an earlier request after we
    /// resent it. After 256 requests every Identifier has been used.
    private func sentThisAttempt(_ id: UInt8) -> Bool {
        Int(id &- firstIdentifier) < transmits
    }

    // MARK: CHAP and MS-CHAPv2

    private mutating func answerChallenge(_ id: UInt8, _ value: [UInt8], _ name: String) -> [AuthAction] {
        guard state != .failed else { return drop() }
        // A retransmitted Challenge (our Response was lost) gets the same Response.
        if let last = lastRequest, last.identifier == id, last.value == value {
            return [.send(protocol: protocolNumber, packet: last.packet)]
        }
        let server = remoteName.isEmpty ? name : remoteName
        guard let (secret, _) = secrets.secret(client: user, server: server, method: method) else {
            return fail("no \(method) secret for user '\(user)' at '\(server)'")
        }
        let response: [UInt8]
        if method == .msChapV2 {
            // RFC 2759 §4: a 16-octet challenge; anything else is not MS-CHAPv2.
            guard value.count == 16 else { return drop() }
            let peerChallenge = random.bytes(16)
            let nt = MSCHAPv2.ntResponse(authenticatorChallenge: value, peerChallenge: peerChallenge,
                                         userName: user, password: secret)
            msState = (secret, peerChallenge, nt, value)
            response = MSCHAPv2Response(peerChallenge: peerChallenge, ntResponse: nt).encoded
        } else {
            response = CHAPMD5.response(identifier: id, secret: secret, challenge: value)
        }
        let p = packet(CHAPPacket.response(value: response, name: Array(user.utf8.prefix(200))), id)
        lastRequest = (id, value, p)
        return [.send(protocol: protocolNumber, packet: p)]
    }

    private mutating func chapSucceeded(_ message: [UInt8]) -> [AuthAction] {
        guard method == .msChapV2 else { return succeed([.cancelTimer(.peerWait)]) }
        // RFC 2759 §5: "S=<40 hex digits> M=<msg>"; the peer MUST verify it.
        let text = message.text
        guard let ms = msState, text.hasPrefix("S="), text.utf8.count >= 42 else {
            return fail("MS-CHAPv2 Success without an authenticator response")
        }
        let received = String(text.prefix(42))
        guard MSCHAPv2.checkAuthenticatorResponse(password: ms.secret, ntResponse: ms.ntResponse,
                                                  peerChallenge: ms.peerChallenge, authenticatorChallenge: ms.challenge,
                                                  userName: user, received: received) else {
            return fail("the authenticator's MS-CHAPv2 response did not verify (it does not know our secret)")
        }
        return succeed([.cancelTimer(.peerWait)])
    }

    // MARK: EAP

    private mutating func answerEAP(_ id: UInt8, _ type: EAPType) -> [AuthAction] {
        guard state != .failed else { return drop() }
        // RFC 3748 §4.1: a repeated Request gets the same Response.
        if let last = lastRequest, last.identifier == id, last.value == ((try? type.encoded()) ?? []) {
            return [.send(protocol: protocolNumber, packet: last.packet)]
        }
        let answer: EAPType
        switch type {
        case .identity: answer = .identity(Array(user.utf8.prefix(200)))
        case .notification: answer = .notification([])  // §5.2: acknowledged with an empty Response
        case let .md5Challenge(value, name):
            let server = remoteName.isEmpty ? name.text : remoteName
            guard let (secret, _) = secrets.secret(client: user, server: server, method: .eapMD5) else {
                return fail("no EAP-MD5 secret for user '\(user)' at '\(server)'")
            }
            answer = .md5Challenge(value: CHAPMD5.response(identifier: id, secret: secret, challenge: value),
                                   name: Array(user.utf8.prefix(200)))
        case .nak: return drop()
        case .other:
            answer = .nak([4])  // §5.3.1: we only do MD5-Challenge
        }
        let p = packet(EAPPacket.response(answer), id)
        lastRequest = (id, (try? type.encoded()) ?? [], p)
        return [.send(protocol: protocolNumber, packet: p)]
    }

    // MARK: outcomes

    private mutating func succeed(_ extra: [AuthAction]) -> [AuthAction] {
        state = .succeeded
        return extra + [.cancelTimer(.peerWait), .concluded(RoleOutcome(success: true, reason: "", name: user))]
    }

    private mutating func fail(_ reason: String) -> [AuthAction] {
        state = .failed
        return [.cancelTimer(.requestRestart), .cancelTimer(.peerWait),
                .concluded(RoleOutcome(success: false, reason: reason, name: user))]
    }

    private mutating func drop() -> [AuthAction] {
        discarded += 1
        return []
    }
}

/// A peer's message, safe for a log line: printable ASCII, bounded.
func printable(_ bytes: [UInt8]) -> String {
    String(bytes.prefix(120).map { (32...126).contains($0) ? Character(UnicodeScalar($0)) : "." })
}
