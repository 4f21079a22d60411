// IPCP (RFC 1332, RFC 1877) and IPv6CP (RFC 5072) negotiation tables: two
// instances back to back in the server and client roles, Nak loops that end
// in Max-Failure, collisions of interface identifiers, rejects.
import Testing
@testable import PPP

/// One end of a simulated link for any control protocol.
struct NCPEnd<N: OptionNegotiator> {
    var cp: ControlProtocol<N>
    var outbox: [[UInt8]] = []
    var sent: [ControlPacket] = []
    var log: [ControlAction] = []
    var timer: Duration?

    init(_ negotiator: N, limits: Automaton.Limits = Automaton.Limits()) {
        cp = ControlProtocol(negotiator: negotiator, limits: limits)
    }

    mutating func apply(_ actions: [ControlAction]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                outbox.append(bytes)
                if let p = try? ControlPacket(parsing: bytes) { sent.append(p) }
            case .startTimer(let d): timer = d
            case .stopTimer: timer = nil
            default: log.append(action)
            }
        }
    }

    mutating func start() {
        apply(cp.lowerUp())
        apply(cp.open())
    }

    func count(_ code: ControlCode) -> Int { sent.filter { $0.code == code }.count }
    var state: Automaton.State { cp.state }
}

func pumpNCP<N>(_ a: inout NCPEnd<N>, _ b: inout NCPEnd<N>, limit: Int = 200) {
    var steps = 0
    while !(a.outbox.isEmpty && b.outbox.isEmpty) && steps < limit {
        if !a.outbox.isEmpty { b.apply(b.cp.receive(a.outbox.removeFirst())) }
        if !b.outbox.isEmpty { a.apply(a.cp.receive(b.outbox.removeFirst())) }
        steps += 1
    }
}

func ip(_ s: String) -> UInt32 {
    s.split(separator: ".").reduce(0) { $0 << 8 | UInt32($1)! }
}

func ipcpRequest(_ id: UInt8, _ options: [IPCPOption]) -> [UInt8] {
    ControlPacket(code: .configureRequest, identifier: id,
                  data: ConfigurationOption.encodeList(options.map(\.option))).encoded()
}

func options(of p: ControlPacket) -> [IPCPOption] {
    ((try? ConfigurationOption.parseList(p.data)) ?? []).compactMap { try? IPCPOption($0) }
}

@Suite struct IPCPNegotiationTests {
    func server(_ f: (inout IPCPConfiguration) -> Void = { _ in }) -> NCPEnd<IPCPNegotiator> {
        var c = IPCPConfiguration()
        c.localAddress = ip("10.0.0.1"); c.remoteAddress = ip("10.0.0.2")
        c.dnsToOffer = [ip("192.0.2.53"), ip("192.0.2.54")]
        f(&c)
        return NCPEnd(IPCPNegotiator(configuration: c))
    }

    func client(_ f: (inout IPCPConfiguration) -> Void = { _ in }) -> NCPEnd<IPCPNegotiator> {
        var c = IPCPConfiguration()
        c.requestDNS = true
        f(&c)
        return NCPEnd(IPCPNegotiator(configuration: c))
    }

    @Test func serverAssignsClientAddressAndDNS() {
        var s = server(), c = client()
        s.start(); c.start()
        pumpNCP(&s, &c)
        #expect(s.state == .opened && c.state == .opened)
        let cn = c.cp.negotiator.negotiated, sn = s.cp.negotiator.negotiated
        #expect(cn.localAddress == ip("10.0.0.2") && cn.remoteAddress == ip("10.0.0.1"))
        #expect(sn.localAddress == ip("10.0.0.1") && sn.remoteAddress == ip("10.0.0.2"))
        #expect(cn.dns == [ip("192.0.2.53"), ip("192.0.2.54")])
        // One Nak: the address and both servers in one packet.
        #expect(s.count(.configureNak) == 1)
        let nak = s.sent.first { $0.code == .configureNak }!
        #expect(options(of: nak) == [.ipAddress(ip("10.0.0.2")), .primaryDNS(ip("192.0.2.53")), .secondaryDNS(ip("192.0.2.54"))])
        #expect(s.log == [.thisLayerUp] && c.log == [.thisLayerUp])
    }

