// The replies that were still JSON built by each daemon (status, the
// sessions envelope, pools, splices, bridged's unbridge, auth-test): each
// type's JSON is the text the daemons answered before the types existed,
// decodes back to the same value, and anything of another shape is refused
// with a typed MethodError (boundary rows: missing, extra, wrong type,
// empty, out of range).
import IPC
import Testing

@Suite struct ListingRepliesTests {
    static func roundTrip<R: MethodReply>(_ r: R, _ text: String) throws {
        #expect(r.json.encoded() == text)
        #expect(try R(json: try JSON.parse(text)) == r)
    }

    static let up = SpliceCounters(frames: 3, octets: 120, oversize: 1, stalls: 0)
    static let down = SpliceCounters(frames: 2, octets: 80, oversize: 0, stalls: 4)
    static let counters = #"{"frames":3,"octets":120,"oversize":1,"stalls":0}"#
    static let countersBack = #"{"frames":2,"octets":80,"oversize":0,"stalls":4}"#

    @Test func everyReplyRoundTripsAsItsOldText() throws {
        // sessions: the whole list, a page, the last page.
        try Self.roundTrip(SessionListing(sessions: [["id": "a:1", "port": "a"], ["id": "a:2"]]),
                           #"[{"id":"a:1","port":"a"},{"id":"a:2"}]"#)
        try Self.roundTrip(SessionListing(sessions: []), "[]")
        try Self.roundTrip(SessionListing(sessions: [["id": "a:1"]], paging: .page(next: 1)),
                           #"{"items":[{"id":"a:1"}],"next":1}"#)
        try Self.roundTrip(SessionListing(sessions: [], paging: .page(next: nil)), #"{"items":[],"next":null}"#)
        // pools
        let pool = PoolsReply.Pool(name: "sub", first: IPv4.parse("10.0.0.2")!, last: IPv4.parse("10.0.0.9")!, size: 8,
                                   leases: [(IPv4.parse("10.0.0.2")!, "acc:1"), (IPv4.parse("10.0.0.3")!, "acc:2")])
        try Self.roundTrip(PoolsReply(pools: [pool]),
                           #"[{"name":"sub","first":"10.0.0.2","last":"10.0.0.9","size":8,"leased":2,"#
                               + #""leases":{"10.0.0.2":"acc:1","10.0.0.3":"acc:2"}}]"#)
        try Self.roundTrip(PoolsReply(pools: []), "[]")
        try Self.roundTrip(PoolsReply(pools: [pool], ipv6: [["name": "pd", "prefix": "2001:db8:100::/40", "length": 56]]),
                           #"[{"name":"sub","first":"10.0.0.2","last":"10.0.0.9","size":8,"leased":2,"#
                               + #""leases":{"10.0.0.2":"acc:1","10.0.0.3":"acc:2"}},{"name":"pd","prefix":"2001:db8:100::/40","length":56}]"#)
        // splices: a live one, then a waiting channel.
        let live = SpliceStatus(a: "acc:1", b: "up:1", aToB: Self.up, bToA: Self.down)
        try Self.roundTrip(SplicesReply(splices: [live, SpliceStatus(waiting: "acc:2", for: "up:2")]),
                           #"[{"a":"acc:1","b":"up:1","a_to_b":\#(Self.counters),"b_to_a":\#(Self.countersBack)},"#
                               + #"{"a":"acc:2","b":"up:2","waiting":true}]"#)
        // tunnels
        try Self.roundTrip(TunnelsReply(tunnels: [["id": 7, "peer_id": 9, "calls": [], "port": "lns", "role": "lns"]]),
                           #"[{"id":7,"peer_id":9,"calls":[],"port":"lns","role":"lns"}]"#)
        try Self.roundTrip(TunnelsReply(tunnels: []), "[]")
        // bundles
        try Self.roundTrip(BundlesReply(bundles: [["name": "b1", "session": "m:1", "links": [["session": "a:1"]]]]),
                           #"[{"name":"b1","session":"m:1","links":[{"session":"a:1"}]}]"#)
        // bridged's unbridge
        try Self.roundTrip(SpliceUnbridgeReply.ended(live),
                           #"{"a":"acc:1","b":"up:1","a_to_b":\#(Self.counters),"b_to_a":\#(Self.countersBack)}"#)
        try Self.roundTrip(SpliceUnbridgeReply.waitingClosed(session: "acc:2"),
                           #"{"session":"acc:2","ended":"waiting channel closed"}"#)
        // status: the common fields, then the daemon's own in its order.
        for (own, text) in Self.ownStatus {
            try Self.roundTrip(StatusReply(instance: own.peer == .linkd ? "udp0" : "", pid: 42, uid: 65534, uptime: 12.34,
                                           ipc: .init(sent: 1, received: 2, rejected: 0), own: own),
                               #"{"name":"\#(own.peer)","instance":"\#(own.peer == .linkd ? "udp0" : "")","pid":42,"#
                                   + #""uid":65534,"uptime":12.3,"ipc":{"sent":1,"received":2,"rejected":0},"# + text + "}")
        }
        try Self.roundTrip(StatusReply(instance: "", pid: 7, uid: 0, uptime: 3, ipc: .init(sent: 0, received: 0, rejected: 5),
                                       own: .bridged(BridgedStatus())),
                           #"{"name":"bridged","instance":"","pid":7,"uid":0,"uptime":3.0,"#
                               + #""ipc":{"sent":0,"received":0,"rejected":5},"splices":0,"refused":0,"waiting":0,"#
                               + #""dropped_waiting":0,"rendezvous_dropped":0}"#)
        // auth-test: accepted with a grant, accepted bare, refused.
        let grant = AuthTestReply.Grant(framedAddress: IPv4.parse("10.0.0.5"), framedNetmask: IPv4.parse("255.255.255.255"),
                                        sessionTimeout: 3600, idleTimeout: 60, radiusClass: "gold")
        try Self.roundTrip(AuthTestReply(user: "alice", method: "pap", outcome: .accepted(source: "local", grant)),
                           #"{"user":"alice","method":"pap","accepted":true,"source":"local","framed_address":"10.0.0.5","#
                               + #""framed_netmask":"255.255.255.255","session_timeout":3600,"idle_timeout":60,"class":"gold"}"#)
        try Self.roundTrip(AuthTestReply(user: "alice", method: "chap", outcome: .accepted(source: "radius", .init())),
                           #"{"user":"alice","method":"chap","accepted":true,"source":"radius"}"#)
        try Self.roundTrip(AuthTestReply(user: "bob", method: "mschapv2", outcome: .refused(reason: "no secret for bob")),
                           #"{"user":"bob","method":"mschapv2","accepted":false,"reason":"no secret for bob"}"#)
    }

    /// Each daemon's own fields, and the text it has always written for them.
    static var ownStatus: [(DaemonStatus, String)] {
        var n = NcpdStatus()
        (n.sessions, n.refused, n.ended, n.resumed, n.pools) = (3, 1, 9, 2, 1)
        (n.rendezvousDropped, n.unitWaits, n.waitingForUnit, n.unitDeleteBatches) = (4, 5, 0, 6)
        (n.unitsIPv6Off, n.unitsIPv6OffFailed) = (7, 0)
        (n.bundles, n.bundlesCreated, n.bundlesEnded, n.bundlesResumed) = (1, 2, 1, 0)
        (n.unitsOffload, n.unitsVnetOnly, n.unitsOffloadRefused, n.offloadFlags) = (2, 1, 0, 7)
        (n.unitNamesBusy, n.unitsFailedBusy) = (3, 0)
        (n.tunRequests, n.tunDescriptorsRequested) = (2, 16)
        var n2 = n
        n2.mux = ["access": ["sessions": 3, "frames_in": 10]]
        var b = BridgedStatus()
        (b.splices, b.refused, b.waiting, b.droppedWaiting, b.rendezvousDropped) = (2, 0, 1, 3, 0)
        var a = AuthdStatus()
        (a.sessions, a.conversations, a.started, a.succeeded, a.failed, a.localChecks) = (1, 2, 3, 4, 5, 6)
        (a.radiusChecks, a.accountingRequests, a.unknownSessionMessages, a.users, a.papSecrets, a.chapSecrets) = (7, 8, 9, 10, 11, 12)
        a.radius = ["servers": .array([])]
        a.accountingQueue = ["waiting": 0]
        var a2 = a
        a2.dynamicAuthorization = ["port": 3799]
        let l = LinkdStatus(port: ["name": "udp0", "type": "udp"], authd: ["connected": true], sessions: 1,
                            partnerFailed: ["received": 0], restore: ["expected_deposits": 0])
        var l2 = l
        l2.transport = ["pppoe": ["ac": ["sessions": 1]], "l2tp": ["role": "lns"]]
        let authd = #""sessions":1,"conversations":2,"started":3,"succeeded":4,"failed":5,"local_checks":6,"#
            + #""radius_checks":7,"accounting_requests":8,"refused_attributes":0,"unknown_session_messages":9,"users":10,"pap_secrets":11,"#
            + #""chap_secrets":12,"radius":{"servers":[]},"accounting_queue":{"waiting":0},"dynamic_authorization":"#
        return [
            (.ncpd(n), #""sessions":3,"refused":1,"ended":9,"resumed":2,"pools":1,"rendezvous_dropped":4,"#
                + #""unit_waits":5,"waiting_for_unit":0,"unit_delete_batches":6,"units_ipv6_off":7,"units_ipv6_off_failed":0,"#
                + #""bundles":1,"bundles_created":2,"bundles_ended":1,"bundles_resumed":0,"#
                + #""units_offload":2,"units_vnet_only":1,"units_offload_refused":0,"offload_flags":7,"#
                + #""unit_names_busy":3,"units_failed_busy":0,"tun_requests":2,"tun_descriptors_requested":16"#),
            (.ncpd(n2), #""sessions":3,"refused":1,"ended":9,"resumed":2,"pools":1,"rendezvous_dropped":4,"#
                + #""unit_waits":5,"waiting_for_unit":0,"unit_delete_batches":6,"units_ipv6_off":7,"units_ipv6_off_failed":0,"#
                + #""bundles":1,"bundles_created":2,"bundles_ended":1,"bundles_resumed":0,"#
                + #""units_offload":2,"units_vnet_only":1,"units_offload_refused":0,"offload_flags":7,"#
                + #""unit_names_busy":3,"units_failed_busy":0,"tun_requests":2,"tun_descriptors_requested":16,"#
                + #""mux":{"access":{"sessions":3,"frames_in":10}}"#),
            (.bridged(b), #""splices":2,"refused":0,"waiting":1,"dropped_waiting":3,"rendezvous_dropped":0"#),
            (.authd(a), authd + "null"),
            (.authd(a2), authd + #"{"port":3799}"#),
            (.linkd(l), #""port":{"name":"udp0","type":"udp"},"authd":{"connected":true},"sessions":1,"#
                + #""partner_failed":{"received":0},"restore":{"expected_deposits":0}"#),
            (.linkd(l2), #""port":{"name":"udp0","type":"udp"},"authd":{"connected":true},"sessions":1,"#
                + #""pppoe":{"ac":{"sessions":1}},"l2tp":{"role":"lns"},"partner_failed":{"received":0},"restore":{"expected_deposits":0}"#),
        ]
    }

    /// A field the daemon's type does not know (a newer daemon's) is kept
    /// and written back after the known ones; a known one of another type
    /// is refused.
    @Test func statusKeepsFieldsItDoesNotKnow() throws {
        let text = #"{"name":"ncpd","instance":"","pid":1,"uid":0,"uptime":0.5,"ipc":{"sent":0,"received":0,"rejected":0},"#
            + #""spare":2,"sessions":0,"refused":0,"ended":0,"resumed":0,"pools":0,"rendezvous_dropped":0,"unit_waits":0,"#
            + #""waiting_for_unit":0,"unit_delete_batches":0,"units_ipv6_off":0,"units_ipv6_off_failed":0,"bundles":0,"#
            + #""bundles_created":0,"bundles_ended":0,"bundles_resumed":0}"#
        let s = try StatusReply(json: try JSON.parse(text))
        #expect(s.more.keys == ["spare"])
        #expect(s.json["spare"] == .int(2))
        #expect(try StatusReply(json: s.json) == s)
        // Issue 21: an ncpd of the release before has no offload counters
        // (read as 0); one of them alone, or of another type, is refused.
        guard case .ncpd(let n) = s.own else { Issue.record("not ncpd: \(s)"); return }
        #expect(n.unitsOffload == 0 && n.offloadFlags == 0)
        let partial = String(text.dropLast()) + #","units_offload":1}"#
        #expect(throws: MethodError.self) { try StatusReply(json: try JSON.parse(partial)) }
        // Issue 13: nor busy unit names (0); one of the two alone is refused.
        #expect(n.unitNamesBusy == 0 && n.unitsFailedBusy == 0 && n.tunRequests == 0)
        #expect(throws: MethodError.self) { try StatusReply(json: try JSON.parse(String(text.dropLast()) + #","tun_requests":1}"#)) }
        #expect(throws: MethodError.self) { try StatusReply(json: try JSON.parse(String(text.dropLast()) + #","unit_names_busy":1}"#)) }
        // Issue 13: its mux is an object of objects (by port), or refused.
        #expect(n.mux.isEmpty)
        for bad in [#""mux":3"#, #""mux":{"access":1}"#] {
            #expect(throws: MethodError.self) { try StatusReply(json: try JSON.parse(String(text.dropLast()) + "," + bad + "}")) }
        }
    }

    /// Issue 13: "parts" asks for several pages in one reply; its
    /// boundaries (0, 1, the most, one over, not a number, without "from").
    @Test func pageArgumentsParts() throws {
        #expect(try PageArguments(json: PageArguments(from: 3, parts: 16).json) == PageArguments(from: 3, parts: 16))
        #expect(try PageArguments(json: .object(["from": .int(0), "parts": .int(1)])).parts == 1)
        #expect(try PageArguments(json: .object(["from": .int(0)])).parts == nil)
        for bad: JSON in [.object(["from": .int(0), "parts": .int(0)]),
                          .object(["from": .int(0), "parts": .int(Int64(PageArguments.maxParts) + 1)]),
                          .object(["from": .int(0), "parts": .int(-1)]),
                          .object(["from": .int(0), "parts": .string("2")]),
                          .object(["from": .int(0), "parts": .null]),
                          .object(["parts": .int(2)])] {
            #expect(throws: MethodError.self, "\(bad)") { try PageArguments(json: bad) }
        }
        // Without "from" it is the whole list, as before; with it, no "parts" written.
        #expect(PageArguments(from: nil, parts: 4).json == .object([:]))
        #expect(PageArguments(from: 5).json == .object(["from": .int(5)]))
    }

    /// Several pages in a row are the single pages a caller would have
    /// asked for one by one: each starts where the one before said, and
    /// the last says where to go on (or that the list ended).
    @Test func pagesInARowAreTheSinglePages() {
        let items: [JSONObject] = (0..<50).map { ["id": .string("p:\($0)"), "pad": .string(String(repeating: "x", count: 100))] }
        for (from, parts) in [(0, 1), (0, 3), (10, 16), (49, 2), (50, 4), (60, 2)] {
            let row = SessionListing.pages(count: items.count, from: from, parts: parts, budget: 1024) { items[$0] }
            var singles: [SessionListing] = []
            var start = from
            for _ in 0..<parts {
                let p = SessionListing.page(count: items.count, from: start, budget: 1024) { items[$0] }
                singles.append(p)
                guard case let .page(next?) = p.paging else { break }
                start = next
            }
            #expect(row.map(\.json) == singles.map(\.json), "from \(from), \(parts) parts")
            #expect(!row.isEmpty && row.count <= parts)
        }
        // Enough parts for everything: the last says the list ended.
        let all = SessionListing.pages(count: items.count, from: 0, parts: 16, budget: 1024) { items[$0] }
        #expect(all.last?.paging == .page(next: nil) && all.flatMap(\.sessions).count == 50)
    }

    /// A page of sessions is what JSONPages has always made of the same
    /// items, so a linkd or ncpd of either build answers pppctl alike.
    @Test func aSessionPageIsJSONPagesShape() {
        let items: [JSONObject] = (0..<50).map { ["id": .string("p:\($0)"), "pad": .string(String(repeating: "x", count: 100))] }
        for from in [0, 10, 49, 50, 60] {
            let typed = SessionListing.page(count: items.count, from: from, budget: 1024) { items[$0] }
            let plain = JSONPages.page(count: items.count, from: from, budget: 1024) { .object(items[$0]) }
            #expect(typed.json == plain, "from \(from)")
        }
    }

    static func refused<R: MethodReply>(_: R.Type) -> @Sendable (JSON) throws(MethodError) -> Void {
        { j throws(MethodError) in _ = try R(json: j) }
    }

    static let bridgedOwn = #""splices":0,"refused":0,"waiting":0,"dropped_waiting":0,"rendezvous_dropped":0}"#

    /// The rows below differ from this one in one field each.
    @Test func theStatusRowsDifferInOneFieldOnly() throws {
        let base = #"{"name":"bridged","instance":"","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"#
        #expect(try StatusReply(json: try JSON.parse(base + Self.bridgedOwn)).name == "bridged")
    }

    /// (what, decoder, text): each must be refused with .failed.
    static let refusals: [(String, @Sendable (JSON) throws(MethodError) -> Void, String)] = [
        ("listing text", refused(SessionListing.self), #""a:1""#),
        ("listing item not an object", refused(SessionListing.self), #"[{"id":"a:1"},2]"#),
        ("page without next", refused(SessionListing.self), #"{"items":[]}"#),
        ("page without items", refused(SessionListing.self), #"{"next":null}"#),
        ("page with an extra key", refused(SessionListing.self), #"{"items":[],"next":null,"x":1}"#),
        ("page says more but has none", refused(SessionListing.self), #"{"items":[],"next":4}"#),
        ("page next 0", refused(SessionListing.self), #"{"items":[{}],"next":0}"#),
        ("page next text", refused(SessionListing.self), #"{"items":[{}],"next":"2"}"#),
        ("page item null", refused(SessionListing.self), #"{"items":[null],"next":null}"#),
        ("pools an object", refused(PoolsReply.self), #"{"name":"p"}"#),
        ("pool missing leased", refused(PoolsReply.self),
         #"[{"name":"p","first":"10.0.0.1","last":"10.0.0.2","size":2,"leases":{}}]"#),
        ("pool leased not its leases", refused(PoolsReply.self),
         #"[{"name":"p","first":"10.0.0.1","last":"10.0.0.2","size":2,"leased":1,"leases":{}}]"#),
        ("pool lease outside it", refused(PoolsReply.self),
         #"[{"name":"p","first":"10.0.0.1","last":"10.0.0.2","size":2,"leased":1,"leases":{"10.0.0.3":"a:1"}}]"#),
        ("pool first after last", refused(PoolsReply.self),
         #"[{"name":"p","first":"10.0.0.2","last":"10.0.0.1","size":1,"leased":0,"leases":{}}]"#),
        ("pool larger than its range", refused(PoolsReply.self),
         #"[{"name":"p","first":"10.0.0.1","last":"10.0.0.2","size":3,"leased":0,"leases":{}}]"#),
        ("pool address truncated", refused(PoolsReply.self),
         #"[{"name":"p","first":"10.0.0","last":"10.0.0.2","size":2,"leased":0,"leases":{}}]"#),
        ("pool lease to nobody", refused(PoolsReply.self),
         #"[{"name":"p","first":"10.0.0.1","last":"10.0.0.2","size":2,"leased":1,"leases":{"10.0.0.1":""}}]"#),
        ("IPv6 pool before an IPv4 one", refused(PoolsReply.self),
         #"[{"name":"pd","prefix":"2001:db8::/40"},{"name":"p","first":"10.0.0.1","last":"10.0.0.2","size":2,"leased":0,"leases":{}}]"#),
        ("IPv6 pool prefix not text", refused(PoolsReply.self), #"[{"name":"pd","prefix":40}]"#),
        ("pool no name", refused(PoolsReply.self),
         #"[{"name":"","first":"10.0.0.1","last":"10.0.0.2","size":2,"leased":0,"leases":{}}]"#),
        ("splice neither live nor waiting", refused(SplicesReply.self), #"[{"a":"a:1","b":"b:1"}]"#),
        ("splice waiting false", refused(SplicesReply.self), #"[{"a":"a:1","b":"b:1","waiting":false}]"#),
        ("splice without a", refused(SplicesReply.self), #"[{"b":"b:1","waiting":true}]"#),
        ("splice a empty", refused(SplicesReply.self), #"[{"a":"","b":"b:1","waiting":true}]"#),
        ("splice one direction", refused(SplicesReply.self), #"[{"a":"a:1","b":"b:1","a_to_b":\#(counters)}]"#),
        ("splice counters negative", refused(SplicesReply.self),
         #"[{"a":"a:1","b":"b:1","a_to_b":\#(counters),"b_to_a":{"frames":-1,"octets":0,"oversize":0,"stalls":0}}]"#),
        ("splice counters short", refused(SplicesReply.self),
         #"[{"a":"a:1","b":"b:1","a_to_b":\#(counters),"b_to_a":{"frames":1}}]"#),
        ("splice counters extra", refused(SplicesReply.self),
         #"[{"a":"a:1","b":"b:1","a_to_b":\#(counters),"b_to_a":{"frames":1,"octets":0,"oversize":0,"stalls":0,"x":0}}]"#),
        ("splice live and waiting", refused(SplicesReply.self),
         #"[{"a":"a:1","b":"b:1","a_to_b":\#(counters),"b_to_a":\#(counters),"waiting":true}]"#),
        ("tunnels an object", refused(TunnelsReply.self), #"{"id":1,"port":"l"}"#),
        ("tunnel without a port", refused(TunnelsReply.self), #"[{"id":1}]"#),
        ("tunnel id beyond 16 bits", refused(TunnelsReply.self), #"[{"id":65536,"port":"l"}]"#),
        ("tunnel id text", refused(TunnelsReply.self), #"[{"id":"1","port":"l"}]"#),
        ("tunnel not an object", refused(TunnelsReply.self), #"[[1]]"#),
        ("bundle without links", refused(BundlesReply.self), #"[{"name":"b","session":"m:1"}]"#),
        ("bundle link not an object", refused(BundlesReply.self), #"[{"name":"b","session":"m:1","links":[1]}]"#),
        ("bundle without a name", refused(BundlesReply.self), #"[{"name":"","session":"m:1","links":[]}]"#),
        ("bundles an object", refused(BundlesReply.self), #"{"name":"b","session":"m:1","links":[]}"#),
        ("unbridge other text", refused(SpliceUnbridgeReply.self), #"{"session":"a:1","ended":"gone"}"#),
        ("unbridge a waiting entry", refused(SpliceUnbridgeReply.self), #"{"a":"a:1","b":"b:1","waiting":true}"#),
        ("unbridge empty", refused(SpliceUnbridgeReply.self), "{}"),
        ("unbridge extra key", refused(SpliceUnbridgeReply.self), #"{"session":"a:1","ended":"waiting channel closed","x":1}"#),
        ("status not an object", refused(StatusReply.self), "[]"),
        ("status without ipc", refused(StatusReply.self), #"{"name":"bridged","instance":"","pid":1,"uid":0,"uptime":1.0,"# + Self.bridgedOwn),
        ("status pid 0", refused(StatusReply.self),
         #"{"name":"bridged","instance":"","pid":0,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"# + Self.bridgedOwn),
        ("status uid negative", refused(StatusReply.self),
         #"{"name":"bridged","instance":"","pid":1,"uid":-1,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"# + Self.bridgedOwn),
        ("status uptime text", refused(StatusReply.self),
         #"{"name":"bridged","instance":"","pid":1,"uid":0,"uptime":"1","ipc":{"sent":0,"received":0,"rejected":0},"# + Self.bridgedOwn),
        ("status no name", refused(StatusReply.self),
         #"{"name":"","instance":"","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"# + Self.bridgedOwn),
        ("status no instance", refused(StatusReply.self),
         #"{"name":"bridged","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"# + Self.bridgedOwn),
        ("status ipc extra", refused(StatusReply.self),
         #"{"name":"bridged","instance":"","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0,"x":0},"# + Self.bridgedOwn),
        ("status of no daemon", refused(StatusReply.self),
         #"{"name":"pppinit","instance":"","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"# + Self.bridgedOwn),
        ("status without its daemon's fields", refused(StatusReply.self),
         #"{"name":"bridged","instance":"","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0}}"#),
        ("status counter negative", refused(StatusReply.self),
         #"{"name":"bridged","instance":"","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"#
             + #""splices":-1,"refused":0,"waiting":0,"dropped_waiting":0,"rendezvous_dropped":0}"#),
        ("status counter text", refused(StatusReply.self),
         #"{"name":"bridged","instance":"","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"#
             + #""splices":"2","refused":0,"waiting":0,"dropped_waiting":0,"rendezvous_dropped":0}"#),
        ("linkd status transport entry not an object", refused(StatusReply.self),
         #"{"name":"linkd","instance":"p","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"#
             + #""port":{},"authd":{},"sessions":0,"pppoe":[],"partner_failed":{},"restore":{}}"#),
        ("authd status without dynamic_authorization", refused(StatusReply.self),
         #"{"name":"authd","instance":"","pid":1,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"#
             + #""sessions":1,"conversations":2,"started":3,"succeeded":4,"failed":5,"local_checks":6,"radius_checks":7,"#
             + #""accounting_requests":8,"refused_attributes":0,"unknown_session_messages":9,"users":10,"pap_secrets":11,"chap_secrets":12,"#
             + #""radius":{},"accounting_queue":{}}"#),
        ("status pid beyond 32 bits", refused(StatusReply.self),
         #"{"name":"bridged","instance":"","pid":4294967296,"uid":0,"uptime":1.0,"ipc":{"sent":0,"received":0,"rejected":0},"# + Self.bridgedOwn),
        ("auth-test accepted without source", refused(AuthTestReply.self), #"{"user":"u","method":"pap","accepted":true}"#),
        ("auth-test accepted with a reason", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":true,"source":"local","reason":"x"}"#),
        ("auth-test refused with a source", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":false,"source":"local","reason":"x"}"#),
        ("auth-test refused with a grant", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":false,"reason":"x","framed_address":"10.0.0.1"}"#),
        ("auth-test refused without a reason", refused(AuthTestReply.self), #"{"user":"u","method":"pap","accepted":false}"#),
        ("auth-test accepted not a bool", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":"yes","source":"local"}"#),
        ("auth-test bad address", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":true,"source":"local","framed_address":"10.0.0.256"}"#),
        ("auth-test zero timeout", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":true,"source":"local","session_timeout":0}"#),
        ("auth-test timeout beyond 32 bits", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":true,"source":"local","idle_timeout":4294967296}"#),
        ("auth-test extra key", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":true,"source":"local","x":1}"#),
        ("auth-test no user", refused(AuthTestReply.self), #"{"method":"pap","accepted":true,"source":"local"}"#),
        ("auth-test class empty", refused(AuthTestReply.self),
         #"{"user":"u","method":"pap","accepted":true,"source":"local","class":""}"#),
    ]

    @Test(arguments: refusals.indices)
    func malformedRepliesAreRefusedWithATypedError(_ i: Int) throws {
        try MethodRepliesTests.expectRefused(Self.refusals[i])
    }

    /// Every method of the catalogue names its reply type, and each decodes
    /// what its daemon writes for the simplest answer.
    static func same(_ a: any MethodReply.Type, _ b: any MethodReply.Type) -> Bool { ObjectIdentifier(a) == ObjectIdentifier(b) }

    @Test func theCatalogueNamesEveryReply() throws {
        #expect(Self.same(DaemonMethod.status.reply, StatusReply.self))
        #expect(Self.same(DaemonMethod.linkdSessions.reply, SessionListing.self))
        #expect(Self.same(DaemonMethod.authdSessions.reply, SessionListing.self))
        #expect(Self.same(DaemonMethod.ncpdSessions.reply, SessionListing.self))
        #expect(Self.same(DaemonMethod.pools.reply, PoolsReply.self))
        #expect(Self.same(DaemonMethod.splices.reply, SplicesReply.self))
        #expect(Self.same(DaemonMethod.bridgedUnbridge.reply, SpliceUnbridgeReply.self))
        #expect(Self.same(DaemonMethod.authTest.reply, AuthTestReply.self))
        #expect(Self.same(DaemonMethod.linkdUnbridge.reply, UnbridgeReply.self))
        #expect(Self.same(DaemonMethod.tunnels.reply, TunnelsReply.self))
        #expect(Self.same(DaemonMethod.bundles.reply, BundlesReply.self))
        let listing = try DaemonMethod.ncpdSessions.reply.init(json: .array([]))
        #expect(listing.json == .array([]))
    }
}
