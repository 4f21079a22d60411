// RFC 5176 Disconnect-Request and CoA-Request: the parser's boundaries
// (short, long, trailing, truncated, each authentication failure, each
// refusal), the answers' signatures, and the server's matching, counting,
// duplicate handling and drops, against sessions given by closures.
import IPC
import Testing
@testable import authd

let daeSecret = Array("coa-secret".utf8)
let daeNow: Int64 = 1_700_000_000

/// A request as a Dynamic Authorization Client signs it: Message-Authenticator
/// over the packet with a zero Authenticator (§3.4), then the Request
/// Authenticator as for an Accounting-Request (§2.3).
func daeRequest(_ code: UInt8, _ attrs: [RadiusAttribute], id: UInt8 = 7, secret: [UInt8] = daeSecret,
                stamp: Int64? = daeNow, sign: Bool = true) -> [UInt8] {
    typealias T = RadiusAttributeType
    var all = attrs
    if let stamp { all.append(.integer(T.eventTimestamp, UInt32(stamp))) }
    if sign { all.append(RadiusAttribute(type: T.messageAuthenticator, value: [UInt8](repeating: 0, count: 16))) }
    let zero = [UInt8](repeating: 0, count: 16)
    var wire = try! RadiusPacket(code: code, identifier: id, authenticator: zero, attributes: all).encoded()
    if sign, let offset = RadiusCrypto.messageAuthenticatorOffset(wire),
       let mac = RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: zero, secret: secret) {
        wire.replaceSubrange(offset..<(offset + 16), with: mac)
    }
    wire.replaceSubrange(4..<20, with: RadiusCrypto.authenticator(of: wire, withAuthenticator: zero, secret: secret))
    return wire
}

func parseDAE(_ bytes: [UInt8], window: UInt32 = 300) -> Result<DynamicAuthorizationRequest, DynamicAuthorizationDrop> {
    Result { () throws(DynamicAuthorizationDrop) in
        try DynamicAuthorizationRequest(parsing: bytes[...], secret: daeSecret, now: daeNow, window: window)
    }
}

let userAlice = RadiusAttribute.text(RadiusAttributeType.userName, "alice")
let disconnectAlice = daeRequest(RadiusPacket.disconnectRequest, [userAlice])

/// Length field rewritten without re-signing (the authenticator check
/// comes after the length checks, so these fail on length).
func relength(_ b: [UInt8], _ n: Int) -> [UInt8] { var c = b; c[2] = UInt8(n >> 8); c[3] = UInt8(n & 0xff); return c }

enum Expect { case ok, drop, refused(ErrorCause) }