    /// RFC 1661 Opened + RCR: the peer renegotiates (here: its retransmitted
    /// request arrives after we opened). What it asks for in that request
    /// must survive the renegotiation's reset, on both ends.
    @Test func renegotiationFromOpenedKeepsThePeersAddress() {
        var s = server(), c = client()
        s.start(); c.start()
        pumpNCP(&s, &c)
        #expect(s.state == .opened && c.state == .opened)
        // The client's request, as acked, arrives again.
        let acked = c.sent.last { $0.code == .configureRequest }!
        s.apply(s.cp.receive(acked.encoded()))
        #expect(s.log == [.thisLayerUp, .thisLayerDown])
        pumpNCP(&s, &c)
        #expect(s.state == .opened && c.state == .opened)
        #expect(s.cp.negotiator.negotiated.remoteAddress == ip("10.0.0.2"))
        #expect(c.cp.negotiator.negotiated.remoteAddress == ip("10.0.0.1"))
        #expect(c.cp.negotiator.negotiated.localAddress == ip("10.0.0.2"))
    }

    @Test func staticBothEndsNoNak() {
        var a = server(), b = server { $0.localAddress = ip("10.0.0.2"); $0.remoteAddress = ip("10.0.0.1") }
        a.start(); b.start()
        pumpNCP(&a, &b)
        #expect(a.state == .opened && b.state == .opened)
        #expect(a.count(.configureNak) == 0 && b.count(.configureNak) == 0)
    }

    @Test func dnsRejectedWhenNotOffered() {
        var s = server { $0.dnsToOffer = [] }, c = client()
        s.start(); c.start()
        pumpNCP(&s, &c)
        #expect(s.state == .opened && c.state == .opened)
        #expect(s.count(.configureReject) == 1)
        #expect(c.cp.negotiator.negotiated.dns == [])
        #expect(c.cp.negotiator.negotiated.localAddress == ip("10.0.0.2"))
    }

    @Test func onlyPrimaryDNSOffered() {
        var s = server { $0.dnsToOffer = [ip("192.0.2.53")] }, c = client()
        s.start(); c.start()
        pumpNCP(&s, &c)
        #expect(c.state == .opened)
        #expect(c.cp.negotiator.negotiated.dns == [ip("192.0.2.53")])
    }

