// The method and event catalogues and the descriptor layout: names unique per
// daemon, argument codecs round trip and refuse what is missing or mistyped,
// events read back only when their kind and required fields are there.
import IPC
import Testing

@Test func methodNamesAreUniquePerDaemon() {
    for peer in Peer.daemons {
        let names = DaemonMethod.allCases.filter { $0.target == nil || $0.target == peer }.map(\.name)
        #expect(Set(names).count == names.count, "\(peer) serves a name twice")
        for m in DaemonMethod.allCases where m.target == nil || m.target == peer {
            #expect(DaemonMethod.named(m.name, on: peer) == m)
        }
    }
    #expect(DaemonMethod.named("unbridge", on: .bridged) == .bridgedUnbridge)
    #expect(DaemonMethod.named("unbridge", on: .linkd) == .linkdUnbridge)
    #expect(DaemonMethod.named("dial", on: .authd) == nil)
    #expect(DaemonMethod.named("status", on: .ncpd) == .status)
}

@Test func readOnlyMethodsNeedNoAdmin() {
    let open = DaemonMethod.allCases.filter { !$0.needsAdmin }.map(\.description).sorted()
    #expect(open == ["authd sessions", "bridged splices", "every daemon ping", "every daemon status", "linkd sessions",
                     "linkd tunnels", "ncpd bundles", "ncpd pools", "ncpd session-prefixes", "ncpd sessions"])
}

@Test func argumentsRoundTrip() throws {
    #expect(try SessionArguments(json: SessionArguments(id: "a:1").json) == SessionArguments(id: "a:1"))
    #expect(try BridgeArguments(json: BridgeArguments(id: "a:1", with: "b:2").json) == BridgeArguments(id: "a:1", with: "b:2"))
    #expect(try DialArguments(json: DialArguments(subscriber: "a:1", peerName: "bob").json)
            == DialArguments(subscriber: "a:1", peerName: "bob"))
    #expect(try DialArguments(json: DialArguments(subscriber: "a:1").json) == DialArguments(subscriber: "a:1"))
    let t = AuthTestArguments(user: "alice", password: "", method: "chap", server: "bras")
    #expect(try AuthTestArguments(json: t.json) == t)
    #expect(try SpliceArguments(json: SpliceArguments(session: "a:1").json) == SpliceArguments(session: "a:1"))
    #expect(try PageArguments(json: PageArguments(from: 7).json) == PageArguments(from: 7))
    #expect(try PageArguments(json: .object([:])) == PageArguments())
}

/// Each codec against a missing key, a key of the wrong type, an empty
/// string, and something that is not an object at all.
@Test(arguments: [JSON.object([:]), .object(["id": .int(1)]), .object(["id": .string("")]), .array([]), .null])
func sessionArgumentsRefused(_ json: JSON) {
    #expect(throws: MethodError.self) { try SessionArguments(json: json) }
    #expect(throws: MethodError.self) { try BridgeArguments(json: json) }
    #expect(throws: MethodError.self) { try DialArguments(json: json) }
    #expect(throws: MethodError.self) { try SpliceArguments(json: json) }
    #expect(throws: MethodError.self) { try AuthTestArguments(json: json) }
}

@Test func partialArgumentsRefused() {
    #expect(throws: MethodError.self) { try BridgeArguments(json: .object(["id": .string("a:1")])) }
    #expect(throws: MethodError.self) { try AuthTestArguments(json: .object(["user": .string("alice")])) }
    #expect(throws: MethodError.self) { try PageArguments(json: .object(["from": .int(-1)])) }
    #expect(throws: MethodError.self) { try PageArguments(json: .object(["from": .string("1")])) }
}

@Test func eventsRoundTrip() {
    for body in EventTests.samples {
        let kind = body.kind
        let component: ComponentName = kind.publisher == .linkd ? .linkd(port: "p")
            : kind.publisher == .pppinit ? ComponentName(.ncpd) : ComponentName(kind.publisher)
        let e = Event(body, component: component)
        #expect(Event(json: e.json) == e)
        #expect(e.json.keys.first == "event")
        // Every required field is required.
        for f in kind.fields where !f.hasSuffix("?") {
            var o = e.json
            o.removeValue(forKey: f)
            #expect(Event(json: o) == nil, "\(kind.rawValue) without \(f)")
        }
    }
}

let refusedEvents: [JSONObject] = [["event": "session-upp"], ["event": 1], [:],
                                   ["event": "bridge-failed", "session": "a:1", "reason": "x", "component": "pppctl"]]

@Test(arguments: refusedEvents)
func eventsRefused(_ o: JSONObject) {
    #expect(Event(json: o) == nil)
}

@Test func descriptorLayout() {
    let layouts: [[InheritedDescriptor]] = [[.initLink], [.initLink, .rendezvous], [.initLink, .rendezvous, .dae]]
    for layout in layouts {
        var env: [String: String] = [:]
        for e in InheritedDescriptor.environment(layout) {
            let kv = e.split(separator: "=", maxSplits: 1)
            env[String(kv[0])] = String(kv[1])
        }
        #expect(InheritedDescriptor.announced(in: env) == layout)
    }
    for (fds, names) in [("1", "rendezvous"), ("2", "init"), ("0", ""), ("1", "init:rendezvous"), ("x", "init"),
                         ("2", "rendezvous:init"), ("2", "init:dae"), ("3", "init:rendezvous:dea"), ("2", "init:")] {
        #expect(InheritedDescriptor.announced(in: ["PPP_FDS": fds, "PPP_FDNAMES": names]) == nil)
    }
    #expect(InheritedDescriptor.announced(in: [:]) == nil)
}
