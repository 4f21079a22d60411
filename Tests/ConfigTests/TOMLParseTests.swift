// Boundary tables for the TOML parser: documents that parse, with their value
// printed back as inline TOML, and documents that must be refused, with the
// exact "line: reason". Plus the limits: Int64 bounds, nesting depth, EOF.

import Config
import Testing

/// The document as inline TOML, or "line: reason" if it is refused.
func outcome(_ document: String) -> String {
    do {
        return try TOML.parse(document, file: "t.toml").description
    } catch {
        return "\(error.line): \(error.reason)"
    }
}

@Suite struct TOMLParseTests {
    @Test(arguments: [
        ("", "{}"),
        ("\n\n# only a comment\n", "{}"),
        ("a = 1", "{a = 1}"),
        ("a = 1\r\nb = 2\r\n", "{a = 1, b = 2}"),
        ("\u{FEFF}a = 1", "{a = 1}"),
        ("a=1 # comment", "{a = 1}"),
        ("\"quoted key\" = 1\n'lit' = 2\n\"\" = 3", "{\"quoted key\" = 1, lit = 2, \"\" = 3}"),
        ("a . b . c = 1", "{a = {b = {c = 1}}}"),
        ("a.b = 1\na.c = 2", "{a = {b = 1, c = 2}}"),
        ("1234 = 'bare numeric key'", "{1234 = \"bare numeric key\"}"),
        ("s = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600\"", "{s = \"tab\\u0009here \\\"q\\\" \\\\ é 😀\"}"),
        ("s = \"\\b\\f\\r\\n\"", "{s = \"\\u0008\\u000C\\u000D\\u000A\"}"),
        ("s = 'C:\\path\\no escapes'", "{s = \"C:\\\\path\\\\no escapes\"}"),
        ("s = \"\"\"\nline1\nline2\"\"\"", "{s = \"line1\\u000Aline2\"}"),
        ("s = \"\"\"one \\\n    two\"\"\"", "{s = \"one two\"}"),
        ("s = \"\"\"a\"\"\"\"", "{s = \"a\\\"\"}"),
        ("s = \"\"\"a\"\"\"\"\"", "{s = \"a\\\"\\\"\"}"),
        ("s = '''\nraw \\n '' '''", "{s = \"raw \\\\n '' \"}"),
        ("s = '''a\r\nb'''", "{s = \"a\\u000Ab\"}"),
        ("i = [0, +7, -7, 1_000, 0xDEAD_beef, 0o755, 0b1010]", "{i = [0, 7, -7, 1000, 3735928559, 493, 10]}"),
        ("i = 9223372036854775807", "{i = 9223372036854775807}"),
        ("i = -9223372036854775808", "{i = -9223372036854775808}"),
        ("i = 0x7FFFFFFFFFFFFFFF", "{i = 9223372036854775807}"),
        ("f = [1.5, -0.25, 1e3, 1E-2, 6.02_2e2_3, +1.0, 0.0, -0e0]", "{f = [1.5, -0.25, 1000.0, 0.01, 6.022e+23, 1.0, 0.0, -0.0]}"),
        ("f = [inf, +inf, -inf, nan, -nan]", "{f = [inf, inf, -inf, nan, nan]}"),
        ("b = [true, false]", "{b = [true, false]}"),
        ("a = [\n  1, # one\n  'two',\n  [3.0],\n]", "{a = [1, \"two\", [3.0]]}"),
        ("a = []\nb = [ ]\nc = [[], [[]]]", "{a = [], b = [], c = [[], [[]]]}"),
        ("t = {}\nu = { a = 1, b.c = 'x' }", "{t = {}, u = {a = 1, b = {c = \"x\"}}}"),
        ("[a]\nx = 1\n[b]\ny = 2", "{a = {x = 1}, b = {y = 2}}"),
        ("[a.b]\nx = 1\n[a]\ny = 2", "{a = {b = {x = 1}, y = 2}}"),
        ("[ a . \"b c\" ]", "{a = {\"b c\" = {}}}"),
        ("a.b = 1\n[a.c]\nd = 2", "{a = {b = 1, c = {d = 2}}}"),
        ("[[p]]\nn = 1\n[[p]]\nn = 2", "{p = [{n = 1}, {n = 2}]}"),
        ("[[p]]\nn = 1\n[p.q]\nm = 2\n[[p.r]]\n[[p]]", "{p = [{n = 1, q = {m = 2}, r = [{}]}, {}]}"),
        ("[x.y.z]\n[x]\ny.w = 1", "{x = {y = {z = {}, w = 1}}}"),
        ("k = \"\"", "{k = \"\"}"),
    ])
    func accepts(_ document: String, _ expected: String) {
        #expect(outcome(document) == expected)
    }

