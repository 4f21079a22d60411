// Session messages beyond the happy path (RFC 2661 §5.4, §6.9-§6.14, §7.4):
// WEN and SLI reported to the right side, OCRQ refused, the LAC following
// the LNS's data sequencing on and off unless it required sequencing, and
// calls out of turn cleared with a CDN.
import Testing
@testable import L2TP

@Suite struct SessionTests {
    /// A tunnel with one call up; returns the LAC's and the LNS's session ids.
    func connected(_ w: inout Wire, requireSequencing: Bool = false) throws -> (UInt16, UInt16) {
        if requireSequencing {
            var c = w.lac.configuration
            c.requireSequencing = true
            w.lac = Tunnel(configuration: c, origin: .initiator, localID: 11, seed: [1], now: 0)
        }
        let (id, actions) = w.lac.placeCall(TunnelTests.call("a"), now: 0)
        w.run(fromLAC: actions)
        let lnsID = try #require(established(w.lnsEvents).first?.localID)
        return (try #require(id), lnsID)
    }

    /// A session message from `sender` to the other side, sent through its transport.
    func message(_ m: ControlMessage, from sender: inout Tunnel, session: UInt16) -> [Tunnel.Action] {
        sender.send(m, sessionID: session, now: 0)
    }

    @Test func wenReachesTheLNSAndSLITheLAC() throws {
        var w = Wire()
        let (lacID, lnsID) = try connected(&w)
        var wen = ControlMessage(.wen)
        var errors = CallErrors()
        errors.crc = 3
        wen.callErrors = errors
        w.run(fromLAC: message(wen, from: &w.lac, session: lnsID))
        #expect(w.lnsEvents.last == .sessionWANError(localID: lnsID, errors))
        var sli = ControlMessage(.sli)
        sli.accm = ACCMValue(send: 0, receive: 0xa_0000)
        w.run(fromLNS: message(sli, from: &w.lns, session: lacID))
        #expect(w.lacEvents.last == .sessionLinkInfo(localID: lacID, ACCMValue(send: 0, receive: 0xa_0000)))
        // The wrong direction is ignored, not fatal.
        w.run(fromLNS: message(wen, from: &w.lns, session: lacID))
        #expect(w.lac.sessions[lacID]?.state == .established && w.lac.counters.ignored == 1)
    }

    @Test func outgoingCallsAreRefused() throws {
        var w = Wire()
        _ = try connected(&w)
        var ocrq = ControlMessage(.ocrq)
        ocrq.assignedSessionID = 900; ocrq.callSerialNumber = 1; ocrq.minimumBPS = 1; ocrq.maximumBPS = 2
        ocrq.bearerType = 1; ocrq.framingType = 1; ocrq.calledNumber = Array("1".utf8)
        let sent = message(ocrq, from: &w.lns, session: 0)
        var refusal: [UInt8]?
        for a in sent { if case .send(let d) = a { for b in w.lac.receiveControl(d, now: 0) { if case .send(let r) = b { refusal = r } } } }
        let reply = try #require(refusal)
        let header = try L2TPHeader(parsing: reply)
        let cdn = try ControlMessage(decoding: reply[header.payloadOffset...], secret: w.lac.configuration.secret)
        #expect(cdn.type == .cdn && header.sessionID == 900 && cdn.result?.result == ResultCode.permanentFacilities)
    }

    @Test func theLACFollowsTheLNSSequencingOnAndOff() throws {
        var w = Wire()
        let (lacID, lnsID) = try connected(&w)
        func down(_ ns: UInt16?) -> L2TPHeader {
            var b = [UInt8](repeating: 0, count: 12) + [0xff, 0x03]
            let start = L2TPHeader.writeData(into: &b, payloadStart: 12, payloadLength: 2, tunnelID: 11, sessionID: lacID, ns: ns)
            return try! L2TPHeader(parsing: b[start...])
        }
        #expect(w.lac.nextDataHeader(for: lacID)?.ns == nil)
        _ = w.lac.receiveData(down(0), now: 0)
        #expect(w.lac.nextDataHeader(for: lacID)?.ns == 0 && w.lac.nextDataHeader(for: lacID)?.ns == 1)
        _ = w.lac.receiveData(down(nil), now: 0)
        #expect(w.lac.nextDataHeader(for: lacID)?.ns == nil)
        // §5.4: sequencing picks up where it left off.
        _ = w.lac.receiveData(down(1), now: 0)
        #expect(w.lac.nextDataHeader(for: lacID)?.ns == 2)
        _ = lnsID
    }

    @Test func sequencingRequiredKeepsNsOnBothWays() throws {
        var w = Wire()
        let (lacID, lnsID) = try connected(&w, requireSequencing: true)
        #expect(w.lns.sessions[lnsID]!.sequencingRequired && w.lns.nextDataHeader(for: lnsID)?.ns == 0)
        var b = [UInt8](repeating: 0, count: 8) + [0xff, 0x03]
        let start = L2TPHeader.writeData(into: &b, payloadStart: 8, payloadLength: 2, tunnelID: 11, sessionID: lacID, ns: nil)
        _ = w.lac.receiveData(try L2TPHeader(parsing: b[start...]), now: 0)
        #expect(w.lac.nextDataHeader(for: lacID)?.ns == 0)
    }

    @Test func anICRPForNoCallGetsACDNAndDataForNoSessionIsDropped() throws {
        var w = Wire()
        _ = try connected(&w)
        var icrp = ControlMessage(.icrp)
        icrp.assignedSessionID = 777
        let sentBefore = w.lac.transport.counters.sent, ignoredBefore = w.lns.counters.ignored
        w.run(fromLNS: message(icrp, from: &w.lns, session: 4242))
        // §7.4.2 idle, Receive ICRP: Send CDN (to session 777, unknown at the LNS: ignored there).
        #expect(w.lns.sessions.count == 1 && w.lac.sessions.count == 1)
        #expect(w.lac.transport.counters.sent == sentBefore + 1 && w.lns.counters.ignored == ignoredBefore + 1)
        var b = [UInt8](repeating: 0, count: 8) + [1]
        let start = L2TPHeader.writeData(into: &b, payloadStart: 8, payloadLength: 1, tunnelID: 11, sessionID: 4242, ns: nil)
        #expect(w.lac.receiveData(try L2TPHeader(parsing: b[start...]), now: 0) == nil && w.lac.counters.dataWithoutSession == 1)
    }
}
