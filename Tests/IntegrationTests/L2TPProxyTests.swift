// Integration: RFC 2661 §18, an LNS trusting its LAC's proxy LCP and proxy
// authentication (§4.4.5), or not. A PPPoE subscriber (our client, alice)
// authenticates with PAP or CHAP on our LAC's access concentrator, whose
// bridging rule switches it into an L2TP call (the upstream port's user is
// "lac-up"); the call carries the subscriber's LCP and PAP/CHAP as proxy
// AVPs to our LNS. With `proxy-lcp` and `proxy-auth` off (the default) the
// LNS renegotiates LCP and authenticates the LAC's call as lac-up, as
// before; with them on it starts the call Opened in the proxied state and
// has its authd check alice's proxied credentials (no Challenge, no LCP
// Configure-Request from the LNS), and our LAC's call, which started in
// the subscriber's state, goes to its Network phase on the LNS's first NCP
// frame. Either way the subscriber gets its address from the LNS's pool and
// pings it.
import Foundation
import IPC
import Testing
import TestSupport

private enum ProxyLab {
    static func lns(trust: Bool, method: String) -> String {
        """
        [router]
        seccomp = "kill"
        [port.lns0]
        type = "l2tp"
        role = "lns"
        local = "10.235.0.1:1701"
        secret = "tunnel-secret"
        peers = ["10.235.0.2"]
        proxy-lcp = \(trust)
        proxy-auth = \(trust)
        proxy-peers = ["10.235.0.2"]
        require-\(method) = true
        ip-pool = "subs"
        \(L2TPLab.timers)
        [pool.subs]
        range = "10.236.0.10-10.236.0.20"
        local = "10.236.0.1"
        [users."alice@far.example"]
        password = "alice-secret"
        [users.lac-up]
        password = "up-pass"
        """
    }

    static func lac(method: String) -> String {
        """
        [router]
        seccomp = "kill"
        [port.acc]
        type = "pppoe"
        role = "ac"
        interface = "v-sub"
        require-\(method) = true
        \(L2TPLab.timers)
        [port.up]
        type = "l2tp"
        role = "lac"
        local = "10.235.0.2:1702"
        lns = ["10.235.0.1"]
        secret = "tunnel-secret"
        user = "lac-up"
        upstream = true
        \(L2TPLab.timers)
        [[bridge]]
        realm = "far.example"
        upstream = "up"
        [users."alice@far.example"]
        password = "alice-secret"
        [users.lac-up]
        password = "up-pass"
        """
    }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, veth, TUN, daemons dropping to their uids"))
struct L2TPProxyTests {
    @Test(arguments: [(false, "pap"), (false, "chap"), (true, "pap"), (true, "chap")])
    func lnsTrustsTheProxiedStateOrRenegotiates(_ trust: Bool, _ method: String) throws {
        let lab = try L2TPLab()
        defer { lab.delete() }
        let configs = try [ProxyLab.lns(trust: trust, method: method), ProxyLab.lac(method: method),
                           L2TPLab.subscriberConfig].map { try TempConfig($0) }
        defer { configs.forEach { $0.remove() } }
        let lns = try RouterUnderTest(config: configs[0].path, netns: lab.lns.name)
        defer { lns.stop() }
        _ = try lns.allRunning()
        let lac = try RouterUnderTest(config: configs[1].path, netns: lab.lac.name)
        defer { lac.stop() }
        _ = try lac.allRunning()
        let sub = try RouterUnderTest(config: configs[2].path, netns: lab.sub.name)
        defer { sub.stop() }
        _ = try sub.allRunning()
        let what = "\(trust ? "trusted" : "renegotiated") \(method)"
        let diag = { "LAC:\n\(lac.log.suffix(5000))\nLNS:\n\(lns.log.suffix(5000))" }

        let up = sub.waitForSession(seconds: 40) {
            $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["remote"]?.string == "10.236.0.1"
        }
        #expect(up != nil, "\(what): subscriber \(sub.sessions())\n\(diag())")
        let ping = try lab.sub.exec(["ping", "-c", "3", "-W", "2", "10.236.0.1"])
        #expect(ping.status == 0, "\(what): subscriber ping: \(ping.stdout)\(ping.stderr)\n\(diag())")

        // Who the LNS authenticated: the subscriber's proxied name, or the LAC's call.
        let atLNS = lns.waitForSession { $0["phase"]?.string == "network" }
        let expected = trust ? "alice@far.example" : "lac-up"
        #expect(atLNS?["peer_name"]?.string == expected, "\(what): LNS session \(String(describing: atLNS))\n\(diag())")
        let port = l2tpStatus(lns, "lns0")
        #expect(port?["proxy_accepted"]?.int == 1 && port?["proxy_trusted"]?.int == (trust ? 1 : 0)
                && port?["proxy_renegotiated"]?.int == 0, "\(what): LNS \(String(describing: port))")
        // Trusted: the LNS sent no LCP Configure-Request and no Challenge;
        // the LAC's call went to Network on the LNS's first NCP frame.
        #expect(lns.log.contains("LCP as the LAC proxied it") == trust, "\(what):\n\(diag())")
        #expect(lns.log.contains("checking its proxied \(method == "pap" ? "pap" : "chap") for 'alice@far.example'") == trust, "\(what):\n\(diag())")
        #expect(lac.log.contains("the LNS took the proxied LCP and authentication") == trust, "\(what):\n\(diag())")
        let lacCall = lac.sessions().first { $0["port"]?.string == "up" && $0["phase"]?.string == "network" }
        #expect(lacCall != nil, "\(what): LAC sessions \(lac.sessions())")
        print("l2tp proxy, \(what): LNS authenticated \(atLNS?["peer_name"]?.string ?? "?"), ping ok")
    }
}
