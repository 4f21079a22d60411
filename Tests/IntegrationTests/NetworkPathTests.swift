// Integration: the whole network path through the real daemons. Two routers,
// each pppinit in its own network namespace, joined by a pty pair (socat) or
// by PPP over UDP on a veth pair between the namespaces. linkd runs LCP and
// hands each session's channel to ncpd; one side is the server (address +
// ip-pool, ms-dns), the other the client (noipdefault, usepeerdns). Both get
// their addresses, ping and ping -6 (link-local) work both ways, iperf3 runs
// briefly; `pppctl session kill` ends the session and the interface, routes,
// lease and resolv file go, and the down hooks run.
import Foundation
import IPC
import Testing

/// A veth pair between two namespaces with a /30 on it.
struct VethLink {
    let a: String, b: String
    init(_ nsA: Netns, _ nsB: Netns, addressA: String, addressB: String) throws {
        let tag = "\(getpid() % 10_000)\(UInt16.random(in: 0..<1000))"
        (a, b) = ("pva\(tag)", "pvb\(tag)")
        let r = try run("/usr/sbin/ip", ["link", "add", a, "netns", nsA.name, "type", "veth", "peer", "name", b, "netns", nsB.name])
        guard r.status == 0 else { throw TestFailure("ip link add veth: \(r.stderr)") }
        _ = try nsA.exec(["ip", "addr", "add", addressA + "/30", "dev", a])
        _ = try nsB.exec(["ip", "addr", "add", addressB + "/30", "dev", b])
        _ = try nsA.exec(["ip", "link", "set", a, "up"])
        _ = try nsB.exec(["ip", "link", "set", b, "up"])
    }
}

/// Hook scripts under pppd's four names and our two prefix ones, each
/// logging its name, argv and env.
struct HookScripts {
    let dir: String, logPath: String
    static let names = ["ip-up", "ip-down", "ipv6-up", "ipv6-down", "ipv6-prefix-up", "ipv6-prefix-down"]
    init(tag: String) throws {
        dir = "/tmp/ppprouter-hooks-\(tag)"
        logPath = dir + ".log"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        try ("#!/bin/sh\necho \"$(basename $0) $* IPLOCAL=$IPLOCAL IPREMOTE=$IPREMOTE IFNAME=$IFNAME PREFIX=$PREFIX"
             + " PREFIXLEN=$PREFIXLEN PREFERRED_LIFETIME=$PREFERRED_LIFETIME VALID_LIFETIME=$VALID_LIFETIME"
             + " LAN_IFNAME=$LAN_IFNAME\" >> \(logPath)\n")
            .write(toFile: dir + "/hook", atomically: true, encoding: .utf8)
        chmod(dir + "/hook", 0o755)
        for n in Self.names { symlink(dir + "/hook", dir + "/" + n) }
    }
    var config: String { Self.names.map { "\($0) = \"\(dir)/\($0)\"" }.joined(separator: "\n") }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    func remove() { for f in [logPath, dir] { try? FileManager.default.removeItem(atPath: f) } }
}

/// Server and client halves of a network-path test; `body` is the port's
/// transport keys. Short LCP timers so a test stays short.
enum NetworkPathConfig {
    static func server(port: String, body: String, hooks: String, extra: String = "") -> String {
        """
        [router]
        seccomp = "kill"
        [port.\(port)]
        \(body)
        lcp-restart = 1
        lcp-max-configure = 30
        address = "10.99.0.1:"
        ip-pool = "clients"
        ipv6 = true
        ms-dns = ["192.0.2.53"]
        \(extra)
        [pool.clients]
        range = "10.99.0.10-10.99.0.20"
        local = "10.99.0.1"
        [hooks]
        \(hooks)
        """
    }

    static func client(port: String, body: String, resolv: String, extra: String = "", hooks: String = "") -> String {
        """
        [router]
        seccomp = "kill"
        [port.\(port)]
        \(body)
        lcp-restart = 1
        lcp-max-configure = 30
        noipdefault = true
        usepeerdns = true
        ipv6 = true
        \(extra)
        [hooks]
        resolv-file = "\(resolv)"
        \(hooks)
        """
    }
}

func ipcpAndIPv6CPOpened(_ s: JSON) -> Bool {
    s["ipcp"]?["state"]?.string == "opened" && s["ipv6cp"]?["state"]?.string == "opened"
        && s["interface"]?.string != nil
}

