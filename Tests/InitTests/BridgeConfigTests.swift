// Bridging in the config (RouterConfig+Bridge.swift): port roles, [[bridge]]
// rules and what each linkd gets, the refusals with file:line, and pppinit's
// daemon-call table (which linkd may dial which port).
import IPC
import Testing
@testable import pppinit

@Suite struct BridgeConfigTests {
    static let lac = """
        [port.acc]
        type = "udp"
        local = "127.0.0.1:1"
        [port.tcp]
        type = "tcp"
        listen = "127.0.0.1:2"
        [port.up0]
        type = "udp"
        local = "127.0.0.1:3"
        remote = "127.0.0.1:4"
        upstream = true
        [port.up1]
        type = "tcp"
        connect = "127.0.0.1:5"
        upstream = true
        [port.hand]
        type = "udp"
        local = "127.0.0.1:6"
        bridge = "manual"
        [[bridge]]
        realm = "far.example"
        upstream = "up0"
        [[bridge]]
        peer-name = "bob"
        port = "tcp"
        upstream = "up1"
        """

    @Test func rolesAndRulesReachEachLinkd() throws {
        let c = try RouterConfig.parse(Self.lac, file: "r.toml")
        #expect(c.bridgeRoles == ["acc": .none, "tcp": .none, "up0": .upstream, "up1": .upstream, "hand": .manual])
        #expect(c.bridgeRules.count == 2)
        let r = Router(config: c, loop: try EventLoop())
        let acc = try LinkdSettings.decode(r.component(named: "linkd@acc")!.setup.settings)
        #expect(acc.port == c.ports[0] && acc.role == .none)
        #expect(acc.rules.map(\.upstream) == ["up0"])  // the second rule is for port tcp only
        #expect(acc.upstream(peerName: "alice@FAR.example") == "up0")
        #expect(acc.upstream(peerName: "alice@near.example") == nil && acc.upstream(peerName: nil) == nil)
        let tcp = try LinkdSettings.decode(r.component(named: "linkd@tcp")!.setup.settings)
        #expect(tcp.upstream(peerName: "bob") == "up1" && tcp.upstream(peerName: "bob@far.example") == "up0")
        let up = try LinkdSettings.decode(r.component(named: "linkd@up0")!.setup.settings)
        #expect(up.role == .upstream && up.rules.isEmpty)
        #expect(try LinkdSettings.decode(r.component(named: "linkd@hand")!.setup.settings).role == .manual)
    }

