// LinkdSettings (a port plus its bridging role and rules): round trip, a
// boundary table of truncations and trailing bytes, refusals of unknown
// versions, roles and too many rules; BridgeRule matching by name and realm.
import IPC
import Testing

func sampleLinkdSettings() -> LinkdSettings {
    var s = LinkdSettings(port: PortSettings(name: "acc", kind: .udp))
    s.role = .none
    var a = BridgeRule(upstream: "up0"); a.realm = "far.example"
    var b = BridgeRule(upstream: "up1"); b.peerName = "bob"; b.port = "acc"
    s.rules = [a, b]
    return s
}

@Test func linkdSettingsRoundTrip() throws {
    let s = sampleLinkdSettings()
    #expect(try LinkdSettings.decode(s.encoded()) == s)
    var u = LinkdSettings(port: PortSettings(name: "up0", kind: .tcp)); u.role = .upstream
    #expect(try LinkdSettings.decode(u.encoded()) == u)
}

/// Length 0, 1, every truncation up to the full length, and one byte more.
@Test func linkdSettingsBoundaryTable() {
    let bytes = sampleLinkdSettings().encoded()
    for n in 0..<bytes.count {
        #expect(throws: IPCError.self, "length \(n) of \(bytes.count)") { try LinkdSettings.decode(Array(bytes[0..<n])) }
    }
    #expect(throws: IPCError.self) { try LinkdSettings.decode(bytes + [0]) }
}

@Test func linkdSettingsRefuseVersionRoleAndRuleCount() throws {
    var bytes = sampleLinkdSettings().encoded()
    bytes[0] = 4
    #expect(throws: IPCError.self) { try LinkdSettings.decode(bytes) }
    // Version 1 (no tunnel upstream) and 2 (no offload flag, issue 21)
    // still read, as offload off; version 3 carries both.
    var expected = sampleLinkdSettings()
    expected.offload = false
    var v2 = Array(sampleLinkdSettings().encoded().dropLast(1))
    v2[0] = 2
    #expect((try? LinkdSettings.decode(v2)) == expected)
    var v1 = Array(v2.dropLast(2))
    v1[0] = 1
    #expect((try? LinkdSettings.decode(v1)) == expected)
    var t = sampleLinkdSettings()
    t.tunnelUpstream = "up"
    t.offload = false
    #expect((try? LinkdSettings.decode(t.encoded())) == t)
    // Role byte sits after the version and the port blob.
    let port = PortSettings(name: "acc", kind: .udp).encoded()
    bytes = sampleLinkdSettings().encoded()
    bytes[1 + 4 + port.count] = 3
    #expect(throws: IPCError.self) { try LinkdSettings.decode(bytes) }
    var w = ByteWriter()
    w.u8(1); w.blob(port); w.u8(0); w.u16(UInt16(LinkdSettings.maxRules + 1))
    #expect(throws: IPCError.self) { try LinkdSettings.decode(w.bytes) }
    // A declared blob longer than the data.
    var v = ByteWriter()
    v.u8(1); v.u32(UInt32(port.count + 10)); v.raw(port)
    #expect(throws: IPCError.self) { try LinkdSettings.decode(v.bytes) }
}

@Test(arguments: [
    // (peer-name, realm, port, session's port, authenticated name, matches)
    ("", "far.example", "", "acc", "alice@far.example", true),
    ("", "far.example", "", "acc", "alice@FAR.Example", true),
    ("", "far.example", "", "acc", "alice@near.example", false),
    ("", "far.example", "", "acc", "far.example", false),
    ("", "far.example", "", "acc", nil, false),
    ("", "example", "", "acc", "alice@far.example", false),
    ("", "b.example", "", "acc", "a@x@b.example", true),
    ("bob", "", "", "acc", "bob", true),
    ("bob", "", "", "acc", "Bob", false),
    ("bob", "", "acc", "tcp", "bob", false),
    ("", "", "acc", "acc", nil, true),
    ("bob@far.example", "far.example", "acc", "acc", "bob@far.example", true),
] as [(String, String, String, String, String?, Bool)])
func bridgeRuleMatching(_ peerName: String, _ realm: String, _ port: String, _ on: String, _ name: String?, _ expected: Bool) {
    var r = BridgeRule(upstream: "up0")
    r.peerName = peerName; r.realm = realm; r.port = port
    #expect(r.matches(port: on, peerName: name) == expected)
}
