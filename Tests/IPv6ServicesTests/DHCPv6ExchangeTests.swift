// Our DHCPv6 client against our server, in memory, packets passed by hand
// (RFC 8415 §18): Solicit → Advertise → Request → Reply, Renew at T1, Rebind
// at T2, Release; Rapid Commit; pool exhaustion → NoPrefixAvail; expiry;
// session end; restore from a deposited record; retransmission (§15).
import Testing
@testable import IPv6Services

struct Link {
    var server: DHCPv6Server
    var client: DHCPv6Client
    var pool: PrefixPool?
    var now: UInt64 = 0
    var routes: [IPv6Prefix] = []
    var clientEvents: [DHCPv6Client.Action] = []
    var toServer: [[UInt8]] = []
    var lost = false  // drop everything the client sends
    /// Every packet either side built, in order (for the tshark check).
    var wire: [[UInt8]] = []

    static let serverID = DUID.enterprise(number: 32473, identifier: [1, 2, 3])
    static let clientID = DUID.linkLayer(hardwareType: 1, address: [2, 0, 0, 0, 0, 1])

    init(rapidCommit: Bool = false, hint: UInt8 = 56, poolPrefix: String = "2001:db8:100::/40", address: Bool = false,
         session: String = "eth0:1") {
        var sc = DHCPv6ServerConfiguration(serverID: Self.serverID)
        sc.dnsServers = [a("2001:db8::53")]
        sc.searchDomains = ["isp.example"]
        sc.preferredLifetime = 1000; sc.validLifetime = 2000
        server = DHCPv6Server(configuration: sc, source: routerLL, session: session)
        if address { server.address = a("2001:db8:ffff::7") }
        var cc = DHCPv6ClientConfiguration(clientID: Self.clientID)
        cc.prefixLengthHint = hint; cc.rapidCommit = rapidCommit; cc.requestAddress = address
        client = DHCPv6Client(configuration: cc, source: hostLL, seed: 11)
        pool = PrefixPool(name: "pd", aggregate: p(poolPrefix), prefixLength: 56)
    }

    /// Feeds the client's packets to the server and the server's back until
    /// both are quiet; returns the message types seen, in order.
    mutating func run(_ first: [DHCPv6Client.Action]) -> [DHCPv6MessageType] {
        var seen: [DHCPv6MessageType] = []
        var pending = first
        for _ in 0..<50 {
            guard !pending.isEmpty else { break }
            var next: [DHCPv6Client.Action] = []
            for action in pending {
                guard case .send(let packet) = action else { clientEvents.append(action); continue }
                guard let (_, m) = try? DHCPv6Message.parse(packet) else { continue }
                seen.append(m.type)
                wire.append(packet)
                if lost { continue }
                toServer.append(packet)
                for reply in server.handle(.packet(packet), now: now, pool: &pool) {
                    switch reply {
                    case .send(let bytes):
                        wire.append(bytes)
                        if let (_, r) = try? DHCPv6Message.parse(bytes) { seen.append(r.type) }
                        next += client.handle(.packet(bytes), now: now)
                    case .routeAdded(let prefix, let via):
                        #expect(via == hostLL)
                        routes.append(prefix)
                    case .routeRemoved(let prefix): routes.removeAll { $0 == prefix }
                    case .leasesChanged: break
                    }
                }
            }
            pending = next
        }
        return seen
    }

    /// Advances to the client's next deadline and runs what it sends.
    mutating func tick() -> [DHCPv6MessageType] {
        guard let d = client.deadline else { return [] }
        now = max(now, d)
        if let s = server.deadline, s <= now {
            for case .routeRemoved(let prefix) in server.handle(.timer, now: now, pool: &pool) { routes.removeAll { $0 == prefix } }
        }
        return run(client.handle(.timer, now: now))
    }