    /// Table: the peer's IP-Address against our policy (pppd ipcp_reqci).
    @Test(arguments: [
        // (remote we assign, acceptRemote, peer asks, expected code, Nak value)
        (ip("10.0.0.2"), false, ip("10.0.0.2"), ControlCode.configureAck, UInt32(0)),
        (ip("10.0.0.2"), false, 0, .configureNak, ip("10.0.0.2")),
        (ip("10.0.0.2"), false, ip("10.9.9.9"), .configureNak, ip("10.0.0.2")),
        (ip("10.0.0.2"), true, ip("10.9.9.9"), .configureAck, 0),
        (ip("10.0.0.2"), true, 0, .configureNak, ip("10.0.0.2")),
        (0, false, 0, .configureReject, 0),
        (0, false, ip("10.9.9.9"), .configureAck, 0),
        (0, false, ip("10.0.0.1"), .configureReject, 0),  // our own address
    ] as [(UInt32, Bool, UInt32, ControlCode, UInt32)])
    func peerAddressTable(remote: UInt32, acceptRemote: Bool, asked: UInt32, code: ControlCode, nakValue: UInt32) {
        var s = server { $0.remoteAddress = remote; $0.acceptRemote = acceptRemote }
        s.start()
        s.apply(s.cp.receive(ipcpRequest(7, [.ipAddress(asked)])))
        let reply = s.sent.last!
        #expect(reply.code == code && reply.identifier == 7)
        if code == .configureNak { #expect(options(of: reply) == [.ipAddress(nakValue)]) }
    }

    @Test func compressionAndIPAddressesRejected() {
        var s = server()
        s.start()
        s.apply(s.cp.receive(ipcpRequest(3, [
            .ipCompressionProtocol(ProtocolNumber(0x002d), data: [15, 1]),
            .ipAddresses(source: ip("10.0.0.2"), destination: ip("10.0.0.1")),
            .ipAddress(ip("10.0.0.2")),
            .primaryNBNS(0),
        ])))
        let reply = s.sent.last!
        #expect(reply.code == .configureReject)
        #expect(options(of: reply) == [
            .ipCompressionProtocol(ProtocolNumber(0x002d), data: [15, 1]),
            .ipAddresses(source: ip("10.0.0.2"), destination: ip("10.0.0.1")),
            .primaryNBNS(0),
        ])
    }

    @Test func missingAddressGetsHint() {
        var s = server()
        s.start()
        s.apply(s.cp.receive(ipcpRequest(4, [])))
        #expect(s.sent.last!.code == .configureNak)
        #expect(options(of: s.sent.last!) == [.ipAddress(ip("10.0.0.2"))])
    }

    @Test func badLengthAndDuplicateRejected() {
        var s = server()
        s.start()
        let bad = ConfigurationOption(type: IPCPOption.Kind.ipAddress, value: [10, 0, 0])
        let data = ConfigurationOption.encodeList([bad])
        s.apply(s.cp.receive(ControlPacket(code: .configureRequest, identifier: 9, data: data).encoded()))
        #expect(s.sent.last!.code == .configureReject && s.sent.last!.data == data)
        s.apply(s.cp.receive(ipcpRequest(10, [.ipAddress(ip("10.0.0.2")), .ipAddress(ip("10.0.0.2"))])))
        #expect(s.sent.last!.code == .configureReject)
        #expect(options(of: s.sent.last!) == [.ipAddress(ip("10.0.0.2"))])
    }

    /// A peer that insists on its own address: Max-Failure (5) Naks, then the
    /// option is Rejected; the peer that must have it gives up.
    @Test func nakLoopEndsAtMaxFailure() {
        var s = server()
        var stubborn = server { $0.localAddress = ip("10.7.7.7"); $0.remoteAddress = ip("10.0.0.1") }
        s.start(); stubborn.start()
        pumpNCP(&s, &stubborn)
        #expect(s.count(.configureNak) == 5)
        #expect(s.count(.configureReject) >= 1)
        let rejected = s.sent.first { $0.code == .configureReject }!
        #expect(options(of: rejected) == [.ipAddress(ip("10.7.7.7"))])
        // The stubborn side knows its address, so it continues without the
        // option and the link opens with the address we assign.
        #expect(s.state == .opened && stubborn.state == .opened)
    }

    @Test func clientWhoseAddressIsRejectedFails() {
        var c = client { $0.requestDNS = false }
        c.start()
        let req = c.sent.last!
        c.apply(c.cp.receive(ControlPacket(code: .configureReject, identifier: req.identifier, data: req.data).encoded()))
        #expect(c.log.contains(.negotiationFailed(.requiredOptionRejected(IPCPOption.Kind.ipAddress))))
        #expect(c.state == .closing)
    }

    @Test func configuredLocalIgnoresNakUnlessAccepted() {
        for accept in [false, true] {
            var a = server { $0.acceptLocal = accept }
            a.start()
            let req = a.sent.last!
            let nak = ControlPacket(code: .configureNak, identifier: req.identifier,
                                    data: ConfigurationOption.encodeList([IPCPOption.ipAddress(ip("10.5.5.5")).option]))
            a.apply(a.cp.receive(nak.encoded()))
            let next = options(of: a.sent.last!)
            #expect(next.first == .ipAddress(accept ? ip("10.5.5.5") : ip("10.0.0.1")))
        }
    }

    @Test func protocolRejectStopsIPCP() {
        var s = server(), c = client()
        s.start(); c.start()
        pumpNCP(&s, &c)
        s.apply(s.cp.rejectedByPeer())
        #expect(s.state == .stopping)
        #expect(s.log.last == .thisLayerDown)
        var fresh = server()
        fresh.start()
        fresh.apply(fresh.cp.rejectedByPeer())
        #expect(fresh.state == .stopped && fresh.log == [.thisLayerFinished])
    }

    @Test func ncpCodesAbove7AreCodeRejected() {
        var s = server()
        s.start()
        s.apply(s.cp.receive(ControlPacket(code: .echoRequest, identifier: 1, data: [0, 0, 0, 0]).encoded()))
        #expect(s.sent.last!.code == .codeReject)
    }
}

@Suite struct IPv6CPNegotiationTests {
    func end(id: UInt64 = 0, seed: UInt64) -> NCPEnd<IPv6CPNegotiator> {
        var c = IPv6CPConfiguration()
        c.localIdentifier = id; c.seed = seed
        return NCPEnd(IPv6CPNegotiator(configuration: c))
    }

    func request(_ id: UInt8, _ options: [IPv6CPOption]) -> [UInt8] {
        ControlPacket(code: .configureRequest, identifier: id,
                      data: ConfigurationOption.encodeList(options.map(\.option))).encoded()
    }

    func identifiers(_ p: ControlPacket) -> [UInt64] {
        ((try? ConfigurationOption.parseList(p.data)) ?? []).compactMap {
            if case .interfaceIdentifier(let v)? = try? IPv6CPOption($0) { v } else { nil }
        }
    }

    @Test func distinctIdentifiersOpen() {
        var a = end(seed: 1), b = end(seed: 2)
        a.start(); b.start()
        pumpNCP(&a, &b)
        #expect(a.state == .opened && b.state == .opened)
        let na = a.cp.negotiator.negotiated, nb = b.cp.negotiator.negotiated
        #expect(na.localIdentifier == nb.remoteIdentifier && nb.localIdentifier == na.remoteIdentifier)
        #expect(na.localIdentifier != na.remoteIdentifier && na.localIdentifier != 0)
        // RFC 5072 §4.1: random identifiers have the "u" bit zero.
        #expect(na.localIdentifier & (UInt64(2) << 56) == 0)
        #expect(a.count(.configureNak) == 0)
    }

