// Integration (issue 18): the server role's Router Advertisements and DHCPv6
// prefix delegation, seen by Debian's own clients on the subscriber's side of
// a real session. Two routers over PPP on UDP on a veth pair (SessionLab);
// the server "sa" has [ipv6.sa] with a /64 pool and a /56 delegation pool;
// the client router "cb" runs no IPv6 services, so its ppp0 carries the RAs
// and DHCPv6 to its kernel, where `rdisc6` (ndisc6) and `dhcpcd` listen.
// Then `kill -9` of the server's ncpd: the lease, the route and the RAs stay.
// tshark, capturing on the subscriber's ppp0, must decode every packet.
import Foundation
import IPC
import IPv6Services
import Testing

let hasRdisc6 = FileManager.default.isExecutableFile(atPath: "/usr/bin/rdisc6")
let hasDhcpcd = FileManager.default.isExecutableFile(atPath: "/usr/sbin/dhcpcd")

enum IPv6LabConfig {
    /// The pools the IPv6 tests hand out from: a /64 per subscriber (by RA)
    /// and a /56 (by DHCPv6-PD).
    static let pools = """
        [pool6.subscribers]
        prefix = "2001:db8:1::/48"
        length = 64
        [pool6.delegated]
        prefix = "2001:db8:100::/40"
        length = 56
        """
    static let tables = """
        \(pools)
        [ipv6.sa]
        ra-pool = "subscribers"
        pd-pool = "delegated"
        dns = ["2001:db8::53"]
        other-config = true
        ra-interval = 30
        mtu = 1400
        """
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct IPv6SessionTests {
    /// dhcpcd asking for one delegated prefix and nothing else: no RS
    /// (rdisc6 checks RAs), no hooks (its scripts would touch the host's
    /// resolv.conf), one shot in the foreground, with its own run and
    /// state directories (PrivateDhcpcd).
    static func dhcpcd(_ ns: Netns, conf: String, tag: String) throws -> CommandResult {
        let dirs = try PrivateDhcpcd(tag: tag)
        return try ns.exec(dirs.command(["-f", conf, "-B", "-d", "-1", "-t", "30", "-c", "/bin/true", "ppp0"]), timeout: 60)
    }

    @Test(.enabled(if: hasRdisc6 && hasDhcpcd, "needs ndisc6 and dhcpcd-base (scripts/test.sh installs them)"))
    func rdisc6AndDhcpcdGetOurPrefixesAndKeepThemAcrossKill9() throws {
        let lab = try SessionLab(serverTables: IPv6LabConfig.tables)
        defer { lab.remove() }
        let (nsA, nsB, a) = (lab.nsA, lab.nsB, lab.a)
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let ifA = try #require(lab.first["interface"]?.string)

        // tshark on the subscriber's ppp0 (raw IPv6 on a TUN) for the whole run.
        let capturePath = "/tmp/ppprouter-ipv6-\(tag).pcap"
        defer { try? FileManager.default.removeItem(atPath: capturePath) }
        var capture: NamespacedProcess?
        if haveTShark {
            capture = try NamespacedProcess(namespace: nsB.name, ["tshark", "-q", "-i", "ppp0", "-w", capturePath])
            sleep(2)
        }

        // The server advertises the first /64 of its pool on the session.
        let up = a.waitForSession(seconds: 20, "an advertised /64") { $0["ipv6"]?["prefix"]?.string == "2001:db8:1::/64" }
        #expect(up != nil, "\(a.log.suffix(3000))")
        let routes = try nsA.exec(["ip", "-6", "route", "show", "dev", ifA]).stdout
        #expect(routes.contains("2001:db8:1::/64"), "\(routes)")

        // rdisc6 sends its RS through the client router; our RA answers it.
        let rd = try nsB.exec(["rdisc6", "-r", "3", "-w", "4000", "ppp0"], timeout: 40)
        print("rdisc6 ppp0:\n\(rd.stdout)")
        #expect(rd.status == 0, "rdisc6: \(rd.stdout) \(rd.stderr)")
        #expect(rd.stdout.contains("2001:db8:1::/64"), "\(rd.stdout)")
        #expect(rd.stdout.contains("2001:db8::53"), "RDNSS: \(rd.stdout)")
        #expect(rd.stdout.contains("1400"), "MTU: \(rd.stdout)")
        #expect(rd.stdout.range(of: #"Stateful other conf\.\s*:\s*Yes"#, options: .regularExpression) != nil, "O flag: \(rd.stdout)")

        // dhcpcd asks for a prefix (IA_PD) and gets the pool's first /56.
        let conf = "/tmp/ppprouter-dhcpcd-\(tag).conf"
        defer { try? FileManager.default.removeItem(atPath: conf); PrivateDhcpcd.remove(tag: tag) }
        try "duid\nnoipv6rs\nipv6only\nia_pd 1\noption dhcp6_name_servers\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let first = try Self.dhcpcd(nsB, conf: conf, tag: tag)
        print("dhcpcd:\n\(first.stdout)\(first.stderr)")
        let delegated = a.waitForSession(seconds: 20, "a delegated /56") {
            $0["ipv6"]?["delegated"]?.array?.compactMap(\.string) == ["2001:db8:100::/56"]
        }
        #expect(delegated != nil, "\(a.log.suffix(3000))")
        let pdRoute = try nsA.exec(["ip", "-6", "route", "show", "2001:db8:100::/56"]).stdout
        #expect(pdRoute.contains("dev \(ifA)"), "\(pdRoute)")
        let table = try a.ctl(["sessions", "--columns", "id,ipv6"]).stdout
        #expect(table.contains("2001:db8:1::/64 pd 2001:db8:100::/56"), "\(table)")
        let pools = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(pools.contains("\"name\":\"delegated\",\"prefix\":\"2001:db8:100::/40\",\"length\":56,\"size\":65536,\"in_use\":1"), "\(pools)")

        // kill -9 ncpd: the new one resumes the session with its prefixes,
        // the route never left the kernel, RAs go on, and a second dhcpcd
        // (same DUID and IAID) is given the same prefix, not a new one.
        let ncpd = try a.killAndWaitForRestart("ncpd")
        print("ncpd \(ncpd.old) → \(ncpd.new)")
        let kept = a.waitForSession(seconds: 30, "the session resumed") { $0["id"]?.string == lab.id && ipcpAndIPv6CPOpened($0) }
        #expect(kept != nil && a.count("network phase (magic") == 1, "LCP renegotiated:\n\(a.log.suffix(3000))")
        let resumed = a.waitForSession(seconds: 20, "the prefixes resumed") {
            $0["ipv6"]?["prefix"]?.string == "2001:db8:1::/64"
                && $0["ipv6"]?["delegated"]?.array?.compactMap(\.string) == ["2001:db8:100::/56"]
        }
        #expect(resumed != nil, "\(a.log.suffix(3000))")
        #expect(try nsA.exec(["ip", "-6", "route", "show", "2001:db8:100::/56"]).stdout.contains("dev \(ifA)"))
        let rd2 = try nsB.exec(["rdisc6", "-r", "3", "-w", "4000", "ppp0"], timeout: 40)
        #expect(rd2.status == 0 && rd2.stdout.contains("2001:db8:1::/64"), "after kill -9: \(rd2.stdout) \(rd2.stderr)")
        let again = try Self.dhcpcd(nsB, conf: conf, tag: tag)
        #expect(again.status == 0, "dhcpcd after kill -9: \(again.stdout)\(again.stderr)")
        let poolsAfter = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(poolsAfter.contains("\"name\":\"delegated\",\"prefix\":\"2001:db8:100::/40\",\"length\":56,\"size\":65536,\"in_use\":1"), "\(poolsAfter)")
        #expect(a.sessions().first?["ipv6"]?["delegated"]?.array?.compactMap(\.string) == ["2001:db8:100::/56"])

        // The session ends: the prefixes go back to their pools.
        let kill = try a.ctl(["session", "kill", lab.id])
        #expect(kill.status == 0, "\(kill.stderr)")
        a.waitForNetwork("no session", { $0.isEmpty })
        #expect(try nsA.exec(["ip", "-6", "route", "show", "2001:db8:100::/56"]).stdout.isEmpty)
        let poolsEnd = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(poolsEnd.contains("\"name\":\"subscribers\",\"prefix\":\"2001:db8:1::/48\",\"length\":64,\"size\":65536,\"in_use\":0"), "\(poolsEnd)")
        #expect(poolsEnd.contains("\"name\":\"delegated\",\"prefix\":\"2001:db8:100::/40\",\"length\":56,\"size\":65536,\"in_use\":0"), "\(poolsEnd)")

        // Every RA, RS and DHCPv6 message of the run decodes cleanly.
        if let capture {
            capture.stop()
            let malformed = try run("/usr/bin/tshark", ["-r", capturePath, "-Y", "_ws.malformed || _ws.expert.severity == error"])
            #expect(malformed.stdout.isEmpty, "tshark: \(malformed.stdout)")
            let info = try run("/usr/bin/tshark", ["-r", capturePath, "-Y", "icmpv6 || dhcpv6", "-T", "fields", "-e", "_ws.col.Info"]).stdout
            #expect(info.contains("Router Advertisement"), "\(info)")
            #expect(info.contains("Reply XID"), "\(info)")
            print("capture: \(info.split(separator: "\n").count) ICMPv6/DHCPv6 packets decoded by tshark, none malformed")
        }
    }

    /// IA_NA (issue 18, optional per port): with `na-pool` the session's
    /// DHCPv6 server gives Debian's dhcpcd one address out of a pool of
    /// /128s beside its delegated prefix; the address is routed to the
    /// session, carries a ping6, and goes back to the pool at the end.
    @Test(.enabled(if: hasDhcpcd, "needs dhcpcd-base (scripts/test.sh installs it)"))
    func dhcpcdGetsAnAddressFromTheNAPool() throws {
        let lab = try SessionLab(serverTables: IPv6LabConfig.tables + """

            na-pool = "hosts"
            [pool6.hosts]
            prefix = "2001:db8:ffff::100/120"
            length = 128
            """)
        defer { lab.remove() }
        let (nsA, nsB, a) = (lab.nsA, lab.nsB, lab.a)
        let ifA = try #require(lab.first["interface"]?.string)
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let conf = "/tmp/ppprouter-dhcpcd-na-\(tag).conf"
        defer { try? FileManager.default.removeItem(atPath: conf); PrivateDhcpcd.remove(tag: tag) }
        try "duid\nnoipv6rs\nipv6only\nia_na 1\nia_pd 2\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let capture = try IPv6Capture(nsB, interface: "ppp0")
        let got = try Self.dhcpcd(nsB, conf: conf, tag: tag)
        print("dhcpcd:\n\(got.stdout)\(got.stderr)")
        #expect(got.status == 0, "\(got.stdout)\(got.stderr)")
        let bound = a.waitForSession(seconds: 20, "an IA_NA address and a prefix") {
            $0["ipv6"]?["address"]?.string == "2001:db8:ffff::100"
                && $0["ipv6"]?["delegated"]?.array?.compactMap(\.string) == ["2001:db8:100::/56"]
        }
        #expect(bound != nil, "\(a.log.suffix(3000))")
        let addr = try nsB.exec(["ip", "-6", "addr", "show", "dev", "ppp0"]).stdout
        #expect(addr.contains("inet6 2001:db8:ffff::100/128"), "\(addr)")
        #expect(try nsA.exec(["ip", "-6", "route", "show", "2001:db8:ffff::100"]).stdout.contains("dev \(ifA)"))
        let pools = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(pools.contains("\"name\":\"hosts\",\"prefix\":\"2001:db8:ffff::100/120\",\"length\":128,\"size\":256,\"in_use\":1"), "\(pools)")
        _ = try nsA.exec(["ip", "-6", "addr", "add", "2001:db8:fffe::1/128", "dev", "lo"])
        let ping = try nsB.exec(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "-I", "2001:db8:ffff::100", "2001:db8:fffe::1"])
        #expect(ping.status == 0, "ping6 from the IA_NA address: \(ping.stdout) \(ping.stderr)")

        let kill = try a.ctl(["session", "kill", lab.id])
        #expect(kill.status == 0, "\(kill.stderr)")
        a.waitForNetwork("no session", { $0.isEmpty })
        #expect(try nsA.exec(["ip", "-6", "route", "show", "2001:db8:ffff::100"]).stdout.isEmpty)
        let poolsEnd = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(poolsEnd.contains("\"name\":\"hosts\",\"prefix\":\"2001:db8:ffff::100/120\",\"length\":128,\"size\":256,\"in_use\":0"), "\(poolsEnd)")
        if let capture {
            let info = try capture.decoded()
            #expect(info.contains { $0.contains("Reply XID") } && info.contains { $0.contains("Solicit XID") }, "\(info)")
            print("capture: \(info.count) ICMPv6/DHCPv6 packets decoded by tshark, none malformed")
        }
    }

