// BlastRADIUS (CVE-2024-3596): a fake RADIUS server on loopback answers our
// Access-Requests with a correct Response Authenticator but with or without
// Message-Authenticator (RFC 2869 §5.14); with require-message-authenticator
// on, an answer without one is dropped and counted, never an accept.
import IPC
import Testing
@testable import authd

/// Answers every Access-Request with `code`, signed with `secret`, with a
/// Message-Authenticator when `sign`, or a wrong one when `corrupt`.
final class FakeRadiusServer {
    let socket: DatagramSocket
    let secret: [UInt8]
    var code = RadiusPacket.accessAccept
    var sign = false
    var corrupt = false
    private(set) var requests: [RadiusPacket] = []

    init(loop: EventLoop, secret: String) throws {
        socket = try DatagramSocket(binding: IPv4.parse("127.0.0.1")!, port: 0)
        self.secret = Array(secret.utf8)
        try loop.watch(socket.fd.raw) { [unowned self] _ in
            while let (bytes, from) = self.socket.receive() { self.answer(Array(bytes), to: from) }
        }
    }

    var server: RadiusServer {
        var s = RadiusServer(address: IPv4.parse("127.0.0.1")!, secret: String(decoding: secret, as: UTF8.self))
        s.authPort = socket.localPort; s.acctPort = 0
        return s
    }

    private func answer(_ bytes: [UInt8], to: DatagramSender) {
        guard let request = try? RadiusPacket(parsing: bytes) else { return }
        requests.append(request)
        var attrs = [RadiusAttribute.text(RadiusAttributeType.replyMessage, "forged?")]
        if sign { attrs.append(RadiusAttribute(type: RadiusAttributeType.messageAuthenticator, value: [UInt8](repeating: 0, count: 16))) }
        guard var wire = try? RadiusPacket(code: code, identifier: request.identifier, authenticator: request.authenticator,
                                           attributes: attrs).encoded() else { return }
        if sign, let offset = RadiusCrypto.messageAuthenticatorOffset(wire),
           var mac = RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: request.authenticator, secret: secret) {
            if corrupt { mac[0] ^= 1 }
            wire.replaceSubrange(offset..<(offset + 16), with: mac)
        }
        // §3: Response Authenticator over the answer with the Request Authenticator.
        wire.replaceSubrange(4..<20, with: RadiusCrypto.authenticator(of: wire, withAuthenticator: request.authenticator, secret: secret))
        socket.send(wire, to: to)
    }
}

@Suite(.serialized) struct BlastRadiusTests {
    /// One PAP check through a RadiusClient against the fake server.
    func check(require: Bool, code: UInt8, sign: Bool, corrupt: Bool = false)
        throws -> (VerificationResult, RadiusClient, FakeRadiusServer) {
        let loop = try EventLoop()
        let fake = try FakeRadiusServer(loop: loop, secret: "blast")
        fake.code = code; fake.sign = sign; fake.corrupt = corrupt
        let client = RadiusClient(servers: [fake.server], timeout: 0.2, retries: 2, requireMessageAuthenticator: require,
                                  loop: loop, random: .system, log: Log(prefix: "test"))
        try client.start()
        let v = Verification(id: 1, method: .pap, user: "alice", proof: .password(Array("pw".utf8)))
        let ctx = RadiusContext(nasIdentifier: "nas", session: "t:1", callingStation: "")
        var result: VerificationResult?
        client.send(.authentication, randomAuthenticator: true, build: RadiusRequests.accessRequest(v, ctx)) { o in
            result = RadiusRequests.result(o, for: v)
        }
        _ = loop.run(until: { result != nil }, seconds: 30)
        return (try #require(result), client, fake)
    }

    @Test func acceptWithoutMessageAuthenticatorIsDroppedWhenRequired() throws {
        let (r, client, fake) = try check(require: true, code: RadiusPacket.accessAccept, sign: false)
        #expect(!r.accepted && r.reason == "no RADIUS server answered (1 tried)", "\(r)")
        // Both tries were answered, both answers dropped and counted.
        #expect(fake.requests.count == 2 && client.stats.missingMessageAuthenticator == 2 && client.stats.answered == 0)
        // Every Access-Request we send carries one (the server's side of the fix).
        #expect(fake.requests.allSatisfy { $0.attribute(RadiusAttributeType.messageAuthenticator)?.count == 16 })
    }

    @Test func rejectWithoutMessageAuthenticatorIsDroppedToo() throws {
        let (r, client, _) = try check(require: true, code: RadiusPacket.accessReject, sign: false)
        #expect(!r.accepted && r.reason.hasPrefix("no RADIUS server answered"), "\(r)")
        #expect(client.stats.missingMessageAuthenticator == 2)
    }

    @Test func signedAcceptIsTakenAndAWrongSignatureIsNot() throws {
        let (r, client, _) = try check(require: true, code: RadiusPacket.accessAccept, sign: true)
        #expect(r.accepted && client.stats.answered == 1 && client.stats.invalid == 0, "\(r)")
        let (bad, c2, _) = try check(require: true, code: RadiusPacket.accessAccept, sign: true, corrupt: true)
        #expect(!bad.accepted && c2.stats.invalid == 2 && c2.stats.missingMessageAuthenticator == 0)
    }

    @Test func unsignedAcceptIsTakenWhenNotRequired() throws {
        let (r, client, _) = try check(require: false, code: RadiusPacket.accessAccept, sign: false)
        #expect(r.accepted && client.stats.missingMessageAuthenticator == 0, "\(r)")
    }
}