    mutating func start() -> [DHCPv6MessageType] {
        _ = client.handle(.start, now: now)
        var seen: [DHCPv6MessageType] = []
        for _ in 0..<5 where client.state != .bound { seen += tick() }
        return seen
    }
}

@Suite struct DHCPv6ExchangeTests {
    @Test func solicitAdvertiseRequestReply() throws {
        var link = Link()
        #expect(link.start() == [.solicit, .advertise, .request, .reply])
        #expect(link.client.state == .bound)
        let delegated = try #require(link.client.prefixes.first)
        #expect(delegated.prefix == p("2001:db8:100::/56") && delegated.preferredLifetime == 1000 && delegated.validLifetime == 2000)
        #expect(link.routes == [p("2001:db8:100::/56")])
        #expect(link.clientEvents.contains(.prefixDelegated(delegated)))
        #expect(link.clientEvents.contains(.dnsServers([a("2001:db8::53")])))
        #expect(link.pool?.owner(of: delegated.prefix) == "eth0:1")
        // The Solicit carried the hint and the Elapsed Time; the Request the server's id.
        let (_, solicit) = try DHCPv6Message.parse(link.toServer[0])
        #expect(solicit.iaPDs.first?.prefixes.first?.prefix == p("::/56") && solicit.options.contains(.elapsedTime(0)))
        #expect(solicit.requestedOptions == [23, 24])
        let (_, request) = try DHCPv6Message.parse(link.toServer[1])
        #expect(request.serverID == Link.serverID && request.transactionID != solicit.transactionID)
    }

    @Test func renewAtT1RebindAtT2ThenLoss() throws {
        var link = Link()
        _ = link.start()
        let bound = link.now
        #expect(link.client.deadline == bound + 500 * second)  // T1 = 0.5 × preferred
        let r1 = link.tick()
        #expect(r1 == [.renew, .reply])
        #expect(link.now == bound + 500 * second && link.client.state == .bound)
        #expect(link.server.leases.first?.expires == link.now + 2000 * second)
        // The server goes silent: Renew retransmits until T2, then Rebind.
        link.lost = true
        var types: [DHCPv6MessageType] = []
        for _ in 0..<40 where link.client.state != .rebinding { types += link.tick() }
        #expect(types.dropLast().allSatisfy { $0 == .renew } && types.count >= 4 && types.last == .rebind)
        // Renewed at bound + 500 s, so T2 is 800 s after that (0.8 × preferred).
        #expect(link.now == bound + 500 * second + 800 * second)
        link.lost = false
        let r3 = link.tick()
        #expect(r3 == [.rebind, .reply])
        #expect(link.client.state == .bound && link.client.prefixes.first?.prefix == p("2001:db8:100::/56"))
        // Silent for good: the valid lifetime ends, the prefix goes, Solicit again.
        link.lost = true
        for _ in 0..<200 where link.client.state != .soliciting { _ = link.tick() }
        #expect(link.client.state == .soliciting && link.client.prefixes.isEmpty)
        #expect(link.clientEvents.contains(.prefixRemoved(p("2001:db8:100::/56"))))
        // The server's binding ran out too; its route is gone and the pool is whole.
        link.now += 3000 * second
        _ = link.server.handle(.timer, now: link.now, pool: &link.pool)
        #expect(link.server.leases.isEmpty && link.pool?.inUse == 0)
    }

    @Test func releaseOnStop() throws {
        var link = Link()
        _ = link.start()
        let r4 = link.run(link.client.handle(.stop, now: link.now))
        #expect(r4 == [.release, .reply])
        #expect(link.client.state == .stopped && link.routes.isEmpty && link.pool?.inUse == 0 && link.server.leases.isEmpty)
        #expect(link.clientEvents.contains(.prefixRemoved(p("2001:db8:100::/56"))))
    }

