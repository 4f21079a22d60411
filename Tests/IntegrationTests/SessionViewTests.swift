// Issue 19: `pppctl sessions` for people (the default table fits 120
// columns, --columns chooses, --port/--user/--state filter, --sort orders)
// and `session show` merging what linkd, ncpd and authd know of a session.
import Foundation
import IPC
import Testing

@Suite(.serialized, .enabled(if: isRoot, "needs root: daemons drop to their own uids"))
struct SessionViewTests {
    @Test func tableColumnsFiltersAndMergedShow() throws {
        let users = "[users.bob]\npassword = \"b0b pw\""
        let ports = freeUDPPortPair()
        let (a, b, configs) = try udpRouterPair(ports: ports, extraA: "require-pap = true\n" + users, extraB: "user = \"bob\"\n" + users)
        defer { a.stop(); b.stop(); configs.forEach { $0.remove() } }
        let s = try #require(a.waitForSession("IPv6CP opened") { isOpened($0) && $0["ipv6cp"]?["state"]?.string == "opened" })
        let id = try #require(s["id"]?.string)

        // The default table: the documented columns, no line over 120.
        let table = try a.ctl(["sessions"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                == "ID PORT TYPE USER STATE ADDRESS UPTIME OCTETS IN/OUT", "\(table.stdout)")
        #expect(lines.count == 2 && lines.allSatisfy { $0.count <= 120 }, "\(table.stdout)")
        #expect(lines.last?.contains(id) == true && lines.last?.contains("bob") == true && lines.last?.contains("udp") == true,
                "\(table.stdout)")

        // Chosen columns, in the order given.
        let chosen = try a.ctl(["sessions", "--columns", "peer,iface,ipv6cp,lcp"])
        let chosenLines = chosen.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(chosenLines.first == ["PEER", "IFACE", "IPV6CP", "LCP"], "\(chosen.stdout)")
        #expect(chosenLines.last == ["127.0.0.1:\(ports.1)", "t-ua", "opened", "opened"], "\(chosen.stdout)")
        #expect(try a.ctl(["sessions", "--columns", "id,nosuch"]).status == 2)
        #expect(try a.ctl(["sessions", "--sort", "nosuch"]).status == 2)

        // Filters: each selector given must match.
        func ids(_ args: [String]) throws -> [String] {
            let r = try a.ctl(["--json", "sessions"] + args)
            return (try JSON.parse(r.stdout)["data"]?.array ?? []).compactMap { $0["id"]?.string }
        }
        #expect(try ids(["--port", "ua"]) == [id])
        #expect(try ids(["--port", "ub"]).isEmpty)
        #expect(try ids(["--state", "network"]) == [id])
        #expect(try ids(["--state", "opened"]) == [id])
        #expect(try ids(["--state", "dead"]).isEmpty)
        #expect(try ids(["--user", "bob", "--port", "ua"]) == [id])
        #expect(try ids(["--user", "alice"]).isEmpty)

        // session show: linkd's object with ncpd's network side (no longer
        // null) and authd's view of the authentication.
        let show = try a.ctl(["--json", "session", "show", id])
        #expect(show.status == 0, "\(show.stderr)")
        let v = try JSON.parse(show.stdout)["data"] ?? .null
        #expect(v["id"]?.string == id && v["lcp"]?.string == "opened")
        #expect(v["interface"]?.string == "t-ua" && v["ipv6cp"]?["state"]?.string == "opened", "\(show.stdout)")
        #expect(v["authd"]?["peer_name"]?.string == "bob" && v["authd"]?["state"]?.string == "succeeded", "\(show.stdout)")
        #expect(v["authd"]?["authenticate_peer"]?.string != nil, "\(show.stdout)")
        print("sessions: \(lines.map { String($0) }.joined(separator: " | "))")
    }
}
