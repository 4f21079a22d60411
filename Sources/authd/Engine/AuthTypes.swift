// The vocabulary of authd's auth engine: the events a session takes (packets,
// timers, the answer of a credential check) and the actions it returns (send
// a packet, start or cancel a timer, ask for a check, a verdict). The engine
// is pure values; the daemon carries the actions out, tests drive it by hand.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPP

/// The timers of one session; each role owns its own.
enum AuthTimer: Hashable, CustomStringConvertible {
    /// Authenticator: retransmit the Challenge / EAP Request (RFC 1994 §4.1).
    case challengeRestart
    /// Authenticator: how long we wait for a PAP Authenticate-Request (pppd `pap-timeout`).
    case requestWait
    /// Authenticator: periodic re-challenge (pppd `chap-interval`).
    case rechallenge
    /// Authenticator: the growing pause after a failed attempt (rate limit).
    case failureDelay
    /// Peer: retransmit the PAP Authenticate-Request (RFC 1334 §2.2.1).
    case requestRestart
    /// Peer: how long we wait for the authenticator to conclude.
    case peerWait

    var description: String {
        switch self {
        case .challengeRestart: "challenge-restart"
        case .requestWait: "request-wait"
        case .rechallenge: "rechallenge"
        case .failureDelay: "failure-delay"
        case .requestRestart: "request-restart"
        case .peerWait: "peer-wait"
        }
    }
}

/// What the peer proved, for a credential source (local secrets or RADIUS).
enum Proof: Equatable {
    /// PAP (RFC 1334): the password in clear, as received.
    case password([UInt8])
    /// CHAP-MD5 (RFC 1994) and EAP-MD5 (RFC 3748 §5.4): MD5(identifier | secret | challenge).
    case chapMD5(identifier: UInt8, challenge: [UInt8], response: [UInt8])
    /// MS-CHAPv2 (RFC 2759 §4): the Response value against our challenge.
    case msChapV2(identifier: UInt8, authenticatorChallenge: [UInt8], response: MSCHAPv2Response)
}

/// A request to check one credential; `id` matches the answer.
struct Verification: Equatable {
    var id: UInt32
    var method: AuthMethod
    var user: String
    var proof: Proof
}

/// What an authenticator may grant with an accept (RFC 2865 §5 attributes).
struct Grant: Equatable {
    var framedAddress: UInt32 = 0
    var framedNetmask: UInt32 = 0
    var sessionTimeout: UInt32 = 0
    var idleTimeout: UInt32 = 0
    var interimInterval: UInt32 = 0
    var radiusClass: [UInt8] = []
    var framedPool = ""
    var framedRoutes: [FramedRoute] = []
    var framedMTU: UInt32 = 0
    var dns: [UInt32] = []
    /// RFC 3162 §2.3, RFC 4818 §3: the session's /64 and delegated prefix.
    var framedIPv6Prefix: IPv6PrefixValue?
    var delegatedIPv6Prefix: IPv6PrefixValue?
    /// RFC 2868 L2TP tunnels, best first (TunnelAttributes).
    var tunnels: [TunnelChoice] = []
    /// Attributes of the answer that were refused (malformed or out of
    /// range), each with why: logged and counted, the rest still applies.
    var refused: [String] = []
}

/// A credential source's answer.
struct VerificationResult: Equatable {
    var accepted: Bool
    /// Why it was refused, or where it was accepted ("secrets", "radius").
    var reason: String
    var grant = Grant()
    /// MS-CHAPv2: "S=…" (RFC 2759 §8.7), computed locally or from RADIUS
    /// MS-CHAP2-Success (RFC 2548 §2.3.3).
    var authenticatorResponse = ""

    static func accept(_ source: String, grant: Grant = Grant(), authenticatorResponse: String = "") -> Self {
        VerificationResult(accepted: true, reason: source, grant: grant, authenticatorResponse: authenticatorResponse)
    }
    static func reject(_ reason: String) -> Self { VerificationResult(accepted: false, reason: reason) }
}

/// How one role concluded.
struct RoleOutcome: Equatable {
    var success: Bool
    var reason: String
    /// Authenticator: the name the peer proved; peer: our own name.
    var name: String = ""
    var grant = Grant()
}

/// What a role asks the daemon to do.
enum AuthAction: Equatable {
    case send(protocol: UInt16, packet: [UInt8])
    case startTimer(AuthTimer, seconds: Double)
    case cancelTimer(AuthTimer)
    case verify(Verification)
    case concluded(RoleOutcome)
}

/// Restart timers, retry limits and the failure policy (pppd's names and defaults).
struct AuthPolicy: Equatable {
    /// RFC 1994 §4.1 / pppd `chap-restart`: seconds between Challenge retransmissions.
    var challengeRestart: Double = 3
    /// pppd `chap-max-challenge`: Challenges sent before giving up.
    var maxChallenges = 10
    /// pppd `chap-interval`: re-challenge every this many seconds; 0 = never.
    var chapInterval: Double = 0
    /// pppd `pap-restart` and `pap-max-authreq` (peer role).
    var papRestart: Double = 3
    var maxAuthRequests = 10
    /// pppd `pap-timeout`: seconds the authenticator waits for a request.
    var papTimeout: Double = 30
    /// Failed attempts that end the session (the last one answers at once).
    var maxFailures = 3
    /// The pause before answering a failed attempt: this, doubled after each
    /// failure, at most `failureDelayMax` (rate limiting per session).
    var failureDelay: Double = 1
    var failureDelayMax: Double = 16

    /// The pause after the `failures`-th failure.
    func delay(afterFailures failures: Int) -> Double {
        var d = failureDelay
        for _ in 1..<max(1, failures) { d *= 2 }
        return min(d, failureDelayMax)
    }

    /// How long a peer waits for the authenticator to conclude.
    var peerTimeout: Double { max(challengeRestart * Double(maxChallenges), papTimeout) }
}

/// The kernel CSPRNG (getrandom(2)), or a fixed stream in tests.
struct RandomSource: Sendable {
    var bytes: @Sendable (Int) -> [UInt8]

    static let system = RandomSource { n in
        var out = [UInt8](repeating: 0, count: n)
        var filled = 0
        while filled < n {
            let r = out.withUnsafeMutableBytes { ppp_getrandom($0.baseAddress! + filled, UInt(n - filled)) }
            if r > 0 { filled += r } else if errno != EINTR { fatalError("getrandom failed: \(errno)") }
        }
        return out
    }
}

extension [UInt8] {
    var hexString: String { map { MSCHAPv2.hexByte($0) }.joined() }
    var text: String { String(decoding: self, as: UTF8.self) }
}
