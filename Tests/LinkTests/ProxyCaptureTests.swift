// What a subscriber session keeps for an L2TP LAC's proxy AVPs (RFC 2661
// §4.4.5; Session+Proxy.swift), as boundary tables: LCP Configure-Requests
// (short, long, trailing, other codes), a CHAP Challenge and its Response
// (RFC 1994 §4.1), a PAP Authenticate-Request (RFC 1334 §2.2.1); then the
// dial's JSON (DialProxy) read back, and bad values refused. Also the MRU
// an upstream call asks the LNS for (LCPPolicy's ceiling).
import IPC
import PPP
import Testing
@testable import linkd

@Suite struct ProxyCaptureTests {
    /// (LCP packet, options kept or nil).
    static let confReqs: [([UInt8], [UInt8]?)] = [
        ([1, 1, 0, 8, 1, 4, 5, 0xd4], [1, 4, 5, 0xd4]),
        ([1, 1, 0, 4], []),
        ([1, 1, 0, 8, 1, 4, 5, 0xd4, 0, 0], [1, 4, 5, 0xd4]),  // padding after Length ignored
        ([1, 1, 0, 9, 1, 4, 5, 0xd4], nil),                    // Length past the packet
        ([1, 1, 0, 3], nil),                                   // Length below the header
        ([1, 1, 0], nil),                                      // truncated header
        ([2, 1, 0, 8, 1, 4, 5, 0xd4], nil),                    // Configure-Ack, not a request
        ([], nil),
    ]

    @Test(arguments: confReqs)
    func configureRequests(_ packet: [UInt8], _ kept: [UInt8]?) {
        #expect(ProxyCapture.confReqOptions(packet[...]) == kept)
    }

    @Test func firstAndLastConfReqsBothWays() {
        var c = ProxyCapture()
        c.lcpReceived([1, 1, 0, 8, 1, 4, 5, 0xd4][...])
        c.lcpSent([1, 7, 0, 8, 3, 4, 0xc0, 0x23])
        c.lcpReceived([1, 2, 0, 10, 5, 6, 1, 2, 3, 4][...])
        c.lcpReceived([2, 7, 0, 8, 3, 4, 0xc0, 0x23][...])  // an Ack changes nothing
        #expect(c.initialReceived == [1, 4, 5, 0xd4] && c.lastReceived == [5, 6, 1, 2, 3, 4] && c.lastSent == [3, 4, 0xc0, 0x23])
        let d = c.dialProxy(mru: 1492)
        #expect(d.authenType == nil && d.mru == 1492 && d.lastSentConfReq == [3, 4, 0xc0, 0x23])
    }

    @Test func chapChallengeAndResponse() {
        var c = ProxyCapture()
        let challenge: [UInt8] = [1, 9, 0, 4 + 1 + 4 + 3, 4, 0xa, 0xb, 0xc, 0xd] + Array("lac".utf8)
        c.authToPeer(.chap, challenge)
        #expect(c.dialProxy(mru: nil).authenType == nil, "a challenge alone is no proof")
        c.authFromPeer(.chap, ([2, 8, 0, 4 + 1 + 2 + 5, 2, 1, 2] + Array("alice".utf8))[...])  // another id: ignored
        #expect(c.authenResponse == nil)
        c.authFromPeer(.chap, ([2, 9, 0, 4 + 1 + 2 + 5, 2, 1, 2] + Array("alice".utf8))[...])
        let d = c.dialProxy(mru: nil)
        #expect(d.authenType == 2 && d.authenID == 9 && d.authenChallenge == [0xa, 0xb, 0xc, 0xd])
        #expect(d.authenResponse == [1, 2] && d.authenName == Array("alice".utf8))
        // Truncated packets change nothing.
        var t = ProxyCapture()
        t.authToPeer(.chap, [1, 9, 0, 9, 8, 1, 2, 3, 4])  // value-size past the packet
        t.authToPeer(.chap, [1, 9, 0])
        #expect(t.authenType == nil)
    }

    @Test func papRequest() {
        var c = ProxyCapture()
        c.authFromPeer(.pap, ([1, 3, 0, 4 + 1 + 3 + 1 + 2, 3] + Array("bob".utf8) + [2] + Array("pw".utf8))[...])
        let d = c.dialProxy(mru: nil)
        #expect(d.authenType == 3 && d.authenID == 3 && d.authenName == Array("bob".utf8) && d.authenResponse == Array("pw".utf8))
        var bad = ProxyCapture()
        bad.authFromPeer(.pap, ([1, 3, 0, 4 + 1 + 3 + 1 + 2, 3] + Array("bob".utf8) + [9] + Array("pw".utf8))[...])  // password past the end
        bad.authFromPeer(.pap, [1, 3, 0, 5, 9][...])  // name past the end
        #expect(bad.authenType == nil)
    }

    @Test func dialArgumentsCarryTheProxy() throws {
        var p = DialProxy()
        p.initialReceivedConfReq = [1, 4, 5, 0xd4]
        p.authenType = 2; p.authenID = 255; p.authenName = Array("a".utf8)
        p.authenChallenge = [0, 0xff]; p.authenResponse = []
        p.mru = 1492
        let args = DialArguments(subscriber: "acc:1", peerName: "a", proxy: p)
        let back = try DialArguments(json: JSON.parse(args.json.encoded()))
        #expect(back.proxy == p && back.subscriber == "acc:1")
        #expect(try DialArguments(json: JSON.parse(#"{"for":"acc:1"}"#)).proxy == nil)
        for bad in [#"{"for":"a:1","proxy":[]}"#, #"{"for":"a:1","proxy":{"last_sent":"0"}}"#,
                    #"{"for":"a:1","proxy":{"last_sent":"zz"}}"#, #"{"for":"a:1","proxy":{"authen_id":256}}"#,
                    #"{"for":"a:1","proxy":{"mru":64}}"#, #"{"for":"a:1","proxy":{"authen_type":"2"}}"#,
                    "{\"for\":\"a:1\",\"proxy\":{\"authen_name\":\"" + String(repeating: "00", count: 1001) + "\"}}"] {
            #expect(throws: MethodError.self, "\(bad)") { try DialArguments(json: JSON.parse(bad)) }
        }
    }

    /// The upstream call's LCP asks for the subscriber's MRU when lower
    /// than the port's; never for more than the port's.
    @Test func upstreamMRUFollowsTheSubscriber() {
        var s = PortSettings(name: "up", kind: .l2tp)
        s.mru = 1500
        #expect(LCPPolicy.configuration(for: s, async: false, seed: 1, mruCeiling: 1492).mru == 1492)
        #expect(LCPPolicy.configuration(for: s, async: false, seed: 1, mruCeiling: 9000).mru == 1500)
        #expect(LCPPolicy.configuration(for: s, async: false, seed: 1).mru == 1500)
    }
}
