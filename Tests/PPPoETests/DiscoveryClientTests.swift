// The Host's discovery as a value: PADI backoff (RFC 2516 §8), PADO selection
// (§5.2, §5.3), PADS (§5.4, RFC 4638 §4), PADT both ways (§5.5), with a
// scripted AC made of hand-built frames.
import Testing
@testable import PPPoE

@Suite struct DiscoveryClientTests {
    static func configuration() -> DiscoveryClient.Configuration {
        var c = DiscoveryClient.Configuration(localAddress: hostMAC)
        c.serviceName = Array("isp".utf8)
        c.hostUniq = [0xde, 0xad]
        c.requestedMaxPayload = 1500
        c.padiAttempts = 3
        c.padrAttempts = 2
        return c
    }

    static func pado(from ac: EthernetAddress = acMAC, name: String = "bras", services: [String] = ["isp"],
                     uniq: [UInt8]? = [0xde, 0xad], extra: [UInt8] = []) -> [UInt8] {
        var tags = rawTag(0x0102, Array(name.utf8))
        for s in services { tags += rawTag(0x0101, Array(s.utf8)) }
        if let uniq { tags += rawTag(0x0103, uniq) }
        tags += rawTag(0x0104, [7, 7, 7]) + extra
        return rawFrame(code: 0x07, payload: tags, destination: hostMAC, source: ac)
    }

    static func pads(session: UInt16 = 0x2a, uniq: [UInt8]? = [0xde, 0xad], extra: [UInt8] = []) -> [UInt8] {
        var tags = rawTag(0x0101, Array("isp".utf8))
        if let uniq { tags += rawTag(0x0103, uniq) }
        return rawFrame(code: 0x65, session: session, payload: tags + extra, destination: hostMAC, source: acMAC)
    }

    func timers(_ actions: [DiscoveryClient.Action]) -> [Double] {
        actions.compactMap { if case .startTimer(let s) = $0 { s } else { nil } }
    }

    @Test func padiCarriesTheRequestAndBacksOff() throws {
        var c = DiscoveryClient(configuration: Self.configuration())
        let first = c.start()
        let padi = try #require(first.first?.frame.flatMap(parsed))
        #expect(padi.code == .padi && padi.destination == .broadcast && padi.source == hostMAC && padi.sessionID == 0)
        #expect(padi.serviceName == Array("isp".utf8) && padi.hostUniq == [0xde, 0xad] && padi.pppMaxPayload == 1500)
        #expect(timers(first) == [2])
        #expect(timers(c.timeout()) == [4])
        #expect(timers(c.timeout()) == [8])
        let last = c.timeout()
        #expect(last == [.failed(reason: "no PADO after 3 PADI")])
        #expect(c.timeout().isEmpty)
    }

    @Test func backoffIsCapped() {
        var config = Self.configuration()
        config.padiAttempts = 10
        config.maximumTimeout = 5
        var c = DiscoveryClient(configuration: config)
        var waits = timers(c.start())
        for _ in 0..<4 { waits += timers(c.timeout()) }
        #expect(waits == [2, 4, 5, 5, 5])
    }

    @Test func noRFC4638RequestAtOrBelow1492() throws {
        var config = Self.configuration()
        config.requestedMaxPayload = 1492
        var c = DiscoveryClient(configuration: config)
        let padi = try #require(c.start().first?.frame.flatMap(parsed))
        #expect(padi.pppMaxPayload == nil)
    }

    @Test func offersAreChosenByHostUniqNameAndService() throws {
        var config = Self.configuration()
        config.acName = Array("bras".utf8)
        var c = DiscoveryClient(configuration: config)
        _ = c.start()
        #expect(c.receive(Self.pado(uniq: [1])).isEmpty)
        #expect(c.counters.lastRefusal == "02:00:00:00:00:ac: Host-Uniq does not match")
        #expect(c.receive(Self.pado(uniq: nil)).isEmpty)
        #expect(c.receive(Self.pado(name: "other")).isEmpty)
        #expect(c.counters.lastRefusal == "02:00:00:00:00:ac: AC-Name 'other' is not 'bras'")
        #expect(c.receive(Self.pado(services: ["", "tv"])).isEmpty)
        #expect(c.counters.lastRefusal == "02:00:00:00:00:ac: service 'isp' not offered")
        #expect(c.receive(Self.pado(extra: rawTag(0x0203, Array("busy".utf8)))).isEmpty)
        #expect(c.counters.offersRefused == 5 && c.state == .selecting)
        // A PADO for another host is not ours.
        var other = Self.pado()
        other[5] = 9
        #expect(c.receive(other).isEmpty && c.counters.notForUs == 1)

        let relay = rawTag(0x0110, [0xaa, 0xbb])
        let actions = c.receive(Self.pado(services: ["tv", "isp"], extra: relay))
        #expect(actions.first == .cancelTimer && timers(actions) == [2])
        let padr = try #require(actions.compactMap(\.frame).first.flatMap(parsed))
        #expect(padr.code == .padr && padr.destination == acMAC && padr.sessionID == 0)
        #expect(padr.serviceName == Array("isp".utf8) && padr.hostUniq == [0xde, 0xad])
        #expect(padr.acCookie == [7, 7, 7] && padr.relaySessionID == [0xaa, 0xbb] && padr.pppMaxPayload == 1500)
        // A second PADO is not taken while the PADR is out.
        #expect(c.receive(Self.pado(from: EthernetAddress(2, 0, 0, 0, 0, 0xbb))).isEmpty)
    }

