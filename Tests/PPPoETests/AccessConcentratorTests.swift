// The access concentrator as a value: PADO with AC-Name, services and a
// cookie and no state kept (RFC 2516 §5.2, §9); PADR checked by cookie, PADS
// and unique ids (§5.4); errors, limits, PADT (§5.5); and whole discoveries
// between our client and our AC, RFC 4638 included.
import Testing
@testable import PPPoE

@Suite struct AccessConcentratorTests {
    static let t0: UInt64 = 100 * 1_000_000_000

    static func configuration() -> AccessConcentrator.Configuration {
        var c = AccessConcentrator.Configuration(localAddress: acMAC, acName: Array("bras".utf8), key: testKey)
        c.serviceNames = [Array("isp".utf8), Array("tv".utf8)]
        return c
    }

    static func padi(from host: EthernetAddress = hostMAC, service: String = "", extra: [UInt8] = []) -> [UInt8] {
        rawFrame(code: 0x09, payload: rawTag(0x0101, Array(service.utf8)) + extra, source: host)
    }

    static func padr(from host: EthernetAddress = hostMAC, service: String = "", cookie: [UInt8]?, extra: [UInt8] = []) -> [UInt8] {
        var tags = rawTag(0x0101, Array(service.utf8)) + extra
        if let cookie { tags += rawTag(0x0104, cookie) }
        return rawFrame(code: 0x19, payload: tags, destination: acMAC, source: host)
    }

    /// PADI → PADO; returns the PADO.
    static func offer(_ ac: inout AccessConcentrator, from host: EthernetAddress = hostMAC, service: String = "",
                      extra: [UInt8] = [], now: UInt64 = t0) -> DiscoveryPacket? {
        ac.receive(padi(from: host, service: service, extra: extra), now: now).first?.frame.flatMap(parsed)
    }

    @Test func padoOffersEverythingAndKeepsNothing() throws {
        var ac = AccessConcentrator(configuration: Self.configuration())
        let relay = rawTag(0x0110, [1, 2, 3])
        let pado = try #require(Self.offer(&ac, extra: rawTag(0x0103, [9]) + relay))
        #expect(pado.code == .pado && pado.destination == hostMAC && pado.source == acMAC && pado.sessionID == 0)
        #expect(pado.acName == Array("bras".utf8))
        #expect(pado.values(.serviceName) == [[], Array("isp".utf8), Array("tv".utf8)])  // the PADI's first (§5.2)
        #expect(pado.hostUniq == [9] && pado.relaySessionID == [1, 2, 3] && pado.pppMaxPayload == nil)
        #expect(pado.acCookie?.count == ACCookie.length)
        #expect(ac.sessionCount == 0 && ac.counters.padoSent == 1)
    }

    @Test func padiForAServiceNotOfferedGetsNothing() throws {
        var ac = AccessConcentrator(configuration: Self.configuration())
        #expect(Self.offer(&ac, service: "radio") == nil)
        let pado = try #require(Self.offer(&ac, from: acMAC.next, service: "tv"))
        #expect(pado.values(.serviceName) == [Array("tv".utf8), Array("isp".utf8)])
        #expect(ac.counters.padiRefused == 1 && ac.counters.padiAtCapacity == 0)
        // With no list, any name is served and echoed (§9's RECOMMENDED policy).
        var config = Self.configuration()
        config.serviceNames = []
        var open = AccessConcentrator(configuration: config)
        #expect(try #require(Self.offer(&open, service: "radio")).values(.serviceName) == [Array("radio".utf8)])
    }

