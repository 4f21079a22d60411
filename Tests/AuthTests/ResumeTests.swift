// A session authenticated before a restart of linkd or authd
// (AuthSession(resuming:)): the verdict stands, the periodic re-challenge
// (pppd `chap-interval`) runs again, and a re-challenge still passes or
// fails as before — in both roles, since each side's authd may restart.
import IPC
import PPP
import Testing
@testable import authd

/// Both sides as after a restart: resumed from their verdicts.
private func restarted(_ pair: Pair, policy: AuthPolicy) -> [SessionAction] {
    var a = AuthSession(resuming: pair.a.session.start, verdict: pair.a.verdicts[0], policy: policy,
                        secrets: pair.a.secrets, random: countingRandom(start: 9))
    var b = AuthSession(resuming: pair.b.session.start, verdict: pair.b.verdicts[0], policy: policy,
                        secrets: pair.b.secrets, random: countingRandom(start: 33))
    let actions = a.resume()
    #expect(b.resume().isEmpty)  // the peer role has no timer of its own
    pair.a.session = a
    pair.b.session = b
    pair.a.timers = [:]
    pair.b.timers = [:]
    return actions
}

@Test(arguments: [AuthMethod.chapMD5, .msChapV2])
func rechallengeRunsAgainAfterAResume(_ m: AuthMethod) {
    var policy = AuthPolicy(); policy.chapInterval = 30
    let pair = authPair(m, policy: policy)
    pair.begin(); pair.pump()
    #expect(pair.a.verdicts.map(\.success) == [true] && pair.a.verdicts[0].peerName == "bob")

    _ = pair.a.apply(restarted(pair, policy: policy))
    #expect(pair.a.timer(.authenticator, .rechallenge) == 30)
    #expect(pair.a.session.isFinished && pair.b.session.isFinished)

    // The peer answers the new authd's challenge; nothing new is concluded.
    let before = pair.a.sent.count
    pair.fire(pair.a, .authenticator, .rechallenge)
    #expect(pair.a.sent.count == before + 2)  // Challenge, Success
    #expect(pair.a.verdicts.count == 1 && pair.b.verdicts.count == 1)
    #expect(pair.a.timer(.authenticator, .rechallenge) == 30)

    // Another secret behind the same name fails re-authentication: a verdict that ends the session.
    let imposter = Side(pair.b.session.start, secrets: LocalSecrets(users: ["bob": "other"]), policy: policy)
    imposter.session = AuthSession(resuming: pair.b.session.start, verdict: pair.b.verdicts[0], policy: policy,
                                   secrets: imposter.secrets, random: countingRandom(start: 5))
    Pair(a: pair.a, b: imposter).fire(pair.a, .authenticator, .rechallenge)
    #expect(pair.a.verdicts.map(\.success) == [true, false])
    #expect(pair.a.verdicts.last?.reason.contains("failed re-authentication") == true)
}

@Test func noRechallengeWithoutChapInterval() {
    let pair = authPair(.chapMD5)
    pair.begin(); pair.pump()
    #expect(restarted(pair, policy: AuthPolicy()).isEmpty)
}

@Test func papAndEAPAreNotRechallenged() {
    var policy = AuthPolicy(); policy.chapInterval = 30
    for m in [AuthMethod.pap, .eapMD5] {
        let pair = authPair(m, policy: policy)
        pair.begin(); pair.pump()
        #expect(restarted(pair, policy: policy).isEmpty)
    }
}

/// RFC 1334 §2.2.1: a PAP request repeated after a restart (the Ack was lost
/// with the old authd) is acknowledged again, under its Identifier.
@Test func papRequestRepeatedAfterAResumeIsAckedAgain() throws {
    let pair = authPair(.pap)
    pair.begin(); pair.pump()
    let request = try #require(pair.b.sent.last?.1)
    let ack = try #require(pair.a.sent.last?.1)
    _ = pair.a.apply(restarted(pair, policy: AuthPolicy()))
    var repeated = request; repeated[1] &+= 5
    pair.dropToB = true
    pair.queue([(0xc023, repeated)], toA: true); pair.pump()
    var expected = ack; expected[1] = repeated[1]
    #expect(pair.a.sent.last?.1 == expected)
    #expect(pair.a.verdicts.count == 1 && pair.a.session.authenticator?.discarded == 0)
}

/// Issue 13, point 5: the roles and outcomes are boxed, and AuthSession is
/// still a value: a copy taken before the exchange is untouched by the
/// original's, and runs the whole exchange itself afterwards.
@Test func aCopiedSessionKeepsItsOwnRoles() {
    let pair = authPair(.chapMD5, policy: AuthPolicy())
    let saved = (a: pair.a.session, b: pair.b.session)
    pair.begin(); pair.pump()
    #expect(pair.a.verdicts.map(\.success) == [true] && pair.a.session.isFinished)
    #expect(!saved.a.isFinished && !saved.b.isFinished)
    #expect(saved.a.authenticator != nil && saved.a.peer == nil && saved.b.peer != nil)
    // The saved copies run the exchange again, on their own.
    let again = authPair(.chapMD5, policy: AuthPolicy())
    again.a.session = saved.a
    again.b.session = saved.b
    again.begin(); again.pump()
    #expect(again.a.verdicts.map(\.success) == [true] && again.a.session.isFinished)
    #expect(MemoryLayout<AuthSession>.size < 600, "AuthSession is \(MemoryLayout<AuthSession>.size) octets inline")
}
