// Component names and fd-store keys: each value prints as the text the daemons
// exchanged before they were types, parses back to itself, and a table of
// near misses parses to nil.
import IPC
import Testing

@Test func componentNamesRoundTrip() {
    let names = [ComponentName(.authd), ComponentName(.ncpd), ComponentName(.bridged),
                 ComponentName.linkd(port: "udp0"), ComponentName.linkd(port: "a@b")]
    #expect(names.map(\.description) == ["authd", "ncpd", "bridged", "linkd@udp0", "linkd@a@b"])
    for n in names { #expect(ComponentName(n.description) == n) }
    #expect(ComponentName.linkd(port: "udp0").port == "udp0")
    #expect(ComponentName(.authd).port == nil)
}

@Test(arguments: ["", "linkd", "linkd@", "authd@x", "pppinit", "pppctl", "Linkd@a", "@a", " authd", "authd "])
func componentNameRefused(_ text: String) {
    #expect(ComponentName(text) == nil)
}

@Test func storeKeysRoundTrip() {
    let keys: [StoreKey] = [.port, .session("udp0:1"), .splice("acc:2", "up0:1"), .pppoeSession, .tunnel(4668)]
    #expect(keys.map(\.description) == ["port", "session:udp0:1", "splice:acc:2|up0:1", "pppoe-session", "tunnel:4668"])
    for k in keys { #expect(StoreKey(k.description) == k) }
    #expect(StoreKey.session("x").session == "x")
    #expect(StoreKey.port.session == nil)
    #expect(StoreKey.splice("a", "b").isSplice && !StoreKey.port.isSplice)
}

@Test(arguments: ["", "session:", "session", "splice:", "splice:a", "splice:a|", "splice:|b", "splice:a|b|c",
                  "ports", "Port", "pppoe-session ", "tunnel:", "tunnel:0", "tunnel:65536", "tunnel:x"])
func storeKeyRefused(_ text: String) {
    #expect(StoreKey(text) == nil)
}