    @Test func padrWithCookieOpensASession() throws {
        var ac = AccessConcentrator(configuration: Self.configuration())
        let pado = try #require(Self.offer(&ac, service: "isp", extra: rawTag(0x0103, [5])))
        let actions = ac.receive(Self.padr(service: "isp", cookie: pado.acCookie, extra: rawTag(0x0103, [5])), now: Self.t0 + 1)
        let pads = try #require(actions.first?.frame.flatMap(parsed))
        #expect(pads.code == .pads && pads.sessionID != 0 && pads.destination == hostMAC)
        #expect(pads.serviceName == Array("isp".utf8) && pads.hostUniq == [5] && pads.error == nil)
        guard case .sessionOpened(let s)? = actions.last else { Issue.record("no session"); return }
        #expect(s.id == pads.sessionID && s.peer == hostMAC && s.maximumPayload == 1492)
        #expect(ac.sessionCount == 1)
        // The PADS was lost; the same PADR again gets the same session.
        let again = ac.receive(Self.padr(service: "isp", cookie: pado.acCookie, extra: rawTag(0x0103, [5])), now: Self.t0 + 2)
        #expect(again.count == 1 && again.first?.frame.flatMap(parsed)?.sessionID == s.id)
        #expect(ac.sessionCount == 1 && ac.counters.padrRepeated == 1)
    }

    @Test func padrWithoutAValidCookieGetsNothing() throws {
        var ac = AccessConcentrator(configuration: Self.configuration())
        let pado = try #require(Self.offer(&ac))
        let cookie = try #require(pado.acCookie)
        #expect(ac.receive(Self.padr(cookie: nil), now: Self.t0).isEmpty)
        var forged = cookie
        forged[5] ^= 0x10
        #expect(ac.receive(Self.padr(cookie: forged), now: Self.t0).isEmpty)
        // Another host replaying the cookie, or the cookie two lifetimes later.
        #expect(ac.receive(Self.padr(from: acMAC.next, cookie: cookie), now: Self.t0).isEmpty)
        #expect(ac.receive(Self.padr(cookie: cookie), now: Self.t0 + 61_000_000_000).isEmpty)
        // A PADR sent to another AC is not for us.
        var elsewhere = Self.padr(cookie: cookie)
        elsewhere[5] = 0x77
        #expect(ac.receive(elsewhere, now: Self.t0).isEmpty)
        #expect(ac.counters.padrBadCookie == 4 && ac.sessionCount == 0)
    }

    @Test func padrForAServiceNotOfferedGetsServiceNameError() throws {
        var ac = AccessConcentrator(configuration: Self.configuration())
        let cookie = ac.cookies.make(host: hostMAC, serviceName: Array("radio".utf8), now: Self.t0)
        let pads = try #require(ac.receive(Self.padr(service: "radio", cookie: cookie), now: Self.t0).first?.frame.flatMap(parsed))
        #expect(pads.sessionID == 0 && pads.error == "Service-Name-Error: service not offered")
        #expect(ac.sessionCount == 0)
    }

    @Test func sessionLimit() throws {
        var config = Self.configuration()
        config.maxSessions = 2
        var ac = AccessConcentrator(configuration: config)
        var host = hostMAC
        for _ in 0..<2 {
            let pado = try #require(Self.offer(&ac, from: host))
            _ = ac.receive(Self.padr(from: host, cookie: pado.acCookie), now: Self.t0)
            host = host.next
        }
        #expect(ac.sessionCount == 2)
        // Full: no PADO (§5.2), and a PADR with a cookie from earlier gets AC-System-Error.
        #expect(Self.offer(&ac, from: host) == nil)
        #expect(ac.counters.padiAtCapacity == 1 && ac.counters.padiRefused == 1 && ac.counters.padoSent == 2)
        let cookie = ac.cookies.make(host: host, serviceName: [], now: Self.t0)
        let pads = try #require(ac.receive(Self.padr(from: host, cookie: cookie), now: Self.t0).first?.frame.flatMap(parsed))
        #expect(pads.sessionID == 0 && pads.error == "AC-System-Error: session limit reached")
    }

