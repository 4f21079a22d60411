// Events as types (EventBody): each case writes the text its publisher has
// always written, with exactly its kind's catalogue fields, reads back to
// the same value, and a field missing or of another type is refused.
import IPC
import Testing

@Suite struct EventTests {
    /// One of each kind, with every optional field present, then absent.
    static let samples: [EventBody] = [
        .lifecycle(.started, pid: 42, restarts: 0, reason: nil),
        .lifecycle(.restarted, pid: 43, restarts: 1, reason: "exit 1"),
        .lifecycle(.unresponsive, pid: 43, restarts: 1, reason: "unresponsive for 30 s"),
        .lifecycle(.exited, pid: 43, restarts: 2, reason: "signal 9"),
        .lifecycle(.failed, pid: nil, restarts: 5, reason: "exit 100"),
        .lifecycle(.stopped, pid: nil, restarts: 0, reason: nil),
        .sessionUp(session: "acc:1", port: "acc", peerName: "alice"),
        .sessionUp(session: "acc:1", port: "acc", peerName: nil),
        .sessionAuth(session: "acc:1", port: "acc", success: true, peerName: "alice", method: "chap", reason: ""),
        .sessionAuth(session: "acc:1", port: "acc", success: false, peerName: "", method: nil, reason: "no secret"),
        .sessionDown(session: "acc:1", port: "acc", reason: "peer terminated"),
        .sessionBridge(session: "acc:1", port: "acc", state: "handed", partner: "up0:1", reason: nil),
        .sessionBridge(session: "acc:1", port: "acc", state: "failed", partner: nil, reason: "upstream up0: gone"),
        .auth(success: true, session: "acc:1", method: "pap", peerName: "alice", reason: "", framedAddress: "10.0.0.9"),
        .auth(success: false, session: "acc:1", method: nil, peerName: "bob", reason: "refused", framedAddress: nil),
        .bridgeUp(a: "acc:1", b: "up0:1", resumed: false),
        .bridgeDown(a: "acc:1", b: "up0:1", reason: "a closed"),
        .bridgeFailed(session: "acc:1", reason: "partner up0:1 did not arrive"),
        .bundleUp(bundle: "bundle:alice:IP:192.0.2.9", session: "ma:1"),
        .linkJoined(bundle: "bundle:alice:IP:192.0.2.9", session: "mb:1", links: 2),
        .linkLeft(bundle: "bundle:alice:IP:192.0.2.9", session: "ma:1", links: 1, reason: "channel closed by linkd"),
        .bundleDown(bundle: "bundle:alice:IP:192.0.2.9", session: "ma:1", reason: "its last link left"),
        .prefixDelegated(session: "sa:1", prefix: "2001:db8:100::/56"),
        .prefixReleased(session: "sa:1", prefix: "2001:db8:100::/56"),
        .tunnelUp(port: "lac", tunnel: 4660, peer: "10.0.0.1:1701", peerTunnel: 17, hostName: "lns1"),
        .tunnelDown(port: "lac", tunnel: 4660, peer: "10.0.0.1:1701", result: 2, error: 3, message: "bad AVP", byPeer: true),
        .callUp(port: "lns", tunnel: 17, call: 5, peerCall: 9, session: "lns:3"),
        .callDown(port: "lns", tunnel: 17, call: 5, session: "lns:3", result: 3, error: 0, byPeer: false),
        .callDown(port: "lac", tunnel: 4660, call: 9, session: nil, result: 2, error: 6, byPeer: true),
    ]

    @Test func everyKindHasASample() {
        #expect(Set(Self.samples.map(\.kind)) == Set(EventKind.allCases))
    }

