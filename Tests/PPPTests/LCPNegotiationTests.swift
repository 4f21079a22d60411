// LCP scenarios on a deterministic clock: two instances wired back to back,
// an instance wired to itself (loopback), and hand-made packets for the edge
// cases (identifier mismatch, unknown options, link-maintenance codes).
import Testing
@testable import PPP

/// One end of a simulated link: carries out ControlActions like linkd would.
struct Endpoint {
    var lcp: LCP
    var timer: Duration?
    var outbox: [[UInt8]] = []
    var sent: [ControlPacket] = []
    var log: [ControlAction] = []

    init(_ configure: (inout LCPConfiguration) -> Void = { _ in }, seed: UInt64) {
        var configuration = LCPConfiguration()
        configuration.magicSeed = seed
        configure(&configuration)
        lcp = LCP(negotiator: LCPNegotiator(configuration: configuration))
    }

    mutating func apply(_ actions: [ControlAction]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                outbox.append(bytes)
                if let packet = try? ControlPacket(parsing: bytes) { sent.append(packet) }
            case .startTimer(let interval): timer = interval
            case .stopTimer: timer = nil
            default: log.append(action)
            }
        }
    }

    mutating func start() {
        apply(lcp.lowerUp())
        apply(lcp.open())
    }

    func sentCount(_ code: ControlCode) -> Int { sent.filter { $0.code == code }.count }
}

/// Delivers queued packets alternately until both outboxes are empty.
func pump(_ a: inout Endpoint, _ b: inout Endpoint, limit: Int = 200) {
    var steps = 0
    while !(a.outbox.isEmpty && b.outbox.isEmpty) && steps < limit {
        if !a.outbox.isEmpty { b.apply(b.lcp.receive(a.outbox.removeFirst())) }
        if !b.outbox.isEmpty { a.apply(a.lcp.receive(b.outbox.removeFirst())) }
        steps += 1
    }
}

func request(_ identifier: UInt8, _ options: [LCPOption]) -> [UInt8] {
    ControlPacket(code: .configureRequest, identifier: identifier,
                  data: ConfigurationOption.encodeList(options.map(\.option))).encoded()
}

@Suite struct LCPNegotiationTests {
    func opened(_ configureA: (inout LCPConfiguration) -> Void = { _ in },
                _ configureB: (inout LCPConfiguration) -> Void = { _ in }) -> (Endpoint, Endpoint) {
        var a = Endpoint(configureA, seed: 1)
        var b = Endpoint(configureB, seed: 2)
        a.start()
        b.start()
        pump(&a, &b)
        return (a, b)
    }

    @Test func backToBackReachOpened() {
        let (a, b) = opened()
        #expect(a.lcp.state == .opened && b.lcp.state == .opened)
        #expect(a.log == [.thisLayerUp] && b.log == [.thisLayerUp])
        #expect(a.timer == nil && b.timer == nil)
        let na = a.lcp.negotiator.negotiated, nb = b.lcp.negotiator.negotiated
        #expect(na.localMagicNumber != 0 && na.localMagicNumber == nb.peerMagicNumber)
        #expect(nb.localMagicNumber == na.peerMagicNumber && na.localMagicNumber != nb.localMagicNumber)
        #expect(na.transmitPFC && na.receivePFC && na.transmitACFC && na.receiveACFC)
        #expect(na.receiveACCM == 0 && na.transmitACCM == 0)
        #expect(na.localMRU == 1500 && na.peerMRU == 1500)
        #expect(na.weAuthenticatePeerWith == nil && na.peerAuthenticatesUsWith == nil)
    }

    @Test func mruNakIsFollowed() {
        let (a, b) = opened({ $0.mru = 64 })
        #expect(a.lcp.state == .opened && b.lcp.state == .opened)
        #expect(b.sentCount(.configureNak) == 1)
        #expect(a.lcp.negotiator.negotiated.localMRU == 128)
        #expect(b.lcp.negotiator.negotiated.peerMRU == 128)
    }

    @Test func maxFailureTurnsNakIntoReject() {
        // A insists on an MRU B will not take: B Naks Max-Failure times, then
        // Rejects (RFC 1661 §4.6), A drops the option, and the link opens.
        let (a, b) = opened({ $0.mru = 64; $0.acceptableMRU = 64...64 })
        #expect(b.sentCount(.configureNak) == Automaton.Limits().maxFailure)
        #expect(b.sentCount(.configureReject) == 1)
        #expect(a.lcp.state == .opened && b.lcp.state == .opened)
        #expect(a.lcp.negotiator.negotiated.localMRU == 1500)
    }