    @Test(arguments: [
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nupstream = true\nbridge = \"manual\"\n", "exclude each other"),
        ("[port.u]\ntype = \"tcp\"\nlisten = \"a:1\"\nupstream = true\n", "not on this tcp port"),
        ("[port.u]\ntype = \"tty\"\ndevice = \"/dev/x\"\nupstream = true\n", "not on this tty port"),
        ("[port.u]\ntype = \"pppoe\"\ninterface = \"eth0\"\nrole = \"ac\"\nupstream = true\n", "only a pppoe client port can be an upstream"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nupstream = true\npersist = true\n", "dialled on demand"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nbridge = \"auto\"\n", "bridge"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\n[[bridge]]\nrealm = \"x\"\nupstream = \"u\"\n", "not a port with 'upstream = true'"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nupstream = true\n[[bridge]]\nupstream = \"u\"\n", "at least one of"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nupstream = true\n[[bridge]]\nrealm = \"@x\"\nupstream = \"u\"\n", "without it"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nupstream = true\n[[bridge]]\nport = \"nope\"\nupstream = \"u\"\n", "no port 'nope'"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nupstream = true\n[[bridge]]\nport = \"u\"\nupstream = \"u\"\n", "rules apply to subscriber ports"),
        ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nupstream = true\n[[bridge]]\nrealm = \"x\"\nupstream = \"u\"\nrealms = \"y\"\n", "unknown key"),
        ("[bridge]\nrealm = \"x\"\n", "array of tables"),
    ])
    func badBridgeConfig(_ text: String, _ expected: String) {
        do {
            _ = try RouterConfig.parse(text, file: "r.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.description.hasPrefix("r.toml:"), "\(error.description)")
        }
    }

    /// A PPPoE client port is an upstream type: a discovery per subscriber.
    @Test func pppoeClientPortCanBeAnUpstream() throws {
        let text = "[port.up]\ntype = \"pppoe\"\ninterface = \"eth1\"\nupstream = true\nuser = \"lac\"\n"
            + "[port.acc]\ntype = \"pppoe\"\ninterface = \"eth0\"\nrole = \"ac\"\n[[bridge]]\nrealm = \"far.example\"\nupstream = \"up\"\n"
        let c = try RouterConfig.parse(text, file: "r.toml")
        #expect(c.bridgeRoles == ["up": .upstream, "acc": .none])
        let r = Router(config: c, loop: try EventLoop())
        let acc = try LinkdSettings.decode(r.component(named: "linkd@acc")!.setup.settings)
        #expect(acc.upstream(peerName: "bob@far.example") == "up")
    }

    /// Only a linkd may dial, only an upstream port, never itself.
    @Test func daemonCallTable() throws {
        let c = try RouterConfig.parse(Self.lac, file: "r.toml")
        let r = Router(config: c, loop: try EventLoop())
        let acc = r.component(named: "linkd@acc")!, up0 = r.component(named: "linkd@up0")!
        #expect(DaemonCalls.allowed(sender: acc, target: "linkd@up0", method: "dial", config: c))
        #expect(DaemonCalls.allowed(sender: acc, target: "linkd@up1", method: "dial", config: c))
        #expect(!DaemonCalls.allowed(sender: acc, target: "linkd@hand", method: "dial", config: c))
        #expect(!DaemonCalls.allowed(sender: acc, target: "linkd@up0", method: "session-kill", config: c))
        #expect(!DaemonCalls.allowed(sender: acc, target: "ncpd", method: "dial", config: c))
        #expect(!DaemonCalls.allowed(sender: up0, target: "linkd@up0", method: "dial", config: c))
        #expect(!DaemonCalls.allowed(sender: r.component(named: "ncpd")!, target: "linkd@up0", method: "dial", config: c))
    }

    /// partner-failed: only an upstream's linkd, only to a port some rule
    /// sends to an upstream (never an upstream or manual port, nor ncpd).
    @Test func partnerFailedCallTable() throws {
        let c = try RouterConfig.parse(Self.lac, file: "r.toml")
        let r = Router(config: c, loop: try EventLoop())
        let acc = r.component(named: "linkd@acc")!, up0 = r.component(named: "linkd@up0")!
        let up1 = r.component(named: "linkd@up1")!, hand = r.component(named: "linkd@hand")!
        #expect(DaemonCalls.allowed(sender: up0, target: "linkd@acc", method: "partner-failed", config: c))
        #expect(DaemonCalls.allowed(sender: up1, target: "linkd@tcp", method: "partner-failed", config: c))
        #expect(!DaemonCalls.allowed(sender: acc, target: "linkd@tcp", method: "partner-failed", config: c))
        #expect(!DaemonCalls.allowed(sender: hand, target: "linkd@acc", method: "partner-failed", config: c))
        #expect(!DaemonCalls.allowed(sender: up0, target: "linkd@up1", method: "partner-failed", config: c))
        #expect(!DaemonCalls.allowed(sender: up0, target: "linkd@hand", method: "partner-failed", config: c))
        #expect(!DaemonCalls.allowed(sender: up0, target: "ncpd", method: "partner-failed", config: c))
        #expect(!DaemonCalls.allowed(sender: up0, target: "linkd@acc", method: "session-kill", config: c))
        #expect(!DaemonCalls.allowed(sender: r.component(named: "bridged")!, target: "linkd@acc", method: "partner-failed", config: c))
        // A port no rule applies to gets no reports.
        let narrow = try RouterConfig.parse("""
            [port.acc]
            type = "udp"
            local = "127.0.0.1:1"
            [port.sub]
            type = "udp"
            local = "127.0.0.1:2"
            [port.up0]
            type = "udp"
            local = "127.0.0.1:3"
            remote = "127.0.0.1:4"
            upstream = true
            [[bridge]]
            port = "sub"
            upstream = "up0"
            """, file: "r.toml")
        let rn = Router(config: narrow, loop: try EventLoop())
        let nUp = rn.component(named: "linkd@up0")!
        #expect(DaemonCalls.allowed(sender: nUp, target: "linkd@sub", method: "partner-failed", config: narrow))
        #expect(!DaemonCalls.allowed(sender: nUp, target: "linkd@acc", method: "partner-failed", config: narrow))
    }
}
