// RFC 2661 §18: the LCP state a LAC's proxy LCP AVPs describe (ProxiedLCP),
// for the LNS (Last Sent is its own request) and for our LAC's stand-in call
// (the other way round), and a boundary table of what is refused so that
// the session negotiates instead: absent AVPs, short, truncated, trailing,
// zero-length and wrong-length options, repeated types, options that cannot
// be taken over, MRUs out of range, the wrong or a missing authentication,
// equal Magic-Numbers.
import L2TP
import PPP
import Testing
@testable import linkd

@Suite struct ProxiedLCPTests {
    /// What our PPPoE access concentrator asks a subscriber (MRU 1492, CHAP
    /// MD5, a magic) and what the subscriber asks (MRU 1492, its magic).
    static let sent: [UInt8] = [1, 4, 5, 0xd4, 3, 5, 0xc2, 0x23, 5, 5, 6, 0x11, 0x22, 0x33, 0x44]
    static let received: [UInt8] = [1, 4, 5, 0xd4, 5, 6, 0x55, 0x66, 0x77, 0x88]

    static func proxy(_ sent: [UInt8]?, _ received: [UInt8]?) -> ProxyInformation {
        var p = ProxyInformation()
        p.lastSentConfReq = sent
        p.lastReceivedConfReq = received
        return p
    }

    static func chapRequired() -> LCPConfiguration {
        var c = LCPConfiguration()
        c.requiredAuthentication = [.chapMD5]
        return c
    }

    @Test func theLNSTakesLastSentAsItsOwn() throws {
        let o = try ProxiedLCP.negotiated(Self.proxy(Self.sent, Self.received), role: .lns, configuration: Self.chapRequired())
        #expect(o.localMRU == 1492 && o.peerMRU == 1492)
        #expect(o.localMagicNumber == 0x1122_3344 && o.peerMagicNumber == 0x5566_7788)
        #expect(o.weAuthenticatePeerWith == .chapMD5 && o.peerAuthenticatesUsWith == nil)
        #expect(!o.transmitPFC && !o.receivePFC && !o.isMultilink)
    }

    @Test func theLACsCallStandsInForTheCaller() throws {
        let o = try ProxiedLCP.negotiated(Self.proxy(Self.sent + [7, 2], Self.received + [8, 2]), role: .caller, configuration: LCPConfiguration())
        #expect(o.localMagicNumber == 0x5566_7788 && o.peerMagicNumber == 0x1122_3344)
        #expect(o.peerAuthenticatesUsWith == .chapMD5 && o.weAuthenticatePeerWith == nil)
        #expect(o.receiveACFC && o.transmitPFC && !o.receivePFC && !o.transmitACFC)
    }

    /// (what, Last Sent, Last Received, the refusal) for the LNS requiring CHAP.
    static let refused: [(String, [UInt8]?, [UInt8]?, ProxiedLCP.Refusal)] = [
        ("no Last Sent", nil, received, .missing(.lastSentLCPConfReq)),
        ("no Last Received", sent, nil, .missing(.lastReceivedLCPConfReq)),
        ("short: a Type alone", sent + [1], received, .malformed(.lastSentLCPConfReq)),
        ("truncated option", sent, [1, 4, 5], .malformed(.lastReceivedLCPConfReq)),
        ("trailing octet", sent, received + [0], .malformed(.lastReceivedLCPConfReq)),
        ("zero Length", sent, [1, 0] + received, .malformed(.lastReceivedLCPConfReq)),
        ("MRU of 3 octets", sent, [1, 5, 5, 0xd4, 0], .malformed(.lastReceivedLCPConfReq)),
        ("Magic-Number of 2", [1, 4, 5, 0xd4, 3, 5, 0xc2, 0x23, 5, 5, 4, 1, 2], received, .malformed(.lastSentLCPConfReq)),
        ("MRU twice", sent + [1, 4, 5, 0xdc], received, .malformed(.lastSentLCPConfReq)),
        ("Quality-Protocol", sent + [4, 8, 0xc0, 0x25, 0, 0, 0, 10], received, .option(.lastSentLCPConfReq, type: 4)),
        ("MRRU (multilink)", sent, received + [17, 4, 5, 0xdc], .option(.lastReceivedLCPConfReq, type: 17)),
        ("unknown option", sent, received + [99, 3, 1], .option(.lastReceivedLCPConfReq, type: 99)),
        ("CHAP with an unknown algorithm", [3, 5, 0xc2, 0x23, 9], received, .option(.lastSentLCPConfReq, type: 3)),
        ("our MRU past what we take", [1, 4, 0x20, 0, 3, 5, 0xc2, 0x23, 5], received, .mru(0x2000)),
        ("the caller's MRU below 128", sent, [1, 4, 0, 64], .mru(64)),
        ("PAP where CHAP is required", [3, 4, 0xc0, 0x23], received, .authentication),
        ("no authentication where CHAP is required", [1, 4, 5, 0xd4], received, .authentication),
        ("equal Magic-Numbers", sent, [5, 6, 0x11, 0x22, 0x33, 0x44], .loopedBack),
    ]

    @Test(arguments: refused)
    func refusals(_ what: String, _ sent: [UInt8]?, _ received: [UInt8]?, _ refusal: ProxiedLCP.Refusal) {
        #expect(throws: refusal, "\(what)") {
            try ProxiedLCP.negotiated(Self.proxy(sent, received), role: .lns, configuration: Self.chapRequired())
        }
    }

    /// Empty lists are whole states (every option at its default), which a
    /// port requiring nothing takes; an ACCM means nothing on a synchronous
    /// call (RFC 1662 §7.1) and leaves the defaults; given twice it is malformed.
    @Test func emptyListsAndTheACCM() throws {
        let o = try ProxiedLCP.negotiated(Self.proxy([], []), role: .lns, configuration: LCPConfiguration())
        #expect(o == LCPNegotiatedOptions())
        let accm: [UInt8] = [2, 6, 0, 0, 0, 0]
        #expect(try ProxiedLCP.negotiated(Self.proxy(accm, accm), role: .lns, configuration: LCPConfiguration()) == LCPNegotiatedOptions())
        #expect(throws: ProxiedLCP.Refusal.malformed(.lastReceivedLCPConfReq)) {
            try ProxiedLCP.negotiated(Self.proxy([], accm + accm), role: .lns, configuration: LCPConfiguration())
        }
    }
}
