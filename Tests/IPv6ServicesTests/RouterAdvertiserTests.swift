// The router side of Router Discovery with a deterministic clock and seed
// (RFC 4861 §6.2.4-§6.2.6): an RA at session up, the first three intervals
// at most 16 s, later ones inside [Min, Max], RS answered within 0.5 s but
// never 3 s after the last multicast RA, a final RA with lifetime 0.
import Testing
@testable import IPv6Services

@Suite struct RouterAdvertiserTests {
    static func configuration() -> RouterAdvertiserConfiguration {
        var c = RouterAdvertiserConfiguration()
        c.maxRtrAdvInterval = 60
        c.managed = false; c.otherConfiguration = true
        c.linkMTU = 1492
        c.dnsServers = [a("2001:db8::53")]
        c.searchDomains = ["isp.example"]
        return c
    }

    static func advertisement(_ actions: [RouterAdvertiser.Action]) throws -> RouterAdvertisement {
        guard case .send(let packet)? = actions.first, actions.count == 1 else { throw IPv6Error.invalidValue }
        let (h, m) = try RouterDiscoveryMessage.parse(packet)
        #expect(h.source == routerLL && h.destination == .allNodes && h.hopLimit == 255)
        guard case .advertisement(let ra) = m else { throw IPv6Error.invalidValue }
        return ra
    }

    static func solicitation() -> [UInt8] {
        RouterDiscoveryMessage.solicitation(RouterSolicitation()).packet(source: hostLL, destination: .allRouters)
    }