@Test(arguments: [
    ("empty", [UInt8](), Expect.drop),
    ("header - 1", Array(disconnectAlice.prefix(19)), .drop),
    ("truncated by one", Array(disconnectAlice.dropLast()), .drop),
    ("Length past the data", relength(disconnectAlice, disconnectAlice.count + 1), .drop),
    ("Length above 4096", relength(disconnectAlice + [UInt8](repeating: 0, count: 4100 - disconnectAlice.count), 4097), .drop),
    ("valid", disconnectAlice, .ok),
    ("trailing padding ignored", disconnectAlice + [0, 1, 2], .ok),
    ("Access-Request code", daeRequest(RadiusPacket.accessRequest, [userAlice]), .drop),
    ("CoA-ACK code", daeRequest(RadiusPacket.coaACK, [userAlice]), .drop),
    ("wrong secret", daeRequest(RadiusPacket.disconnectRequest, [userAlice], secret: Array("nope".utf8)), .drop),
    ("attribute flipped after signing", { var b = disconnectAlice; b[22] ^= 1; return b }(), .drop),
    ("no Message-Authenticator is accepted", daeRequest(RadiusPacket.disconnectRequest, [userAlice], sign: false), .ok),
    ("no Event-Timestamp", daeRequest(RadiusPacket.disconnectRequest, [userAlice], stamp: nil), .drop),
    ("Event-Timestamp 301 s old", daeRequest(RadiusPacket.disconnectRequest, [userAlice], stamp: daeNow - 301), .drop),
    ("Event-Timestamp 300 s ahead", daeRequest(RadiusPacket.disconnectRequest, [userAlice], stamp: daeNow + 300), .ok),
    ("no identification", daeRequest(RadiusPacket.disconnectRequest, []), .refused(.missingAttribute)),
    ("empty User-Name", daeRequest(RadiusPacket.disconnectRequest, [RadiusAttribute(type: 1, value: [])]),
     .refused(.invalidAttributeValue)),
    ("Framed-IP-Address of 3 octets", daeRequest(RadiusPacket.disconnectRequest, [RadiusAttribute(type: 8, value: [10, 0, 0])]),
     .refused(.invalidAttributeValue)),
    ("Session-Timeout in a Disconnect", daeRequest(RadiusPacket.disconnectRequest, [userAlice, .integer(27, 5)]),
     .refused(.unsupportedAttribute)),
    ("Filter-Id", daeRequest(RadiusPacket.coaRequest, [userAlice, .text(11, "gold")]), .refused(.unsupportedAttribute)),
    ("Service-Type in a CoA", daeRequest(RadiusPacket.coaRequest, [userAlice, .integer(6, 17)]), .refused(.unsupportedService)),
    ("CoA changing nothing", daeRequest(RadiusPacket.coaRequest, [userAlice]), .refused(.missingAttribute)),
    ("CoA Session-Timeout", daeRequest(RadiusPacket.coaRequest, [userAlice, .integer(27, 5)]), .ok),
    ("CoA Idle-Timeout of 2 octets", daeRequest(RadiusPacket.coaRequest, [userAlice, RadiusAttribute(type: 28, value: [0, 5])]),
     .refused(.invalidAttributeValue)),
])
func dynamicAuthorizationBoundaries(_ name: String, _ bytes: [UInt8], _ expected: Expect) {
    switch (parseDAE(bytes), expected) {
    case let (.success(r), .ok): #expect(r.refusal == nil, "\(name): \(r)")
    case let (.success(r), .refused(cause)): #expect(r.refusal == cause, "\(name): \(r)")
    case (.failure, .drop): break
    case let (result, _): Issue.record("\(name): \(result), expected \(expected)")
    }
}

@Test func requestDecodesEverySelectorAndChange() throws {
    typealias T = RadiusAttributeType
    let bytes = daeRequest(RadiusPacket.coaRequest, [
        .text(T.acctSessionId, "eth0:3-abcd"), userAlice, .integer(T.framedIPAddress, 0x0a01_0203),
        .text(T.nasPortId, "eth0:3"), .text(T.callingStationId, "02:00:00:00:00:01"), .text(T.nasIdentifier, "nas"),
        RadiusAttribute(type: T.proxyState, value: [1, 2]), RadiusAttribute(type: T.proxyState, value: [3]),
        .integer(T.sessionTimeout, 5), .integer(T.idleTimeout, 60), .integer(T.acctInterimInterval, 30),
    ], id: 99)
    let r = try parseDAE(bytes).get()
    #expect(r.kind == .changeOfAuthorization && r.identifier == 99 && r.refusal == nil && r.nasIdentifier == "nas")
    #expect(r.selector == SessionSelector(accountingSessionID: "eth0:3-abcd", userName: "alice", framedAddress: 0x0a01_0203,
                                          nasPortID: "eth0:3", callingStation: "02:00:00:00:00:01"))
    #expect(r.change == AuthorizationChange(sessionTimeout: 5, idleTimeout: 60, interimInterval: 30))
    #expect(r.proxyStates == [[1, 2], [3]])
    #expect(r.selector.matches(accountingSessionID: "eth0:3-abcd", userName: "alice", framedAddress: 0x0a01_0203,
                               nasPortID: "eth0:3", callingStation: "02:00:00:00:00:01"))
    #expect(!r.selector.matches(accountingSessionID: "eth0:3-abcd", userName: "bob", framedAddress: 0x0a01_0203,
                                nasPortID: "eth0:3", callingStation: "02:00:00:00:00:01"))
    // A session without an address is never named by Framed-IP-Address 0.
    #expect(!SessionSelector(framedAddress: 0).matches(accountingSessionID: "", userName: "", framedAddress: 0,
                                                        nasPortID: "", callingStation: ""))
}

