// The proxy LCP and proxy authentication AVPs (RFC 2661 §4.4.5, attributes
// 26-33) as boundary tables: each AVP's size rule in an ICCN (short, long,
// zero-length, truncated, Proxy Authen ID's reserved octet), the CONFREQ
// option lists an LNS walks (RFC 1661 §6: short, long, trailing, truncated
// options), and the whole-set check (a type with what it needs).
import Testing
@testable import L2TP

/// An ICCN's mandatory AVPs (§6.8) and then `extra`.
private func iccn(_ extra: [UInt8]) -> [UInt8] {
    rawAVP(0, [0, 12]) + rawAVP(24, [0, 0x98, 0x96, 0x80]) + rawAVP(19, [0, 0, 0, 1]) + extra
}

@Suite struct ProxyAVPTests {
    /// (attribute, value, accepted): §4.4.5's sizes after the AVP header.
    static let sizes: [(UInt16, [UInt8], Bool)] = [
        (26, [], true), (26, [1, 4, 5, 0xd4], true), (26, [UInt8](repeating: 0, count: 1017), true),
        (27, [1, 4, 5, 0xd4], true), (28, [], true),
        (29, [0, 3], true), (29, [3], false), (29, [0, 0, 3], false), (29, [], false),
        (30, [], true), (30, Array("alice".utf8), true),
        (31, [], true), (31, [UInt8](repeating: 7, count: 16), true),
        (32, [0, 9], true), (32, [9], false), (32, [0, 0, 9], false), (32, [1, 9], false),  // high octet MUST be 0
        (33, [], true), (33, [UInt8](repeating: 1, count: 16), true),
    ]

    @Test(arguments: sizes)
    func eachProxyAVPsSize(_ type: UInt16, _ value: [UInt8], _ accepted: Bool) {
        let body = iccn(rawAVP(type, value, bits: 0))
        let m = try? ControlMessage(decoding: body[...], secret: nil)
        #expect((m != nil) == accepted, "attribute \(type), \(value.count) octets")
    }

    /// An AVP Length that runs past the message, or below 6, is refused for
    /// each proxy attribute; a message cut inside one is refused too.
    @Test(arguments: Array(UInt16(26)...33))
    func truncatedAndOverlongProxyAVPs(_ type: UInt16) {
        let value: [UInt8] = type == 29 || type == 32 ? [0, 2] : [1, 4, 5, 0xd4]
        let good = iccn(rawAVP(type, value, bits: 0))
        #expect((try? ControlMessage(decoding: good[...], secret: nil)) != nil)
        let long = iccn(rawAVP(type, value, bits: 0, length: 6 + value.count + 1))
        #expect(throws: L2TPError.self) { try ControlMessage(decoding: long[...], secret: nil) }
        let short = iccn(rawAVP(type, value, bits: 0, length: 5))
        #expect(throws: L2TPError.self) { try ControlMessage(decoding: short[...], secret: nil) }
        for cut in 1...value.count + 5 {
            let truncated = Array(good.dropLast(cut))
            if truncated.count < iccn([]).count { continue }
            #expect(throws: L2TPError.self) { try ControlMessage(decoding: truncated[...], secret: nil) }
        }
    }

    /// RFC 1661 §6 option lists: (list, option count or nil when refused).
    static let optionLists: [([UInt8], Int?)] = [
        ([], 0),
        ([1, 4, 5, 0xd4], 1),                                  // MRU 1492
        ([1, 4, 5, 0xd4, 5, 6, 1, 2, 3, 4, 3, 5, 0xc2, 0x23, 5], 3),  // MRU, magic, CHAP MD5
        ([7, 2, 8, 2], 2),                                     // PFC, ACFC: length 2
        ([1], nil),                                            // short: no Length
        ([1, 1], nil),                                         // Length below 2
        ([1, 0], nil),                                         // Length 0 (the zero-length loop)
        ([1, 5, 5, 0xd4], nil),                                // runs past the list
        ([1, 4, 5, 0xd4, 9], nil),                             // trailing octet
        ([1, 4, 5], nil),                                      // truncated option
    ]

    @Test(arguments: optionLists)
    func confReqOptionLists(_ list: [UInt8], _ count: Int?) {
        let options = try? ProxyInformation.options(list, attribute: .initialReceivedLCPConfReq)
        #expect(options?.count == count, "\(list)")
        var p = ProxyInformation()
        p.initialReceivedConfReq = list
        #expect(((try? p.check()) != nil) == (count != nil))
    }

