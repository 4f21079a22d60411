// Two routers over PPP on UDP (or TCP) on a veth pair, each in its own network
// namespace, with one session up (IPCP and IPv6CP opened) between them: the
// server "sa" (pool 10.99.0.0/24, hooks) and the client "cb". For tests
// that abuse the server's daemons and check the session comes through.
import Foundation
import IPC
import Testing

/// A server and a client router with one session up between them.
final class SessionLab {
    let nsA: Netns, nsB: Netns
    let hooks: HookScripts
    /// The client's hook scripts (`clientHooks`), else nil.
    let hooksB: HookScripts?
    let configs: [TempConfig]
    let a: RouterUnderTest, b: RouterUnderTest
    let id: String, idB: String
    let first: JSON

    let resolv: String

    /// How the two routers are linked: PPP over UDP datagrams, or over a
    /// TCP connection (the server listens, the client calls).
    /// `tty`: the two ends of a pty pair (SocatPty), one per router.
    enum Link: Equatable { case udp, tcp, tty(String, String) }

    /// `supervisor`: the server's [supervisor] keys. `echoFailure`: LCP
    /// echoes (one a second) either side may miss before giving up.
    /// `serverTables`, `clientTables`: more tables for either config
    /// ([ipv6.sa] …); `beforeRouters` runs once the namespaces exist.
    /// `serverBin`: the directory the server's pppinit runs from.
    init(supervisor: String = "", echoFailure: Int = 10, link: Link = .udp, serverTables: String = "",
         clientTables: String = "", clientHooks: Bool = false, serverBin: String? = nil,
         beforeRouters: (Netns, Netns) throws -> Void = { _, _ in }) throws {
        nsA = try Netns("wa"); nsB = try Netns("wb")
        try beforeRouters(nsA, nsB)
        _ = try VethLink(nsA, nsB, addressA: "10.97.1.1", addressB: "10.97.1.2")
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        hooks = try HookScripts(tag: tag)
        hooksB = clientHooks ? try HookScripts(tag: tag + "-b") : nil
        let port = UInt16.random(in: 20_000...40_000)
        // Echo every second: a resumed LCP must answer them, and the peer
        // must not give up while a daemon is stopped or restarted.
        let echo = "lcp-echo-interval = 1\nlcp-echo-failure = \(echoFailure)"
        let (bodyA, bodyB) = switch link {
        case .udp: ("""
            type = "udp"
            local = "10.97.1.1:\(port)"
            remote = "10.97.1.2:\(port)"
            """, """
            type = "udp"
            local = "10.97.1.2:\(port)"
            remote = "10.97.1.1:\(port)"
            """)
        case .tcp: ("""
            type = "tcp"
            listen = "10.97.1.1:\(port)"
            """, """
            type = "tcp"
            connect = "10.97.1.1:\(port)"
            persist = true
            holdoff = 1
            """)
        case let .tty(deviceA, deviceB): ("type = \"tty\"\ndevice = \"\(deviceA)\"", "type = \"tty\"\ndevice = \"\(deviceB)\"")
        }
        let ca = try TempConfig(NetworkPathConfig.server(port: "sa", body: bodyA, hooks: hooks.config,
                                                         extra: echo + "\n[supervisor]\n" + supervisor + "\n" + serverTables))
        let cb = try TempConfig(NetworkPathConfig.client(port: "cb", body: bodyB, resolv: "/tmp/ppprouter-resolv-\(tag).conf",
                                                         extra: echo + "\n" + clientTables, hooks: hooksB?.config ?? ""))
        resolv = "/tmp/ppprouter-resolv-\(tag).conf"
        configs = [ca, cb]
        a = try RouterUnderTest(config: ca.path, netns: nsA.name,
                                environment: serverBin.map { ["PPP_BIN_DIR": $0] } ?? [:], bin: serverBin ?? binDir)
        // The listener binds before its linkd runs: the caller's first
        // connect then finds it (persist would retry, as a second session).
        if link == .tcp { _ = try a.allRunning() }
        b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        // With its Magic-Number: the checks below compare it.
        let sa = a.waitForSession(seconds: 60, "IPCP and IPv6CP opened") {
            ipcpAndIPv6CPOpened($0) && $0["local"]?["magic"] != nil
        }
        let sb = b.waitForSession(seconds: 10, "IPCP and IPv6CP opened", ipcpAndIPv6CPOpened)
        first = try #require(sa)
        id = try #require(first["id"]?.string)
        idB = try #require(sb?["id"]?.string)
    }

    /// The same session on both ends, opened, nothing renegotiated.
    func expectSessionKept(_ context: String) {
        let now = a.waitForSession(seconds: 30, "resumed \(context)") {
            $0["id"]?.string == self.id && isOpened($0) && ipcpAndIPv6CPOpened($0)
        }
        #expect(now?["local"]?["magic"] == first["local"]?["magic"], "\(context)")
        #expect(a.sessions().count == 1, "\(context): \(a.sessions())")
        // Live ones: a TCP caller's refused first connect stays listed, dead.
        let peer = b.sessions().filter { $0["phase"]?.string != "dead" }
        #expect(peer.count == 1 && peer.first?["id"]?.string == idB && peer.first.map(isOpened) == true,
                "\(context): the client lost its session: \(peer)\n\(b.log.suffix(3000))")
        #expect(a.count("network phase (magic") == 1 && b.count("network phase (magic") == 1,
                "\(context): LCP renegotiated")
        // Every restore got back what was deposited (issue 13's check).
        #expect(!a.log.contains("fd store restore"), "\(context):\n\(a.log.suffix(3000))")
    }

    func remove() {
        a.stop(); b.stop()
        hooks.remove()
        hooksB?.remove()
        try? FileManager.default.removeItem(atPath: resolv)
        configs.forEach { $0.remove() }
        nsA.delete(); nsB.delete()
    }
}