    /// Our CPE against our BRAS: the client router's [ipv6.cb] mode =
    /// "client" takes the RA's /64 (a SLAAC address on ppp0 from its IPv6CP
    /// identifier, a default route) and a /56 by DHCPv6 IA_PD, whose first
    /// /64 goes onto a LAN interface (one end of a veth pair); a ping6 from that LAN address to
    /// an address of the BRAS crosses the session both ways. The session's
    /// end withdraws the BRAS's route and frees the prefix. Both sides run
    /// ipv6-prefix-up with the prefix, its lifetimes and the interfaces, and
    /// ipv6-prefix-down at the end.
    @Test func ourCPEGetsAnAddressAndAPrefixAndRoutesTheLAN() throws {
        // Both ncpds take RAs and DHCPv6 off the channel before their TUNs:
        // they are seen only on the PPP-over-UDP link, from its start.
        var capture: IPv6Capture?
        let lab = try SessionLab(serverTables: IPv6LabConfig.tables, clientTables: """
            [ipv6.cb]
            mode = "client"
            prefix-hint = 56
            lan-interface = "lan0"
            """, clientHooks: true, beforeRouters: { nsA, nsB in
                capture = try IPv6Capture(nsA, interface: "any", pppOverUDP: true)
                // A veth pair stands for the LAN (no dummy module here).
                _ = try nsB.exec(["ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan0p"])
                _ = try nsB.exec(["ip", "link", "set", "lan0", "up"])
                _ = try nsB.exec(["ip", "link", "set", "lan0p", "up"])
            })
        defer { lab.remove() }
        let (nsA, nsB, a, b) = (lab.nsA, lab.nsB, lab.a, lab.b)
        let ifA = try #require(lab.first["interface"]?.string)
        let cpe = b.waitForSession(seconds: 30, "a delegated prefix and an address") {
            $0["ipv6"]?["delegated"]?.array?.compactMap(\.string) == ["2001:db8:100::/56"]
                && $0["ipv6"]?["prefix"]?.string == "2001:db8:1::/64"
        }
        let s = try #require(cpe, "\(b.log.suffix(3000))")
        let idB = try #require(s["ipv6cp"]?["local_id"]?.string)
        // SLAAC: the /64 and the IPv6CP identifier (RFC 4862 §5.5.3 d).
        let slaac = try #require(s["ipv6"]?["addresses"]?.array?.compactMap(\.string).first)
        #expect(IPv6Address(slaac)?.value == IPv6Address("2001:db8:1::")!.value | (IPv6Address("::" + idB)?.value ?? 1 << 127))
        #expect(s["ipv6"]?["dns"]?.array?.compactMap(\.string).contains("2001:db8::53") == true)
        let addr = try nsB.exec(["ip", "-6", "addr", "show", "dev", "ppp0"]).stdout
        #expect(addr.contains("inet6 \(slaac)/64"), "\(addr)")
        let lan = try nsB.exec(["ip", "-6", "addr", "show", "dev", "lan0"]).stdout
        #expect(lan.contains("inet6 2001:db8:100::1/64"), "\(lan)\n\(b.log.suffix(4000))")
        let route = try nsB.exec(["ip", "-6", "route", "show", "default"]).stdout
        #expect(route.contains("dev ppp0"), "\(route)")
        let table = try b.ctl(["sessions", "--columns", "id,ipv6"]).stdout
        #expect(table.contains("2001:db8:1::/64 pd 2001:db8:100::/56"), "\(table)")
        // The BRAS side holds the same binding.
        let bras = a.waitForSession(seconds: 10, "the CPE's binding") {
            $0["ipv6"]?["delegated"]?.array?.compactMap(\.string) == ["2001:db8:100::/56"]
        }
        #expect(bras != nil)

        _ = try nsA.exec(["ip", "-6", "addr", "add", "2001:db8:ffff::1/128", "dev", "lo"])
        let ping = try nsB.exec(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "-I", "2001:db8:100::1", "2001:db8:ffff::1"])
        #expect(ping.status == 0, "ping6 from the LAN address: \(ping.stdout) \(ping.stderr)")

