// pap-secrets / chap-secrets parsing and lookup, pppd's rules.
import Testing
@testable import authd

@Test(arguments: [
    ("", []),
    ("# only a comment\n\n   \n", []),
    ("alice * secret", [SecretEntry(client: "alice", server: "*", secret: "secret", addresses: [], line: 1)]),
    ("\"bob smith\" srv 'p w' 10.0.0.2 10.0.0.3 # trailing comment",
     [SecretEntry(client: "bob smith", server: "srv", secret: "p w", addresses: ["10.0.0.2", "10.0.0.3"], line: 1)]),
    ("a b c\\ d -", [SecretEntry(client: "a", server: "b", secret: "c d", addresses: ["-"], line: 1)]),
    ("a b \"x\\\"y\"\r\n", [SecretEntry(client: "a", server: "b", secret: "x\"y", addresses: [], line: 1)]),
    ("a b ''", [SecretEntry(client: "a", server: "b", secret: "", addresses: [], line: 1)]),
    ("\n\nc s p", [SecretEntry(client: "c", server: "s", secret: "p", addresses: [], line: 3)]),
    ("a b#c d", [SecretEntry(client: "a", server: "b#c", secret: "d", addresses: [], line: 1)]),
    ("a b c #d e", [SecretEntry(client: "a", server: "b", secret: "c", addresses: [], line: 1)]),
] as [(String, [SecretEntry])])
func secretsParse(_ text: String, _ expected: [SecretEntry]) {
    #expect((try? SecretsFile.parse(text))?.entries == expected)
}

@Test(arguments: [
    ("alice", 1), ("alice server", 1), ("x y \"unterminated", 1), ("\n\na b c\\", 3), ("a b @/etc/pw", 1),
])
func secretsRefuse(_ text: String, _ line: Int) {
    do {
        _ = try SecretsFile.parse(text)
        Issue.record("accepted \(text)")
    } catch {
        #expect(error.line == line)
    }
}

@Test func lookupPrefersExactMatches() throws {
    let f = try SecretsFile.parse("""
        *     *    any
        alice *    wild-server
        alice bras exact
        *     bras wild-client
        """)
    #expect(f.lookup(client: "alice", server: "bras")?.secret == "exact")
    #expect(f.lookup(client: "alice", server: "other")?.secret == "wild-server")
    #expect(f.lookup(client: "bob", server: "bras")?.secret == "wild-client")
    #expect(f.lookup(client: "bob", server: "other")?.secret == "any")
    #expect(try SecretsFile.parse("alice bras x").lookup(client: "bob", server: "bras") == nil)
}