    @Test(arguments: [
        ("=", "1: expected a key, found '='"),
        ("a", "1: expected '=' after key 'a', found end of file"),
        ("a =", "1: expected a value, found end of file"),
        ("a = 1 2", "1: expected end of line, found '2'"),
        ("a = 1\nb = 2\na = 3", "3: duplicate key 'a' (first defined on line 1)"),
        ("a = 1\na.b = 2", "2: 'a' is already an integer (line 1), not a table"),
        ("a = {b = 1}\na.c = 2", "2: 'a' is already an inline table (line 1), not a table"),
        ("a = {b = 1}\n[a]", "2: [a] is already defined as an inline table on line 1"),
        ("a = {b = 1}\n[a.c]", "2: 'a' is already an inline table (line 1), not a table"),
        ("[a]\n[a]", "2: table [a] is defined twice (first on line 1)"),
        ("[a.b]\n[a]\n[a]", "3: table [a] is defined twice (first on line 2)"),
        ("a.b = 1\n[a]", "2: table [a] was already defined by dotted keys on line 1"),
        ("[a.b]\nc = 1\n[a]\nb.d = 2", "4: cannot add keys to table 'b' defined on line 1 with dotted keys"),
        ("[[a]]\n[a]", "2: [a] is already an array of tables (line 1)"),
        ("a = [1]\n[[a]]", "2: cannot append to [[a]]: it is not an array of tables (defined on line 1)"),
        ("[a]\n[[a]]", "2: cannot append to [[a]]: it is not an array of tables (defined on line 1)"),
        ("[a", "1: expected ']' after [a, found end of file"),
        ("[[a]", "1: expected ']]' after [a, found ']'"),
        ("[[a] ]", "1: expected ']]' after [a, found ']'"),
        ("[]", "1: expected a key, found ']'"),
        ("a = \"abc", "1: unterminated string"),
        ("a = \"abc\nb = 1", "1: unterminated string (a basic string ends on its line)"),
        ("a = 'abc", "1: unterminated string"),
        ("\n\na = \"\"\"abc\n\n", "3: unterminated multi-line string"),
        ("a = '''abc''''''", "1: too many quotes at the end of a multi-line string"),
        ("a = \"\\q\"", "1: invalid escape '\\q'"),
        ("a = \"\\", "1: unterminated string"),
        ("a = \"\\u12\"", "1: \\u needs 4 hexadecimal digits"),
        ("a = \"\\uD800\"", "1: escape \\uD800 is not a Unicode scalar value"),
        ("a = \"\\U00110000\"", "1: escape \\U110000 is not a Unicode scalar value"),
        ("a = \"\"\"x\\ y\"\"\"", "1: backslash followed by byte 0x20 in string"),
        ("a = \"x\u{01}\"", "1: control character U+0001 in string"),
        ("a = 'x\u{7F}'", "1: control character U+007F in string"),
        ("# x\u{00}", "1: control character U+0000 in comment"),
        ("a = 1\rb = 2", "1: carriage return not followed by line feed"),
        ("a = 1 \r", "1: carriage return not followed by line feed"),
        ("a = 9223372036854775808", "1: integer '9223372036854775808' does not fit in 64 bits"),
        ("a = -9223372036854775809", "1: integer '-9223372036854775809' does not fit in 64 bits"),
        ("a = 0x8000000000000000", "1: integer '0x8000000000000000' does not fit in 64 bits"),
        ("a = 1e400", "1: float '1e400' is out of range"),
        ("a = 01", "1: leading zeros are not allowed in '01'"),
        ("a = -01.5", "1: leading zeros are not allowed in '-01.5'"),
        ("a = 1__0", "1: invalid value '1__0'"),
        ("a = _1", "1: invalid value '_1'"),
        ("a = 1_", "1: invalid value '1_'"),
        ("a = 1.", "1: invalid value '1.'"),
        ("a = .5", "1: invalid value '.5'"),
        ("a = 1e", "1: invalid value '1e'"),
        ("a = 1.5.2", "1: invalid value '1.5.2'"),
        ("a = +0x10", "1: a sign is not allowed on '+0x10'"),
        ("a = 0b102", "1: invalid value '0b102'"),
        ("a = 0x_1", "1: invalid value '0x_1'"),
        ("a = TRUE", "1: invalid value 'TRUE'"),
        ("a = truex", "1: invalid value 'truex'"),
        ("a = 1979-05-27", "1: dates and times are not supported"),
        ("a = 07:32:00", "1: dates and times are not supported"),
        ("a = [1 2]", "1: expected ',' or ']' in array, found '2'"),
        ("a = [1,,2]", "1: expected a value, found ','"),
        ("a = [\n1,\n", "3: unterminated array (opened on line 1)"),
        ("a = {b = 1,}", "1: trailing comma is not allowed in an inline table"),
        ("a = {b = 1\n}", "1: newline in an inline table (opened on line 1)"),
        ("a = {b = 1", "1: unterminated inline table (opened on line 1)"),
        ("a = {b = 1, b = 2}", "1: duplicate key 'b' (first defined on line 1)"),
        ("a = {b.c = 1, b = 2}", "1: duplicate key 'b' (first defined on line 1)"),
        ("\"a\nb\" = 1", "1: unterminated string (a basic string ends on its line)"),
        ("a.\"\"\"b\"\"\" = 1", "1: expected '=' after key 'a.\"\"', found '\"'"),
        ("a. = 1", "1: expected a key, found '='"),
    ])
    func rejects(_ document: String, _ expected: String) {
        #expect(outcome(document) == expected)
    }