    @Test func collisionIsResolved() {
        var a = end(id: 0x1111, seed: 1), b = end(id: 0x1111, seed: 2)
        a.start(); b.start()
        pumpNCP(&a, &b)
        #expect(a.state == .opened && b.state == .opened)
        #expect(a.count(.configureNak) + b.count(.configureNak) >= 1)
        let na = a.cp.negotiator.negotiated, nb = b.cp.negotiator.negotiated
        #expect(na.localIdentifier != nb.localIdentifier)
        #expect(na.localIdentifier == nb.remoteIdentifier && nb.localIdentifier == na.remoteIdentifier)
    }

    /// §4.1 table on one end whose last request carried `ours`.
    @Test(arguments: [
        (UInt64(0x1234), UInt64(0x5678), ControlCode.configureAck),
        (0x1234, 0x1234, .configureNak),
        (0x1234, 0, .configureNak),
    ] as [(UInt64, UInt64, ControlCode)])
    func identifierTable(ours: UInt64, theirs: UInt64, code: ControlCode) {
        var a = end(id: ours, seed: 3)
        a.start()
        a.apply(a.cp.receive(request(5, [.interfaceIdentifier(theirs)])))
        let reply = a.sent.last!
        #expect(reply.code == code)
        if code == .configureNak {
            let suggested = identifiers(reply)
            #expect(suggested.count == 1 && suggested[0] != 0 && suggested[0] != ours)
        }
    }

    @Test func bothZeroIsRejected() {
        var a = end(seed: 4)
        a.start()
        // The peer rejected our identifier, so our last request had none (0).
        let req = a.sent.last!
        a.apply(a.cp.receive(ControlPacket(code: .configureReject, identifier: req.identifier, data: req.data).encoded()))
        #expect(a.sent.last!.data.isEmpty)  // §4.1: MUST NOT contain the option again
        a.apply(a.cp.receive(request(6, [.interfaceIdentifier(0)])))
        #expect(a.sent.last!.code == .configureReject)
    }

    @Test func ownNakValueReturnedMeansChooseAgain() {
        var a = end(id: 0x42, seed: 5)
        a.start()
        a.apply(a.cp.receive(request(1, [.interfaceIdentifier(0x42)])))  // collision → Nak with X
        let x = identifiers(a.sent.last!)[0]
        let req = a.sent.first { $0.code == .configureRequest }!
        let nak = ControlPacket(code: .configureNak, identifier: req.identifier,
                                data: ConfigurationOption.encodeList([IPv6CPOption.interfaceIdentifier(x).option]))
        a.apply(a.cp.receive(nak.encoded()))
        let next = identifiers(a.sent.last!)
        #expect(a.sent.last!.code == .configureRequest && next.count == 1 && next[0] != x && next[0] != 0)
    }

    @Test func nakSuggestionIsAdopted() {
        var a = end(id: 0x42, seed: 6)
        a.start()
        let req = a.sent.last!
        let nak = ControlPacket(code: .configureNak, identifier: req.identifier,
                                data: ConfigurationOption.encodeList([IPv6CPOption.interfaceIdentifier(0x99).option]))
        a.apply(a.cp.receive(nak.encoded()))
        #expect(identifiers(a.sent.last!) == [0x99])
    }

    @Test func hintOnlyOnce() {
        var a = end(id: 0x42, seed: 7)
        a.start()
        a.apply(a.cp.receive(request(1, [])))
        #expect(a.sent.last!.code == .configureNak && identifiers(a.sent.last!).count == 1)
        a.apply(a.cp.receive(request(2, [])))
        #expect(a.sent.last!.code == .configureAck)
    }

    @Test func compressionRejected() {
        var a = end(seed: 8)
        a.start()
        a.apply(a.cp.receive(request(1, [.ipv6CompressionProtocol(ProtocolNumber(0x004f), data: []), .interfaceIdentifier(7)])))
        #expect(a.sent.last!.code == .configureReject)
    }

    /// Both ends keep colliding only if their generators agree; a peer that
    /// always Naks with our own value hits Max-Failure and is rejected.
    @Test func persistentNakLoopHitsMaxFailure() {
        var a = end(id: 0x42, seed: 9)
        a.start()
        for i in 0..<7 {
            a.apply(a.cp.receive(request(UInt8(10 + i), [.interfaceIdentifier(a.cp.negotiator.request ?? 0)])))
        }
        #expect(a.count(.configureNak) == 5)
        #expect(a.sent.last!.code == .configureReject)
    }
}
