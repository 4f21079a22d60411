// Two NetworkSessions joined by a channel socketpair, with a dummy unit
// system whose "TUN" is a SEQPACKET pair (whole packets, like a TUN):
// IPCP and IPv6CP open, the units get the right addresses and routes, IP
// packets cross, packets for a closed NCP are dropped and counted, and the
// end of one side's channel tears down the other side (tld hooks, lease).
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
import Testing
@testable import ncpd

final class DummyUnits: UnitSystem {
    var calls: [String] = []
    var createdWithIPv6: [Bool] = []
    var far: [Int32] = []  // the test's ends of the fake TUNs
    /// Names the "kernel" refuses with EBUSY (issue 13), and the refusals.
    var busy: Set<String> = []
    var refusedBusy: [String] = []
    /// Any other refusal, for every name (0: none).
    var failWith: Int32 = 0
    func create(name: String, mtu: UInt32, ipv6: Bool) throws(IPCError) -> Unit {
        if failWith != 0 { throw .system(call: "ioctl(TUNSETIFF \(name))", errno: failWith) }
        if busy.contains(name) {
            refusedBusy.append(name)
            throw .system(call: "ioctl(TUNSETIFF \(name))", errno: EBUSY)
        }
        var fds: [Int32] = [-1, -1]
        _ = socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
        far.append(fds[1])
        calls.append("create \(name) \(mtu)")
        // Issue 13: a unit of a session without IPv6CP is made without
        // the kernel's IPv6.
        createdWithIPv6.append(ipv6)
        return Unit(fd: FileDescriptor(adopting: fds[0]), name: name, index: Int32(far.count))
    }
    func addIPv4(_ unit: Unit, local: UInt32, remote: UInt32) throws(IPCError) {
        calls.append("add \(IPv4.format(local)) peer \(IPv4.format(remote))")
    }
    func deleteIPv4(_ unit: Unit, local: UInt32, remote: UInt32) throws(IPCError) {
        calls.append("delete \(IPv4.format(local))")
    }
    func addIPv6(_ unit: Unit, local: UInt64, remote: UInt64) throws(IPCError) { calls.append("add6") }
    func deleteIPv6(_ unit: Unit, local: UInt64, remote: UInt64) throws(IPCError) { calls.append("delete6") }
    func addDefaultRoute(_ unit: Unit, ipv6: Bool) throws(IPCError) { calls.append(ipv6 ? "default6" : "default") }
    func addRoute(_ unit: Unit, _ route: FramedRoute, peer: UInt32) throws(IPCError) { calls.append("route \(route.description)") }
    func addPrefixRoute(_ unit: Unit, prefix: [UInt8], length: UInt8) throws(IPCError) { calls.append("route+ \(length)") }
    func deletePrefixRoute(_ unit: Unit, prefix: [UInt8], length: UInt8) throws(IPCError) { calls.append("route- \(length)") }
    deinit { far.forEach { _ = close($0) } }
}

final class TestHost: SessionHost {
    let loop: EventLoop
    let dummy = DummyUnits()
    var units: UnitSystem? { dummy }
    let log = Log(prefix: "test", threshold: .error)
    let buffers = FrameBuffers()
    var hooks: [HookRequest.Event] = []
    var ended: [String] = []
    /// [pool6]/[ipv6.PORT] for the IPv6 services tests (NetworkSessionIPv6Tests).
    var ipv6: IPv6Router?
    var changes = 0
    var events: [EventBody] = []
    func publish(_ event: EventBody) { events.append(event) }
    /// What the session asked to tell authd (session-prefixes), in order.
    var accounted: [SessionPrefixesArguments] = []
    func accountPrefixes(_ prefixes: SessionPrefixesArguments) { accounted.append(prefixes) }
    init() throws { loop = try EventLoop() }
    func sessionChanged(_ session: NetworkSession) { changes += 1 }
    func hook(_ request: HookRequest) { hooks.append(request.event) }
    func sessionEnded(_ session: NetworkSession) { ended.append(session.id) }
    /// Issue 13: the unit numbers handed out for busy names, in order (none
    /// left: give up), and the attempts the session reported.
    var renumbers: [Int] = []
    var busyAttempts: [Int] = []
    func unitNameBusy(_ session: NetworkSession, attempt: Int) -> Int? {
        busyAttempts.append(attempt)
        return renumbers.isEmpty ? nil : renumbers.removeFirst()
    }
}

