// RFC 1661 §4: a Configure-Request in Opened (RCR: tld, scr, sca/scn) starts
// a renegotiation; the peer's address or identifier judged from that very
// request must survive the scr that resets our side. Seen on a real link: a
// late retransmission of the server's request reached the client after it
// had Opened, and the client reopened with remote 0.0.0.0 (RCR in Opened:
// the classification set the peer's address, then scr's reset cleared it,
// and an Ack arriving before the server's next request reopened with it).
import Testing
@testable import PPP

/// Random interleavings with late duplicates of earlier packets (a
/// retransmission crossing the answer): at every thisLayerUp the client knows
/// the server's address. Deterministic seeds.
@Suite struct NCPLateDuplicateTable {
    struct SplitMix { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9e37_79b9_7f4a_7c15; var z = s; z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9; z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb; return z ^ (z >> 31) } }

    @Test(arguments: 0..<200) func ipcpClientAlwaysOpensWithTheServerAddress(seed: Int) {
        var rng = SplitMix(s: UInt64(seed))
        var sc = IPCPConfiguration()
        sc.localAddress = ip("10.0.0.1"); sc.remoteAddress = ip("10.0.0.2")
        var cc = IPCPConfiguration()
        cc.acceptLocal = true; cc.requestDNS = true
        var s = NCPEnd(IPCPNegotiator(configuration: sc)), c = NCPEnd(IPCPNegotiator(configuration: cc))
        s.start(); c.start()
        var seenByC: [[UInt8]] = [], seenByS: [[UInt8]] = []
        var badUps: [IPCPNegotiated] = []
        for _ in 0..<300 where !(s.outbox.isEmpty && c.outbox.isEmpty) {
            let r = rng.next() % 10
            if r < 4, !s.outbox.isEmpty {
                let p = s.outbox.removeFirst(); seenByC.append(p)
                let actions = c.cp.receive(p)
                if actions.contains(where: { if case .thisLayerUp = $0 { true } else { false } }),
                   c.cp.negotiator.negotiated.remoteAddress == 0 { badUps.append(c.cp.negotiator.negotiated) }
                c.apply(actions)
            } else if r < 8, !c.outbox.isEmpty {
                let p = c.outbox.removeFirst(); seenByS.append(p)
                s.apply(s.cp.receive(p))
            } else if r == 8, !seenByC.isEmpty, seenByC.count < 40 {
                // A late duplicate of something the server sent before.
                let p = seenByC[Int(rng.next() % UInt64(seenByC.count))]
                let actions = c.cp.receive(p)
                if actions.contains(where: { if case .thisLayerUp = $0 { true } else { false } }),
                   c.cp.negotiator.negotiated.remoteAddress == 0 { badUps.append(c.cp.negotiator.negotiated) }
                c.apply(actions)
            } else if !seenByS.isEmpty, seenByS.count < 40 {
                let p = seenByS[Int(rng.next() % UInt64(seenByS.count))]
                s.apply(s.cp.receive(p))
            }
        }
        #expect(badUps.isEmpty, "seed \(seed): client opened with \(badUps)")
    }
}

/// RFC 1661 §4.2: TO+ in Ack-Rcvd retransmits the request (Req-Sent); the
/// peer's Ack of that retransmission must be taken. It was discarded as a
/// duplicate, so an end whose peer's request came late never opened while
/// the peer (Opened on our Ack) renegotiated at every retransmission.
@Suite struct RetransmissionInAckRcvdTests {
    @Test func ackOfARetransmissionIsTaken() throws {
        var c = IPv6CPConfiguration()
        c.seed = 7
        var a = NCPEnd(IPv6CPNegotiator(configuration: c))
        a.start()
        let request = try ControlPacket(parsing: a.outbox.removeFirst())
        let ack = ControlPacket(code: .configureAck, identifier: request.identifier, data: request.data).encoded()
        a.apply(a.cp.receive(ack))
        #expect(a.state == .ackRcvd)
        // The peer's own request is late: our timer fires (TO+).
        a.apply(a.cp.timeout())
        #expect(a.state == .reqSent)
        #expect(try ControlPacket(parsing: a.outbox.removeFirst()) == request)
        a.apply(a.cp.receive(ack))
        #expect(a.state == .ackRcvd, "the Ack of the retransmission was discarded")
        // The peer's request at last: Opened.
        let peer = ControlPacket(code: .configureRequest, identifier: 1,
                                 data: ConfigurationOption.encodeList([IPv6CPOption.interfaceIdentifier(0x0102_0304_0506_0708).option]))
        a.apply(a.cp.receive(peer.encoded()))
        #expect(a.state == .opened)
    }
}