@Test func answersAreSignedForTheClient() throws {
    let r = try parseDAE(daeRequest(RadiusPacket.disconnectRequest, [userAlice, RadiusAttribute(type: 33, value: [9])])).get()
    for (refusal, code) in [(nil, RadiusPacket.disconnectACK), (ErrorCause.sessionContextNotFound, RadiusPacket.disconnectNAK)] {
        let wire = try #require(DynamicAuthorizationResponse.encode(r, refusal: refusal, secret: daeSecret))
        let p = try RadiusPacket(parsing: wire)
        #expect(p.code == code && p.identifier == r.identifier)
        #expect(p.integer(RadiusAttributeType.errorCause) == refusal?.rawValue)
        #expect(p.attribute(RadiusAttributeType.proxyState) == [9])
        // RFC 2865 §3 Response Authenticator and §3.4 Message-Authenticator, both over the Request Authenticator.
        #expect(p.authenticator == RadiusCrypto.authenticator(of: wire, withAuthenticator: r.requestAuthenticator, secret: daeSecret))
        #expect(p.attribute(RadiusAttributeType.messageAuthenticator)
                == RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: r.requestAuthenticator, secret: daeSecret))
    }
}

/// A server on loopback with two fake sessions; answers come back on a
/// client socket.
final class DAEBench {
    let loop: EventLoop
    let server: DynamicAuthorizationServer
    let client: DatagramSocket
    let serverPort: UInt16
    var applied: [AuthChange] = []
    var linkdReachable = true
    struct Fake { var name, acct, user, port, mac: String; var address: UInt32 }
    let sessions = [Fake(name: "eth0:1", acct: "eth0:1-aa", user: "alice", port: "eth0:1", mac: "02:00:00:00:00:01", address: 0x0a00_0001),
                    Fake(name: "eth0:2", acct: "eth0:2-bb", user: "alice", port: "eth0:2", mac: "02:00:00:00:00:02", address: 0x0a00_0002),
                    Fake(name: "eth0:3", acct: "eth0:3-cc", user: "bob", port: "eth0:3", mac: "02:00:00:00:00:03", address: 0)]

    init(clientAddress: String = "127.0.0.1") throws {
        loop = try EventLoop()
        let socket = try DatagramSocket(binding: IPv4.parse("127.0.0.1")!, port: 0)
        serverPort = socket.localPort
        client = try DatagramSocket(binding: IPv4.parse("127.0.0.1")!, port: 0)
        var s = AuthSettings()
        s.nasIdentifier = "nas"
        s.daeClients = [DynamicAuthorizationClient(address: IPv4.parse(clientAddress)!, secret: "coa-secret")]
        var box: DAEBench?
        server = DynamicAuthorizationServer(socket: socket, settings: s, sessions: .init(
            matching: { sel in
                box!.sessions.filter { sel.matches(accountingSessionID: $0.acct, userName: $0.user, framedAddress: $0.address,
                                                   nasPortID: $0.port, callingStation: $0.mac) }.map(\.name)
            },
            apply: { _, change in
                guard box!.linkdReachable else { return false }
                box!.applied.append(change); return true
            }), log: Log(prefix: "test"), clock: { daeNow })
        box = self
        try server.start(loop)
    }

    /// Sends `bytes`, returns the answer (nil: none within a few loop turns).
    func exchange(_ bytes: [UInt8]) -> RadiusPacket? {
        client.send(bytes, to: DatagramSender(address: IPv4.parse("127.0.0.1")!, port: serverPort))
        let before = server.counts.received
        _ = loop.run(until: { self.server.counts.received > before }, seconds: 10)
        for _ in 0..<20 {
            if let (answer, _) = client.receive() { return try? RadiusPacket(parsing: Array(answer)) }
            loop.runOnce(timeoutMilliseconds: 10)
        }
        return nil
    }
}

@Suite(.serialized) struct DynamicAuthorizationServerTests {
    typealias T = RadiusAttributeType