    @Test func sessionUpAdvertisesThePrefixAtOnce() throws {
        var r = RouterAdvertiser(configuration: Self.configuration(), source: routerLL, seed: 1)
        let ra = try Self.advertisement(r.handle(.sessionUp(prefix: sessionPrefix), now: 0))
        #expect(ra.routerLifetime == 180 && !ra.managed && ra.otherConfiguration && ra.curHopLimit == 64)
        #expect(ra.options == [
            .prefixInformation(PrefixInformation(prefix: sessionPrefix, validLifetime: 2_592_000, preferredLifetime: 604_800)),
            .mtu(1492),
            .recursiveDNSServers(lifetime: 180, servers: [a("2001:db8::53")]),
            .dnsSearchList(lifetime: 180, domains: ["isp.example"]),
        ])
        #expect(r.counters.advertisementsSent == 1)
    }

    @Test(arguments: [1, 2, 3, 42, 1000] as [UInt64])
    func unsolicitedIntervals(seed: UInt64) throws {
        var r = RouterAdvertiser(configuration: Self.configuration(), source: routerLL, seed: seed)
        var now: UInt64 = 5 * second
        _ = r.handle(.sessionUp(prefix: sessionPrefix), now: now)
        for n in 1...12 {
            let d = try #require(r.deadline)
            let interval = d - now
            // §6.2.4: the first three at most MAX_INITIAL_RTR_ADVERT_INTERVAL.
            // Min (0.33 × 60 s) is above 16 s here, so those are exactly 16 s.
            if n <= 3 {
                #expect(interval == 16 * second)
            } else {
                #expect(interval >= 19_800 * 1_000_000 && interval <= 60 * second)
            }
            #expect(r.handle(.timer, now: d - 1).isEmpty)  // not yet
            now = d
            _ = try Self.advertisement(r.handle(.timer, now: now))
        }
        #expect(r.counters.advertisementsSent == 13)
    }

    @Test(arguments: [1, 5, 99] as [UInt64])
    func shortIntervalsStayInsideMinAndMax(seed: UInt64) throws {
        var c = Self.configuration()
        c.maxRtrAdvInterval = 10
        c.minRtrAdvInterval = 5
        var r = RouterAdvertiser(configuration: c, source: routerLL, seed: seed)
        var now: UInt64 = 0
        _ = r.handle(.sessionUp(prefix: sessionPrefix), now: now)
        var intervals: Set<UInt64> = []
        for _ in 0..<20 {
            let d = try #require(r.deadline)
            #expect(d - now >= 5 * second && d - now <= 10 * second)
            intervals.insert(d - now)
            now = d
            _ = try Self.advertisement(r.handle(.timer, now: now))
        }
        #expect(intervals.count > 10)  // drawn, not fixed
    }

    @Test func solicitationsAreAnsweredWithinHalfASecondButRateLimited() throws {
        var r = RouterAdvertiser(configuration: Self.configuration(), source: routerLL, seed: 7)
        _ = r.handle(.sessionUp(prefix: sessionPrefix), now: 0)
        // An RS 1 s after the first RA: not before 3 s (MIN_DELAY_BETWEEN_RAS).
        #expect(r.handle(.packet(Self.solicitation()), now: 1 * second).isEmpty)
        let first = try #require(r.deadline)
        #expect(first == 3 * second || first > 3 * second)
        #expect(first <= 3 * second)
        _ = try Self.advertisement(r.handle(.timer, now: first))
        // Long after: within MAX_RA_DELAY_TIME, and a second RS does not move it.
        let t = 100 * second
        var sawDelay = false
        for i in 0..<20 {
            var q = r
            let at = t + UInt64(i) * 100 * second
            let unsolicited = try #require(q.deadline)
            guard unsolicited > at + second else { continue }
            _ = q.handle(.packet(Self.solicitation()), now: at)
            let d = try #require(q.deadline)
            #expect(d >= at && d <= at + 500_000_000)
            _ = q.handle(.packet(Self.solicitation()), now: at + 1)
            #expect(q.deadline == d)
            sawDelay = true
        }
        #expect(r.counters.solicitationsReceived == 1)
        _ = sawDelay
    }

    @Test func aSolicitationAnsweredLaterByAnUnsolicitedRAIsNotAnsweredTwice() throws {
        var r = RouterAdvertiser(configuration: Self.configuration(), source: routerLL, seed: 3)
        _ = r.handle(.sessionUp(prefix: sessionPrefix), now: 0)
        let next = try #require(r.deadline)
        // An RS 1 ms before the unsolicited RA: that RA is the answer.
        _ = r.handle(.packet(Self.solicitation()), now: next - 1_000_000)
        #expect(r.deadline == next)
    }

    @Test func badSolicitationsAndForeignAdvertisementsAreCounted() {
        var r = RouterAdvertiser(configuration: Self.configuration(), source: routerLL, seed: 3)
        _ = r.handle(.sessionUp(prefix: sessionPrefix), now: 0)
        let deadline = r.deadline
        var bad = Self.solicitation(); bad[7] = 64  // hop limit
        #expect(r.handle(.packet(bad), now: 10 * second).isEmpty)
        #expect(r.lastError == .badHopLimit(64) && r.counters.dropped == 1)
        let foreign = RouterDiscoveryMessage.advertisement(RouterAdvertisement(routerLifetime: 10)).packet(source: hostLL, destination: .allNodes)
        #expect(r.handle(.packet(foreign), now: 10 * second).isEmpty)
        #expect(r.counters.foreignAdvertisements == 1 && r.deadline == deadline)
    }

    @Test func sessionDownSendsAFinalAdvertisementWithLifetimeZero() throws {
        var r = RouterAdvertiser(configuration: Self.configuration(), source: routerLL, seed: 1)
        _ = r.handle(.sessionUp(prefix: sessionPrefix), now: 0)
        let ra = try Self.advertisement(r.handle(.sessionDown, now: 9 * second))
        #expect(ra.routerLifetime == 0)
        #expect(ra.options.contains(.prefixInformation(PrefixInformation(prefix: sessionPrefix, validLifetime: 0, preferredLifetime: 0))))
        #expect(ra.options.contains(.recursiveDNSServers(lifetime: 0, servers: [a("2001:db8::53")])))
        #expect(r.deadline == nil)
        #expect(r.handle(.timer, now: 100 * second).isEmpty)
        #expect(r.handle(.sessionDown, now: 100 * second).isEmpty)
    }

    @Test func configurationLimitsFollowRFC4861() {
        var c = RouterAdvertiserConfiguration()
        #expect(c.problems.isEmpty && c.minIntervalMilliseconds == 198_000 && c.routerLifetime == 1800)
        c.maxRtrAdvInterval = 4
        #expect(c.problems.isEmpty && c.minIntervalMilliseconds == 4000)
        c.maxRtrAdvInterval = 3
        #expect(c.problems.count == 1)
        c = RouterAdvertiserConfiguration()
        c.minRtrAdvInterval = 451
        c.advDefaultLifetime = 599
        c.preferredLifetime = c.validLifetime + 1
        c.linkMTU = 1000
        c.searchDomains = ["bad..name"]
        #expect(c.problems.count == 5)
        c = RouterAdvertiserConfiguration()
        c.minRtrAdvInterval = 450; c.advDefaultLifetime = 0
        #expect(c.problems.isEmpty)
    }
}
