// Every error path of TableReader, checked as the exact "file:line: reason"
// the supervisor would print, plus the happy path of a small router config.

import Config
import Testing

private func reader(_ document: String) throws -> TableReader {
    TableReader(try TOML.parse(document, file: "router.toml"), file: "router.toml")
}

/// The error `body` throws, as the supervisor would print it.
private func failure(_ document: String, _ body: (inout TableReader) throws(ConfigError) -> Void) -> String? {
    do {
        var r = try reader(document)
        try body(&r)
        return nil
    } catch let error as ConfigError {
        return error.description
    } catch {
        return "unexpected \(error)"
    }
}

private enum Role: String, CaseIterable { case client, server }

@Suite struct TableReaderTests {
    @Test func readsARouterConfig() throws {
        let doc = """
            role = "server"
            [port.eth0]
            device = "eth0"
            mru = 1400
            dns = ["192.0.2.1", "192.0.2.2"]
            lcp = { echo-interval = 30, echo-failure = 4 }
            timeout = 3
            [users.alice]
            password = "a"
            [users.bob]
            password = "b"
            [[pool]]
            range = "10.0.0.1-10.0.0.9"
            [[pool]]
            range = "10.0.1.1-10.0.1.9"
            """
        var r = try reader(doc)
        let role: Role = try r.enumeration("role")
        #expect(role == .server)
        var port = try #require(try r.table("port"))
        var eth0 = try #require(try port.table("eth0"))
        #expect(eth0.path == "port.eth0")
        #expect(eth0.line == 2)
        #expect(try eth0.string("device") == "eth0")
        #expect(try eth0.integer("mru", default: 1492, in: 128...65535) == 1400)
        #expect(try eth0.integer("mtu", default: 1492, in: 128...65535) == 1492)
        #expect(try eth0.bool("noauth", default: false) == false)
        #expect(try eth0.stringArray("dns", default: []) == ["192.0.2.1", "192.0.2.2"])
        #expect(try eth0.float("timeout") == 3.0)
        var lcp = try #require(try eth0.table("lcp"))
        let interval: UInt16 = try lcp.integer("echo-interval")
        #expect(interval == 30)
        #expect(try lcp.optionalInteger("echo-failure", in: 1...100) == 4)
        #expect(try lcp.optionalInteger("echo-adaptive", in: 1...100) == nil)
        try lcp.finish()
        try eth0.finish()
        try port.finish()
        let users = try r.namedTables("users")
        #expect(users.map(\.name) == ["alice", "bob"])
        for var user in users {
            #expect(user.reader.path == "users.\(user.name)")
            #expect(try user.reader.string("password") == String(user.name.prefix(1)))
            try user.reader.finish()
        }
        let pools = try r.tableArray("pool")
        #expect(pools.map(\.path) == ["pool[0]", "pool[1]"])
        #expect(pools.map(\.line) == [12, 14])
        #expect(try r.tableArray("absent").isEmpty)
        #expect(try r.namedTables("absent").isEmpty)
        #expect(try r.table("absent") == nil)
        try r.finish()
        #expect(r.unknownKeys().isEmpty)
    }

