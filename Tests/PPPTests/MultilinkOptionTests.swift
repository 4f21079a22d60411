// RFC 1990 §5.1 LCP options: the Endpoint Discriminator's class lengths and
// pppd text form as boundary tables, and MRRU / Short Sequence Number /
// Endpoint Discriminator negotiated both ways between two LCP instances.
import Testing
@testable import PPP

@Suite struct MultilinkOptionTests {
    @Test func discriminatorClassLengths() throws {
        // (class, address length, valid) at each class's edges (§5.1.3).
        let table: [(UInt8, Int, Bool)] = [
            (0, 0, true), (0, 1, false),
            (1, 0, false), (1, 1, true), (1, 20, true), (1, 21, false),
            (2, 3, false), (2, 4, true), (2, 5, false),
            (3, 5, false), (3, 6, true), (3, 7, false),
            (4, 0, false), (4, 3, false), (4, 4, true), (4, 6, false), (4, 8, true), (4, 20, true), (4, 24, false),
            (5, 0, false), (5, 1, true), (5, 15, true), (5, 16, false),
            (6, 0, true), (200, 252, true), (200, 253, false),
        ]
        for (cls, length, valid) in table {
            let value = [cls] + [UInt8](repeating: 0x11, count: length)
            let option = ConfigurationOption(type: 19, value: value)
            if valid {
                let typed = try LCPOption(option)
                #expect(typed.option == option, "class \(cls) length \(length)")
            } else {
                #expect(throws: PPPError.self, "class \(cls) length \(length)") { try LCPOption(option) }
            }
        }
        #expect(throws: PPPError.self) { try LCPOption(ConfigurationOption(type: 19, value: [])) }
        #expect(throws: PPPError.self) { try LCPOption(ConfigurationOption(type: 18, value: [0])) }
        #expect(throws: PPPError.self) { try LCPOption(ConfigurationOption(type: 17, value: [5, 220, 0])) }
        #expect(throws: PPPError.self) { try LCPOption(ConfigurationOption(type: 17, value: [5])) }
    }