        // ipv6-prefix-up ran on both sides: the CPE's with the lifetimes the
        // server gave (IPv6PortSettings' defaults) and its LAN interface.
        let hooksB = try #require(lab.hooksB)
        let up = "ipv6-prefix-up ppp0 2001:db8:100::/56 IPLOCAL= IPREMOTE= IFNAME=ppp0 PREFIX=2001:db8:100:: PREFIXLEN=56"
            + " PREFERRED_LIFETIME=14400 VALID_LIFETIME=86400 LAN_IFNAME=lan0"
        #expect(eventually(seconds: 20) { hooksB.log.contains(up) }, "CPE hooks:\n\(hooksB.log)")
        let upA = "ipv6-prefix-up \(ifA) 2001:db8:100::/56 IPLOCAL= IPREMOTE= IFNAME=\(ifA) PREFIX=2001:db8:100:: PREFIXLEN=56"
            + " PREFERRED_LIFETIME=14400 VALID_LIFETIME=86400 LAN_IFNAME="
        #expect(eventually(seconds: 20) { lab.hooks.log.contains(upA) }, "BRAS hooks:\n\(lab.hooks.log)")

        let kill = try a.ctl(["session", "kill", lab.id])
        #expect(kill.status == 0, "\(kill.stderr)")
        a.waitForNetwork("no session", { $0.isEmpty })
        #expect(try nsA.exec(["ip", "-6", "route", "show", "2001:db8:100::/56"]).stdout.isEmpty)
        let poolsEnd = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(poolsEnd.contains("\"name\":\"delegated\",\"prefix\":\"2001:db8:100::/40\",\"length\":56,\"size\":65536,\"in_use\":0"), "\(poolsEnd)")
        // …and ipv6-prefix-down at the end, on both.
        #expect(eventually(seconds: 20) { lab.hooks.log.contains("ipv6-prefix-down \(ifA) 2001:db8:100::/56 ") },
                "BRAS hooks:\n\(lab.hooks.log)")
        #expect(eventually(seconds: 30) { hooksB.log.contains("ipv6-prefix-down ppp0 2001:db8:100::/56 ") && hooksB.log.contains("LAN_IFNAME=lan0") },
                "CPE hooks:\n\(hooksB.log)\n\(b.log.suffix(3000))")
        print("prefix hooks:\n\(lab.hooks.log)\(hooksB.log)")
        if let capture {
            let info = try capture.decoded()
            for kind in ["Router Advertisement", "Solicit XID", "Reply XID"] {
                #expect(info.contains { $0.contains(kind) }, "no \(kind) on the link: \(info)")
            }
            print("link capture: \(info.count) ICMPv6/DHCPv6 packets in PPP frames decoded by tshark, none malformed")
        }
    }
}

/// Polls `condition` until it holds or `seconds` pass (a bound, not a
/// timing check: a loaded machine only makes it wait longer).
private func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() && Date() < deadline { usleep(100_000) }
    return condition()
}
