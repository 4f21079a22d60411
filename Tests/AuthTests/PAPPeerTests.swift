// Our PAP peer's Identifiers (RFC 1334 §2.2.1: "The Identifier field MUST be
// changed each time an Authenticate-Request packet is issued"): every
// retransmission takes the next one, and an Ack or Nak for any request of
// the attempt concludes it (a slow authenticator answers an older one);
// an Identifier never sent is dropped and counted, also across the 8-bit wrap.
import IPC
import PPP
import Testing
@testable import authd

/// A PAP PeerRole for "bob" whose first request carries `first`.
private func papPeer(first: UInt8, maxRequests: Int = 10) -> PeerRole {
    var policy = AuthPolicy(); policy.maxAuthRequests = maxRequests
    return PeerRole(method: .pap, policy: policy, user: "bob", remoteName: "",
                    secrets: LocalSecrets(users: ["bob": "s3cret"]),
                    random: RandomSource { n in [UInt8](repeating: first, count: n) })
}

/// The requests sent by start() and `retransmits` restart timers.
private func requests(_ peer: inout PeerRole, retransmits: Int) -> [[UInt8]] {
    var out: [[UInt8]] = []
    for a in peer.start() { if case let .send(_, p) = a { out.append(p) } }
    for _ in 0..<retransmits {
        for a in peer.timerExpired(.requestRestart) { if case let .send(_, p) = a { out.append(p) } }
    }
    return out
}

private func ack(_ id: UInt8) throws -> ControlPacket {
    try PAPPacket.authenticateAck(message: Array("ok".utf8)).controlPacket(identifier: id)
}

private func nak(_ id: UInt8) throws -> ControlPacket {
    try PAPPacket.authenticateNak(message: Array("no".utf8)).controlPacket(identifier: id)
}

private func outcome(_ actions: [AuthAction]) -> RoleOutcome? {
    for a in actions { if case let .concluded(o) = a { return o } }
    return nil
}

@Test func papRetransmissionsCarryNewIdentifiers() {
    var peer = papPeer(first: 0x10, maxRequests: 5)
    let sent = requests(&peer, retransmits: 6)
    // Five requests (pap-max-authreq), then a failure instead of a sixth.
    #expect(sent.map { $0[1] } == [0x10, 0x11, 0x12, 0x13, 0x14])
    // Only the Identifier changes: same Code, Length, Peer-ID and Password.
    let bodies = sent.map { p -> [UInt8] in var q = p; q[1] = 0; return q }
    #expect(sent.count == 5 && Set(bodies).count == 1 && bodies[0][0] == 1)
    #expect(peer.state == .failed)
}

@Test func papAckForAnEarlierRequestOfTheAttemptIsAccepted() throws {
    var peer = papPeer(first: 0x40)
    _ = requests(&peer, retransmits: 2)  // 0x40, 0x41, 0x42
    let actions = peer.receive(try ack(0x40))
    #expect(outcome(actions)?.success == true && peer.state == .succeeded)
    #expect(actions.contains(.cancelTimer(.requestRestart)) && peer.discarded == 0)
    // A later answer to another request of the attempt: concluded already.
    #expect(peer.receive(try ack(0x42)).isEmpty && peer.discarded == 1)
}

@Test func papNakForAnEarlierRequestOfTheAttemptConcludes() throws {
    var peer = papPeer(first: 0x40)
    _ = requests(&peer, retransmits: 2)
    let o = outcome(peer.receive(try nak(0x41)))
    #expect(o?.success == false && o?.reason == "authenticator refused us (PAP Nak: no)")
}

@Test func papAnswerForAnIdentifierNeverSentIsDropped() throws {
    var peer = papPeer(first: 0x40)
    _ = requests(&peer, retransmits: 1)  // 0x40, 0x41
    // Not yet sent, before the first, far off: dropped, counted, still waiting.
    for id: UInt8 in [0x42, 0x3F, 0xC0] {
        #expect(peer.receive(try ack(id)).isEmpty)
        #expect(peer.receive(try nak(id)).isEmpty)
    }
    #expect(peer.discarded == 6 && peer.state == .waiting)
    // The next retransmission makes 0x42 one of ours.
    _ = peer.timerExpired(.requestRestart)
    #expect(outcome(peer.receive(try ack(0x42)))?.success == true)
}

/// The attempt 0xFE, 0xFF, 0x00, 0x01 across the 8-bit wrap.
@Test(arguments: [(UInt8(0xFD), false), (0xFE, true), (0xFF, true), (0x00, true), (0x01, true), (0x02, false)])
func papIdentifierWrap(_ id: UInt8, _ accepted: Bool) throws {
    var peer = papPeer(first: 0xFE)
    let sent = requests(&peer, retransmits: 3)
    #expect(sent.map { $0[1] } == [0xFE, 0xFF, 0x00, 0x01])
    let o = outcome(peer.receive(try ack(id)))
    #expect((o?.success == true) == accepted)
    #expect(peer.discarded == (accepted ? 0 : 1))
}

@Test func papIdentifierAfterTheWrapIsNotOursUntilSent() throws {
    var peer = papPeer(first: 0xFF)
    _ = requests(&peer, retransmits: 0)
    #expect(peer.receive(try ack(0x00)).isEmpty && peer.discarded == 1)
    _ = peer.timerExpired(.requestRestart)
    #expect(outcome(peer.receive(try ack(0x00)))?.success == true)
}

/// More requests than Identifiers (pap-max-authreq allows 1000): all 256
/// have been used, so any answer belongs to the attempt.
@Test func papEveryIdentifierIsOursAfter256Requests() throws {
    var peer = papPeer(first: 0x80, maxRequests: 300)
    let sent = requests(&peer, retransmits: 299)
    #expect(sent.count == 300 && Set(sent.map { $0[1] }).count == 256)
    #expect(outcome(peer.receive(try ack(0x7F)))?.success == true)
}

/// Through both engines: the authenticator answers the first request late,
/// after our retransmission (lost on the way) moved to the next Identifier.
@Test func papSlowAuthenticatorAcksTheFirstRequest() throws {
    let pair = authPair(.pap)
    pair.a.autoVerify = false
    pair.begin(); pair.pump()
    let first = try #require(pair.b.sent.last?.1)
    pair.dropToA = true
    pair.fire(pair.b, .peer, .requestRestart)
    let second = try #require(pair.b.sent.last?.1)
    #expect(pair.b.sent.count == 2 && second[1] == first[1] &+ 1)
    let check = try #require(pair.a.pendingChecks.first)
    let r = try #require(pair.a.secrets.verify(check, server: ""))
    pair.queue(pair.a.apply(pair.a.session.verified(id: check.id, r)), toA: false); pair.pump()
    #expect(pair.a.sent.last?.1[0] == 2 && pair.a.sent.last?.1[1] == first[1])
    #expect(pair.b.verdicts.map(\.success) == [true] && pair.a.verdicts.map(\.success) == [true])
    #expect(pair.b.session.peer?.discarded == 0)
}