    @Test func padrRetriesThenPADIAgain() throws {
        var c = DiscoveryClient(configuration: Self.configuration())
        _ = c.start()
        _ = c.receive(Self.pado())
        let retry = c.timeout()
        #expect(try #require(retry.first?.frame.flatMap(parsed)).code == .padr)
        #expect(timers(retry) == [4])
        // §8: after padrAttempts PADRs, back to PADI with the first timeout.
        let back = c.timeout()
        #expect(try #require(back.first?.frame.flatMap(parsed)).code == .padi)
        #expect(timers(back) == [2] && c.state == .selecting)
        _ = c.receive(Self.pado())
        _ = c.timeout()
        // The third and last PADI; its PADRs go unanswered too.
        #expect(try #require(c.timeout().first?.frame.flatMap(parsed)).code == .padi)
        _ = c.receive(Self.pado())
        _ = c.timeout()
        #expect(c.timeout() == [.failed(reason: "no PADS from 02:00:00:00:00:ac after 2 PADR")])
    }

    @Test func padsEstablishesWithRFC4638Payload() {
        var c = DiscoveryClient(configuration: Self.configuration())
        _ = c.start()
        _ = c.receive(Self.pado())
        // A PADS from someone else, or with the wrong Host-Uniq, is not taken.
        var stranger = Self.pads()
        stranger[11] = 0x77
        #expect(c.receive(stranger).isEmpty)
        #expect(c.receive(Self.pads(uniq: [0])).isEmpty)
        let actions = c.receive(Self.pads(extra: rawTag(0x0120, [0x05, 0xdc])))
        let session = DiscoveryClient.Session(id: 0x2a, peer: acMAC, acName: Array("bras".utf8), serviceName: Array("isp".utf8),
                                              relaySessionID: nil, maximumPayload: 1500)
        #expect(actions == [.cancelTimer, .established(session)])
        #expect(c.state == .established(session))
    }

    @Test(arguments: [([UInt8](), 1492), ([0x05, 0xd0], 1492), ([0x05, 0xd8], 1496), ([0x23, 0x28], 1500)])
    func grantedPayload(_ tag: [UInt8], _ expected: Int) {
        var c = DiscoveryClient(configuration: Self.configuration())
        _ = c.start()
        _ = c.receive(Self.pado())
        let extra = tag.isEmpty ? [] : rawTag(0x0120, tag)
        guard case .established(let s)? = c.receive(Self.pads(extra: extra)).last else {
            Issue.record("no session")
            return
        }
        #expect(s.maximumPayload == expected)
    }

    @Test func padsErrorFails() {
        var c = DiscoveryClient(configuration: Self.configuration())
        _ = c.start()
        _ = c.receive(Self.pado())
        let refused = rawFrame(code: 0x65, session: 0,
                               payload: rawTag(0x0103, [0xde, 0xad]) + rawTag(0x0201, Array("no such service".utf8)),
                               destination: hostMAC, source: acMAC)
        #expect(c.receive(refused) == [.cancelTimer, .failed(reason: "PADS from 02:00:00:00:00:ac: Service-Name-Error: no such service")])
    }

    @Test func padtEndsTheSessionBothWays() throws {
        var c = DiscoveryClient(configuration: Self.configuration())
        _ = c.start()
        _ = c.receive(Self.pado())
        _ = c.receive(Self.pads())
        // Wrong session id or wrong AC: ignored.
        #expect(c.receive(rawFrame(code: 0xa7, session: 0x2b, payload: [], destination: hostMAC, source: acMAC)).isEmpty)
        var d = c
        #expect(d.receive(rawFrame(code: 0xa7, session: 0x2a, payload: rawTag(0x0203, Array("bye".utf8)), destination: hostMAC, source: acMAC))
                == [.terminated(reason: "PADT from the access concentrator (Generic-Error: bye)")])
        #expect(d.stop(reason: "x").isEmpty)  // §5.5: nothing more after a PADT

        let stop = c.stop(reason: "stopped by the operator")
        let padt = try #require(stop.first?.frame.flatMap(parsed))
        #expect(padt.code == .padt && padt.sessionID == 0x2a && padt.destination == acMAC)
        #expect(padt.error == "Generic-Error: stopped by the operator")
        #expect(c.stop(reason: "again").isEmpty)
    }

    @Test func stopDuringDiscoveryCancelsTheTimer() {
        var c = DiscoveryClient(configuration: Self.configuration())
        _ = c.start()
        #expect(c.stop(reason: "stop") == [.cancelTimer])
        #expect(c.receive(Self.pado()).isEmpty)
    }

    @Test func staleSessionGetsPADTFirst() throws {
        var c = DiscoveryClient(configuration: Self.configuration())
        let actions = c.start(stale: (id: 0x99, peer: acMAC))
        let frames = actions.compactMap(\.frame).compactMap(parsed)
        #expect(frames.map(\.code) == [.padt, .padi])
        #expect(frames[0].sessionID == 0x99 && frames[0].destination == acMAC)
    }

    @Test func malformedFramesAreCounted() {
        var c = DiscoveryClient(configuration: Self.configuration())
        _ = c.start()
        #expect(c.receive([]).isEmpty)
        #expect(c.receive(rawFrame(code: 0x07, payload: [0, 1], destination: hostMAC, source: acMAC)).isEmpty)
        #expect(c.counters.malformed == 2 && c.state == .selecting)
    }
}