    @Test func releaseRetransmitsFourTimesThenStops() {
        var link = Link()
        _ = link.start()
        link.lost = true
        var types = link.run(link.client.handle(.stop, now: link.now))
        for _ in 0..<10 { types += link.tick() }
        #expect(types == [.release, .release, .release, .release] && link.client.state == .stopped)  // REL_MAX_RC 4
    }

    @Test func rapidCommit() throws {
        var link = Link(rapidCommit: true)
        #expect(link.start() == [.solicit, .reply])
        #expect(link.client.state == .bound && link.routes == [p("2001:db8:100::/56")])
    }

    @Test func poolExhaustionAnswersNoPrefixAvail() throws {
        var link = Link(poolPrefix: "2001:db8:100::/55")
        _ = try link.pool!.allocate(to: "other:1")
        _ = try link.pool!.allocate(to: "other:2")
        _ = link.client.handle(.start, now: 0)
        let seen = link.tick()
        #expect(seen == [.solicit, .advertise])
        #expect(link.client.state == .soliciting && link.client.counters.emptyAdvertisements == 1)
        #expect(link.server.counters.noPrefixAvailable == 1 && link.routes.isEmpty)
        // A Request naming the server gets a Reply whose IA_PD says NoPrefixAvail.
        var request = DHCPv6Message(type: .request, transactionID: 9, options: [
            .clientID(Link.clientID), .serverID(Link.serverID), .iaPD(IdentityAssociation(iaid: 1)),
        ])
        let actions = link.server.handle(.packet(request.packet(source: hostLL, destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)), now: 0, pool: &link.pool)
        guard case .send(let bytes)? = actions.first else { Issue.record("no reply"); return }
        let (_, reply) = try DHCPv6Message.parse(bytes)
        #expect(reply.type == .reply && reply.iaPDs.first?.status == .noPrefixAvail && reply.iaPDs.first?.prefixes.isEmpty == true)
        // A freed prefix is found on a later retransmission.
        link.pool!.free(p("2001:db8:100::/56"))
        request.transactionID = 10
        var seenLater: [DHCPv6MessageType] = []
        for _ in 0..<5 where link.client.state != .bound { seenLater += link.tick() }
        #expect(link.client.state == .bound && seenLater.suffix(4) == [.solicit, .advertise, .request, .reply])
    }

    @Test func renewWithoutABindingIsNoBindingAndTheClientRequestsAgain() throws {
        var link = Link()
        _ = link.start()
        // The server forgets the binding (session restarted without records).
        var fresh = Link()
        link.server = fresh.server
        link.pool = fresh.pool
        _ = fresh
        fresh.now = 0
        let r5 = link.tick()
        #expect(r5 == [.renew, .reply, .request, .reply])
        #expect(link.client.state == .bound && link.routes.contains(p("2001:db8:100::/56")))
    }

    @Test func informationRequestAndIANA() throws {
        var link = Link(address: true)
        _ = link.start()
        #expect(link.client.addresses.map(\.address) == [a("2001:db8:ffff::7")])
        #expect(Set(link.routes) == [p("2001:db8:100::/56"), p("2001:db8:ffff::7/128")])
        let info = DHCPv6Message(type: .informationRequest, transactionID: 3, options: [.optionRequest([23, 24]), .elapsedTime(0)])
        let actions = link.server.handle(.packet(info.packet(source: hostLL, destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)), now: 0, pool: &link.pool)
        guard case .send(let bytes)? = actions.first else { Issue.record("no reply"); return }
        let (d, reply) = try DHCPv6Message.parse(bytes)
        #expect(d.header.destination == hostLL && d.destinationPort == 546 && d.sourcePort == 547 && d.header.source == routerLL)
        #expect(reply.options == [.serverID(Link.serverID), .dnsServers([a("2001:db8::53")]), .domainList(["isp.example"])])
    }