    @Test func discriminatorTextForms() throws {
        let good: [(String, UInt8, [UInt8], String)] = [
            ("null", 0, [], "null"),
            ("local:6c6162", 1, [0x6c, 0x61, 0x62], "local:6c6162"),
            ("LOCAL:6c:61:62", 1, [0x6c, 0x61, 0x62], "local:6c6162"),
            ("IP:192.0.2.9", 2, [192, 0, 2, 9], "IP:192.0.2.9"),
            ("ip:0.0.0.0", 2, [0, 0, 0, 0], "IP:0.0.0.0"),
            ("MAC:00:16:3e:01:02:03", 3, [0, 0x16, 0x3e, 1, 2, 3], "MAC:00163e010203"),
            ("MAC:0.16.3e.1.2.3", 3, [0, 0x16, 0x3e, 1, 2, 3], "MAC:00163e010203"),
            ("magic:01020304", 4, [1, 2, 3, 4], "magic:01020304"),
            ("magic:0102030405060708", 4, [1, 2, 3, 4, 5, 6, 7, 8], "magic:0102030405060708"),
            ("phone:4930123456", 5, [0x49, 0x30, 0x12, 0x34, 0x56], "phone:4930123456"),
        ]
        for (text, cls, address, canonical) in good {
            let d = try #require(EndpointDiscriminator(text: text), "\(text)")
            #expect(d.class.rawValue == cls && d.address == address, "\(text)")
            #expect(d.description == canonical)
            #expect(EndpointDiscriminator(text: d.description) == d)
        }
        let bad = [
            "", "null:00", "bogus:01", "local", "local:", "local:6", "local:6c6", "local:+1", "local:-1",
            "local:" + String(repeating: "ab", count: 21), "local:1::2", "local:123:4",
            "IP:192.0.2", "IP:192.0.2.256", "IP:192.0.2.09", "IP:1.2.3.4.5",
            "MAC:01:16:3e:01:02:03", "MAC:02:16:3e:01:02:03", "MAC:00:16:3e:01:02",
            "magic:010203", "magic:" + String(repeating: "01", count: 24), "phone:" + String(repeating: "1", count: 32),
        ]
        for text in bad { #expect(EndpointDiscriminator(text: text) == nil, "\(text)") }
    }

    func multilink(_ mrru: UInt16 = 1500, short: Bool = false, endpoint: String? = nil) -> MultilinkConfiguration {
        var m = MultilinkConfiguration()
        m.mrru = mrru
        m.acceptableMRRU = 1500...max(mrru, 1500)
        m.requestShortSequence = short
        m.endpointDiscriminator = endpoint.flatMap(EndpointDiscriminator.init(text:))
        return m
    }

    func opened(_ a: MultilinkConfiguration?, _ b: MultilinkConfiguration?) -> (Endpoint, Endpoint) {
        var x = Endpoint({ $0.multilink = a }, seed: 1)
        var y = Endpoint({ $0.multilink = b }, seed: 2)
        x.start()
        y.start()
        pump(&x, &y)
        return (x, y)
    }

    @Test func negotiatedBothWays() {
        let (a, b) = opened(multilink(1600, short: true, endpoint: "IP:192.0.2.9"),
                            multilink(1500, endpoint: "magic:0a0b0c0d"))
        #expect(a.lcp.state == .opened && b.lcp.state == .opened)
        let x = a.lcp.negotiator.negotiated, y = b.lcp.negotiator.negotiated
        #expect(x.localMRRU == 1600 && x.peerMRRU == 1500 && x.isMultilink)
        #expect(y.localMRRU == 1500 && y.peerMRRU == 1600 && y.isMultilink)
        #expect(x.receiveShortSequence && !x.transmitShortSequence)
        #expect(y.transmitShortSequence && !y.receiveShortSequence)
        #expect(x.localEndpointDiscriminator?.description == "IP:192.0.2.9")
        #expect(y.peerEndpointDiscriminator?.description == "IP:192.0.2.9")
        #expect(x.peerEndpointDiscriminator?.description == "magic:0a0b0c0d")
        #expect(MultilinkBundleKey(peerName: "alice", negotiated: y).rendezvousName == "bundle:alice:IP:192.0.2.9")
        #expect(a.sentCount(.configureReject) == 0 && b.sentCount(.configureReject) == 0)
    }

    @Test func multilinkOffRejectsAndTheOtherEndRunsAlone() throws {
        let (a, b) = opened(multilink(short: true, endpoint: "local:01"), nil)
        #expect(a.lcp.state == .opened && b.lcp.state == .opened)
        let reject = try #require(b.sent.first { $0.code == .configureReject })
        #expect(try ConfigurationOption.parseList(reject.data).map(\.type) == [17, 18, 19])
        let x = a.lcp.negotiator.negotiated, y = b.lcp.negotiator.negotiated
        #expect(!x.isMultilink && !y.isMultilink)
        #expect(x.localEndpointDiscriminator == nil && !x.receiveShortSequence)
        // Today's behaviour without multilink: the request carries none of them.
        let request = try #require(b.sent.first { $0.code == .configureRequest })
        #expect(try ConfigurationOption.parseList(request.data).allSatisfy { ![17, 18, 19].contains($0.type) })
    }

    @Test func smallPeerMRRUIsNakedToTheMinimum() throws {
        var a = Endpoint({ $0.multilink = multilink() }, seed: 1)
        a.start()
        a.apply(a.lcp.receive(request(9, [.maximumReceiveReconstructedUnit(64), .shortSequenceNumberHeaderFormat])))
        let nak = try #require(a.sent.last)
        #expect(nak.code == .configureNak)
        #expect(try ConfigurationOption.parseList(nak.data) == [LCPOption.maximumReceiveReconstructedUnit(128).option])
    }

    @Test func nakedMRRUTakenWithinPolicyAndDiscriminatorRemoved() throws {
        var n = LCPNegotiator(configuration: { var c = LCPConfiguration(); c.multilink = multilink(2000, endpoint: "local:01"); return c }())
        #expect(n.configureRequestOptions().contains(LCPOption.maximumReceiveReconstructedUnit(2000).option))
        let d = try EndpointDiscriminator(class: .locallyAssigned, address: [2])
        #expect(n.configureNakReceived([LCPOption.maximumReceiveReconstructedUnit(1800).option,
                                        LCPOption.endpointDiscriminator(d).option]) == .accepted)
        var options = n.configureRequestOptions()
        #expect(options.contains(LCPOption.maximumReceiveReconstructedUnit(1800).option))
        #expect(!options.contains { $0.type == 19 })
        // Outside the policy the Nak is not followed.
        #expect(n.configureNakReceived([LCPOption.maximumReceiveReconstructedUnit(600).option]) == .accepted)
        #expect(n.configureRequestOptions().contains(LCPOption.maximumReceiveReconstructedUnit(1800).option))
        // A Reject of the MRRU ends multilink on this link, short sequence too.
        var s = LCPNegotiator(configuration: { var c = LCPConfiguration(); c.multilink = multilink(short: true); return c }())
        options = s.configureRequestOptions()
        #expect(options.contains { $0.type == 18 })
        #expect(s.configureRejectReceived([LCPOption.maximumReceiveReconstructedUnit(1500).option]) == .accepted)
        #expect(!s.configureRequestOptions().contains { $0.type == 17 || $0.type == 18 })
        // An MRRU hint while multilink is off does not start it.
        var off = LCPNegotiator(configuration: LCPConfiguration())
        #expect(off.configureNakReceived([LCPOption.maximumReceiveReconstructedUnit(1500).option]) == .accepted)
        #expect(!off.configureRequestOptions().contains { $0.type == 17 })
    }

    @Test func peerWithoutDiscriminatorKeysAsNullClass() {
        let (a, _) = opened(multilink(), multilink())
        let x = a.lcp.negotiator.negotiated
        #expect(x.peerEndpointDiscriminator == nil && x.bundleDiscriminator == .null)
        #expect(MultilinkBundleKey(peerName: "", negotiated: x).rendezvousName == "bundle::null")
    }
}
