// Two AuthSessions wired back to back, as two routers' authd would be, with
// packets carried by hand, credential checks answered from LocalSecrets and
// timers fired only when a test says so (a deterministic clock).
import IPC
import PPP
@testable import authd

/// A deterministic "CSPRNG": a counter, so every draw differs.
func countingRandom(start: UInt8 = 1) -> RandomSource {
    final class Box: @unchecked Sendable { var n: UInt64 = 0 }
    let box = Box()
    return RandomSource { count in
        (0..<count).map { _ in box.n &+= 1; return UInt8(truncatingIfNeeded: box.n &* 2654435761 &+ UInt64(start)) }
    }
}

final class Side {
    var session: AuthSession
    let secrets: LocalSecrets
    let serverName: String
    var timers: [AuthRoleName: [AuthTimer: Double]] = [:]
    var verdicts: [AuthVerdict] = []
    var sent: [(UInt16, [UInt8])] = []
    var pendingChecks: [Verification] = []
    /// Answer checks at once (false: a test answers them).
    var autoVerify = true

    init(_ start: AuthStart, secrets: LocalSecrets, policy: AuthPolicy = AuthPolicy(), random: RandomSource = countingRandom()) {
        session = AuthSession(start, policy: policy, secrets: secrets, random: random)
        self.secrets = secrets
        serverName = start.localName
    }

    func timer(_ role: AuthRoleName, _ t: AuthTimer) -> Double? { timers[role]?[t] }

    /// Carries out actions; returns packets to deliver to the other side.
    func apply(_ actions: [SessionAction]) -> [(UInt16, [UInt8])] {
        var out: [(UInt16, [UInt8])] = []
        for a in actions {
            switch a {
            case let .send(proto, p): out.append((proto, p)); sent.append((proto, p))
            case let .startTimer(role, t, s): timers[role, default: [:]][t] = s
            case let .cancelTimer(role, t): timers[role]?[t] = nil
            case let .verify(v):
                if autoVerify {
                    let r = secrets.verify(v, server: serverName) ?? .reject("unknown user '\(v.user)'")
                    out += apply(session.verified(id: v.id, r))
                } else {
                    pendingChecks.append(v)
                }
            case let .verdict(v): verdicts.append(v)
            }
        }
        return out
    }

    func fire(_ role: AuthRoleName, _ t: AuthTimer) -> [(UInt16, [UInt8])] {
        guard timers[role]?[t] != nil else { return [] }
        timers[role]?[t] = nil
        return apply(session.timerExpired(role, t))
    }
}

/// A pair of sides and the wire between them.
final class Pair {
    let a: Side, b: Side
    /// Packets on the wire, in order, with the side they go to.
    var wire: [(toA: Bool, proto: UInt16, packet: [UInt8])] = []
    /// Drop everything sent to this side (a lost link direction).
    var dropToA = false, dropToB = false
    var delivered = 0

    init(a: Side, b: Side) { self.a = a; self.b = b }

    func begin() {
        queue(a.apply(a.session.begin()), toA: false)
        queue(b.apply(b.session.begin()), toA: true)
    }

    func queue(_ packets: [(UInt16, [UInt8])], toA: Bool) {
        for (proto, p) in packets where !(toA ? dropToA : dropToB) { wire.append((toA, proto, p)) }
    }

    /// Delivers until the wire is empty (bounded).
    func pump() {
        var steps = 0
        while !wire.isEmpty && steps < 1000 {
            let f = wire.removeFirst()
            steps += 1; delivered += 1
            let target = f.toA ? a : b
            queue(target.apply(target.session.receive(protocol: f.proto, packet: f.packet)), toA: !f.toA)
        }
    }

    func fire(_ side: Side, _ role: AuthRoleName, _ t: AuthTimer) {
        queue(side.fire(role, t), toA: side !== a)
        pump()
    }
}

func start(_ session: String, authenticatePeer: AuthMethod? = nil, authenticateSelf: AuthMethod? = nil,
           user: String = "", localName: String = "", remoteName: String = "") -> AuthStart {
    var s = AuthStart(session: session, port: "p", authenticatePeer: authenticatePeer, authenticateSelf: authenticateSelf)
    s.user = user; s.localName = localName; s.remoteName = remoteName
    return s
}
