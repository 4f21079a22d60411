// The auth engine in both roles for every method: success, a wrong password
// with the growing delay and the failure count, retransmission limits,
// stale and duplicate packets, re-challenge, EAP Nak, and MS-CHAPv2's
// authenticator response verified by the peer.
import IPC
import PPP
import Testing
@testable import authd

let allMethods: [AuthMethod] = [.pap, .chapMD5, .msChapV2, .eapMD5]

/// A authenticates B as "bob".
func authPair(_ m: AuthMethod, peerPassword: String = "s3cret", policy: AuthPolicy = AuthPolicy()) -> Pair {
    let a = Side(start("a:1", authenticatePeer: m, localName: "routerA"),
                 secrets: LocalSecrets(users: ["bob": "s3cret"]), policy: policy)
    let b = Side(start("b:1", authenticateSelf: m, user: "bob"),
                 secrets: LocalSecrets(users: ["bob": peerPassword]), policy: policy, random: countingRandom(start: 77))
    return Pair(a: a, b: b)
}

@Test(arguments: allMethods)
func methodSucceedsInBothRoles(_ m: AuthMethod) {
    let pair = authPair(m)
    pair.begin()
    pair.pump()
    #expect(pair.a.verdicts.count == 1 && pair.b.verdicts.count == 1)
    let va = pair.a.verdicts.first, vb = pair.b.verdicts.first
    #expect(va?.success == true && va?.peerName == "bob" && va?.method == m && va?.reason == "secrets")
    #expect(vb?.success == true && vb?.method == m)
    // Nothing is left running but what a re-challenge would need.
    #expect(pair.a.timers[.authenticator]?.isEmpty ?? true)
    #expect(pair.b.timers[.peer]?.isEmpty ?? true)
}

@Test(arguments: allMethods)
func bothDirectionsAtOnce(_ m: AuthMethod) {
    // Each side authenticates the other: A is "alice", B is "bob"; both know both.
    let users = ["alice": "apw", "bob": "bpw"]
    let a = Side(start("a:1", authenticatePeer: m, authenticateSelf: m, user: "alice", localName: "A"),
                 secrets: LocalSecrets(users: users))
    let b = Side(start("b:1", authenticatePeer: m, authenticateSelf: m, user: "bob", localName: "B"),
                 secrets: LocalSecrets(users: users), random: countingRandom(start: 9))
    let pair = Pair(a: a, b: b)
    pair.begin(); pair.pump()
    #expect(a.verdicts.map(\.success) == [true] && b.verdicts.map(\.success) == [true])
    #expect(a.verdicts.first?.peerName == "bob" && b.verdicts.first?.peerName == "alice")
}

@Test(arguments: allMethods)
func wrongPasswordFailsAfterMaxFailuresWithGrowingDelay(_ m: AuthMethod) {
    var policy = AuthPolicy()
    policy.maxFailures = 3
    let pair = authPair(m, peerPassword: "wrong", policy: policy)
    pair.begin(); pair.pump()
    // From here a retrying peer answers each new chance (pppd's peer would
    // give up at the first Nak/Failure; the count is for peers that do not).
    pair.dropToB = true
    var delays: [Double] = []
    for _ in 0..<5 {
        guard let d = pair.a.timer(.authenticator, .failureDelay) else { break }
        delays.append(d)
        pair.fire(pair.a, .authenticator, .failureDelay)
        retry(pair, m)
    }
    let v = pair.a.verdicts
    #expect(v.count == 1 && v.first?.success == false)
    #expect(v.first?.reason.contains("failed \(m) authentication 3 times") == true, "\(v)")
    #expect(pair.a.session.authenticator?.failures == 3)
}

/// What a retrying peer does after a refusal: a new request (PAP) or an
/// answer to the fresh Challenge, from a new PeerRole with the same wrong secret.
func retry(_ pair: Pair, _ m: AuthMethod) {
    let fresh = Side(start("b:1", authenticateSelf: m, user: "bob"),
                     secrets: LocalSecrets(users: ["bob": "wrong"]), random: countingRandom(start: 200))
    var out = fresh.apply(fresh.session.begin())
    if m != .pap, let c = pair.a.sent.last(where: { $0.1[0] == 1 }) {
        out = fresh.apply(fresh.session.receive(protocol: c.0, packet: c.1))
    }
    pair.queue(out, toA: true)
    pair.pump()
}

