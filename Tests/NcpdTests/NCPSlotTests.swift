// The NCP slot, one type for IPCP and IPv6CP: what it starts from (not run,
// restart timer and reject limit from the port), its resume from a saved
// result, and a live pair of sessions whose two slots open, are saved and
// are put back on fresh sessions without renegotiating.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
import Testing
@testable import ncpd

@Suite struct NCPSlotTests {
    func check<N: NetworkNegotiator>(_ negotiator: N, restart: (inout NetworkSettings) -> Void, seconds: Int64) {
        var settings = NetworkSettings()
        restart(&settings)
        let none = NCPSlot<N>(nil, settings: settings, peerMRU: 1492)
        #expect(none.cp == nil && none.finished && !none.isOpen)
        let slot = NCPSlot(negotiator, settings: settings, peerMRU: 1492)
        let cp = try! #require(slot.cp)
        #expect(!slot.finished && !slot.isOpen && slot.configured == nil)
        #expect(cp.automaton.limits.restartInterval == .seconds(seconds))
        #expect(cp.maximumRejectedLength == 1492 - ControlPacket.headerLength)
        #expect(cp.negotiator.protocolNumber == N.controlProtocol)
        #expect(N.networkProtocol.rawValue == N.controlProtocol.rawValue & 0x0fff)
    }

    @Test func startsFromThePortSettings() {
        check(IPCPNegotiator(configuration: IPCPConfiguration()), restart: { $0.ipcpRestart = 7 }, seconds: 7)
        check(IPv6CPNegotiator(configuration: IPv6CPConfiguration()), restart: { $0.ipv6cpRestart = 11 }, seconds: 11)
        check(IPCPNegotiator(configuration: IPCPConfiguration()), restart: { _ in }, seconds: 3)
    }

    @Test func resumesOpenedWithTheSavedResult() {
        var settings = NetworkSettings()
        settings.ipv6cpRestart = 5
        var slot = NCPSlot(IPv6CPNegotiator(configuration: IPv6CPConfiguration()), settings: settings, peerMRU: 1400)
        var n = IPv6CPNegotiated()
        n.localIdentifier = 0x1122; n.remoteIdentifier = 0x3344
        slot.resume(n, nextIdentifier: 42, configured: true, settings: settings)
        #expect(slot.cp?.state == .opened && slot.isOpen && slot.configured == n)
        #expect(slot.cp?.negotiator.negotiated == n && slot.cp?.identifierToSave == 42)
        #expect(slot.cp?.automaton.limits.restartInterval == .seconds(5))
        #expect(slot.cp?.maximumRejectedLength == 1400 - ControlPacket.headerLength)

        var v4 = NCPSlot(IPCPNegotiator(configuration: IPCPConfiguration()), settings: settings, peerMRU: 1500)
        var a = IPCPNegotiated()
        a.localAddress = 0x0a00_0001; a.remoteAddress = 0x0a00_0002; a.primaryDNS = 0x0808_0808
        v4.resume(a, nextIdentifier: 3, configured: false, settings: settings)
        #expect(v4.cp?.state == .opened && !v4.isOpen && v4.configured == nil && v4.cp?.negotiator.negotiated == a)

        // A slot that does not run its NCP stays so.
        var none = NCPSlot<IPCPNegotiator>(nil, settings: settings, peerMRU: 1500)
        none.resume(a, nextIdentifier: 3, configured: true, settings: settings)
        #expect(none.cp == nil && none.configured == nil)
    }

    @Test func bothSlotsSaveAndResumeOnALivePair() throws {
        var server = IPCPConfiguration()
        server.localAddress = 0x0a00_0001; server.remoteAddress = 0x0a00_0002
        var client = IPCPConfiguration()
        client.acceptLocal = true
        let t = NetworkSessionTests()
        let (ha, sa, hb, sb) = try t.pair({ $0.ipv6 = true }, { $0.ipv6 = true }, ipcpA: server, ipcpB: client)
        t.spin(ha, hb) { sa.ipv4Open && sb.ipv4Open && sa.ipv6Open && sb.ipv6Open }
        #expect(sa.ipv4Open && sa.ipv6Open)

        let saved = try NetworkSessionState.decode(sa.snapshot().encoded())
        #expect(saved.ipcp.phase == .opened && saved.ipcp.configured)
        #expect(saved.ipcp.negotiated.localAddress == 0x0a00_0001 && saved.ipcp.negotiated.remoteAddress == 0x0a00_0002)
        #expect(saved.ipv6cp.phase == .opened && saved.ipv6cp.configured)
        #expect(saved.ipv6cp.negotiated == sa.ipv6.cp?.negotiator.negotiated)

        // A fresh session from the same record takes both NCPs back, Opened
        // and configured, and starts nothing (no packet is sent).
        var fds: [Int32] = [-1, -1]
        _ = socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds)
        defer { _ = close(fds[1]) }
        let hc = try TestHost()
        let sc = NetworkSession(record: saved.record, channel: FileDescriptor(adopting: fds[0]), unitNumber: 0, host: hc,
                                ipcp: server, lease: nil, seed: 9)
        sc.restore(saved, tun: nil)
        sc.resume()
        #expect(sc.ipv4Open && sc.ipv6Open && !sc.ended)
        #expect(sc.ipv4.cp?.identifierToSave == saved.ipcp.nextIdentifier)
        #expect(sc.ipv6.configured == saved.ipv6cp.negotiated)
        var probe = [UInt8](repeating: 0, count: 64)
        #expect(recv(fds[1], &probe, probe.count, Int32(MSG_DONTWAIT)) < 0)
        let again = sc.snapshot()
        #expect(again.ipcp == saved.ipcp && again.ipv6cp == saved.ipv6cp)
        sa.end(reason: "test"); sb.end(reason: "test"); sc.end(reason: "test")
    }
}
