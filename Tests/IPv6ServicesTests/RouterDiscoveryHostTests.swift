// The CPE side (RFC 4861 §6.3, RFC 4862 §5.5.3, RFC 8106 §5.3): solicitations
// then silence, SLAAC from the /64 and the IPv6CP identifier, default router,
// RDNSS, the two-hour rule, expiry, and refusal of RAs that fail §6.1.2.
import Testing
@testable import IPv6Services

@Suite struct RouterDiscoveryHostTests {
    static let iid: UInt64 = 0x0200_5eff_fe00_5301

    static func ra(lifetime: UInt16 = 1800, prefix: IPv6Prefix = sessionPrefix, valid: UInt32 = 86400, preferred: UInt32 = 14400,
                   autonomous: Bool = true, dns: UInt32 = 600, from source: IPv6Address = routerLL) -> [UInt8] {
        RouterDiscoveryMessage.advertisement(RouterAdvertisement(routerLifetime: lifetime, options: [
            .prefixInformation(PrefixInformation(prefix: prefix, autonomous: autonomous, validLifetime: valid, preferredLifetime: preferred)),
            .mtu(1492), .recursiveDNSServers(lifetime: dns, servers: [a("2001:db8::53")]),
        ])).packet(source: source, destination: .allNodes)
    }

    @Test func solicitsThreeTimesThenStops() throws {
        var h = RouterDiscoveryHost(interfaceID: Self.iid, seed: 9)
        #expect(h.handle(.linkUp, now: 0).isEmpty)
        var sent = 0, now: UInt64 = 0
        var times: [UInt64] = []
        while let d = h.deadline, sent < 10 {
            now = d
            for case .send(let packet) in h.handle(.timer, now: now) {
                let (hdr, m) = try RouterDiscoveryMessage.parse(packet)
                #expect(m == .solicitation(RouterSolicitation()) && hdr.destination == .allRouters)
                #expect(hdr.source == .linkLocal(interfaceID: Self.iid))
                sent += 1
                times.append(now)
            }
        }
        #expect(sent == 3 && times[0] <= second && times[1] - times[0] == 4 * second && times[2] - times[1] == 4 * second)
    }

    @Test func anAdvertisementConfiguresAddressRouterDNSAndMTU() throws {
        var h = RouterDiscoveryHost(interfaceID: Self.iid, seed: 9)
        _ = h.handle(.linkUp, now: 0)
        let actions = h.handle(.packet(Self.ra()), now: second)
        let address = a("2001:db8:1:2:200:5eff:fe00:5301")
        #expect(actions == [
            .setDefaultRouter(routerLL, lifetime: 1800),
            .addAddress(address, prefixLength: 64, validLifetime: 86400, preferredLifetime: 14400),
            .setMTU(1492),
            .setDNSServers([a("2001:db8::53")]),
        ])
        #expect(h.deadline == 601 * second)  // the RDNSS lifetime first; soliciting stopped
        // The same RA again changes nothing but the lifetimes.
        #expect(h.handle(.packet(Self.ra()), now: 2 * second) == [.addAddress(address, prefixLength: 64, validLifetime: 86400, preferredLifetime: 14400)])
        // RDNSS expires, then the router.
        #expect(h.handle(.timer, now: 602 * second) == [.setDNSServers([])])
        #expect(h.handle(.timer, now: 1802 * second) == [.removeDefaultRouter(routerLL)])
        #expect(h.handle(.linkDown, now: 1803 * second) == [.removeAddress(address, prefixLength: 64)])
    }

    @Test func twoHourRuleAndFinalAdvertisement() {
        var h = RouterDiscoveryHost(interfaceID: Self.iid, seed: 9)
        _ = h.handle(.linkUp, now: 0)
        _ = h.handle(.packet(Self.ra()), now: 0)
        let address = a("2001:db8:1:2:200:5eff:fe00:5301")
        // RFC 4862 §5.5.3 e: valid 0 with a day left → two hours; router gone.
        let final = h.handle(.packet(Self.ra(lifetime: 0, valid: 0, preferred: 0, dns: 0)), now: 10 * second)
        #expect(final == [.removeDefaultRouter(routerLL), .addAddress(address, prefixLength: 64, validLifetime: 7200, preferredLifetime: 0),
                          .setDNSServers([])])
        // Within two hours of expiry a short lifetime is ignored.
        #expect(h.handle(.packet(Self.ra(valid: 60, preferred: 0)), now: 20 * second)
                == [.setDefaultRouter(routerLL, lifetime: 1800), .addAddress(address, prefixLength: 64, validLifetime: 7190, preferredLifetime: 0),
                    .setDNSServers([a("2001:db8::53")])])
        #expect(h.handle(.timer, now: 7210 * second).contains(.removeAddress(address, prefixLength: 64)))
    }

    @Test(arguments: [
        (ra(autonomous: false), 1), (ra(prefix: p("2001:db8::/48")), 1), (ra(prefix: p("fe80::/64")), 1),
        (ra(valid: 10, preferred: 20), 1), (ra(valid: 0, preferred: 0), 0),
    ] as [([UInt8], Int)])
    func prefixesNotForSLAAC(_ packet: [UInt8], _ ignored: Int) {
        var h = RouterDiscoveryHost(interfaceID: Self.iid, seed: 9)
        _ = h.handle(.linkUp, now: 0)
        let actions = h.handle(.packet(packet), now: 0)
        #expect(!actions.contains { if case .addAddress = $0 { true } else { false } })
        #expect(h.counters.prefixesIgnored == ignored && h.addresses.isEmpty)
    }

    @Test func invalidAdvertisementsAreDroppedAndCounted() {
        var h = RouterDiscoveryHost(interfaceID: Self.iid, seed: 9)
        _ = h.handle(.linkUp, now: 0)
        var hop = Self.ra(); hop[7] = 254
        #expect(h.handle(.packet(hop), now: 0).isEmpty && h.lastError == .badHopLimit(254))
        #expect(h.handle(.packet(Self.ra(from: a("2001:db8::1"))), now: 0).isEmpty && h.lastError == .sourceNotLinkLocal)
        #expect(h.counters.dropped == 2 && h.router == nil && h.deadline != nil)  // still soliciting
        var down = RouterDiscoveryHost(interfaceID: Self.iid, seed: 9)
        #expect(down.handle(.packet(Self.ra()), now: 0).isEmpty && down.counters.dropped == 1)
    }
}