    @Test(arguments: [
        (DHCPv6MessageType.solicit, false, false),   // no Client Identifier
        (.solicit, true, true),                      // a Server Identifier in a Solicit
        (.request, true, false),                     // no Server Identifier
        (.renew, true, false),
        (.release, true, false),
        (.rebind, true, true),
        (.advertise, true, true),
        (.reply, true, true),
    ])
    func serverRefusesMessagesFailingSection16(_ type: DHCPv6MessageType, _ withClient: Bool, _ withServer: Bool) {
        var link = Link()
        var m = DHCPv6Message(type: type, transactionID: 1)
        if withClient { m.options.append(.clientID(Link.clientID)) }
        if withServer { m.options.append(.serverID(Link.serverID)) }
        m.options.append(.iaPD(IdentityAssociation(iaid: 1)))
        let packet = m.packet(source: hostLL, destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)
        let r6 = link.server.handle(.packet(packet), now: 0, pool: &link.pool)
        #expect(r6.isEmpty)
        #expect(link.server.counters.dropped == 1 && link.pool?.inUse == 0)
    }

    @Test func requestForAnotherServerIsIgnored() {
        var link = Link()
        let m = DHCPv6Message(type: .request, transactionID: 1, options: [
            .clientID(Link.clientID), .serverID(.enterprise(number: 1, identifier: [9])), .iaPD(IdentityAssociation(iaid: 1)),
        ])
        let r7 = link.server.handle(.packet(m.packet(source: hostLL, destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)), now: 0, pool: &link.pool)
        #expect(r7.isEmpty)
        var junk = m.packet(source: hostLL, destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)
        let global = m.packet(source: a("2001:db8::1"), destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)
        let fromGlobal = link.server.handle(.packet(global), now: 0, pool: &link.pool)
        #expect(fromGlobal.isEmpty && link.server.lastRefusal == "source not link-local")
        junk[50] ^= 1
        let r8 = link.server.handle(.packet(junk), now: 0, pool: &link.pool)
        #expect(r8.isEmpty && link.server.lastError == .badChecksum)
    }

    @Test func sessionEndFreesEverything() {
        var link = Link(address: true)
        _ = link.start()
        let actions = link.server.handle(.sessionDown, now: link.now, pool: &link.pool)
        #expect(Set(actions) == [.routeRemoved(p("2001:db8:100::/56")), .routeRemoved(p("2001:db8:ffff::7/128")), .leasesChanged])
        #expect(link.server.leases.isEmpty && link.pool?.inUse == 0)
    }

    @Test func restoreFromARecordKeepsTheBindings() throws {
        var link = Link()
        _ = link.start()
        var record = IPv6SessionRecord(session: "eth0:1")
        record.leases = link.server.leases
        record.peer = link.server.peer
        record.delegatedPool = "pd"
        let decoded = try IPv6SessionRecord.decode(record.encoded())
        #expect(decoded == record)
        // A restarted owner: a fresh pool and server, restored from the record.
        var restarted = Link()
        let r9 = restarted.server.restore(leases: decoded.leases, peer: decoded.peer, pool: &restarted.pool)
        #expect(r9)
        #expect(restarted.pool?.owner(of: p("2001:db8:100::/56")) == "eth0:1")
        restarted.client = link.client
        restarted.now = link.now
        let r10 = restarted.tick()
        #expect(r10 == [.renew, .reply])
        #expect(restarted.client.prefixes.first?.prefix == p("2001:db8:100::/56"))
        // Another session's restore cannot take the same prefix.
        var other = DHCPv6Server(configuration: link.server.configuration, source: routerLL, session: "eth0:2")
        #expect(!other.restore(leases: decoded.leases, peer: nil, pool: &restarted.pool))
    }

    @Test func advertisesBelowPreference255AreCollectedForTheFirstRT() throws {
        var link = Link()
        var sc = link.server.configuration
        sc.preference = 10
        link.server = DHCPv6Server(configuration: sc, source: routerLL, session: "eth0:1")
        _ = link.client.handle(.start, now: 0)
        let first = link.tick()
        #expect(first == [.solicit, .advertise] && link.client.state == .soliciting)
        // The Request goes out when the first RT ends, not before.
        let rtEnd = try #require(link.client.deadline)
        #expect(rtEnd > link.now + second)
        let then = link.tick()
        #expect(then == [.request, .reply] && link.now == rtEnd && link.client.state == .bound)
    }