@Suite struct NetworkSessionTests {
    func pair(_ a: (inout NetworkSettings) -> Void, _ b: (inout NetworkSettings) -> Void,
              ipcpA: IPCPConfiguration, ipcpB: IPCPConfiguration, verdictA: AuthVerdict? = nil,
              before: (TestHost, TestHost) -> Void = { _, _ in }) throws
        -> (TestHost, NetworkSession, TestHost, NetworkSession) {
        var fds: [Int32] = [-1, -1]
        _ = socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds)
        let hostA = try TestHost(), hostB = try TestHost()
        before(hostA, hostB)
        var ra = ChannelRecord(session: "t:1", port: "t"), rb = ChannelRecord(session: "t:1", port: "t")
        a(&ra.network); b(&rb.network)
        ra.verdict = verdictA
        let sa = NetworkSession(record: ra, channel: FileDescriptor(adopting: fds[0]), unitNumber: 0, host: hostA,
                                ipcp: ipcpA, lease: nil, seed: 1)
        let sb = NetworkSession(record: rb, channel: FileDescriptor(adopting: fds[1]), unitNumber: 3, host: hostB,
                                ipcp: ipcpB, lease: nil, seed: 2)
        try hostA.loop.watch(sa.channel.raw) { _ in if !sa.channelReadable() { sa.end(reason: "closed") } }
        try hostB.loop.watch(sb.channel.raw) { _ in if !sb.channelReadable() { sb.end(reason: "closed") } }
        sa.start(); sb.start()
        return (hostA, sa, hostB, sb)
    }

    func spin(_ a: TestHost, _ b: TestHost, until done: () -> Bool) {
        for _ in 0..<200 where !done() {
            a.loop.runOnce(timeoutMilliseconds: 5)
            b.loop.runOnce(timeoutMilliseconds: 5)
        }
    }

    /// ncpd's end of the channel gets Socket.channelSendBuffer, beyond
    /// net.core.wmem_max with CAP_NET_ADMIN (root, as the tests run).
    @Test func channelEndGetsTheChannelSendBuffer() throws {
        let (ha, sa, hb, sb) = try pair({ _ in }, { _ in }, ipcpA: IPCPConfiguration(), ipcpB: IPCPConfiguration())
        _ = (ha, hb)
        let got = try #require(Socket.sendBuffer(sa.channel.raw))
        if geteuid() == 0 { #expect(got == 2 * Socket.channelSendBuffer) } else { #expect(got > 0) }
        #expect(Socket.sendBuffer(sb.channel.raw) == got)
        sa.end(reason: "test"); sb.end(reason: "test")
    }

    @Test func bothNCPsOpenAndCarryPackets() throws {
        var server = IPCPConfiguration()
        server.localAddress = 0x0a00_0001; server.remoteAddress = 0x0a00_0002
        var client = IPCPConfiguration()
        client.acceptLocal = true
        let (ha, sa, hb, sb) = try pair({ $0.ipv6 = true; $0.defaultRoute = true }, { $0.ipv6 = true; $0.ifname = "wan0" },
                                       ipcpA: server, ipcpB: client)
        spin(ha, hb) { sa.ipv4Open && sb.ipv4Open && sa.ipv6Open && sb.ipv6Open }
        #expect(sa.ipv4Open && sb.ipv4Open && sa.ipv6Open && sb.ipv6Open)
        #expect(ha.dummy.calls == ["create ppp0 1500", "add 10.0.0.1 peer 10.0.0.2", "default", "add6"]
                || ha.dummy.calls == ["create ppp0 1500", "add6", "add 10.0.0.1 peer 10.0.0.2", "default"])
        #expect(hb.dummy.calls.first == "create wan0 1500" && hb.dummy.calls.contains("add 10.0.0.2 peer 10.0.0.1"))
        #expect(Set(ha.hooks) == [.ipUp, .ipv6Up])

        // An IPv4 packet written to A's TUN comes out of B's.
        let packet: [UInt8] = [0x45, 0, 0, 20] + [UInt8](repeating: 7, count: 16)
        _ = send(ha.dummy.far[0], packet, packet.count, 0)
        var got = [UInt8](repeating: 0, count: 100)
        var n = -1
        for _ in 0..<50 where n < 0 {
            ha.loop.runOnce(timeoutMilliseconds: 5); hb.loop.runOnce(timeoutMilliseconds: 5)
            n = recv(hb.dummy.far[0], &got, got.count, Int32(MSG_DONTWAIT))
        }
        #expect(n == packet.count && Array(got[0..<max(0, n)]) == packet)
        #expect(sa.counters.packetsOut == 1 && sb.counters.packetsIn == 1 && sb.counters.octetsIn == 20)

        // Not IPv4 or IPv6: dropped and counted, nothing sent.
        _ = send(ha.dummy.far[0], [0x15, 0, 0, 0], 4, 0)
        spin(ha, hb) { sa.counters.dropped == 1 }
        #expect(sa.counters.dropped == 1 && sa.counters.packetsOut == 1)

        // IPCP closes while the session stays: its address goes (tld).
        sa.run(IPCPNegotiator.self) { $0.close(reason: "test") }
        #expect(ha.dummy.calls.contains("delete 10.0.0.1") && ha.hooks.contains(.ipDown))

        // A closes its channel end: B's NCPs go down, its unit goes. Issue
        // 13: the unit takes its addresses with it, none is deleted alone.
        sa.end(reason: "test")
        #expect(ha.ended == ["t:1"] && sa.unit == nil)
        #expect(!ha.dummy.calls.contains("delete6") && ha.hooks.contains(.ipv6Down))
        spin(ha, hb) { !hb.ended.isEmpty }
        #expect(hb.ended == ["t:1"] && sb.unit == nil && hb.hooks.contains(.ipDown))
    }

    @Test func ipv4OnlySessionRejectsIPv6CPAndDropsIPv6() throws {
        var server = IPCPConfiguration()
        server.localAddress = 0x0a00_0001; server.remoteAddress = 0x0a00_0002
        var client = IPCPConfiguration()
        client.acceptLocal = true
        // B runs IPv6CP, A does not: A Protocol-Rejects it, B's IPv6CP stops
        // and B keeps running IPCP alone.
        let (ha, sa, hb, sb) = try pair({ _ in }, { $0.ipv6 = true }, ipcpA: server, ipcpB: client)
        spin(ha, hb) { sa.ipv4Open && sb.ipv4Open && sb.ipv6.cp?.state == .stopped }
        #expect(sa.ipv4Open && sb.ipv4Open)
        #expect(sa.counters.protocolRejectsSent >= 1 && sb.counters.protocolRejectsReceived >= 1)
        #expect(sb.ipv6.cp?.state == .stopped && sb.ipv6.finished && !sb.ended)
        // A's port has IPv6 off: its unit is made with no IPv6; B's with.
        #expect(ha.dummy.createdWithIPv6 == [false] && hb.dummy.createdWithIPv6 == [true])
    }

    /// RADIUS's Access-Accept applied by ncpd (issue 14): Framed-MTU caps
    /// the unit's MTU below the peer's MRU; each Framed-Route and the
    /// subnet of Framed-IP-Netmask go out of the unit once IPCP is up.
    @Test func radiusMTUAndRoutesApplyToTheUnit() throws {
        var server = IPCPConfiguration()
        server.localAddress = 0x0a00_0001; server.remoteAddress = 0x0a00_0002
        var client = IPCPConfiguration()
        client.acceptLocal = true
        var v = AuthVerdict(session: "t:1", success: true)
        v.framedMTU = 1400
        v.framedNetmask = 0xffff_fffc
        v.framedRoutes = [FramedRoute(destination: 0xc0a8_0100, prefixLength: 24, metric: 5)]
        let (ha, sa, hb, sb) = try pair({ _ in }, { _ in }, ipcpA: server, ipcpB: client, verdictA: v)
        spin(ha, hb) { sa.ipv4Open && sb.ipv4Open }
        #expect(ha.dummy.calls == ["create ppp0 1400", "add 10.0.0.1 peer 10.0.0.2",
                                   "route 192.168.1.0/24 0.0.0.0 5", "route 10.0.0.0/30 0.0.0.0 0"], "\(ha.dummy.calls)")
        // B had no verdict: the peer's MRU, no routes.
        #expect(hb.dummy.calls.first == "create ppp3 1500" && !hb.dummy.calls.contains { $0.hasPrefix("route") })
        // A Framed-MTU above the peer's MRU changes nothing (LCP's MRU stands).
        var big = AuthVerdict(session: "t:1", success: true)
        big.framedMTU = 9000
        var r = ChannelRecord(session: "t:1", port: "t")
        r.verdict = big
        var fds: [Int32] = [-1, -1]
        _ = socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds)
        let s = NetworkSession(record: r, channel: FileDescriptor(adopting: fds[0]), unitNumber: 0, host: ha,
                               ipcp: nil, lease: nil, seed: 1)
        #expect(s.mtu == 1500)
        _ = close(fds[1])
        sa.end(reason: "test"); sb.end(reason: "test")
    }
}
