// RADIUS: the packet and attribute codec's boundaries, the secret-based
// computations against RFC 2104's HMAC-MD5 vector and by inversion, then the
// client against a real FreeRADIUS on loopback: accept with attributes,
// reject, timeout with no server, failover past a dead server, a wrong shared
// secret, and accounting Start/Interim-Update/Stop seen in its detail file.
import Foundation
import IPC
import Testing
import TestSupport
@testable import authd

// MARK: codec

let header20: [UInt8] = [2, 7, 0, 20] + [UInt8](repeating: 0xaa, count: 16)

func withLength(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
    var b = bytes; b[2] = UInt8(length >> 8); b[3] = UInt8(length & 0xff); return b
}

@Test(arguments: [
    ("empty", [UInt8](), false),
    ("one octet", [UInt8]([2]), false),
    ("header - 1", Array(header20.prefix(19)), false),
    ("header only", header20, true),
    ("declared longer than data", withLength(header20, 21), false),
    ("length below 20", withLength(header20, 19), false),
    ("length above 4096", withLength(header20 + [UInt8](repeating: 0, count: 4077), 4097), false),
    ("4096 of zero-length attributes", withLength(header20 + [UInt8](repeating: 0, count: 4076), 4096), false),
    ("padding past Length ignored", header20 + [9, 9, 9], true),
    ("attribute length 1", withLength(header20 + [1, 1], 22), false),
    ("attribute length 0", withLength(header20 + [1, 0], 22), false),
    ("attribute runs past Length", withLength(header20 + [1, 5, 0x61, 0x62], 24), false),
    ("attribute with empty value", withLength(header20 + [1, 2], 22), true),
    ("one octet of attribute header", withLength(header20 + [1], 21), false),
    ("two attributes", withLength(header20 + [1, 3, 0x61, 27, 6, 0, 0, 0, 60], 29), true),
])
func radiusBoundaries(_ name: String, _ bytes: [UInt8], _ valid: Bool) {
    #expect(((try? RadiusPacket(parsing: bytes)) != nil) == valid, "\(name)")
}

@Test func radiusMaximumPacketParsesAndRoundTrips() throws {
    // The maximum, 4096 octets: 20 of header, 16 attributes of 254 and one of 12.
    var attrs: [RadiusAttribute] = (0..<16).map { _ in RadiusAttribute(type: 26, value: [UInt8](repeating: 1, count: 252)) }
    attrs.append(RadiusAttribute(type: 18, value: [UInt8](repeating: 0x41, count: 10)))
    let p = RadiusPacket(code: 2, identifier: 1, authenticator: [UInt8](repeating: 0, count: 16), attributes: attrs)
    let wire = try p.encoded()
    #expect(wire.count == 4096)
    #expect(try RadiusPacket(parsing: wire) == p)
    var big = p; big.attributes.append(RadiusAttribute(type: 18, value: [UInt8](repeating: 0, count: 253)))
    #expect(throws: RadiusError.self) { try big.encoded() }
    #expect(throws: RadiusError.self) {
        try RadiusPacket(code: 1, identifier: 0, authenticator: [], attributes: [RadiusAttribute(type: 1, value: [UInt8](repeating: 0, count: 254))]).encoded()
    }
    #expect(p.integer(18) == nil && p.attribute(99) == nil)
}

@Test func vendorSpecificLookup() {
    let p = RadiusPacket(code: 2, identifier: 1, authenticator: [], attributes: [
        RadiusAttribute(type: 26, value: [0, 0, 0, 9, 1, 3, 7]),  // another vendor
        MicrosoftAttribute.vendorSpecific(26, [5] + Array("S=00".utf8)),
        RadiusAttribute(type: 26, value: [0, 0, 1, 0x37, 2, 9]),  // overruns: skipped
    ])
    #expect(p.vendorAttribute(vendor: 311, type: 26) == [5] + Array("S=00".utf8))
    #expect(p.vendorAttribute(vendor: 311, type: 2) == nil)
    #expect(p.vendorAttribute(vendor: 9, type: 1) == [7])
}

@Test func hmacMD5RFC2104Vectors() {
    #expect(RadiusCrypto.hmacMD5(key: [UInt8](repeating: 0x0b, count: 16), Array("Hi There".utf8))
            == hex("9294727a3638bb1c13f48ef8158bfc9d"))
    #expect(RadiusCrypto.hmacMD5(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
            == hex("750c783e6ab0b503eaa86e310a5db738"))
}