    @Test func theClientIgnoresAnswersNotForIt() throws {
        var link = Link()
        _ = link.client.handle(.start, now: 0)
        link.lost = true
        _ = link.tick()
        let (_, solicit) = try DHCPv6Message.parse(link.wire[0])
        func advertise(xid: UInt32, client: DUID?, server: DUID?, port: UInt16 = 546) -> [UInt8] {
            var m = DHCPv6Message(type: .advertise, transactionID: xid, options: [.preference(255),
                .iaPD(IdentityAssociation(iaid: 1, options: [.iaPrefix(IAPrefix(prefix: p("2001:db8:100::/56"), preferredLifetime: 9, validLifetime: 9))]))])
            if let client { m.options.append(.clientID(client)) }
            if let server { m.options.append(.serverID(server)) }
            return m.packet(source: routerLL, destination: hostLL, sourcePort: 547, destinationPort: port)
        }
        let other = DUID.linkLayer(hardwareType: 1, address: [9, 9, 9, 9, 9, 9])
        for bad in [advertise(xid: solicit.transactionID ^ 1, client: Link.clientID, server: Link.serverID),
                    advertise(xid: solicit.transactionID, client: other, server: Link.serverID),
                    advertise(xid: solicit.transactionID, client: nil, server: Link.serverID),
                    advertise(xid: solicit.transactionID, client: Link.clientID, server: nil),
                    advertise(xid: solicit.transactionID, client: Link.clientID, server: Link.serverID, port: 547)] {
            let actions = link.client.handle(.packet(bad), now: link.now)
            #expect(actions.isEmpty)
        }
        #expect(link.client.counters.dropped == 5 && link.client.state == .soliciting)
        let good = link.client.handle(.packet(advertise(xid: solicit.transactionID, client: Link.clientID, server: Link.serverID)), now: link.now)
        #expect(good.count == 1 && link.client.state == .requesting)
    }

    @Test func serverConfigurationLimits() {
        var c = DHCPv6ServerConfiguration(serverID: Link.serverID)
        #expect(c.problems.isEmpty && c.effectiveT1 == 7200 && c.effectiveT2 == 11520)
        c.preferredLifetime = c.validLifetime + 1
        c.t1 = 100; c.t2 = 50
        c.searchDomains = ["-ok", "not ok"]
        #expect(c.problems.count == 3)
    }

    @Test func solicitRetransmissionFollowsSection15() {
        var link = Link()
        link.lost = true
        _ = link.client.handle(.start, now: 0)
        let firstAt = link.client.deadline!
        #expect(firstAt <= second)  // SOL_MAX_DELAY
        var sends: [UInt64] = []
        for _ in 0..<16 {
            _ = link.tick()
            sends.append(link.now)
        }
        let gaps = zip(sends.dropFirst(), sends).map { $0 - $1 }
        // First RT strictly above IRT (RAND > 0), at most 1.1 s.
        #expect(gaps[0] > second && gaps[0] <= 1_100_000_000)
        // Each later RT is 1.9-2.1 × the previous until SOL_MAX_RT (3600 s ± 10 %).
        for (prev, next) in zip(gaps, gaps.dropFirst()) {
            if next >= 3240 * second { #expect(next <= 3960 * second); continue }
            #expect(Double(next) >= 1.9 * Double(prev) - 1 && Double(next) <= 2.1 * Double(prev) + 1)
        }
        #expect(gaps.last! >= 3240 * second)
        // Elapsed Time grows with the exchange.
        #expect(link.client.exchange.elapsed(now: link.now) == 0xffff)
    }
}
