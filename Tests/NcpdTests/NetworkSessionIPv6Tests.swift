// Issue 18's wiring in ncpd, with the dummy units of NetworkSessionTests: a
// server session with [ipv6.t] sends an RA into the channel once IPv6CP is
// Opened (the client session, which runs no IPv6 services, hands it to its
// "TUN"), answers a DHCPv6 Solicit with Rapid Commit by delegating the pool's
// first /56 and routing it, deposits the lease in its state record, and
// gives everything back when the session ends.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import IPv6Services
import PPP
import Testing
@testable import ncpd

@Suite struct NetworkSessionIPv6Tests {
    static func settings() -> NcpdSettings {
        var s = NcpdSettings()
        s.pools6 = [
            IPv6PoolSettings(name: "ra", aggregate: IPv6Address("2001:db8:1::")!.bytes, aggregateLength: 48, length: 64),
            IPv6PoolSettings(name: "pd", aggregate: IPv6Address("2001:db8:100::")!.bytes, aggregateLength: 40, length: 56),
        ]
        var port = IPv6PortSettings(port: "t")
        port.raPool = "ra"; port.pdPool = "pd"
        port.dns = [IPv6Address("2001:db8::53")!.bytes]
        s.ipv6Ports = [port]
        return s
    }

    /// Reads one packet from a dummy TUN's far end, running both loops.
    func receive(_ ha: TestHost, _ hb: TestHost, from fd: Int32, _ wanted: (IPv6ControlPacket?) -> Bool) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: 2048)
        for _ in 0..<400 {
            ha.loop.runOnce(timeoutMilliseconds: 5); hb.loop.runOnce(timeoutMilliseconds: 5)
            let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n > 0, wanted(IPv6ControlPacket.classify(buf[0..<n])) { return Array(buf[0..<n]) }
        }
        return nil
    }

    @Test func raAndPrefixDelegationOverTheChannel() throws {
        let t = NetworkSessionTests()
        let (ha, sa, hb, sb) = try t.pair({ $0.ipv6 = true; $0.ipv4 = false }, { $0.ipv6 = true; $0.ipv4 = false },
                                          ipcpA: IPCPConfiguration(), ipcpB: IPCPConfiguration(),
                                          before: { a, _ in a.ipv6 = IPv6Router(Self.settings()) })
        t.spin(ha, hb) { sa.ipv6Open && sb.ipv6Open }
        #expect(sa.ipv6Open && sb.ipv6Open)
        #expect(sa.ipv6Services?.advertised?.description == "2001:db8:1::/64")
        #expect(ha.dummy.calls.contains("route+ 64"))
        #expect(sb.ipv6Services == nil)

        // The RA reaches the client's unit, with the /64 and RDNSS.
        let raPacket = try #require(receive(ha, hb, from: hb.dummy.far[0]) { $0 == .routerAdvertisement })
        let (header, message) = try RouterDiscoveryMessage.parse(raPacket)
        #expect(header.source.isLinkLocal && header.destination == .allNodes)
        guard case .advertisement(let ra) = message else { Issue.record("not an RA: \(message)"); return }
        #expect(ra.options.contains { if case .prefixInformation(let p) = $0 { p.prefix.description == "2001:db8:1::/64" } else { false } })
        #expect(ra.options.contains { if case .recursiveDNSServers(_, let s) = $0 { s == [IPv6Address("2001:db8::53")!] } else { false } })

        // A Solicit with Rapid Commit and IA_PD from the client's unit.
        let client = DUID.enterprise(number: 1, identifier: [1, 2, 3])
        let solicit = DHCPv6Message(type: .solicit, transactionID: 0x123456, options: [
            .clientID(client), .rapidCommit, .optionRequest([DHCPv6Option.Code.dnsServers]),
            .iaPD(IdentityAssociation(iaid: 7)),
        ])
        let from = IPv6Address.linkLocal(interfaceID: sb.ipv6.configured!.localIdentifier)
        let packet = solicit.packet(source: from, destination: .allDHCPRelayAgentsAndServers,
                                    sourcePort: DHCPv6Message.clientPort, destinationPort: DHCPv6Message.serverPort)
        _ = send(hb.dummy.far[0], packet, packet.count, 0)
        let replyPacket = try #require(receive(ha, hb, from: hb.dummy.far[0]) { $0 == .dhcpv6ToClient })
        let (_, reply) = try DHCPv6Message.parse(replyPacket)
        #expect(reply.type == .reply && reply.hasRapidCommit)
        #expect(reply.iaPDs.first?.prefixes.map(\.prefix.description) == ["2001:db8:100::/56"])
        #expect(reply.dnsServers == [IPv6Address("2001:db8::53")!])
        #expect(ha.dummy.calls.contains("route+ 56"))
        #expect(ha.events == [.prefixDelegated(session: "t:1", prefix: "2001:db8:100::/56")])
        #expect(ha.changes > 0)

        // The deposit carries the binding, and a state record round-trips it.
        let state = sa.snapshot()
        let record = try IPv6SessionRecord.decode(state.ipv6)
        #expect(record.advertisedPrefix?.description == "2001:db8:1::/64")
        #expect(record.leases.map(\.prefix.description) == ["2001:db8:100::/56"] && record.leases.first?.committed == true)
        #expect(try NetworkSessionState.decode(state.encoded()) == state)
        let json = sa.json()
        #expect(json["ipv6"]?["delegated"]?.array?.compactMap(\.string) == ["2001:db8:100::/56"])

        // The kernel's own RS from the server's unit is not sent to the peer.
        var rs = RouterDiscoveryMessage.solicitation(RouterSolicitation())
            .packet(source: .linkLocal(interfaceID: 9), destination: .allRouters)
        _ = send(ha.dummy.far[0], &rs, rs.count, 0)
        t.spin(ha, hb) { (sa.ipv6Services?.kernelDiscoveryDropped ?? 0) == 1 }
        #expect(sa.ipv6Services?.kernelDiscoveryDropped == 1)

        // The end: the final RA, routes removed, prefixes back in the pools.
        let router = try #require(ha.ipv6)
        sa.end(reason: "test")
        #expect(ha.dummy.calls.contains("route- 56") && ha.dummy.calls.contains("route- 64"))
        #expect(router.json().array?.compactMap { $0["in_use"]?.int } == [0, 0])
        #expect(sa.ipv6Services == nil)
        #expect(ha.events.last == .prefixReleased(session: "t:1", prefix: "2001:db8:100::/56"))
        // No authenticated peer: nothing for authd's accounting.
        #expect(ha.accounted.isEmpty)
        sb.end(reason: "test")
    }

    /// Issue 18, accounting: an authenticated session's pool /64 goes to
    /// authd (session-prefixes) when RAs start, and again with the /56 when
    /// DHCPv6 commits it; an unchanged binding is not sent twice. (This path
    /// first crashed ncpd in debug builds: IPv6Prefix.ipcValue says why.)
    @Test func poolPrefixesAreReportedForAccounting() throws {
        let t = NetworkSessionTests()
        var verdict = AuthVerdict(session: "t:1", success: true)
        verdict.peerName = "carol"
        let (ha, sa, hb, sb) = try t.pair({ $0.ipv6 = true; $0.ipv4 = false }, { $0.ipv6 = true; $0.ipv4 = false },
                                          ipcpA: IPCPConfiguration(), ipcpB: IPCPConfiguration(), verdictA: verdict,
                                          before: { a, _ in a.ipv6 = IPv6Router(Self.settings()) })
        t.spin(ha, hb) { sa.ipv6Open && sb.ipv6Open }
        let slash64 = try #require(IPv6PrefixValue(address: IPv6Address("2001:db8:1::")!.bytes, length: 64))
        let slash56 = try #require(IPv6PrefixValue(address: IPv6Address("2001:db8:100::")!.bytes, length: 56))
        #expect(ha.accounted == [SessionPrefixesArguments(session: "t:1", prefix: slash64, delegated: nil)])

        let solicit = DHCPv6Message(type: .solicit, transactionID: 0x654321, options: [
            .clientID(DUID.enterprise(number: 1, identifier: [4, 5, 6])), .rapidCommit, .iaPD(IdentityAssociation(iaid: 1)),
        ])
        let packet = solicit.packet(source: .linkLocal(interfaceID: sb.ipv6.configured!.localIdentifier),
                                    destination: .allDHCPRelayAgentsAndServers,
                                    sourcePort: DHCPv6Message.clientPort, destinationPort: DHCPv6Message.serverPort)
        _ = send(hb.dummy.far[0], packet, packet.count, 0)
        #expect(receive(ha, hb, from: hb.dummy.far[0]) { $0 == .dhcpv6ToClient } != nil)
        #expect(ha.accounted.last == SessionPrefixesArguments(session: "t:1", prefix: slash64, delegated: slash56))
        #expect(ha.accounted.count == 2, "\(ha.accounted)")
        // What an authd that resumed the session's accounting is told
        // (ncpd's session-prefixes): the same, and nothing re-sent after.
        #expect(sa.answerPrefixes() == ha.accounted.last)
        sa.end(reason: "test")
        #expect(ha.accounted.count == 2, "the Stop names what the session had: nothing is withdrawn at the end")
        sb.end(reason: "test")
    }
}