    @Test func callerMRUComesFromTheLastReceivedConfReq() {
        var p = ProxyInformation()
        #expect(p.callerMRU == nil && p.summary == "no proxy LCP or authentication")
        p.lastReceivedConfReq = [5, 6, 1, 2, 3, 4, 1, 4, 5, 0xd4]
        #expect(p.callerMRU == 1492)
        p.lastReceivedConfReq = [1, 3, 5]  // an MRU of the wrong size says nothing
        #expect(p.callerMRU == nil)
        p.lastReceivedConfReq = [1, 4, 5, 0xd4]
        p.authenType = ProxyInformation.chap
        p.authenName = Array("alice".utf8)
        #expect(p.summary == "proxy LCP (4 octets, caller MRU 1492), proxy authentication CHAP as alice")
    }

    /// The set as a whole: a type with what it needs, no value without a type.
    @Test func authenticationSetsAreChecked() {
        func set(_ type: UInt16?, name: Bool = false, challenge: Bool = false, id: Bool = false, response: Bool = false) -> ProxyInformation {
            var p = ProxyInformation()
            p.authenType = type
            if name { p.authenName = Array("bob".utf8) }
            if challenge { p.authenChallenge = [UInt8](repeating: 3, count: 16) }
            if id { p.authenID = 4 }
            if response { p.authenResponse = [UInt8](repeating: 5, count: 16) }
            return p
        }
        let cases: [(ProxyInformation, L2TPError?)] = [
            (set(nil), nil),
            (set(ProxyInformation.pap, name: true, response: true), nil),
            (set(ProxyInformation.pap, name: true, id: true, response: true), nil),
            (set(ProxyInformation.pap, name: true), .missingAVP(message: 12, type: 33)),
            (set(ProxyInformation.pap, response: true), .missingAVP(message: 12, type: 30)),
            (set(ProxyInformation.chap, name: true, challenge: true, id: true, response: true), nil),
            (set(ProxyInformation.chap, name: true, id: true, response: true), .missingAVP(message: 12, type: 31)),
            (set(ProxyInformation.chap, name: true, challenge: true, response: true), .missingAVP(message: 12, type: 32)),
            (set(ProxyInformation.msChapV1, name: true, challenge: true, id: true), .missingAVP(message: 12, type: 33)),
            (set(ProxyInformation.noAuthentication), nil),
            (set(ProxyInformation.textual, name: true), nil),
            (set(0), .invalidValue(type: 29)),
            (set(6, name: true, response: true), .invalidValue(type: 29)),
            (set(nil, name: true), .missingAVP(message: 12, type: 29)),
            (set(nil, id: true), .missingAVP(message: 12, type: 29)),
        ]
        for (p, expected) in cases {
            do {
                try p.check()
                #expect(expected == nil, "\(p) accepted")
            } catch {
                #expect(error == expected, "\(p)")
            }
        }
    }

    /// Our LAC's proxy AVPs reach our LNS through a tunnel with a secret,
    /// hidden, and pass its check (TunnelTests runs the exchange).
    @Test func proxiedSetRoundTripsHidden() throws {
        let secret = Array("s".utf8)
        var m = ControlMessage(.iccn)
        m.txConnectSpeed = 10_000_000
        m.framingType = ControlMessage.synchronousFraming
        m.proxy.initialReceivedConfReq = [1, 4, 5, 0xd4, 3, 5, 0xc2, 0x23, 5]
        m.proxy.lastSentConfReq = [1, 4, 5, 0xd4, 3, 5, 0xc2, 0x23, 5, 5, 6, 0, 0, 0, 1]
        m.proxy.lastReceivedConfReq = [1, 4, 5, 0xd4, 5, 6, 9, 9, 9, 9]
        m.proxy.authenType = ProxyInformation.chap
        m.proxy.authenName = Array("alice@far.example".utf8)
        m.proxy.authenChallenge = [UInt8](repeating: 0x42, count: 16)
        m.proxy.authenID = 1
        m.proxy.authenResponse = [UInt8](repeating: 0x17, count: 16)
        let hiding = ControlMessage.Hiding(secret: secret, randomVector: Array(0..<16),
                                           types: [.proxyAuthenName, .proxyAuthenChallenge, .proxyAuthenResponse, .lastSentLCPConfReq], padding: [])
        let body = try m.encodedBody(hiding: hiding)
        let back = try ControlMessage(decoding: body[...], secret: secret)
        #expect(back == m)
        try back.proxy.check()
        #expect(back.proxy.callerMRU == 1492)
    }
}