@Test func userPasswordHidingInverts() {
    let secret = Array("xyzzy5461".utf8), ra = (0..<16).map { UInt8($0 * 7) }
    for password in ["", "a", "sixteen octets!!", "seventeen octets!", String(repeating: "p", count: 128)] {
        let hidden = RadiusCrypto.hidePassword(Array(password.utf8), secret: secret, requestAuthenticator: ra)
        #expect(hidden.count == max(16, (password.utf8.count + 15) / 16 * 16))
        // §5.2 decoding: p_i = c_i xor MD5(S + c_{i-1}).
        var plain: [UInt8] = [], previous = ra
        for i in stride(from: 0, to: hidden.count, by: 16) {
            let b = Digest.md5(secret + previous)
            plain += (0..<16).map { hidden[i + $0] ^ b[$0] }
            previous = Array(hidden[i..<(i + 16)])
        }
        while plain.last == 0 { plain.removeLast() }
        #expect(plain == Array(password.utf8))
    }
}

@Test func accessRequestIsSignedAndAccountingAuthenticated() throws {
    let v = Verification(id: 1, method: .pap, user: "alice", proof: .password(Array("pw".utf8)))
    let ctx = RadiusContext(nasIdentifier: "nas", session: "p:1", callingStation: "1.2.3.4:5")
    let secret = Array("s".utf8), ra = [UInt8](repeating: 3, count: 16)
    let wire = try #require(RadiusRequests.accessRequest(v, ctx)(secret, 9, ra))
    let p = try RadiusPacket(parsing: wire)
    #expect(p.code == 1 && p.identifier == 9 && p.authenticator == ra)
    #expect(p.attribute(1) == Array("alice".utf8) && p.attribute(2)?.count == 16 && p.attribute(2) != Array("pw".utf8) + [UInt8](repeating: 0, count: 14))
    #expect(p.attribute(80) == RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: ra, secret: secret))
    let acct = try #require(RadiusRequests.accountingRequest(.stop, .init(user: "alice", sessionID: "x"), ctx)(secret, 4, []))
    #expect(Array(acct[4..<20]) == RadiusCrypto.authenticator(of: acct, withAuthenticator: [UInt8](repeating: 0, count: 16), secret: secret))
    // A password over 128 octets cannot be sent (§5.2).
    let long = Verification(id: 1, method: .pap, user: "a", proof: .password([UInt8](repeating: 1, count: 129)))
    #expect(RadiusRequests.accessRequest(long, ctx)(secret, 1, ra) == nil)
}

// MARK: against FreeRADIUS