    @Test func sessionIDsAreUniqueAndSkipReservedValues() throws {
        var config = Self.configuration()
        config.firstSessionID = 0xfffd
        config.perSourceLimit = RateLimit(rate: 0, burst: 0)
        config.totalLimit = RateLimit(rate: 0, burst: 0)
        var ac = AccessConcentrator(configuration: config)
        var ids: [UInt16] = []
        var host = hostMAC
        for _ in 0..<4 {
            let pado = try #require(Self.offer(&ac, from: host))
            let pads = try #require(ac.receive(Self.padr(from: host, cookie: pado.acCookie), now: Self.t0).first?.frame.flatMap(parsed))
            ids.append(pads.sessionID)
            host = host.next
        }
        #expect(ids == [0xfffd, 0xfffe, 1, 2])
    }

    @Test func thousandsOfSessions() throws {
        var config = Self.configuration()
        config.perSourceLimit = RateLimit(rate: 0, burst: 0)
        config.totalLimit = RateLimit(rate: 0, burst: 0)
        var ac = AccessConcentrator(configuration: config)
        var ids = Set<UInt16>()
        for i in 0..<5000 {
            let host = EthernetAddress(rawValue: 0x0200_0001_0000 + UInt64(i))
            let pado = try #require(Self.offer(&ac, from: host))
            guard case .sessionOpened(let s)? = ac.receive(Self.padr(from: host, cookie: pado.acCookie), now: Self.t0).last else {
                Issue.record("no session for host \(i)")
                return
            }
            ids.insert(s.id)
        }
        #expect(ids.count == 5000 && ac.sessionCount == 5000)
    }

    @Test func padtFromTheHostAndFromUs() throws {
        var ac = AccessConcentrator(configuration: Self.configuration())
        let pado = try #require(Self.offer(&ac))
        let opened = ac.receive(Self.padr(cookie: pado.acCookie, extra: rawTag(0x0110, [4, 4])), now: Self.t0)
        guard case .sessionOpened(let s)? = opened.last else { Issue.record("no session"); return }
        // A PADT for the session from another MAC changes nothing (§4: id and address).
        #expect(ac.receive(rawFrame(code: 0xa7, session: s.id, payload: [], destination: acMAC, source: acMAC.next), now: Self.t0).isEmpty)
        var copy = ac
        #expect(copy.receive(rawFrame(code: 0xa7, session: s.id, payload: [], destination: acMAC, source: hostMAC), now: Self.t0)
                == [.sessionClosed(id: s.id, reason: "PADT from the host")])
        #expect(copy.sessionCount == 0 && copy.terminate(sessionID: s.id, reason: "x").isEmpty)