    @Test(arguments: [
        // Missing required keys name the table's own line.
        ("x = 1\n[port]\n", "router.toml:2: missing required key 'device' in [port]"),
        ("x = 1", "router.toml:1: missing required key 'device' in the top level"),
    ])
    func missingKey(_ document: String, _ expected: String) {
        #expect(failure(document) { r throws(ConfigError) in
            if var port = try r.table("port") {
                _ = try port.string("device")
            } else {
                _ = try r.string("device")
            }
        } == expected)
    }

    @Test func wrongTypesNameTheValueLine() {
        let doc = "\n\ns = 1\ni = 'x'\nf = true\nb = 1.5\na = 'x'\nt = [1]\nta = {}\ne = 2\nsa = ['a', 1]\nta2 = [{}, 3]"
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.string("s") } == "router.toml:3: 's' must be a string, got integer")
        #expect(failure(doc) { r throws(ConfigError) in let _: Int = try r.integer("i") } == "router.toml:4: 'i' must be an integer, got string")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.float("f") } == "router.toml:5: 'f' must be a number, got boolean")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.bool("b") } == "router.toml:6: 'b' must be a boolean, got float")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.stringArray("a") } == "router.toml:7: 'a' must be an array of strings, got string")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.table("t") } == "router.toml:8: 't' must be a table, got array")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.tableArray("ta") } == "router.toml:9: 'ta' must be an array of tables, got table")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.enumeration("e", ["x", "y"]) } == "router.toml:10: 'e' must be one of \"x\", \"y\", got integer")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.stringArray("sa") } == "router.toml:11: 'sa' must be an array of strings, got integer at index 1")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.tableArray("ta2") } == "router.toml:12: 'ta2' must be an array of tables, got integer at index 1")
        #expect(failure("u = 1") { r throws(ConfigError) in _ = try r.namedTables("u") } == "router.toml:1: 'u' must be a table, got integer")
        #expect(failure("[u]\na = 1") { r throws(ConfigError) in _ = try r.namedTables("u") } == "router.toml:2: 'a' must be a table, got integer")
    }

    @Test func rangesAndEnumerations() {
        let doc = "mru = 70000\nneg = -1\nbig = 9223372036854775807\nf = 2.5\nn = nan\nrole = 'peer'"
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.integer("mru", default: 1492, in: 128...65535) } == "router.toml:1: 'mru' must be in 128...65535, got 70000")
        #expect(failure(doc) { r throws(ConfigError) in let _: UInt16 = try r.integer("mru") } == "router.toml:1: 'mru' must be in 0...65535, got 70000")
        #expect(failure(doc) { r throws(ConfigError) in let _: UInt32 = try r.integer("neg") } == "router.toml:2: 'neg' must be in 0...4294967295, got -1")
        #expect(failure(doc) { r throws(ConfigError) in let _: Int32 = try r.integer("big") } == "router.toml:3: 'big' must be in -2147483648...2147483647, got 9223372036854775807")
        var big: Int64 = 0
        #expect(failure(doc) { r throws(ConfigError) in big = try r.integer("big") } == nil)
        #expect(big == .max)
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.float("f", in: 0...1) } == "router.toml:4: 'f' must be in 0.0...1.0, got 2.5")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.float("n") } == "router.toml:5: 'n' must be a number, got nan")
        #expect(failure(doc) { r throws(ConfigError) in _ = try r.enumeration("role", ["client", "server"], default: "client") } == "router.toml:6: 'role' must be one of \"client\", \"server\", got \"peer\"")
        #expect(failure(doc) { r throws(ConfigError) in let _: Role = try r.enumeration("role", default: .client) } == "router.toml:6: 'role' must be one of \"client\", \"server\", got \"peer\"")
        #expect(failure(doc) { r throws(ConfigError) in let _: Role = try r.enumeration("absent") } == "router.toml:1: missing required key 'absent' in the top level")
        var defaults: (String, Role, Role?) = ("", .client, .client)
        #expect(failure(doc) { r throws(ConfigError) in
            defaults = (try r.enumeration("absent", ["a"], default: "a"),
                        try r.enumeration("absent", default: Role.server),
                        try r.optionalEnumeration("absent", as: Role.self))
        } == nil)
        #expect(defaults.0 == "a" && defaults.1 == .server && defaults.2 == nil)
    }

    @Test func defaultsAndOptionalsWhenAbsent() throws {
        var r = try reader("")
        #expect(try r.string("s", default: "d") == "d")
        #expect(try r.optionalString("s") == nil)
        #expect(try r.float("f", default: 1.5) == 1.5)
        #expect(try r.optionalFloat("f") == nil)
        #expect(try r.bool("b", default: true) == true)
        #expect(try r.optionalBool("b") == nil)
        #expect(try r.stringArray("a", default: ["x"]) == ["x"])
        #expect(try r.optionalStringArray("a") == nil)
        #expect(failure("") { r throws(ConfigError) in _ = try r.bool("b") } == "router.toml:1: missing required key 'b' in the top level")
        #expect(failure("") { r throws(ConfigError) in _ = try r.float("f") } == "router.toml:1: missing required key 'f' in the top level")
        #expect(failure("") { r throws(ConfigError) in _ = try r.stringArray("a") } == "router.toml:1: missing required key 'a' in the top level")
        #expect(failure("") { r throws(ConfigError) in let _: Int = try r.integer("i") } == "router.toml:1: missing required key 'i' in the top level")
        #expect(failure("") { r throws(ConfigError) in _ = try r.enumeration("e", ["x"]) } == "router.toml:1: missing required key 'e' in the top level")
        try r.finish()
    }

    @Test func unknownKeysAreReportedInDocumentOrder() throws {
        let doc = "mru = 1\nmtu = 2\n\"odd key\" = 3\n[port.eth0]\ndevice = 'x'\nspeed = 9\n[[peer]]\nname = 'p'\nextra = 1"
        var r = try reader(doc)
        _ = try r.integer("mru", default: 1)
        #expect(r.unknownKeys().map(\.description) == [
            "router.toml:2: unknown key 'mtu' in the top level",
            "router.toml:3: unknown key \"odd key\" in the top level",
            "router.toml:4: unknown key 'port' in the top level",
            "router.toml:7: unknown key 'peer' in the top level",
        ])
        #expect(throws: ConfigError(file: "router.toml", line: 2, reason: "unknown key 'mtu' in the top level")) { try r.finish() }

        var port = try #require(try r.table("port"))
        var eth0 = try #require(try port.table("eth0"))
        _ = try eth0.string("device")
        #expect(throws: ConfigError(file: "router.toml", line: 6, reason: "unknown key 'speed' in [port.eth0]")) { try eth0.finish() }
        var peers = try r.tableArray("peer")
        _ = try peers[0].string("name")
        #expect(throws: ConfigError(file: "router.toml", line: 9, reason: "unknown key 'extra' in [peer[0]]")) { try peers[0].finish() }
        // A key read with the wrong type counts as read: its error was already reported.
        _ = try? r.string("mtu")
        _ = r.node("odd key")
        try r.finish()
    }

    @Test func subtablesOfTheCurrentTable() throws {
        var r = try reader("[\"weird.name\"]\nx = 1\n[plain]\n")
        let tables = try r.subtables()
        #expect(tables.map(\.name) == ["weird.name", "plain"])
        #expect(tables.map(\.reader.path) == ["\"weird.name\"", "plain"])
        #expect(tables.first?.reader.keys == ["x"])
        #expect(tables.first?.reader.contains("x") == true)
        try r.finish()
    }
}