@Test func wrongPasswordAtPeerEndsPeerCleanly() {
    for m in allMethods {
        var policy = AuthPolicy(); policy.maxFailures = 1
        let pair = authPair(m, peerPassword: "wrong", policy: policy)
        pair.begin(); pair.pump()
        #expect(pair.a.verdicts.map(\.success) == [false], "\(m)")
        #expect(pair.b.verdicts.map(\.success) == [false], "\(m)")
        #expect(pair.b.verdicts.first?.reason.contains("authenticator refused us") == true, "\(m): \(pair.b.verdicts)")
    }
}

@Test func unknownUserIsRefused() {
    let a = Side(start("a:1", authenticatePeer: .chapMD5), secrets: LocalSecrets(users: [:]))
    let b = Side(start("b:1", authenticateSelf: .chapMD5, user: "mallory"), secrets: LocalSecrets(users: ["mallory": "x"]))
    var policy = AuthPolicy(); policy.maxFailures = 1
    let pair = Pair(a: Side(start("a:1", authenticatePeer: .chapMD5), secrets: LocalSecrets(users: [:]), policy: policy), b: b)
    _ = a
    pair.begin(); pair.pump()
    #expect(pair.a.verdicts.first?.success == false)
    #expect(pair.a.verdicts.first?.reason.contains("unknown user 'mallory'") == true)
}

@Test func peerWithoutSecretFailsWithReason() {
    let b = Side(start("b:1", authenticateSelf: .pap, user: "nobody"), secrets: LocalSecrets())
    _ = b.apply(b.session.begin())
    #expect(b.verdicts.first?.success == false)
    #expect(b.verdicts.first?.reason == "no PAP secret for user 'nobody'")
}

@Test func challengeIsRetransmittedThenGivenUp() {
    var policy = AuthPolicy(); policy.maxChallenges = 4
    let pair = authPair(.chapMD5, policy: policy)
    pair.dropToB = true
    pair.begin(); pair.pump()
    var sentIDs: [UInt8] = []
    for _ in 0..<10 { pair.fire(pair.a, .authenticator, .challengeRestart) }
    for (_, p) in pair.a.sent { sentIDs.append(p[1]) }
    // RFC 1994 §4.1: retransmissions carry the same Identifier and value.
    #expect(pair.a.sent.count == 4 && Set(sentIDs).count == 1 && Set(pair.a.sent.map(\.1)).count == 1)
    #expect(pair.a.verdicts.first?.reason == "peer did not answer 4 challenges")
}

@Test func papRequestIsRetransmittedThenGivenUp() {
    var policy = AuthPolicy(); policy.maxAuthRequests = 3
    let pair = authPair(.pap, policy: policy)
    pair.dropToA = true
    pair.begin(); pair.pump()
    for _ in 0..<5 { pair.fire(pair.b, .peer, .requestRestart) }
    #expect(pair.b.sent.count == 3)
    #expect(pair.b.verdicts.first?.reason == "no answer to 3 PAP Authenticate-Requests")
    // The authenticator's own wait runs out too.
    pair.fire(pair.a, .authenticator, .requestWait)
    #expect(pair.a.verdicts.first?.reason == "peer sent no PAP Authenticate-Request within 30 s")
}

@Test func staleAndDuplicateResponses() throws {
    let pair = authPair(.chapMD5)
    pair.a.autoVerify = false
    pair.begin(); pair.pump()
    let response = try #require(pair.b.sent.last?.1)
    // A duplicate while the check runs is dropped.
    pair.queue([(0xc223, response)], toA: true); pair.pump()
    #expect(pair.a.session.authenticator?.discarded == 1)
    // A stale identifier is dropped.
    var stale = response; stale[1] &-= 1
    pair.queue([(0xc223, stale)], toA: true); pair.pump()
    #expect(pair.a.session.authenticator?.discarded == 2)
    let check = try #require(pair.a.pendingChecks.first)
    let r = pair.a.secrets.verify(check, server: "")!
    pair.queue(pair.a.apply(pair.a.session.verified(id: check.id, r)), toA: false); pair.pump()
    #expect(pair.a.verdicts.map(\.success) == [true])
    // RFC 1994 §4.2: a Response repeated after Success gets Success again, no new verdict.
    let before = pair.a.sent.count
    pair.queue([(0xc223, response)], toA: true); pair.pump()
    #expect(pair.a.sent.count == before + 1 && pair.a.sent.last?.1[0] == 3)
    #expect(pair.a.verdicts.count == 1 && pair.b.verdicts.count == 1)
    // A late answer for a check nobody waits for changes nothing.
    #expect(pair.a.session.verified(id: check.id, r).isEmpty)
}