    @Test func unknownAndMultilinkOptionsRejected() throws {
        var a = Endpoint(seed: 1)
        a.start()
        let unknown = ConfigurationOption(type: 99, value: [1, 2])
        let options: [LCPOption] = [.maximumReceiveUnit(1400), .unknown(unknown),
                                    .maximumReceiveReconstructedUnit(1600),
                                    .endpointDiscriminator(try EndpointDiscriminator(class: .locallyAssigned, address: [9])),
                                    .shortSequenceNumberHeaderFormat, .magicNumber(77)]
        a.apply(a.lcp.receive(request(40, options)))
        let reply = try #require(a.sent.last)
        #expect(reply.code == .configureReject && reply.identifier == 40)
        #expect(try ConfigurationOption.parseList(reply.data) == [unknown, options[2].option, options[3].option, options[4].option])
        #expect(a.lcp.state == .reqSent)
    }

    @Test func authenticationNegotiated() {
        let (a, b) = opened({ $0.requiredAuthentication = [.msChapV2, .chapMD5] },
                            { $0.acceptedAuthentication = [.chapMD5] })
        #expect(a.lcp.state == .opened)
        #expect(a.lcp.negotiator.negotiated.weAuthenticatePeerWith == .chapMD5)
        #expect(b.lcp.negotiator.negotiated.peerAuthenticatesUsWith == .chapMD5)
    }

    @Test func authenticationRefusedCloses() {
        let (a, b) = opened({ $0.requiredAuthentication = [.chapMD5] }, { $0.acceptedAuthentication = [] })
        #expect(a.log.contains(.negotiationFailed(.authenticationRefused)))
        #expect(a.lcp.state == .closed && b.lcp.state != .opened)
    }

    @Test func loopbackDetectedWhenTalkingToItself() {
        var a = Endpoint(seed: 7)
        a.start()
        var steps = 0
        while !a.outbox.isEmpty && steps < 500 {
            a.apply(a.lcp.receive(a.outbox.removeFirst()))
            steps += 1
        }
        #expect(a.log.contains(.negotiationFailed(.loopedBack)))
        #expect(a.lcp.negotiator.loopCount == LCPConfiguration().loopbackLimit)
        // Our own Terminate-Request came back and was acked: Closing -> Closed.
        #expect(a.lcp.state == .closed)
        #expect(a.log.last == .thisLayerFinished)
    }

    @Test func mismatchedRepliesAreIgnored() throws {
        var a = Endpoint(seed: 1)
        a.start()
        let sent = try #require(a.sent.last)
        var wrong = sent
        wrong.code = .configureAck
        wrong.identifier &+= 1
        #expect(a.lcp.receive(wrong.encoded()).isEmpty)
        var altered = sent
        altered.code = .configureAck
        altered.data = ConfigurationOption.encodeList([LCPOption.magicNumber(12345).option])
        #expect(a.lcp.receive(altered.encoded()).isEmpty)
        var nak = sent
        nak.code = .configureNak
        nak.identifier &+= 3
        #expect(a.lcp.receive(nak.encoded()).isEmpty)
        #expect(a.lcp.counters.unmatchedReplies == 3)
        #expect(a.lcp.state == .reqSent)
        var ack = sent
        ack.code = .configureAck
        #expect(a.lcp.receive(ack.encoded()).isEmpty)  // RCA in Req-Sent: irc only
        #expect(a.lcp.state == .ackRcvd)
        #expect(a.lcp.receive(ack.encoded()).isEmpty)  // duplicate
        #expect(a.lcp.counters.unmatchedReplies == 4 && a.lcp.state == .ackRcvd)
    }

    @Test func echoRoundTrip() throws {
        var (a, b) = opened()
        let echo = a.lcp.echoRequest(data: [1, 2, 3])
        let (identifier, actions) = try #require(echo)
        a.apply(actions)
        pump(&a, &b)
        let magicB = b.lcp.negotiator.negotiated.localMagicNumber
        #expect(a.log.last == .echoReplyReceived(identifier: identifier, magicNumber: magicB, data: [1, 2, 3]))
        #expect(b.sentCount(.echoReply) == 1)
    }

    @Test func echoWithOwnMagicIsSuspectedLoop() {
        var (a, _) = opened()
        let magic = a.lcp.negotiator.magicNumber
        let echo = LinkMaintenancePacket.echoRequest(magicNumber: magic, data: []).controlPacket(identifier: 9)
        let actions = a.lcp.receive(echo.encoded())
        #expect(actions.first == .loopbackSuspected)
        #expect(actions.count == 2)  // and still answered
    }

    @Test func terminate() {
        var (a, b) = opened()
        a.apply(a.lcp.close(reason: "bye"))
        #expect(a.log.last == .thisLayerDown && a.lcp.state == .closing)
        pump(&a, &b)
        #expect(b.log.contains(.terminateRequested(reason: Array("bye".utf8))))
        #expect(b.log.last == .thisLayerDown && b.lcp.state == .stopping)
        #expect(a.lcp.state == .closed && a.log.last == .thisLayerFinished && a.timer == nil)
        // RFC 1661 §4.1 zrc: B waits one restart interval, then TO- -> Stopped.
        #expect(b.timer == .seconds(3))
        b.apply(b.lcp.timeout())
        #expect(b.lcp.state == .stopped && b.log.last == .thisLayerFinished)
    }

