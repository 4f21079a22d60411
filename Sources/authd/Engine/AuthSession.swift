// One session's Authenticate phase (RFC 1661 §3.5): the authenticator role,
// the peer role, or both, fed by protocol number, and their outcomes joined
// into one AuthVerdict for linkd — success once every role has succeeded,
// failure as soon as one fails, and a later failure if a re-challenge fails.
import IPC
import PPP

/// What the daemon does for a session.
enum SessionAction: Equatable {
    case send(protocol: UInt16, packet: [UInt8])
    case startTimer(AuthRoleName, AuthTimer, seconds: Double)
    case cancelTimer(AuthRoleName, AuthTimer)
    case verify(Verification)
    case verdict(AuthVerdict)
}

enum AuthRoleName: Hashable { case authenticator, peer }

struct AuthSession {
    let start: AuthStart
    // The roles and their outcomes live in boxes: a session runs one role
    // as a rule, and authd keeps every session for its life (accounting,
    // re-challenges), so the one not run costs a reference, not its size
    // (issue 13, point 5: AuthSession was 1,176 octets inline).
    private var authenticatorBox: Box<Authenticator>?
    private var peerBox: Box<PeerRole>?
    private var authenticatorOutcomeBox: Box<RoleOutcome>?
    private var peerOutcomeBox: Box<RoleOutcome>?
    private(set) var authenticator: Authenticator? {
        get { authenticatorBox?.value }
        set { Box.store(newValue, in: &authenticatorBox) }
    }
    private(set) var peer: PeerRole? {
        get { peerBox?.value }
        set { Box.store(newValue, in: &peerBox) }
    }
    private var authenticatorOutcome: RoleOutcome? {
        get { authenticatorOutcomeBox?.value }
        set { Box.store(newValue, in: &authenticatorOutcomeBox) }
    }
    private var peerOutcome: RoleOutcome? {
        get { peerOutcomeBox?.value }
        set { Box.store(newValue, in: &peerOutcomeBox) }
    }
    private(set) var verdict: AuthVerdict?
    /// Frames for a protocol neither role runs, or a code the role's side never receives.
    private(set) var discarded = 0

    init(_ start: AuthStart, policy: AuthPolicy, secrets: LocalSecrets, random: RandomSource) {
        self.start = start
        if let m = start.authenticatePeer {
            authenticator = Authenticator(method: m, policy: policy, localName: start.localName, random: random)
        }
        if let m = start.authenticateSelf {
            peer = PeerRole(method: m, policy: policy, user: start.user, remoteName: start.remoteName,
                            secrets: secrets, random: random)
        }
    }

    /// A session authenticated before a restart (linkd's or ours): the
    /// verdict stands (for accounting, too) and both roles are back in
    /// their Succeeded state, so that a re-challenge still works either
    /// way: ours (pppd `chap-interval`, started again by `resume()`) and the
    /// peer's, which we answer (RFC 1994 §3: "at any time during the
    /// Network-Layer Protocol phase").
    init(resuming start: AuthStart, verdict: AuthVerdict, policy: AuthPolicy, secrets: LocalSecrets,
         random: RandomSource) {
        self.init(start, policy: policy, secrets: secrets, random: random)
        self.verdict = verdict
        if authenticator != nil {
            authenticatorOutcome = RoleOutcome(success: true, reason: verdict.reason, name: verdict.peerName)
        }
        if peer != nil { peerOutcome = RoleOutcome(success: true, reason: "", name: start.user) }
    }

    /// The resumed roles' timers: the authenticator's next re-challenge.
    mutating func resume() -> [SessionAction] {
        var out: [SessionAction] = []
        if var a = authenticator { let acts = a.resumeSucceeded(peerName: verdict?.peerName ?? ""); authenticator = a; out += map(acts, .authenticator) }
        if var p = peer { p.resumeSucceeded(); peer = p }
        return out
    }

    var isFinished: Bool { verdict != nil }

    mutating func begin() -> [SessionAction] {
        var out: [SessionAction] = []
        if authenticator == nil && peer == nil {
            out += conclude()  // nothing to do: linkd asked without a method
            return out
        }
        if var a = authenticator {
            // RFC 2661 §4.4.5: an LNS's linkd may hand over what its LAC proxied.
            let acts = start.proxied.map { a.startProxied($0) } ?? a.start()
            authenticator = a
            out += map(acts, .authenticator)
        }
        if var p = peer { let acts = p.start(); peer = p; out += map(acts, .peer) }
        return out
    }