/// `iperf3 -c` for `seconds` from `client` to `address` in `server`; returns
/// the receiver's line (printed by the caller, never asserted).
func iperf(from client: Netns, to server: Netns, address: String, seconds: Int = 1) throws -> String? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/iperf3") else {
        Issue.record("iperf3 is not installed (scripts/test.sh installs it)")
        return nil
    }
    let s = Process()
    s.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
    s.arguments = ["netns", "exec", server.name, "iperf3", "-s", "-1", "-B", address]
    s.standardOutput = FileHandle.nullDevice
    s.standardError = FileHandle.nullDevice
    try s.run()
    defer {
        if s.isRunning { s.terminate() }
        s.waitUntilExit()
    }
    var c = CommandResult(status: -1, stdout: "", stderr: "")
    // The server may take a moment to listen.
    for _ in 0..<10 {
        usleep(200_000)
        c = try client.exec(["iperf3", "-c", address, "-t", "\(seconds)", "-f", "m"], timeout: Double(seconds) + 20)
        if c.status == 0 || !c.stderr.contains("Connection refused") { break }
    }
    #expect(c.status == 0, "iperf3: \(c.stdout) \(c.stderr)")
    return c.stdout.split(separator: "\n").last { $0.contains("receiver") }.map(String.init)
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct NetworkPathTests {
    /// Runs the shared checks on a server `a` (in nsA) and client `b` (in nsB).
    func exercise(_ a: RouterUnderTest, _ b: RouterUnderTest, _ nsA: Netns, _ nsB: Netns,
                  hooks: HookScripts, resolv: String, label: String) throws {
        let openedA = a.waitForSession(seconds: 60, "IPCP and IPv6CP opened", ipcpAndIPv6CPOpened)
        let openedB = b.waitForSession(seconds: 10, "IPCP and IPv6CP opened", ipcpAndIPv6CPOpened)
        let sa = try #require(openedA), sb = try #require(openedB)
        let id = try #require(sa["id"]?.string)
        #expect(sa["phase"]?.string == "network" && sa["lcp"]?.string == "opened")
        #expect(sa["channel"]?["state"]?.string == "relaying")
        let ifA = try #require(sa["interface"]?.string), ifB = try #require(sb["interface"]?.string)
        #expect(ifA == "ppp0" && ifB == "ppp0")
        // Server: our address from `address`, the peer's from the pool; the
        // client takes what it is given (noipdefault) and our ms-dns.
        #expect(sa["ipcp"]?["local"]?.string == "10.99.0.1" && sa["ipcp"]?["remote"]?.string == "10.99.0.10")
        #expect(sb["ipcp"]?["local"]?.string == "10.99.0.10" && sb["ipcp"]?["remote"]?.string == "10.99.0.1")
        #expect(sb["ipcp"]?["dns"]?.array?.compactMap(\.string) == ["192.0.2.53"])
        let idA = sa["ipv6cp"]?["local_id"]?.string ?? "?", idB = sb["ipv6cp"]?["local_id"]?.string ?? "?"
        #expect(sa["ipv6cp"]?["remote_id"]?.string == idB && sb["ipv6cp"]?["remote_id"]?.string == idA)

        let addrA = try nsA.exec(["ip", "addr", "show", "dev", ifA]).stdout
        #expect(addrA.contains("inet 10.99.0.1 peer 10.99.0.10/32"), "\(addrA)")
        #expect(addrA.contains("inet6 fe80::\(idA) peer fe80::\(idB)/128"), "\(addrA)")
        let addrB = try nsB.exec(["ip", "addr", "show", "dev", ifB]).stdout
        #expect(addrB.contains("inet 10.99.0.10 peer 10.99.0.1/32"), "\(addrB)")
        // Issue 13: the negotiated link-local address is the unit's only
        // IPv6 address (the kernel was told to make none of its own), and
        // no fe80::/64 route of the kernel's sits beside every other unit's.
        for (ns, unit, addr) in [(nsA, ifA, addrA), (nsB, ifB, addrB)] {
            #expect(addr.components(separatedBy: "inet6 ").count == 2, "\(ns.name): \(addr)")
            let routes = try ns.exec(["ip", "-6", "route", "show", "dev", unit]).stdout
            #expect(!routes.contains("fe80::/64"), "\(ns.name): \(routes)")
            // Nor one to our own address: the route to the peer only.
            #expect(routes.components(separatedBy: "fe80::").count == 2, "\(ns.name): \(routes)")
        }

        for (ns, target) in [(nsA, "10.99.0.10"), (nsB, "10.99.0.1")] {
            let p = try ns.exec(["ping", "-c", "3", "-i", "0.2", "-W", "2", target])
            #expect(p.status == 0, "ping \(target) from \(ns.name): \(p.stdout) \(p.stderr)")
        }
        for (ns, target) in [(nsA, "fe80::\(idB)%\(ifA)"), (nsB, "fe80::\(idA)%\(ifB)")] {
            let p = try ns.exec(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", target])
            #expect(p.status == 0, "ping -6 \(target) from \(ns.name): \(p.stdout) \(p.stderr)")
        }
        if let line = try iperf(from: nsA, to: nsB, address: "10.99.0.10") {
            print("iperf3 over \(label) through linkd and ncpd: \(line)")
        }
        let counters = a.sessions().first { $0["id"]?.string == id }?["ip_counters"]
        #expect((counters?["packets_in"]?.int ?? 0) >= 6 && (counters?["packets_out"]?.int ?? 0) >= 6)
        #expect(try String(contentsOfFile: resolv, encoding: .utf8) == "nameserver 192.0.2.53\n")

        // The operator ends the session: LCP terminates on both ends, linkd
        // closes the channels, ncpd removes the units and frees the lease.
        let kill = try a.ctl(["session", "kill", id])
        #expect(kill.status == 0, "\(kill.stderr)")
        a.waitForNetwork("no session", { $0.isEmpty })
        b.waitForNetwork("no session", { $0.isEmpty })
        #expect(try nsA.exec(["ip", "link", "show", ifA]).status != 0)
        #expect(try nsB.exec(["ip", "link", "show", ifB]).status != 0)
        #expect(try nsA.exec(["ip", "route", "show", "10.99.0.10"]).stdout.isEmpty)
        #expect(try nsB.exec(["ip", "route", "show", "10.99.0.1"]).stdout.isEmpty)
        #expect(try nsA.exec(["ip", "-6", "addr", "show", "scope", "link"]).stdout.contains(idA) == false)
        let pools = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(pools.contains("\"leased\":0"), "\(pools)")
        #expect(!FileManager.default.fileExists(atPath: resolv))
        #expect(a.sessions().first { $0["id"]?.string == id }?["reason"]?.string == "killed by the operator")
        var ran = ""
        for _ in 0..<50 {
            ran = hooks.log
            if ran.contains("ip-down") && ran.contains("ipv6-down") { break }
            usleep(100_000)
        }
        // pppd's argument order: interface tty speed local remote ipparam.
        #expect(ran.contains("ip-up \(ifA) "), "\(ran)")
        #expect(ran.contains(" 10.99.0.1 10.99.0.10  IPLOCAL=10.99.0.1 IPREMOTE=10.99.0.10"), "\(ran)")
        #expect(ran.contains("ipv6-up \(ifA) ") && ran.contains("fe80::\(idA) fe80::\(idB)"), "\(ran)")
        #expect(ran.contains("ip-down \(ifA)") && ran.contains("ipv6-down \(ifA)"), "\(ran)")
    }

    @Test(.enabled(if: hasSocat, "needs socat (scripts/test.sh installs it)"))
    func ptyPairCarriesIPBothWays() throws {
        let nsA = try Netns("pa"), nsB = try Netns("pb")
        defer { nsA.delete(); nsB.delete() }
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let hooks = try HookScripts(tag: tag), resolv = "/tmp/ppprouter-resolv-\(tag).conf"
        defer { hooks.remove(); try? FileManager.default.removeItem(atPath: resolv) }
        let pty = try SocatPty()
        defer { pty.stop() }
        let ca = try TempConfig(NetworkPathConfig.server(port: "sa", body: "type = \"tty\"\ndevice = \"\(pty.a)\"",
                                                         hooks: hooks.config))
        let cb = try TempConfig(NetworkPathConfig.client(port: "cb", body: "type = \"tty\"\ndevice = \"\(pty.b)\"",
                                                         resolv: resolv))
        defer { ca.remove(); cb.remove() }
        let a = try RouterUnderTest(config: ca.path, netns: nsA.name)
        let b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        defer { a.stop(); b.stop() }
        try exercise(a, b, nsA, nsB, hooks: hooks, resolv: resolv, label: "a pty pair (async HDLC)")
    }

    @Test func udpOverVethCarriesIPBothWays() throws {
        let nsA = try Netns("ua"), nsB = try Netns("ub")
        defer { nsA.delete(); nsB.delete() }
        _ = try VethLink(nsA, nsB, addressA: "10.98.0.1", addressB: "10.98.0.2")
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let hooks = try HookScripts(tag: tag), resolv = "/tmp/ppprouter-resolv-\(tag).conf"
        defer { hooks.remove(); try? FileManager.default.removeItem(atPath: resolv) }
        let port = UInt16.random(in: 20_000...40_000)
        let ca = try TempConfig(NetworkPathConfig.server(port: "sa", body: """
            type = "udp"
            local = "10.98.0.1:\(port)"
            remote = "10.98.0.2:\(port)"
            """, hooks: hooks.config))
        let cb = try TempConfig(NetworkPathConfig.client(port: "cb", body: """
            type = "udp"
            local = "10.98.0.2:\(port)"
            remote = "10.98.0.1:\(port)"
            """, resolv: resolv))
        defer { ca.remove(); cb.remove() }
        let a = try RouterUnderTest(config: ca.path, netns: nsA.name)
        let b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        defer { a.stop(); b.stop() }
        try exercise(a, b, nsA, nsB, hooks: hooks, resolv: resolv, label: "UDP on a veth pair")
    }
}