    @Test func retransmitsThenGivesUp() {
        var a = Endpoint(seed: 1)
        a.start()
        while a.timer != nil { a.apply(a.lcp.timeout()) }
        #expect(a.sentCount(.configureRequest) == Automaton.Limits().maxConfigure)
        #expect(Set(a.sent.map(\.identifier)).count == 1)  // retransmissions keep the Identifier
        #expect(a.lcp.state == .stopped && a.log == [.thisLayerFinished])
        #expect(a.lcp.timeout().isEmpty)  // a stale timer is ignored
    }

    @Test func protocolAndCodeReject() throws {
        var (a, b) = opened()
        a.apply(a.lcp.protocolReject(.ipv6cp, information: [0x01, 0x02][...]))
        pump(&a, &b)
        #expect(b.log.last == .protocolRejected(.ipv6cp) && b.lcp.state == .opened)
        // An unknown code is Code-Rejected with the packet inside (RFC 1661 §5.6).
        let odd = ControlPacket(code: ControlCode(42), identifier: 5, data: [7]).encoded()
        b.apply(b.lcp.receive(odd))
        let reject = try #require(b.sent.last)
        #expect(reject.code == .codeReject && reject.data == odd)
        #expect(b.lcp.counters.unknownCodes == 1)
        // A Code-Reject of Configure-Request is catastrophic (RXJ-).
        a.apply(a.lcp.receive(ControlPacket(code: .codeReject, identifier: 1, data: [1, 1, 0, 4]).encoded()))
        #expect(a.lcp.state == .stopping && a.log.suffix(2) == [.codeRejected(.configureRequest), .thisLayerDown])
    }

    @Test func identificationAndTimeRemainingAreAcceptedQuietly() {
        var (a, _) = opened()
        let id = LinkMaintenancePacket.identification(magicNumber: 1, message: Array("srv".utf8))
        #expect(a.lcp.receive(id.controlPacket(identifier: 1).encoded())
                == [.identificationReceived(magicNumber: 1, message: Array("srv".utf8))])
        let time = LinkMaintenancePacket.timeRemaining(magicNumber: 1, seconds: 60, message: [])
        #expect(a.lcp.receive(time.controlPacket(identifier: 2).encoded())
                == [.timeRemainingReceived(magicNumber: 1, seconds: 60, message: [])])
        let discard = LinkMaintenancePacket.discardRequest(magicNumber: 1, data: [1])
        #expect(a.lcp.receive(discard.controlPacket(identifier: 3).encoded()).isEmpty)
        #expect(a.lcp.state == .opened && a.lcp.counters.unknownCodes == 0)
    }

    @Test func malformedPacketsAreCountedNotFatal() {
        var (a, _) = opened()
        #expect(a.lcp.receive([1, 2, 0]).isEmpty)
        #expect(a.lcp.receive([1, 2, 0, 9, 1]).isEmpty)
        #expect(a.lcp.receive([1, 2, 0, 6, 1, 0]).isEmpty)  // option length 0
        #expect(a.lcp.counters.malformed == 3 && a.lcp.state == .opened)
    }

    @Test func nonLCPNegotiatorCodeRejectsEcho() throws {
        // An NCP built on the same layer treats codes 8-13 as unknown (RUC).
        struct Null: OptionNegotiator {
            var protocolNumber: ProtocolNumber { .ipcp }
            mutating func resetNegotiation() {}
            mutating func configureRequestOptions() -> [ConfigurationOption] { [] }
            mutating func classifyConfigureRequest(_ options: [ConfigurationOption]) -> [OptionVerdict] {
                options.map { _ in .reject }
            }
            mutating func configureRequestAcked(_ options: [ConfigurationOption]) {}
            mutating func configureNakReceived(_ options: [ConfigurationOption]) -> ReplyDisposition { .accepted }
            mutating func configureRejectReceived(_ options: [ConfigurationOption]) -> ReplyDisposition { .accepted }
        }
        var ipcp = ControlProtocol(negotiator: Null())
        _ = ipcp.lowerUp()
        _ = ipcp.open()
        let actions = ipcp.receive(ControlPacket(code: .echoRequest, identifier: 1, data: [0, 0, 0, 0]).encoded())
        guard case .send(let bytes) = try #require(actions.first) else {
            Issue.record("expected a Code-Reject")
            return
        }
        #expect(try ControlPacket(parsing: bytes).code == .codeReject)
    }
}
