// Two of our tunnels in memory, a LAC dialling an LNS (RFC 2661 §5.1, §7.2,
// §7.4): challenge authentication both ways, two sessions with proxy LCP and
// authentication, data with the LNS's sequencing, HELLO, CDN, StopCCN; and
// the refusals (wrong secret, unknown mandatory AVP, tie breaker).
import Testing
@testable import L2TP

/// A LAC and an LNS joined by a lossless wire; every datagram either sends
/// is handed to the other, and every non-send action is recorded.
struct Wire {
    var lac: Tunnel
    var lns: Tunnel
    var now: UInt64 = 0
    var lacEvents: [Tunnel.Action] = []
    var lnsEvents: [Tunnel.Action] = []
    var frames: [[UInt8]] = []

    init(lacSecret: [UInt8]? = Array("s3cret".utf8), lnsSecret: [UInt8]? = Array("s3cret".utf8),
         hidden: Set<AVPType> = [], sequenceData: Bool = false) {
        var lacConfig = Tunnel.Configuration(role: .lac, hostName: Array("lac".utf8))
        lacConfig.secret = lacSecret
        lacConfig.hiddenAttributes = hidden
        var lnsConfig = Tunnel.Configuration(role: .lns, hostName: Array("lns".utf8))
        lnsConfig.secret = lnsSecret
        lnsConfig.sequenceData = sequenceData
        lac = Tunnel(configuration: lacConfig, origin: .initiator, localID: 11, seed: [1], now: 0)
        lns = Tunnel(configuration: lnsConfig, origin: .responder, localID: 22, seed: [2], now: 0)
    }

    /// Carries datagrams both ways until neither side has one to send.
    mutating func run(fromLAC initial: [Tunnel.Action] = [], fromLNS initialLNS: [Tunnel.Action] = []) {
        var toLNS = split(initial, into: &lacEvents), toLAC = split(initialLNS, into: &lnsEvents)
        var rounds = 0
        while !(toLNS.isEmpty && toLAC.isEmpty) && rounds < 100 {
            rounds += 1
            var next: [[UInt8]] = []
            for d in toLNS { frames.append(d); next += split(lns.receiveControl(d, now: now), into: &lnsEvents) }
            toLNS = []
            for d in toLAC { frames.append(d); toLNS += split(lac.receiveControl(d, now: now), into: &lacEvents) }
            toLAC = next
        }
    }

    /// Lets time pass in steps, delivering what the timers send.
    mutating func advance(by nanoseconds: UInt64, step: UInt64 = 50_000_000) {
        let end = now + nanoseconds
        while now < end {
            now = min(end, now + step)
            run(fromLAC: lac.tick(now: now), fromLNS: lns.tick(now: now))
        }
    }

    func split(_ actions: [Tunnel.Action], into events: inout [Tunnel.Action]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for a in actions {
            if case .send(let d) = a { out.append(d) } else { events.append(a) }
        }
        return out
    }
}

func established(_ events: [Tunnel.Action]) -> [Session] {
    events.compactMap { if case .sessionEstablished(let s) = $0 { s } else { nil } }
}

func closedSessions(_ events: [Tunnel.Action]) -> [UInt16] {
    events.compactMap { if case .sessionClosed(let id, _, _) = $0 { id } else { nil } }
}

@Suite struct TunnelTests {
    static func call(_ user: String) -> IncomingCall {
        var call = IncomingCall()
        call.callingNumber = Array("02:00:00:00:00:01".utf8)
        call.proxy.initialReceivedConfReq = [1, 4, 5, 0xd4, 5, 6, 1, 2, 3, 4]
        call.proxy.lastSentConfReq = [1, 4, 5, 0xd4, 3, 4, 0xc0, 0x23]
        call.proxy.lastReceivedConfReq = [1, 4, 5, 0xd4]
        call.proxy.authenType = ProxyInformation.pap
        call.proxy.authenName = Array(user.utf8)
        call.proxy.authenResponse = Array("pw".utf8)
        call.proxy.authenID = 1
        return call
    }

