// Integration (issue 18 point 4 on issue 17's bundles): Router Advertisements
// and DHCPv6 run on a multilink bundle once, on the bundle's unit, not per
// link. Two routers joined by two UDP ports in one bundle (MultilinkTests'
// shape) with `ipv6 = true`; the server's [ipv6.ma]/[ipv6.mb] advertise a /64
// and delegate a /56; the client's run the CPE role. One session of each
// side holds the prefixes (the bundle's), each pool lends exactly one, and a
// ping6 from the client's SLAAC address crosses the bundle. Issue 17 point 6
// rides along: after the replies the quiet links carry null fragments.
import Foundation
import IPC
import Testing

extension MultilinkTests {
    @Test func raAndDHCPv6RunOncePerBundle() throws {
        let nsA = try Netns("m6a"), nsB = try Netns("m6b")
        defer { nsA.delete(); nsB.delete() }
        _ = try VethLink(nsA, nsB, addressA: "10.97.3.1", addressB: "10.97.3.2")
        let base = UInt16.random(in: 20_000...40_000)
        let server = """
            [pool.clients]
            range = "10.99.0.10-10.99.0.20"
            local = "10.99.0.1"
            \(IPv6LabConfig.pools)
            [ipv6.ma]
            ra-pool = "subscribers"
            pd-pool = "delegated"
            [ipv6.mb]
            ra-pool = "subscribers"
            pd-pool = "delegated"

            """
        let client = """
            [ipv6.ma]
            mode = "client"
            prefix-hint = 56
            [ipv6.mb]
            mode = "client"
            prefix-hint = 56

            """
        let ca = try TempConfig(MultilinkConfig.router(
            local: "10.97.3.1", remote: "10.97.3.2", ports: (base, base + 1), endpoint: "IP:10.97.3.1",
            role: "address = \"10.99.0.1:\"\nip-pool = \"clients\"\nipv6 = true", tail: server))
        let cb = try TempConfig(MultilinkConfig.router(
            local: "10.97.3.2", remote: "10.97.3.1", ports: (base, base + 1), endpoint: "IP:10.97.3.2",
            role: "noipdefault = true\nipv6 = true", tail: client))
        defer { ca.remove(); cb.remove() }
        let a = try RouterUnderTest(config: ca.path, netns: nsA.name)
        let b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        defer { a.stop(); b.stop() }

        let bundleA = try #require(a.waitForBundle("two links") { linkCount($0) == 2 && $0["interface"]?.string != nil })
        b.waitForBundle("two links") { linkCount($0) == 2 }
        let bound = { (s: JSON) -> Bool in
            s["ipv6"]?["prefix"]?.string == "2001:db8:1::/64"
                && s["ipv6"]?["delegated"]?.array?.compactMap(\.string) == ["2001:db8:100::/56"]
        }
        let sa = try #require(a.waitForSession(seconds: 60, "the bundle's prefixes", bound), "\(a.log.suffix(4000))")
        let sb = try #require(b.waitForSession(seconds: 30, "the CPE's prefixes", bound), "\(b.log.suffix(4000))")
        // Once per bundle: one session each side runs IPv6 services, on the bundle's unit.
        #expect(a.sessions().filter { $0["ipv6"]?["prefix"]?.string != nil }.count == 1, "\(a.sessions())")
        #expect(b.sessions().filter { $0["ipv6"]?["delegated"] != nil }.count == 1, "\(b.sessions())")
        let unit = try #require(bundleA["interface"]?.string)
        #expect(sa["interface"]?.string == unit, "\(sa)")
        let pools = try a.ctl(["--json", "call", "ncpd", "pools"]).stdout
        #expect(pools.contains("\"name\":\"subscribers\",\"prefix\":\"2001:db8:1::/48\",\"length\":64,\"size\":65536,\"in_use\":1"), "\(pools)")
        #expect(pools.contains("\"name\":\"delegated\",\"prefix\":\"2001:db8:100::/40\",\"length\":56,\"size\":65536,\"in_use\":1"), "\(pools)")
        let routes = try nsA.exec(["ip", "-6", "route", "show", "dev", unit]).stdout
        #expect(routes.contains("2001:db8:1::/64") && routes.contains("2001:db8:100::/56"), "\(routes)")
        // The client's SLAAC address on its bundle unit reaches the server's side.
        let slaac = try #require(sb["ipv6"]?["addresses"]?.array?.compactMap(\.string).first, "\(sb)")
        _ = try nsA.exec(["ip", "-6", "addr", "add", "2001:db8:ffff::1/128", "dev", "lo"])
        let ping = try nsB.exec(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "3", "-s", "1400", "-I", slaac, "2001:db8:ffff::1"])
        #expect(ping.status == 0, "ping6 over the bundle: \(ping.stdout) \(ping.stderr)")
        // What the client counted lost before the quiet spell. Once, in a
        // CI dry run on a loaded machine, it counted one fragment lost, and
        // that run did not say when. The null fragments below are checked
        // against this figure, so a loss while the bundle forms does not
        // read as theirs (one possible cause, not shown: a fragment over a
        // link the client has not joined yet is discarded, and its number
        // is then counted lost).
        let before = b.bundles().first?["counters"]?["lost"]?.int
        // RFC 1990 §4.1 null fragments: once the replies are sent and the
        // links go quiet, the server sends one on each link, and the client
        // counts them (consumed, nothing delivered, nothing lost).
        let quiet = b.waitForBundle(seconds: 20, "null fragments received") { ($0["counters"]?["null_fragments"]?.int ?? 0) >= 2 }
        let sentNull = a.bundles().first?["counters"]?["null_fragments_out"]?.int ?? 0
        #expect(quiet != nil && sentNull >= 2, "A: \(a.bundles()) B: \(b.bundles())")
        #expect(before != nil && quiet?["counters"]?["lost"]?.int == before, "before: \(String(describing: before)) after: \(String(describing: quiet)) A: \(a.bundles())")
        print("bundle \(bundleA["name"]?.string ?? "?") on \(unit): /64 and /56 bound once; ping6 from \(slaac) ok")
    }
}