        let padt = try #require(ac.terminate(sessionID: s.id, reason: "LCP terminated").first?.frame.flatMap(parsed))
        #expect(padt.code == .padt && padt.sessionID == s.id && padt.destination == hostMAC)
        #expect(padt.relaySessionID == [4, 4] && padt.error == "Generic-Error: LCP terminated")
        #expect(ac.sessionCount == 0 && ac.counters.padtSent == 1)
    }

    @Test func floodKeepsNoStateAndARealHostStillGetsItsOffer() throws {
        var ac = AccessConcentrator(configuration: Self.configuration())
        // 10,000 PADI/s for 5 s of simulated time from 1,000 MACs in turn,
        // with the real host's PADI every 2 s.
        var offersToHost = 0
        for i in 0..<50_000 {
            let now = Self.t0 + UInt64(i) * 100_000
            let mac = EthernetAddress(rawValue: 0x0200_0002_0000 + UInt64(i % 1000))
            _ = ac.receive(Self.padi(from: mac), now: now)
            if i % 20_000 == 0 { offersToHost += Self.offer(&ac, now: now) == nil ? 0 : 1 }
        }
        #expect(ac.sessionCount == 0 && ac.trackedSources <= 1001 && ac.rateTableSize == 65536)
        #expect(offersToHost == 3)
        let c = ac.counters
        #expect(c.padiReceived == 50_003 && c.padoSent + c.padiSourceLimited + c.padiTotalLimited == c.padiReceived)
        print("flood: \(c.padiReceived) PADI, \(c.padoSent) PADO, \(c.padiSourceLimited) source-limited, \(c.padiTotalLimited) total-limited, \(ac.trackedSources) rate slots")
    }

    // MARK: - Our client against our AC

    static func discover(client config: DiscoveryClient.Configuration, ac acConfig: AccessConcentrator.Configuration,
                         linkPayload: Int = .max) -> (DiscoveryClient.Session?, AccessConcentrator.Session?) {
        var client = DiscoveryClient(configuration: config)
        var ac = AccessConcentrator(configuration: acConfig)
        var toAC = client.start().compactMap(\.frame)
        var hostSession: DiscoveryClient.Session?
        var acSession: AccessConcentrator.Session?
        for _ in 0..<10 where !toAC.isEmpty {
            var toHost: [[UInt8]] = []
            for f in toAC {
                for a in ac.receive(f, now: t0, linkPayload: linkPayload) {
                    if case .send(let g) = a { toHost.append(g) }
                    if case .sessionOpened(let s) = a { acSession = s }
                }
            }
            toAC = []
            for f in toHost {
                for a in client.receive(f) {
                    if case .send(let g) = a { toAC.append(g) }
                    if case .established(let s) = a { hostSession = s }
                }
            }
        }
        return (hostSession, acSession)
    }

    @Test(arguments: [(1500, 1500, 1500), (1500, 1492, 1492), (nil, 1500, 1492), (1500, 1496, 1496)] as [(UInt16?, Int, Int)])
    func clientAgainstAC(_ asked: UInt16?, _ interface: Int, _ expected: Int) throws {
        var hc = DiscoveryClient.Configuration(localAddress: hostMAC)
        hc.serviceName = Array("tv".utf8)
        hc.hostUniq = [1, 2, 3, 4]
        hc.requestedMaxPayload = asked
        var acc = Self.configuration()
        acc.maximumPayload = interface
        let (h, a) = Self.discover(client: hc, ac: acc)
        let host = try #require(h)
        let ac = try #require(a)
        #expect(host.id == ac.id && host.peer == acMAC && ac.peer == hostMAC)
        #expect(host.acName == Array("bras".utf8) && host.serviceName == Array("tv".utf8))
        #expect(host.maximumPayload == expected && ac.maximumPayload == expected)
    }

    /// Issue 13: the link's payload with the request's VLAN tags
    /// (VLANTags.maximumPayload) bounds the RFC 4638 grant and the AC's
    /// session; under 1492 the Host is granted nothing (its linkd holds it
    /// to the same ceiling), and the AC's own session gets the lower value.
    @Test(arguments: [
        // asked, interface (untagged), link with the tags, AC's session, Host's session
        (1500, 1500, 1500, 1500, 1500), (1500, 1500, 1496, 1496, 1496), (1500, 1500, 1493, 1493, 1493),
        (1500, 1500, 1492, 1492, 1492), (1500, 1500, 1488, 1488, 1492), (nil, 1500, 1484, 1484, 1492),
        (nil, 1492, 1492, 1492, 1492), (1500, 1496, 1500, 1496, 1496),
    ] as [(UInt16?, Int, Int, Int, Int)])
    func linkPayloadBoundsTheSession(_ asked: UInt16?, _ interface: Int, _ link: Int, _ acExpected: Int, _ hostExpected: Int) throws {
        var hc = DiscoveryClient.Configuration(localAddress: hostMAC)
        hc.requestedMaxPayload = asked
        var acc = Self.configuration()
        acc.maximumPayload = interface
        let (h, a) = Self.discover(client: hc, ac: acc, linkPayload: link)
        let host = try #require(h)
        let ac = try #require(a)
        #expect(ac.maximumPayload == acExpected && host.maximumPayload == hostExpected)
    }
}

extension EthernetAddress {
    var next: EthernetAddress { EthernetAddress(rawValue: rawValue + 1) }
}