/// Runs one request through a RadiusClient on a real loop until it concludes.
func radiusCheck(_ servers: [RadiusServer], _ v: Verification, timeout: Double = 1, retries: Int = 2, require: Bool = true)
    throws -> (VerificationResult, RadiusClient, Double) {
    let loop = try EventLoop()
    let client = RadiusClient(servers: servers, timeout: timeout, retries: retries, requireMessageAuthenticator: require,
                              loop: loop, random: .system, log: Log(prefix: "test"))
    try client.start()
    var result: VerificationResult?
    let t0 = Instant.now()
    let ctx = RadiusContext(nasIdentifier: "ppprouter-test", session: "t:1", callingStation: "")
    client.send(.authentication, randomAuthenticator: true, build: RadiusRequests.accessRequest(v, ctx)) { o in
        result = RadiusRequests.result(o, for: v)
    }
    _ = loop.run(until: { result != nil }, seconds: 30)
    return (try #require(result), client, Instant.now().seconds(since: t0))
}

/// A proof for `password` as our peer role would compute it.
func proof(_ m: AuthMethod, user: String, password: String) -> (Verification, (VerificationResult) -> Bool) {
    let id: UInt8 = 42, challenge = (0..<16).map { UInt8($0 &* 13 &+ 1) }
    switch m {
    case .pap: return (Verification(id: 1, method: m, user: user, proof: .password(Array(password.utf8))), { _ in true })
    case .chapMD5, .eapMD5:
        return (Verification(id: 1, method: m, user: user, proof: .chapMD5(identifier: id, challenge: challenge,
                response: CHAPMD5.response(identifier: id, secret: password, challenge: challenge))), { _ in true })
    case .msChapV2:
        let pc = RandomSource.system.bytes(16)
        let nt = MSCHAPv2.ntResponse(authenticatorChallenge: challenge, peerChallenge: pc, userName: user, password: password)
        let v = Verification(id: 1, method: m, user: user, proof: .msChapV2(identifier: id, authenticatorChallenge: challenge,
                             response: MSCHAPv2Response(peerChallenge: pc, ntResponse: nt)))
        return (v, { r in MSCHAPv2.checkAuthenticatorResponse(password: password, ntResponse: nt, peerChallenge: pc,
                                                             authenticatorChallenge: challenge, userName: user,
                                                             received: r.authenticatorResponse) })
    }
}

/// A loopback UDP port with nobody behind it.
func deadServer(secret: String) -> RadiusServer {
    var s = RadiusServer(address: IPv4.parse("127.0.0.1")!, secret: secret)
    s.authPort = UInt16.random(in: 41_000...42_000); s.acctPort = s.authPort + 1
    return s
}

@Suite(.serialized, .enabled(if: canRunFreeRadius, "needs root and Debian's freeradius"))
struct FreeRadiusTests {
    @Test func acceptRejectForEveryMethod() throws {
        let fr = try FreeRadius()
        defer { fr.stop() }
        print("FreeRADIUS ready after \(String(format: "%.2f", fr.startup)) s on port \(fr.port)")
        for m in allMethods {
            let (v, verifyS) = proof(m, user: "alice", password: "wonderland")
            let (r, client, took) = try radiusCheck([fr.server], v)
            #expect(r.accepted && r.reason == "radius", "\(m): \(r)")
            #expect(verifyS(r), "\(m): MS-CHAP2-Success must verify at the peer")
            #expect(r.grant.framedAddress == IPv4.parse("10.1.2.3") && r.grant.framedNetmask == IPv4.parse("255.255.255.0"))
            #expect(r.grant.sessionTimeout == 3600 && r.grant.idleTimeout == 600 && r.grant.interimInterval == 60)
            #expect(r.grant.radiusClass == Array("gold".utf8))
            #expect(client.stats.answered == 1 && client.stats.invalid == 0 && client.stats.missingMessageAuthenticator == 0)
            print("\(m): accepted in \(String(format: "%.3f", took)) s")
            let (bad, _) = proof(m, user: "alice", password: "looking-glass")
            let (rr, _, _) = try radiusCheck([fr.server], bad)
            #expect(!rr.accepted && rr.reason.hasPrefix("RADIUS Access-Reject"), "\(m): \(rr)")
        }
        let (unknown, _) = proof(.pap, user: "mallory", password: "x")
        #expect(try !radiusCheck([fr.server], unknown).0.accepted)
        // Reply-Message is shown with a reject reason, sanitised.
        let (b, _) = proof(.pap, user: "bob", password: "b0b pass")
        #expect(try radiusCheck([fr.server], b).0.accepted)
    }

    /// BlastRADIUS: Debian's FreeRADIUS 3.2.1 left as packaged sends
    /// Access-Accept and Access-Reject without Message-Authenticator; with
    /// require-message-authenticator (the default) neither is believed.
    @Test func unsignedAnswersAreRefusedWhenRequired() throws {
        let fr = try FreeRadius(signReplies: false)
        defer { fr.stop() }
        let (v, _) = proof(.pap, user: "alice", password: "wonderland")
        let (r, client, _) = try radiusCheck([fr.server], v, timeout: 0.5, retries: 2)
        #expect(!r.accepted && r.reason == "no RADIUS server answered (1 tried)", "\(r)")
        #expect(client.stats.missingMessageAuthenticator == 2 && client.stats.answered == 0, "\(client.stats)")
        let (bad, _) = proof(.pap, user: "alice", password: "looking-glass")
        let (rr, c2, _) = try radiusCheck([fr.server], bad, timeout: 0.5, retries: 1)
        #expect(!rr.accepted && c2.stats.missingMessageAuthenticator == 1, "\(rr)")
        // The same server, believed when the option is off.
        let (ok, c3, _) = try radiusCheck([fr.server], v, require: false)
        #expect(ok.accepted && c3.stats.missingMessageAuthenticator == 0, "\(ok)")
    }

    @Test func timeoutWithNoServerAndFailoverPastADeadOne() throws {
        let dead = deadServer(secret: "x")
        let (v, _) = proof(.pap, user: "alice", password: "wonderland")
        let (r, client, took) = try radiusCheck([dead], v, timeout: 0.3, retries: 3)
        #expect(!r.accepted && r.reason == "no RADIUS server answered (1 tried)")
        #expect(client.stats.sent == 1 && client.stats.retransmitted == 2 && client.stats.timedOut == 1)
        print("timeout after 3 tries of 0.3 s: \(String(format: "%.2f", took)) s")

        let fr = try FreeRadius()
        defer { fr.stop() }
        let (r2, c2, took2) = try radiusCheck([dead, fr.server], v, timeout: 0.3, retries: 2)
        #expect(r2.accepted, "\(r2)")
        #expect(c2.stats.failovers == 1 && c2.stats.retransmitted == 1 && c2.stats.answered == 1)
        print("failover answered after \(String(format: "%.2f", took2)) s")
        // A server that does not share our secret drops our requests (their
        // Message-Authenticator fails): no answer, never an accept.
        var wrong = fr.server; wrong.secret = "not-the-secret"
        let (r3, c3, _) = try radiusCheck([wrong], v, timeout: 0.3, retries: 2)
        #expect(!r3.accepted && c3.stats.answered == 0, "\(r3) \(c3.stats)")
    }

    @Test func accountingStartInterimStopReachTheServer() throws {
        let fr = try FreeRadius()
        defer { fr.stop() }
        let loop = try EventLoop()
        let client = RadiusClient(servers: [deadServer(secret: "x"), fr.server], timeout: 0.3, retries: 1, loop: loop,
                                  random: .system, log: Log(prefix: "test"))
        try client.start()
        let ctx = RadiusContext(nasIdentifier: "ppprouter-test", session: "u0:7", callingStation: "127.0.0.1:9")
        var record = RadiusRequests.AccountingRecord(user: "alice", sessionID: "u0:7-cafe", framedAddress: IPv4.parse("10.1.2.3")!,
                                                     radiusClass: Array("gold".utf8))
        var answers: [UInt8] = []
        for (status, octets) in [(RadiusRequests.AccountingStatus.start, UInt64(0)), (.interimUpdate, 1234), (.stop, 5_000_000_000)] {
            record.counters.inputOctets = octets; record.counters.outputOctets = octets / 2
            record.counters.inputPackets = 10; record.counters.outputPackets = 11; record.counters.sessionSeconds = 42
            if status == .stop { record.terminateCause = RadiusRequests.terminateCause("killed by the operator") }
            var done = false
            client.send(.accounting, randomAuthenticator: false, build: RadiusRequests.accountingRequest(status, record, ctx)) { o in
                if case let .answered(p, _, _, _) = o { answers.append(p.code) }
                done = true
            }
            _ = loop.run(until: { done }, seconds: 10)
        }
        #expect(answers == [5, 5, 5])
        let detail = fr.detail
        #expect(detail.contains("Acct-Status-Type = Start") && detail.contains("Acct-Status-Type = Interim-Update")
                && detail.contains("Acct-Status-Type = Stop"), "\(detail)")
        #expect(detail.contains("Acct-Session-Id = \"u0:7-cafe\"") && detail.contains("User-Name = \"alice\""))
        #expect(detail.contains("Acct-Input-Octets = 1234"))
        // 5e9 octets: Gigawords carry the high part (RFC 2869 §5.1).
        #expect(detail.contains("Acct-Input-Gigawords = 1") && detail.contains("Acct-Input-Octets = 705032704"))
        #expect(detail.contains("Acct-Terminate-Cause = Admin-Reset") && detail.contains("Class = 0x676f6c64"))
    }

    /// RFC 2866 §2: a server down while sessions end loses no Stop. Three
    /// requests go to a port nobody listens on, into a queue of two: the
    /// oldest Interim-Update is dropped (counted), the others wait; FreeRADIUS
    /// then starts on that port and receives them, with Acct-Delay-Time.
    @Test func accountingSurvivesAnOutageInABoundedQueue() throws {
        let port = UInt16.random(in: 30_000...40_000) & ~1
        var server = RadiusServer(address: IPv4.parse("127.0.0.1")!, secret: "t3st-secret")
        server.authPort = port; server.acctPort = port + 1
        let loop = try EventLoop()
        let client = RadiusClient(servers: [server], timeout: 0.2, retries: 1, loop: loop, random: .system, log: Log(prefix: "test"))
        try client.start()
        let queue = AccountingQueue(radius: client, loop: loop, capacity: 2, retryAfter: 0.5, log: Log(prefix: "test"))
        let ctx = RadiusContext(nasIdentifier: "ppprouter-test", session: "u0:9", callingStation: "")
        var record = RadiusRequests.AccountingRecord(user: "alice", sessionID: "u0:9-outage")
        for (status, octets) in [(RadiusRequests.AccountingStatus.interimUpdate, UInt64(111)), (.interimUpdate, 222), (.stop, 333)] {
            record.counters.inputOctets = octets
            record.terminateCause = status == .stop ? 2 : 0
            queue.submit(status, record, ctx)
        }
        _ = loop.run(until: { queue.counts.queued >= 3 }, seconds: 30)
        #expect(queue.counts.dropped == 1 && queue.waitingCount <= 2, "\(queue.status)")
        let fr = try FreeRadius(port: port)
        defer { fr.stop() }
        _ = loop.run(until: { queue.counts.answered == 2 }, seconds: 60)
        #expect(queue.counts.answered == 2 && queue.waitingCount == 0, "\(queue.status)")
        let detail = fr.detail
        #expect(detail.contains("Acct-Status-Type = Stop") && detail.contains("Acct-Input-Octets = 333")
                && detail.contains("Acct-Terminate-Cause = Lost-Carrier"), "\(detail)")
        #expect(detail.contains("Acct-Input-Octets = 222") && !detail.contains("Acct-Input-Octets = 111"), "\(detail)")
        #expect(detail.contains("Acct-Delay-Time = "), "\(detail)")
        print("accounting outage: \(queue.status)")
    }
}