    /// The fields a case writes are its kind's catalogue fields, no more,
    /// and every one without "?" is there.
    @Test(arguments: samples)
    func fieldsAreTheCatalogues(_ body: EventBody) {
        let catalogue = body.kind.fields.map { $0.hasSuffix("?") ? String($0.dropLast()) : $0 }
        for k in body.fields.keys { #expect(catalogue.contains(k), "\(body.kind.rawValue) writes \(k)") }
        for f in body.kind.fields where !f.hasSuffix("?") { #expect(body.fields[f] != nil, "\(body.kind.rawValue) lacks \(f)") }
        #expect(EventBody(body.kind, body.fields) == body)
    }

    /// The text publishers wrote before the types, byte for byte.
    @Test func wireTextIsUnchanged() {
        let cases: [(Event, String)] = [
            (Event(.lifecycle(.restarted, pid: 7, restarts: 1, reason: "exit 1"), component: ComponentName(.authd)),
             #"{"event":"restarted","component":"authd","pid":7,"restarts":1,"reason":"exit 1"}"#),
            (Event(.sessionUp(session: "acc:1", port: "acc", peerName: nil), component: .linkd(port: "acc")),
             #"{"event":"session-up","component":"linkd@acc","session":"acc:1","port":"acc","peer_name":null}"#),
            (Event(.sessionAuth(session: "acc:1", port: "acc", success: true, peerName: "alice", method: "pap", reason: "")),
             #"{"event":"session-auth","session":"acc:1","port":"acc","success":true,"peer_name":"alice","method":"pap","reason":""}"#),
            (Event(.sessionBridge(session: "acc:1", port: "acc", state: "dialing", partner: nil, reason: nil)),
             #"{"event":"session-bridge","session":"acc:1","port":"acc","state":"dialing","partner":null}"#),
            (Event(.auth(success: false, session: "acc:1", method: nil, peerName: "bob", reason: "no", framedAddress: nil)),
             #"{"event":"auth-failed","session":"acc:1","method":null,"peer_name":"bob","reason":"no"}"#),
            (Event(.bridgeUp(a: "acc:1", b: "up0:1", resumed: true)),
             #"{"event":"bridge-up","a":"acc:1","b":"up0:1","resumed":true}"#),
        ]
        for (e, text) in cases {
            #expect(JSON.object(e.json).encoded() == text)
            #expect((try? JSON.parse(text)).flatMap { $0.object }.flatMap { Event(json: $0) } == e)
        }
    }

    /// Boundary rows: each is refused.
    static let refused: [String] = [
        #"{"event":"started","restarts":0}"#,                                    // started without pid
        #"{"event":"started","pid":0,"restarts":0}"#,                            // pid 0
        #"{"event":"started","pid":4294967296,"restarts":0}"#,                   // pid beyond Int32
        #"{"event":"exited","restarts":-1}"#,                                    // negative restarts
        #"{"event":"exited","restarts":"1"}"#,                                   // restarts as text
        #"{"event":"exited","restarts":1,"reason":null}"#,                       // optional reason null
        #"{"event":"session-up","session":"a:1","port":"a"}"#,                   // peer_name absent
        #"{"event":"session-up","session":"a:1","port":"a","peer_name":1}"#,     // peer_name a number
        #"{"event":"session-auth","session":"a:1","port":"a","success":"yes","peer_name":"","method":null,"reason":""}"#,
        #"{"event":"session-down","session":"a:1","port":"a","reason":null}"#,
        #"{"event":"session-bridge","session":"a:1","port":"a","state":"held","partner":null,"reason":2}"#,
        #"{"event":"auth-succeeded","session":"a:1","method":null,"peer_name":"x","reason":"","framed_address":7}"#,
        #"{"event":"bridge-up","a":"a:1","b":"b:1","resumed":"no"}"#,
        #"{"event":"bridge-down","a":"a:1","reason":"x"}"#,
        #"{"event":"bridge-failed","session":["a:1"],"reason":"x"}"#,
        #"{"event":"bundle-up","bundle":"bundle::null"}"#,                       // session absent
        #"{"event":"link-joined","bundle":"b","session":"a:1","links":0}"#,      // a join leaves at least one
        #"{"event":"link-left","bundle":"b","session":"a:1","links":"1","reason":"x"}"#,
        #"{"event":"bundle-down","bundle":"b","session":"a:1","reason":null}"#,
        #"{"event":"prefix-delegated","session":"a:1","prefix":"2001:db8::"}"#,    // no length
        #"{"event":"prefix-released","session":"a:1"}"#,                           // prefix absent
        #"{"event":"tunnel-up","port":"l","tunnel":70000,"peer":"p","peer_tunnel":1,"host_name":"h"}"#,  // id beyond 16 bits
        #"{"event":"tunnel-down","port":"l","tunnel":1,"peer":"p","result":2,"error":0,"message":"","by_peer":1}"#,
        #"{"event":"call-up","port":"l","tunnel":1,"call":-1,"peer_call":1,"session":"l:1"}"#,       // negative id
        #"{"event":"call-down","port":"l","tunnel":1,"call":1,"result":2,"error":0,"by_peer":false}"#, // session absent
    ]

    @Test(arguments: refused)
    func malformedEventsAreRefused(_ text: String) throws {
        let o = try #require(try JSON.parse(text).object)
        #expect(Event(json: o) == nil)
    }
}