    @Test func invalidUTF8IsReportedWithItsLine() {
        let bytes = Array("a = 1\nb = '".utf8) + [0xC3, 0x28] + Array("'\n".utf8)
        #expect(throws: ConfigError(file: "x.toml", line: 2, reason: "invalid UTF-8")) {
            try TOML.parse(bytes: bytes, file: "x.toml")
        }
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF]] {
            #expect(throws: ConfigError.self) { try TOML.parse(bytes: Array("#".utf8) + bad, file: "x") }
        }
        #expect(outcome("# héllo wörld 😀\na = 'ü'") == "{a = \"ü\"}")
    }

    @Test func errorDescriptionIsFileLineReason() {
        #expect(throws: ConfigError.self) { try TOML.parse("a = 1\nb = ?", file: "router.toml") }
        do {
            _ = try TOML.parse("a = 1\nb = ?", file: "router.toml")
        } catch {
            #expect(error.description == "router.toml:2: expected a value, found '?'")
        }
    }

    @Test func linesOfKeysValuesAndTables() throws {
        let doc = """
            # header comment
            name = "r1"

            [port.eth0]
            mru = 1492
            dns = [
              "192.0.2.1",
              "192.0.2.2",
            ]
            lcp.echo = { interval = 30 }
            [[user]]
            name = '''
            alice'''
            """
        let root = try TOML.parse(doc, file: "t")
        #expect(root.entry("name")?.line == 2)
        #expect(root["name"]?.line == 2)
        let port = try #require(root["port"]?.value.table)
        #expect(port.line == 4)  // implicitly made by [port.eth0]
        let eth0 = try #require(port["eth0"]?.value.table)
        #expect(eth0.line == 4)
        #expect(eth0.entry("mru")?.line == 5)
        let dns = try #require(eth0["dns"])
        #expect(dns.line == 6)
        #expect(dns.value.array?.map(\.line) == [7, 8])
        let lcp = try #require(eth0["lcp"]?.value.table)
        #expect(lcp.line == 10)
        #expect(lcp["echo"]?.value.table?.line == 10)
        let users = try #require(root["user"])
        #expect(users.line == 11)
        let alice = try #require(users.value.array?.first?.value.table)
        #expect(alice.entry("name")?.line == 12)
        #expect(alice["name"]?.value.string == "alice")
        #expect(root.keys == ["name", "port", "user"])
    }

    @Test func implicitTableTakesTheLineOfItsOwnHeader() throws {
        let root = try TOML.parse("[a.b]\n\n[a]\nx = 1", file: "t")
        #expect(root["a"]?.value.table?.line == 3)
    }

    @Test func nestingIsCappedAtMaxDepth() {
        let ok = "a = " + String(repeating: "[", count: TOML.maxDepth) + String(repeating: "]", count: TOML.maxDepth)
        #expect(outcome(ok).hasPrefix("{a = [[[["))
        let deep = "a = " + String(repeating: "[", count: TOML.maxDepth + 1) + String(repeating: "]", count: TOML.maxDepth + 1)
        #expect(outcome(deep) == "1: nesting deeper than 64 levels")
        // Far deeper than any stack would survive if the cap were missing.
        #expect(outcome("a = " + String(repeating: "[", count: 200_000)) == "1: nesting deeper than 64 levels")
        #expect(outcome("a = " + String(repeating: "{b = ", count: 200_000)) == "1: nesting deeper than 64 levels")
        // Dotted keys and headers count toward the same depth.
        let key63 = Array(repeating: "k", count: 63).joined(separator: ".")
        #expect(outcome("\(key63) = 1").hasPrefix("{k = {k = "))
        #expect(outcome("\(key63) = [1]").hasPrefix("{k = {k = "))
        #expect(outcome("\(key63) = [[1]]").hasPrefix("{k = {k = "))
        #expect(outcome("\(key63) = [[[1]]]") == "1: nesting deeper than 64 levels")
        #expect(outcome("[\(key63)]\nx.y = 1") == "2: nesting deeper than 64 levels")
        let key65 = Array(repeating: "k", count: 65).joined(separator: ".")
        #expect(outcome("[\(key65)]") == "1: key has more than 64 parts")
    }

    @Test func manyKeysAndTablesStayLinear() throws {
        var doc = ""
        for i in 0..<20_000 { doc += "k\(i) = \(i)\n" }
        for _ in 0..<20_000 { doc += "[[t]]\n" }
        doc += "[u]\n"
        let root = try TOML.parse(doc, file: "t")
        #expect(root.count == 20_002)
        #expect(root["t"]?.value.array?.count == 20_000)
    }
}