    @Test func disconnectByUserNameEndsEveryMatchingSession() throws {
        let b = try DAEBench()
        let answer = try #require(b.exchange(disconnectAlice))
        #expect(answer.code == RadiusPacket.disconnectACK && answer.identifier == 7)
        #expect(b.applied.map(\.session).sorted() == ["eth0:1", "eth0:2"] && b.applied.allSatisfy(\.disconnect))
        // The reason linkd closes with maps to Acct-Terminate-Cause Admin-Reset (RFC 2866 §5.10).
        #expect(b.applied.allSatisfy { RadiusRequests.terminateCause($0.reason) == 6 })
        #expect(b.server.counts.disconnected == 2 && b.server.counts.acks == 1)
        // A retransmission gets the same ACK, not a second Disconnect (§2.3).
        let again = try #require(b.exchange(disconnectAlice))
        #expect(again.code == RadiusPacket.disconnectACK && b.applied.count == 2 && b.server.counts.duplicates == 1)
    }

    @Test func selectorsCombineAndUnknownSessionsAreNAKed() throws {
        let b = try DAEBench()
        let one = try #require(b.exchange(daeRequest(RadiusPacket.disconnectRequest,
            [userAlice, .text(T.callingStationId, "02:00:00:00:00:02")], id: 1)))
        #expect(one.code == RadiusPacket.disconnectACK && b.applied.map(\.session) == ["eth0:2"])
        let none = try #require(b.exchange(daeRequest(RadiusPacket.disconnectRequest,
            [.text(T.userName, "bob"), .integer(T.framedIPAddress, 0x0a00_0001)], id: 2)))
        #expect(none.code == RadiusPacket.disconnectNAK && none.integer(T.errorCause) == 503)
        let other = try #require(b.exchange(daeRequest(RadiusPacket.disconnectRequest,
            [userAlice, .text(T.nasIdentifier, "other-nas")], id: 3)))
        #expect(other.code == RadiusPacket.disconnectNAK && other.integer(T.errorCause) == 403)
        #expect(b.applied.count == 1 && b.server.counts.naks == 2)
    }

    @Test func coaCarriesTheNewLimits() throws {
        let b = try DAEBench()
        let ack = try #require(b.exchange(daeRequest(RadiusPacket.coaRequest,
            [.text(T.acctSessionId, "eth0:3-cc"), .integer(T.sessionTimeout, 5), .integer(T.acctInterimInterval, 30)])))
        #expect(ack.code == RadiusPacket.coaACK)
        #expect(b.applied.count == 1 && b.applied[0].session == "eth0:3" && !b.applied[0].disconnect)
        #expect(b.applied[0].sessionTimeout == 5 && b.applied[0].interimInterval == 30 && b.applied[0].idleTimeout == nil)
        let nak = try #require(b.exchange(daeRequest(RadiusPacket.coaRequest, [userAlice, .text(11, "x")], id: 8)))
        #expect(nak.code == RadiusPacket.coaNAK && nak.integer(T.errorCause) == 401)
        b.linkdReachable = false
        let busy = try #require(b.exchange(daeRequest(RadiusPacket.coaRequest, [userAlice, .integer(T.idleTimeout, 9)], id: 9)))
        #expect(busy.code == RadiusPacket.coaNAK && busy.integer(T.errorCause) == 506)
    }

    @Test func unauthenticatedAndUnknownClientsAreDroppedAndCounted() throws {
        let stranger = try DAEBench(clientAddress: "192.0.2.1")
        #expect(stranger.exchange(disconnectAlice) == nil)
        #expect(stranger.server.counts.unknownClient == 1 && stranger.applied.isEmpty)
        let b = try DAEBench()
        #expect(b.exchange(daeRequest(RadiusPacket.disconnectRequest, [userAlice], secret: Array("wrong".utf8))) == nil)
        #expect(b.exchange(daeRequest(RadiusPacket.disconnectRequest, [userAlice], stamp: daeNow - 1000)) == nil)
        #expect(b.exchange([1, 2, 3]) == nil)
        #expect(b.server.counts.badAuthenticator == 1 && b.server.counts.replayRejected == 1 && b.server.counts.malformed == 1)
        #expect(b.applied.isEmpty && b.server.counts.acks == 0 && b.server.counts.naks == 0)
    }
}