/// RFC 1334 §2.2.1: the peer repeats its Authenticate-Request until answered,
/// with a new Identifier each time; the authenticator answers every request,
/// also after it has concluded (the Ack may have been lost).
@Test func papRequestsRepeatedDuringAndAfterTheCheckAreAnswered() throws {
    let pair = authPair(.pap)
    pair.a.autoVerify = false
    pair.dropToB = true  // we play B's retransmissions by hand, Identifiers chosen here
    pair.begin(); pair.pump()
    let request = try #require(pair.b.sent.last?.1)
    // Repeated while the check runs, under the next Identifier: not checked
    // twice, and the Ack goes out under the newest Identifier.
    var second = request; second[1] &+= 1
    pair.queue([(0xc023, second)], toA: true); pair.pump()
    #expect(pair.a.pendingChecks.count == 1 && pair.a.sent.isEmpty)
    let check = try #require(pair.a.pendingChecks.first)
    let r = try #require(pair.a.secrets.verify(check, server: ""))
    _ = pair.a.apply(pair.a.session.verified(id: check.id, r))
    let ack = try #require(pair.a.sent.last?.1)
    #expect(ack[0] == 2 && ack[1] == second[1])
    #expect(pair.a.verdicts.map(\.success) == [true])
    // After success: the same Identifier gets the same Ack; a new one the
    // same Ack under it. No new check, no new verdict.
    pair.queue([(0xc023, second)], toA: true); pair.pump()
    #expect(pair.a.sent.last?.1 == ack)
    var third = request; third[1] &+= 2
    pair.queue([(0xc023, third)], toA: true); pair.pump()
    var ackThird = ack; ackThird[1] = third[1]
    #expect(pair.a.sent.last?.1 == ackThird)
    #expect(pair.a.sent.count == 3 && pair.a.pendingChecks.count == 1 && pair.a.verdicts.count == 1)
}

/// A failed attempt's Nak, sent after the delay, carries the Identifier of
/// the newest request repeated meanwhile.
@Test func papNakAfterTheDelayAnswersTheNewestRequest() throws {
    let pair = authPair(.pap, peerPassword: "wrong")
    pair.dropToB = true
    pair.begin(); pair.pump()
    let request = try #require(pair.b.sent.last?.1)
    #expect(pair.a.timer(.authenticator, .failureDelay) != nil && pair.a.sent.isEmpty)
    var second = request; second[1] &+= 1
    pair.queue([(0xc023, second)], toA: true); pair.pump()
    pair.fire(pair.a, .authenticator, .failureDelay)
    let nak = try #require(pair.a.sent.last?.1)
    #expect(nak[0] == 3 && nak[1] == second[1] && pair.a.sent.count == 1)
}

@Test func challengesAreNeverRepeated() {
    // A broken source that repeats itself: the authenticator draws again.
    final class Box: @unchecked Sendable { var calls = 0 }
    let box = Box()
    let repeating = RandomSource { n in box.calls += 1; return [UInt8](repeating: box.calls < 4 ? 7 : UInt8(box.calls), count: n) }
    var policy = AuthPolicy(); policy.chapInterval = 60
    let a = Side(start("a:1", authenticatePeer: .chapMD5), secrets: LocalSecrets(users: ["bob": "s3cret"]),
                 policy: policy, random: repeating)
    let b = Side(start("b:1", authenticateSelf: .chapMD5, user: "bob"), secrets: LocalSecrets(users: ["bob": "s3cret"]))
    let pair = Pair(a: a, b: b)
    pair.begin(); pair.pump()
    pair.fire(a, .authenticator, .rechallenge)
    pair.fire(a, .authenticator, .rechallenge)
    let challenges = a.sent.filter { $0.1[0] == 1 }.map { Array($0.1[5..<21]) }
    #expect(challenges.count == 3 && Set(challenges).count == 3)
}