    @Test func lacAndLnsExchangeEverything() throws {
        var w = Wire(hidden: [.proxyAuthenName, .proxyAuthenResponse, .assignedSessionID], sequenceData: true)
        // The first call opens the tunnel (§7.4.1 wait-tunnel); the second waits with it.
        let (first, opening) = w.lac.placeCall(Self.call("alice@isp"), now: 0)
        let (secondCall, queued) = w.lac.placeCall(Self.call("bob@isp"), now: 0)
        #expect(first != nil && secondCall != nil && queued.isEmpty)
        w.run(fromLAC: opening)
        #expect(w.lac.state == .established && w.lns.state == .established)
        #expect(w.lacEvents.contains(.tunnelEstablished) && w.lnsEvents.contains(.tunnelEstablished))
        #expect(w.lac.peerHostName == Array("lns".utf8) && w.lns.peerHostName == Array("lac".utf8))
        #expect(w.lac.peerTunnelID == 22 && w.lns.peerTunnelID == 11)
        // Both sessions up on both sides, with the proxy AVPs carried across hidden.
        let lacSessions = established(w.lacEvents), lnsSessions = established(w.lnsEvents)
        #expect(lacSessions.map(\.localID) == [first!, secondCall!] && lnsSessions.count == 2)
        #expect(lnsSessions.map { $0.call.proxy.authenName.map { String(decoding: $0, as: UTF8.self) } } == ["alice@isp", "bob@isp"])
        #expect(lnsSessions[0].call.proxy == Self.call("alice@isp").proxy && lnsSessions[0].sequencing)
        #expect(Set(lnsSessions.map(\.peerID)) == [first!, secondCall!])
        // Data: the LNS sequences (§5.4), and the LAC follows from the first frame.
        let lnsA = lnsSessions[0].localID
        let downMessage = w.lns.dataMessage(for: lnsA, payload: [0xff, 0x03, 0xc0, 0x21])
        let down = try #require(downMessage)
        let downHeader = try L2TPHeader(parsing: down)
        #expect(downHeader.ns == 0 && downHeader.tunnelID == 11 && downHeader.sessionID == first)
        let delivered = w.lac.receiveData(downHeader, now: w.now)
        #expect(delivered == first && w.lac.sessions[first!]!.sequencing)
        let upMessage = w.lac.dataMessage(for: first!, payload: [1, 2])
        let up = try #require(upMessage)
        let upHeader = try L2TPHeader(parsing: up)
        let upDelivered = w.lns.receiveData(upHeader, now: w.now), again = w.lns.receiveData(upHeader, now: w.now)
        #expect(upHeader.ns == 0 && upDelivered == lnsA)
        #expect(again == nil && w.lns.sessions[lnsA]!.dataCounters.outOfOrder == 1)
        // Idle: a HELLO after the interval, acked; the tunnel stays.
        w.advance(by: w.lac.configuration.helloInterval + 2 * second)
        // One side's HELLO is traffic for the other, so one HELLO per interval keeps both.
        #expect(w.lac.counters.hellosSent + w.lns.counters.hellosSent == 1)
        #expect(w.lac.state == .established && w.lac.transport.isIdle && w.lns.transport.isIdle)
        // CDN from the LAC for the first call.
        w.run(fromLAC: w.lac.disconnect(first!, ResultCode(ResultCode.lostCarrier), now: w.now))
        #expect(closedSessions(w.lnsEvents) == [lnsA] && w.lns.sessions.count == 1 && w.lac.sessions.count == 1)
        // StopCCN from the LNS: the LAC's remaining session goes with the tunnel.
        w.run(fromLNS: w.lns.close(ResultCode(ResultCode.generalClear), now: w.now))
        #expect(closedSessions(w.lacEvents) == [first!, secondCall!])
        #expect(w.lacEvents.contains(.tunnelClosed(ResultCode(ResultCode.generalClear), byPeer: true)))
        // Both hold the tunnel for a full retransmission cycle (§5.7), then release it.
        w.advance(by: 32 * second)
        #expect(w.lac.state == .closed && w.lns.state == .closed)
        #expect(w.lacEvents.last == .tunnelReleased && w.lnsEvents.last == .tunnelReleased)
        #expect(w.lac.transport.counters.retransmitted == 0 && w.lns.transport.counters.retransmitted == 0)
        // Every control frame of the run parses.
        for f in w.frames { #expect(throws: Never.self) { _ = try L2TPHeader(parsing: f) } }
    }

    @Test func aWrongSecretIsRefusedWithResultFour() {
        var w = Wire(lacSecret: Array("one".utf8), lnsSecret: Array("two".utf8))
        w.run(fromLAC: w.lac.open(now: 0))
        // The LAC checks the LNS's response in the SCCRP and stops (§5.1.1).
        #expect(w.lac.counters.authenticationFailures == 1)
        #expect(w.lnsEvents.contains { if case .tunnelClosed(let r, true) = $0 { r.result == ResultCode.notAuthorized } else { false } })
        #expect(w.lac.state != .established && w.lns.state != .established)
    }

    @Test func aChallengeWithoutASecretIsRefused() {
        var w = Wire(lacSecret: Array("one".utf8), lnsSecret: nil)
        w.run(fromLAC: w.lac.open(now: 0))
        #expect(w.lns.counters.authenticationFailures == 1)
        #expect(w.lacEvents.contains { if case .tunnelClosed(let r, true) = $0 { r.result == ResultCode.notAuthorized } else { false } })
    }

    @Test func anotherProtocolVersionIsRefusedWithResultFive() throws {
        var w = Wire(lacSecret: nil, lnsSecret: nil)
        var sccrq = ControlMessage(.sccrq)
        w.lac.fillStart(&sccrq)
        sccrq.protocolVersion = 0x0200
        let actions = w.lns.receiveControl(controlDatagram(try sccrq.encodedBody(), tunnel: 0), now: 0)
        let stop = try #require(actions.compactMap { if case .send(let d) = $0 { d } else { nil } }.first)
        let header = try L2TPHeader(parsing: stop)
        let m = try ControlMessage(decoding: stop[header.payloadOffset...], secret: nil)
        #expect(m.type == .stopCCN && header.tunnelID == 11 && m.result == ResultCode(ResultCode.unsupportedVersion, error: 0x0100))
        #expect(m.assignedTunnelID == 22)
    }

    @Test func noSecretsAtAllEstablish() {
        var w = Wire(lacSecret: nil, lnsSecret: nil)
        w.run(fromLAC: w.lac.open(now: 0))
        #expect(w.lac.state == .established && w.lns.state == .established)
    }

    @Test func anUnansweredSCCRQClearsTheTunnelAfterTheRetries() {
        var w = Wire()
        _ = w.lac.open(now: 0)
        var events: [Tunnel.Action] = []
        var now: UInt64 = 0
        for _ in 0..<10 {
            guard let next = w.lac.nextDeadline else { break }
            now = next
            events += w.lac.tick(now: now)
        }
        #expect(events.contains(.tunnelReleased) && w.lac.state == .closed && w.lac.transport.counters.retransmitted == 5)
    }

    @Test func theNextDeadlineIsNeverOneThatDoesNothing() {
        var w = Wire()
        w.run(fromLAC: w.lac.open(now: 0))
        w.advance(by: second)  // the SCCCN's ZLB
        #expect(w.lac.transport.isIdle && w.lac.nextDeadline == w.lac.lastHeard + w.lac.configuration.helloInterval)
        // A message in flight past the HELLO time: only the retransmission timer counts.
        _ = w.lac.placeCall(Self.call("a"), now: w.lac.lastHeard + w.lac.configuration.helloInterval - 1)
        let deadline = w.lac.nextDeadline!
        #expect(w.lac.state == .established && deadline == w.lac.transport.retransmitDeadline)
        let before = w.lac.transport.counters.retransmitted
        _ = w.lac.tick(now: deadline)
        #expect(w.lac.transport.counters.retransmitted == before + 1)
        var idle = Wire()
        idle.run(fromLAC: idle.lac.open(now: 0))
        idle.advance(by: second)
        let due = idle.lac.nextDeadline!
        let hellos = idle.lac.tick(now: due)
        #expect(idle.lac.counters.hellosSent == 1 && hellos.count == 1 && idle.lac.nextDeadline! > due)
    }

    @Test func unknownMandatoryAVPEndsTheSessionOrTheTunnel() throws {
        var w = Wire()
        let (id, actions) = w.lac.placeCall(Self.call("a"), now: 0)
        w.run(fromLAC: actions)
        let lnsID = try #require(established(w.lnsEvents).first?.localID)
        // A WEN naming the LNS's session with an unknown M-bit AVP: CDN, result 2 error 8.
        let avps = rawAVP(0, [0, 15]) + rawAVP(34, [UInt8](repeating: 0, count: 26)) + rawAVP(200, [1])
        let wen = controlDatagram(avps, tunnel: 22, session: lnsID, ns: w.lac.transport.nextNs, nr: w.lac.transport.nextNr)
        w.run(fromLNS: w.lns.receiveControl(wen, now: 0))
        #expect(closedSessions(w.lnsEvents) == [lnsID] && closedSessions(w.lacEvents) == [id!])
        #expect(w.lns.counters.unknownMandatory == 1 && w.lns.state == .established)
        // On a HELLO (a tunnel message): StopCCN.
        let hello = controlDatagram(rawAVP(0, [0, 6]) + rawAVP(201, []), tunnel: 22, ns: w.lac.transport.nextNs &+ 1, nr: w.lac.transport.nextNr)
        w.run(fromLNS: w.lns.receiveControl(hello, now: 0))
        #expect(w.lacEvents.contains { if case .tunnelClosed(let r, true) = $0 { r.error == ResultCode.unknownMandatoryAVP } else { false } })
    }

    @Test func tieBreakerRules() {
        #expect(Tunnel.losesTieBreak(ours: 5, theirs: 3) && !Tunnel.losesTieBreak(ours: 3, theirs: 5))
        #expect(Tunnel.losesTieBreak(ours: 4, theirs: 4))  // equal: both discard
        #expect(Tunnel.losesTieBreak(ours: nil, theirs: 1) && !Tunnel.losesTieBreak(ours: 1, theirs: nil))
        #expect(!Tunnel.losesTieBreak(ours: nil, theirs: nil))
        var w = Wire()
        _ = w.lac.placeCall(Self.call("a"), now: 0)
        let requeued = w.lac.abandon()
        #expect(requeued.count == 1 && w.lac.state == .closed && w.lac.sessions.isEmpty)
    }

    @Test func theLNSRefusesCallsBeyondItsLimitAndOutgoingCalls() {
        var w = Wire()
        w.lns = Tunnel(configuration: { var c = w.lns.configuration; c.maximumSessions = 1; return c }(),
                       origin: .responder, localID: 22, seed: [2], now: 0)
        var opening = w.lac.placeCall(Self.call("a"), now: 0).actions
        opening += w.lac.placeCall(Self.call("b"), now: 0).actions
        w.run(fromLAC: opening)
        #expect(established(w.lnsEvents).count == 1 && closedSessions(w.lacEvents).count == 1)
        #expect(w.lacEvents.contains { if case .sessionClosed(_, let r, true) = $0 { r.result == ResultCode.temporaryFacilities } else { false } })
    }
}

/// What a subscriber or a peer controls cannot make us build a message that
/// does not encode: oversized proxy values are left out, long texts cut.
@Suite struct OversizeTests {
    @Test func oversizedCallValuesAreLeftOutAndTheCallStillGoesThrough() throws {
        var w = Wire(hidden: [.lastReceivedLCPConfReq])
        var call = TunnelTests.call("a")
        call.proxy.lastReceivedConfReq = [UInt8](repeating: 1, count: 1400)
        call.callingNumber = [UInt8](repeating: 0x31, count: 1001)
        w.run(fromLAC: w.lac.placeCall(call, now: 0).actions)
        let session = try #require(established(w.lnsEvents).first)
        #expect(session.call.proxy.lastReceivedConfReq == nil && session.call.callingNumber == nil)
        #expect(session.call.proxy.authenName == Array("a".utf8))
    }

    @Test func aLongResultMessageIsCut() throws {
        var w = Wire()
        w.run(fromLAC: w.lac.open(now: 0))
        let long = String(repeating: "x", count: 5000)
        w.run(fromLAC: w.lac.close(ResultCode(ResultCode.generalClear, message: long), now: w.now))
        let got = w.lnsEvents.compactMap { if case .tunnelClosed(let r, true) = $0 { r } else { nil } }.first
        #expect(got?.message.count == ResultCode.maximumMessage)
    }

    @Test func manyUnknownMandatoryAVPsStillGetAStopCCN() throws {
        var w = Wire()
        w.run(fromLAC: w.lac.open(now: 0))
        var avps = rawAVP(0, [0, 6])
        for t in 0..<200 { avps += rawAVP(UInt16(1000 + t), []) }
        let hello = controlDatagram(avps, tunnel: 22, ns: w.lac.transport.nextNs, nr: w.lac.transport.nextNr)
        w.run(fromLNS: w.lns.receiveControl(hello, now: w.now))
        #expect(w.lacEvents.contains { if case .tunnelClosed(let r, true) = $0 { r.error == ResultCode.unknownMandatoryAVP } else { false } })
    }
}