    /// A PAP/CHAP/EAP packet from the peer. Requests, Responses and answers
    /// go to the role that receives them: CHAP Response and EAP Response and
    /// PAP Authenticate-Request to the authenticator, the rest to the peer.
    mutating func receive(protocol proto: UInt16, packet bytes: [UInt8]) -> [SessionAction] {
        guard let p = try? ControlPacket(parsing: bytes) else { discarded += 1; return [] }
        let toAuthenticator: Bool = switch proto {
        case 0xc023: p.code.rawValue == 1   // RFC 1334 §2.2: Authenticate-Request
        case 0xc223, 0xc227: p.code.rawValue == 2  // RFC 1994 §4.1, RFC 3748 §4.1: Response
        default: false
        }
        if toAuthenticator, var a = authenticator, a.protocolNumber == proto {
            let acts = a.receive(p); authenticator = a
            return map(acts, .authenticator)
        }
        if !toAuthenticator, var r = peer, r.protocolNumber == proto {
            let acts = r.receive(p); peer = r
            return map(acts, .peer)
        }
        discarded += 1
        return []
    }

    mutating func timerExpired(_ role: AuthRoleName, _ t: AuthTimer) -> [SessionAction] {
        switch role {
        case .authenticator:
            guard var a = authenticator else { return [] }
            let acts = a.timerExpired(t); authenticator = a
            return map(acts, .authenticator)
        case .peer:
            guard var r = peer else { return [] }
            let acts = r.timerExpired(t); peer = r
            return map(acts, .peer)
        }
    }

    mutating func verified(id: UInt32, _ result: VerificationResult) -> [SessionAction] {
        guard var a = authenticator else { return [] }
        let acts = a.verified(id: id, result); authenticator = a
        return map(acts, .authenticator)
    }

    private mutating func map(_ actions: [AuthAction], _ role: AuthRoleName) -> [SessionAction] {
        var out: [SessionAction] = []
        let proto = role == .authenticator ? authenticator?.protocolNumber : peer?.protocolNumber
        for a in actions {
            switch a {
            case let .send(_, packet): out.append(.send(protocol: proto ?? 0, packet: packet))
            case let .startTimer(t, s): out.append(.startTimer(role, t, seconds: s))
            case let .cancelTimer(t): out.append(.cancelTimer(role, t))
            case let .verify(v): out.append(.verify(v))
            case let .concluded(o):
                if role == .authenticator { authenticatorOutcome = o } else { peerOutcome = o }
                out += conclude()
            }
        }
        return out
    }

    /// Joins the roles' outcomes: a failure is final at once; success waits
    /// for every role. After a success, only a failure is news.
    private mutating func conclude() -> [SessionAction] {
        let failed = [authenticatorOutcome, peerOutcome].compactMap { $0 }.first { !$0.success }
        if let failed {
            if let v = verdict, !v.success { return [] }
            var v = AuthVerdict(session: start.session, success: false)
            v.reason = failed.reason
            v.peerName = authenticatorOutcome?.name ?? ""
            v.method = start.authenticatePeer ?? start.authenticateSelf
            verdict = v
            return [.verdict(v)]
        }
        guard verdict == nil,
              authenticator == nil || authenticatorOutcome?.success == true,
              peer == nil || peerOutcome?.success == true else { return [] }
        var v = AuthVerdict(session: start.session, success: true)
        v.method = start.authenticatePeer ?? start.authenticateSelf
        if let o = authenticatorOutcome {
            v.peerName = o.name
            v.reason = o.reason
            v.framedAddress = o.grant.framedAddress; v.framedNetmask = o.grant.framedNetmask
            v.sessionTimeout = o.grant.sessionTimeout; v.idleTimeout = o.grant.idleTimeout
            v.interimInterval = o.grant.interimInterval; v.radiusClass = o.grant.radiusClass
            v.framedPool = o.grant.framedPool; v.framedRoutes = o.grant.framedRoutes
            v.framedMTU = o.grant.framedMTU; v.dns = o.grant.dns; v.tunnels = o.grant.tunnels
            v.framedIPv6Prefix = o.grant.framedIPv6Prefix; v.delegatedIPv6Prefix = o.grant.delegatedIPv6Prefix
        } else {
            v.reason = "authenticated to the peer as '\(start.user)'"
        }
        verdict = v
        return [.verdict(v)]
    }
}

/// A value on the heap, for an AuthSession field most sessions leave nil.
/// AuthSession stays a value: a box shared with a copy is never written,
/// a new one takes the new value (copy on write).
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }

    static func store(_ value: Value?, in box: inout Box<Value>?) {
        guard let value else { box = nil; return }
        if box != nil && isKnownUniquelyReferenced(&box!) { box!.value = value } else { box = Box(value) }
    }
}