@Test func periodicRechallengeKeepsSessionAndCatchesAChangedSecret() {
    var policy = AuthPolicy(); policy.chapInterval = 30
    let pair = authPair(.msChapV2, policy: policy)
    pair.begin(); pair.pump()
    #expect(pair.a.timer(.authenticator, .rechallenge) == 30)
    pair.fire(pair.a, .authenticator, .rechallenge)
    #expect(pair.a.verdicts.map(\.success) == [true] && pair.b.verdicts.map(\.success) == [true])
    #expect(pair.a.timer(.authenticator, .rechallenge) == 30)
    // A different peer (another secret) answering the next challenge ends it at once.
    let imposter = Side(start("b:1", authenticateSelf: .msChapV2, user: "bob"), secrets: LocalSecrets(users: ["bob": "other"]))
    let p2 = Pair(a: pair.a, b: imposter)
    p2.fire(pair.a, .authenticator, .rechallenge)
    #expect(pair.a.verdicts.map(\.success) == [true, false])
    #expect(pair.a.verdicts.last?.reason.contains("failed re-authentication") == true)
}

@Test func msChapV2PeerRefusesAForgedAuthenticatorResponse() throws {
    let pair = authPair(.msChapV2)
    pair.a.autoVerify = false
    pair.begin(); pair.pump()
    let check = try #require(pair.a.pendingChecks.first)
    // An authenticator that does not know the secret cannot make S=.
    let forged = VerificationResult.accept("secrets", authenticatorResponse: "S=" + String(repeating: "0", count: 40))
    pair.queue(pair.a.apply(pair.a.session.verified(id: check.id, forged)), toA: false); pair.pump()
    #expect(pair.b.verdicts.first?.success == false)
    #expect(pair.b.verdicts.first?.reason.contains("did not verify") == true)
}

@Test func eapPeerNaksOtherTypesAndAuthenticatorStopsOnNak() {
    let b = Side(start("b:1", authenticateSelf: .eapMD5, user: "bob"), secrets: LocalSecrets(users: ["bob": "x"]))
    _ = b.apply(b.session.begin())
    // Request/TLS (type 13): the peer answers Nak with MD5 (4).
    let tls = packet(EAPPacket.request(.other(type: 13, data: [0x20])), 5)
    let out = b.apply(b.session.receive(protocol: 0xc227, packet: tls))
    #expect(out.first?.1 == packet(EAPPacket.response(.nak([4])), 5))
    // A repeated request gets the same response.
    #expect(b.apply(b.session.receive(protocol: 0xc227, packet: tls)).first?.1 == out.first?.1)
    // An authenticator whose MD5-Challenge is Nak'ed fails with the reason.
    let a = Side(start("a:1", authenticatePeer: .eapMD5), secrets: LocalSecrets(users: [:]))
    let first = a.apply(a.session.begin())
    let id = first[0].1[1]
    _ = a.apply(a.session.receive(protocol: 0xc227, packet: packet(EAPPacket.response(.identity(Array("bob".utf8))), id)))
    _ = a.apply(a.session.receive(protocol: 0xc227, packet: packet(EAPPacket.response(.nak([13])), id &+ 1)))
    #expect(a.verdicts.first?.reason == "peer refused EAP-MD5 (RFC 3748 §5.3.1 Nak)")
}

@Test func secretsFileEntriesAndAssignedAddress() throws {
    let chap = try SecretsFile.parse("""
        # client server secret addresses
        bob  routerA  "s3cret"  10.0.0.7
        *    *        wild
        """)
    let secrets = LocalSecrets(chapSecrets: chap)
    let a = Side(start("a:1", authenticatePeer: .chapMD5, localName: "routerA"), secrets: secrets)
    let b = Side(start("b:1", authenticateSelf: .chapMD5, user: "bob"), secrets: LocalSecrets(users: ["bob": "s3cret"]))
    let pair = Pair(a: a, b: b)
    pair.begin(); pair.pump()
    #expect(a.verdicts.first?.success == true)
    #expect(a.verdicts.first?.framedAddress == IPv4.parse("10.0.0.7"))
    // The peer side of a secrets file: our name as client, the challenge's name as server.
    #expect(secrets.secret(client: "bob", server: "routerA", method: .chapMD5)?.secret == "s3cret")
    #expect(secrets.secret(client: "eve", server: "x", method: .chapMD5)?.secret == "wild")
    #expect(secrets.secret(client: "bob", server: "routerA", method: .pap) == nil)
}

@Test func packetsForTheWrongRoleOrProtocolAreDiscarded() {
    let pair = authPair(.chapMD5)
    pair.begin(); pair.pump()
    let s = pair.a.session
    var copy = s
    #expect(copy.receive(protocol: 0xc023, packet: [1, 1, 0, 4]).isEmpty)
    #expect(copy.receive(protocol: 0xc223, packet: [1, 1, 0]).isEmpty)  // shorter than a header
    #expect(copy.discarded == 2)
}
