// fuzz-sources: Sources/authd/Engine Sources/authd/Packets Sources/authd/Crypto Sources/authd/Secrets
// fuzz-flags: -I Sources/CNettle
// fuzz-modules: CShim IPC PPP
// libFuzzer target: authd's engine (AuthSession over Authenticator and
// PeerRole) for PAP, CHAP-MD5, MS-CHAPv2 and EAP-MD5 in both roles (and an
// LNS's proxied PAP/CHAP, RFC 2661 §4.4.5), driven by
// a hostile peer: the input picks the methods, then is a script of events —
// packets of any protocol and content, timer expiries, and answers to the
// engine's credential checks (checked against real local secrets, or forced).
// Properties: nothing traps; every packet the engine sends parses as a PPP
// control packet; at most one success verdict, and nothing after a failure.
import IPC
import PPP

/// A counter for a CSPRNG: the same input replays the same session.
func counting() -> RandomSource {
    final class Box: @unchecked Sendable { var n: UInt64 = 0 }
    let box = Box()
    return RandomSource { count in
        (0..<count).map { _ in box.n &+= 1; return UInt8(truncatingIfNeeded: box.n &* 0x9E37_79B9) }
    }
}

struct Script {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0
    mutating func next() -> UInt8? {
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[at]
    }
    mutating func take(_ n: Int) -> [UInt8] {
        let end = min(bytes.count, at + n)
        defer { at = end }
        return Array(bytes[at..<end])
    }
}

let protocols: [UInt16] = [0xc023, 0xc223, 0xc227, 0xc021]
let timers: [AuthTimer] = [.challengeRestart, .requestWait, .rechallenge, .failureDelay, .requestRestart, .peerWait]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var s = Script(bytes: UnsafeBufferPointer(start: data, count: size))
    guard let roles = s.next() else { return 0 }
    let methods: [AuthMethod?] = [nil] + AuthMethod.allCases
    var start = AuthStart(session: "fuzz:1", port: "fuzz",
                          authenticatePeer: methods[Int(roles & 7) % methods.count],
                          authenticateSelf: methods[Int(roles >> 3 & 7) % methods.count])
    start.user = "alice"; start.remoteName = "server"; start.localName = "router"
    var secrets = LocalSecrets()
    secrets.users = ["alice": "secret", "bob": ""]
    // RFC 2661 §4.4.5: an LNS's start with what its LAC proxied, for the
    // method LCP settled (PAP or CHAP-MD5); nothing goes to the caller
    // before the verdict.
    let proxied = roles & 0x80 != 0 && start.authenticateSelf == nil
        && (start.authenticatePeer == .pap || start.authenticatePeer == .chapMD5)
    if proxied, let m = start.authenticatePeer {
        let name = s.take(Int(s.next() ?? 0) % 8), id = s.next() ?? 0
        let challenge = s.take(Int(s.next() ?? 0) % 20), response = s.take(Int(s.next() ?? 0) % 20)
        start.proxied = ProxiedAuthentication(method: m, name: name, identifier: id,
                                              challenge: m == .chapMD5 && challenge.isEmpty ? [1] : challenge,
                                              response: m == .chapMD5 && response.isEmpty ? [1] : response)
    }
    var policy = AuthPolicy()
    policy.chapInterval = roles & 0x40 != 0 ? 60 : 0
    var session = AuthSession(start, policy: policy, secrets: secrets, random: counting())
    var checks: [Verification] = []
    var successes = 0
    var failed = false

    func apply(_ actions: [SessionAction]) {
        for a in actions {
            switch a {
            case let .send(proto, packet):
                precondition(!proxied || successes > 0 || failed, "a proxied authentication sent to the caller before its verdict")
                precondition(protocols.contains(proto), "sent on protocol \(proto)")
                precondition((try? ControlPacket(parsing: packet)) != nil, "sent an unparseable packet")
            case let .verify(v): checks.append(v)
            case let .verdict(v):
                precondition(!failed, "a verdict after a failure")
                if v.success { successes += 1; precondition(successes == 1, "two successes") } else { failed = true }
            case .startTimer, .cancelTimer: break
            }
        }
    }

    apply(session.begin())
    var steps = 0
    while let op = s.next(), steps < 64 {
        steps += 1
        switch op % 4 {
        case 0, 1:
            let proto = protocols[Int(s.next() ?? 0) % protocols.count]
            let length = Int(s.next() ?? 0)
            apply(session.receive(protocol: proto, packet: s.take(length)))
        case 2:
            let t = s.next() ?? 0
            apply(session.timerExpired(t & 0x80 == 0 ? .authenticator : .peer, timers[Int(t & 0x7f) % timers.count]))
        default:
            guard !checks.isEmpty else { continue }
            let v = checks.removeFirst()
            let how = s.next() ?? 0
            let id = how & 0x80 == 0 ? v.id : UInt32(how)  // a stale or unknown id too
            let result: VerificationResult = switch how & 3 {
            case 0: secrets.verify(v, server: start.localName) ?? .reject("unknown user")
            case 1: .accept("forced")
            case 2: .accept("forced", authenticatorResponse: String(decoding: s.take(42), as: UTF8.self))
            default: .reject("forced")
            }
            apply(session.verified(id: id, result))
        }
    }
    return 0
}
