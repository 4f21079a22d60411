// pppctl's session commands: `sessions`, `session show ID`, `session kill ID`,
// and both `sessions` and `session kill` by selectors (like accel-cmd's
// terminate): user, address, MAC, interface, or every session.
// Sessions live in the linkd of each port; pppctl asks every linkd pppinit
// lists (through pppinit, target "linkd@PORT") and merges the answers.
import ArgumentParser
import IPC

extension ControlClient {
    /// Names of the running linkd components ("linkd@PORT").
    func linkds() throws(CtlFailure) -> [String] {
        let list = try callJSON(.componentsListed)
        return (list.array ?? []).compactMap { $0["name"]?.string }.filter { ComponentName($0)?.peer == .linkd }
    }

    /// One daemon method's JSON result, or the failure.
    func daemonCall(_ target: String, _ method: DaemonMethod, _ arguments: JSON = .object([:])) throws(CtlFailure) -> JSON {
        try callJSON(.daemonCallRequested(target: target, method: method.name, arguments: arguments.encoded()))
    }

    /// A call whose reply has a fixed shape (MethodReplies.swift): decoded
    /// through its type, an answer of another shape is an error reply.
    func daemonCall<Reply: MethodReply>(_ target: String, _ method: DaemonMethod, _ arguments: some MethodArguments,
                                        as _: Reply.Type) throws(CtlFailure) -> Reply {
        try decode(target, method, try daemonCall(target, method, arguments.json), as: Reply.self)
    }

    /// The same for a method without arguments.
    func daemonCall<Reply: MethodReply>(_ target: String, _ method: DaemonMethod, as _: Reply.Type) throws(CtlFailure) -> Reply {
        try decode(target, method, try daemonCall(target, method), as: Reply.self)
    }

    /// `method`'s reply through its type (DaemonMethod.reply); another
    /// shape is an error reply, not fields read as missing.
    func decode<Reply: MethodReply>(_ target: String, _ method: DaemonMethod, _ json: JSON,
                                    as _: Reply.Type) throws(CtlFailure) -> Reply {
        do { return try Reply(json: json) } catch {
            throw CtlFailure(code: .errorReply, message: "\(target) \(method.name): \(error.reason)")
        }
    }

    /// A daemon's `sessions` in pages (SessionListing: {"from": N} → items
    /// and the next N), so thousands of sessions need not fit one message.
    func listCall(_ target: String, _ method: DaemonMethod) throws(CtlFailure) -> [JSON] {
        try listCalls([(target, method)])[0].get()
    }

    /// Several daemons' `sessions` at once. Each target's calls follow one
    /// another (a page says where the next starts), but the targets' calls
    /// are in flight together, so the listing waits for the slowest daemon
    /// instead of the sum of every round trip; and each call asks for
    /// several pages as parts of its reply (PageArguments.parts), so 10,000
    /// sessions take a dozen round trips per daemon, not 200 (issue 13,
    /// point 4: round trips, not work, were most of listing thousands).
    func listCalls(_ targets: [(target: String, method: DaemonMethod)]) -> [Result<[JSON], CtlFailure>] {
        var results = [Result<[JSON], CtlFailure>?](repeating: nil, count: targets.count)
        var items = [[JSON]](repeating: [], count: targets.count)
        var remaining = targets.count
        // What pppinit may have queued for us at once stays near 48 pages
        // (2.3 MiB), inside its 4 MiB per client, however many daemons.
        let parts = min(PageArguments.maxParts, max(1, 48 / max(1, targets.count)))
        func finish(_ k: Int, _ r: Result<[JSON], CtlFailure>) {
            guard results[k] == nil else { return }
            results[k] = r
            remaining -= 1
        }
        // Bounded: each call moves on by at least one item, and at most
        // `callsLeft` more are made.
        func ask(_ k: Int, from: Int, callsLeft: Int) {
            let (target, method) = targets[k]
            let m = Message.daemonCallRequested(target: target, method: method.name,
                                                arguments: PageArguments(from: from, parts: parts).json.encoded())
            var next: Int?? = .none
            do {
                _ = try link.call(m, timeout: 15, onReply: { [unowned self] r in
                    guard results[k] == nil else { return }
                    switch r.message {
                    case let .callReplied(json):
                        let page: SessionListing
                        do {
                            page = try self.decode(target, method, try JSON.parse(json), as: SessionListing.self)
                        } catch let e as CtlFailure {
                            return finish(k, .failure(e))
                        } catch {
                            return finish(k, .failure(CtlFailure(code: .errorReply, message: "reply is not JSON: \(error)")))
                        }
                        items[k] += page.sessions.map { .object($0) }
                        if case let .page(n) = page.paging { next = .some(n) } else { next = .some(nil) }
                        guard r.isFinal else { return }
                        if case let .some(n?) = next, n > from, callsLeft > 0 {
                            ask(k, from: n, callsLeft: callsLeft - 1)
                        } else {
                            finish(k, .success(items[k]))
                        }
                    case let .errorReplied(code, reason):
                        finish(k, .failure(CtlFailure(code: .errorReply, message: "\(code): \(reason)")))
                    default:
                        finish(k, .failure(CtlFailure(code: .errorReply, message: "unexpected reply \(r.message.type)")))
                    }
                }, onFailure: { e in
                    finish(k, .failure(CtlFailure(code: e == .peerClosed ? .unreachable : .errorReply, message: "\(e)")))
                })
            } catch {
                finish(k, .failure(CtlFailure(code: .unreachable, message: "\(error)")))
            }
        }
        for k in targets.indices { ask(k, from: 0, callsLeft: 1_000_000) }
        while remaining > 0 { loop.runOnce(timeoutMilliseconds: 200) }
        return results.map { $0 ?? .failure(CtlFailure(code: .errorReply, message: "no answer")) }
    }

    /// Every session of every linkd (or of the linkds named); a linkd that
    /// does not answer (restarting) is skipped with a note on stderr rather
    /// than failing the whole list.
    func allSessions(of targets: [String]? = nil) throws(CtlFailure) -> [JSON] {
        // One componentsListed for both the linkds and who else runs; only
        // a listing of every linkd fails when pppinit cannot say.
        let listed = targets == nil ? try callJSON(.componentsListed) : (try? callJSON(.componentsListed))
        let components = (listed?.array ?? []).compactMap { $0["name"]?.string }
        let names = Set(components)
        let linkdNames = targets ?? components.filter { ComponentName($0)?.peer == .linkd }
        // ncpd's network side of each session, merged by id (its interface,
        // NCP states, addresses and IP counters); a channel ncpd holds
        // without a linkd session (a handoff from elsewhere) is listed too.
        let ncpd = ComponentName(.ncpd).description
        var calls = linkdNames.map { (target: $0, method: DaemonMethod.linkdSessions) }
        if names.contains("ncpd") { calls.append((ncpd, .ncpdSessions)) }
        let lists = listCalls(calls)
        var out: [JSON] = []
        for (call, list) in zip(calls, lists) where call.method == .linkdSessions {
            switch list {
            case let .success(l): out += l
            case let .failure(error): printError("pppctl: \(call.target): \(error.message)")
            }
        }
        if names.contains("ncpd"), let list = lists.last {
            switch list {
            case let .success(network): out = SessionView.merge(link: out, network: network)
            case let .failure(error): printError("pppctl: ncpd: \(error.message)")
            }
            // The RFC 1990 bundle a session runs the NCPs of, or is a link of.
            if let bundles = (try? daemonCall(ComponentName(.ncpd).description, .bundles))?.array, !bundles.isEmpty {
                out = mergeBundles(out, bundles)
            }
        }
        // bridged's splice counters, merged into each session's `bridge`.
        if names.contains("bridged") {
            do {
                let r = try daemonCall(ComponentName(.bridged).description, .splices, as: SplicesReply.self)
                out = mergeBridges(out, r.splices)
            } catch {
                printError("pppctl: bridged: \(error.message)")
            }
        }
        return out
    }
}

/// The /64 a session's RAs advertise, then its DHCPv6-delegated prefixes
/// ("2001:db8:1::/64 pd 2001:db8:100::/56"), or "-".
func ipv6PrefixesCell(_ v: JSON?) -> String {
    guard let v else { return "-" }
    var parts: [String] = []
    if let p = v["prefix"]?.string { parts.append(p) }
    let delegated = (v["delegated"]?.array ?? []).compactMap(\.string)
    if !delegated.isEmpty { parts.append("pd " + delegated.joined(separator: ",")) }
    return parts.isEmpty ? "-" : parts.joined(separator: " ")
}

/// "⇄ up0:1 (up)", "dialing up0", "held", or "-".
func bridgeCell(_ b: JSON?) -> String {
    guard let b, let state = b["state"]?.string else { return "-" }
    if let partner = b["partner"]?.string { return "⇄ \(partner) (\(b["splice"]?.string ?? state))" }
    if let up = b["upstream"]?.string { return "\(state) \(up)" }
    return state
}

/// Session ids are "PORT:N"; the port names the linkd that runs it.
func linkdTarget(forSession id: String) throws(CtlFailure) -> String {
    guard let colon = id.lastIndex(of: ":"), colon != id.startIndex else {
        throw CtlFailure(code: .usage, message: "session ids look like PORT:N (see pppctl sessions)")
    }
    return ComponentName.linkd(port: id[..<colon]).description
}

/// Which sessions a command is about: every selector given must match.
struct SessionSelectors: ParsableArguments {
    @Option(name: .customLong("user"), help: "The peer's authenticated name.") var user: String?
    @Option(name: .customLong("ip"), help: "The peer's IPv4 address (IPCP).") var ip: String?
    @Option(name: .customLong("mac"), help: "The peer's MAC (PPPoE), or what linkd lists as calling_station.")
    var mac: String?
    @Option(name: .customLong("interface"), help: "The session's network interface.") var interface: String?
    @Option(name: .customLong("port"), help: "The port the session runs on.") var port: String?
    @Option(name: .customLong("state"), help: "The session's phase (establish, authenticate, network, terminate, dead) or LCP state (opened, reqsent, …).")
    var state: String?

    var isEmpty: Bool { user == nil && ip == nil && mac == nil && interface == nil && port == nil && state == nil }

    func matches(_ s: JSON) -> Bool {
        func same(_ want: String?, _ have: JSON?) -> Bool {
            guard let want else { return true }
            return have?.string?.lowercased() == want.lowercased()
        }
        // A PPPoE session's MAC is its peer's; calling_station is the same
        // text for PPPoE and the peer's address for other transports.
        let macMatches = same(mac, s["calling_station"]) || (mac != nil && same(mac, s["pppoe"]?["peer_mac"]))
        let stateMatches = state == nil || same(state, s["phase"]) || same(state, s["lcp"])
        return same(user, s["peer_name"]) && same(ip, s["ipcp"]?["remote"]) && macMatches
            && same(interface, s["interface"]) && same(port, s["port"]) && stateMatches
    }
}

struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.sessions.summary)
    @OptionGroup var options: Options
    @OptionGroup var selectors: SessionSelectors
    @Option(name: .customLong("columns"),
            help: ArgumentHelp("Columns, comma-separated, or all (default \(SessionColumn.defaults.map(\.rawValue).joined(separator: ","))): "
                + SessionColumn.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: ", ") + "."))
    var columns: String?
    @Option(name: .customLong("sort"), help: "Sort by this column (default id).") var sort: String = "id"
    @Flag(name: .customLong("reverse"), help: "Largest first.") var reverse = false

    func validate() throws {
        if let columns, SessionColumn.parse(columns) == nil {
            throw ValidationError("--columns: names from \(SessionColumn.allCases.map(\.rawValue).joined(separator: ",")), or all")
        }
        guard SessionColumn(rawValue: sort) != nil else { throw ValidationError("--sort: one of the column names") }
    }

    func run() throws {
        let key = SessionColumn(rawValue: sort) ?? .id
        let all = try options.connect().allSessions()
        // Without selectors every session matches; not asking each saves
        // six member lookups per session (issue 13, point 4).
        var sessions = SessionColumn.sorted(selectors.isEmpty ? all : all.filter(selectors.matches), by: key)
        if reverse { sessions.reverse() }
        if options.json { options.printDocument(.sessions, .array(sessions)); return }
        let shown = columns.flatMap(SessionColumn.parse) ?? SessionColumn.defaults
        var t = TextTable(shown.map(\.header))
        for s in sessions { t.add(shown.map { $0.cell(s) }) }
        print(t.render())
    }
}

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Show or kill one session.", subcommands: [Show.self, Kill.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: ControlCommand.sessionShow.summary)
        @OptionGroup var options: Options
        @Argument(help: "Session id, PORT:N.") var id: String

        func run() throws {
            let client = try options.connect()
            // What linkd, ncpd, bridged and the bundle say, as in `sessions`…
            let list = try client.allSessions(of: [try linkdTarget(forSession: id)])
            guard let s = list.first(where: { $0["id"]?.string == id })?.object else {
                throw CtlFailure(code: .errorReply, message: "no session '\(id)'")
            }
            // …and authd's view of it: null when it has none (no
            // authentication on it) or did not answer.
            var authd: JSONObject?
            do {
                let r = try client.daemonCall(ComponentName(.authd).description, .authdSessions, as: SessionListing.self)
                authd = r.sessions.first { $0["session"]?.string == id }
            } catch {
                printError("pppctl: authd: \(error.message)")
            }
            let view = JSON.object(SessionView(link: s, authd: .some(authd)).json)
            if options.json { options.printDocument(.sessionShow, view) } else { print(view.encoded(pretty: true)) }
        }
    }

    struct Kill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: ControlCommand.sessionKill.summary)
        @OptionGroup var options: Options
        @OptionGroup var selectors: SessionSelectors
        @Flag(name: .customLong("all"), help: "Every session.") var all = false
        @Argument(help: "Session id, PORT:N.") var id: String?

        func validate() throws {
            let ways = (id == nil ? 0 : 1) + (selectors.isEmpty ? 0 : 1) + (all ? 1 : 0)
            guard ways == 1 else { throw ValidationError("give a session id, selectors (--port, --user, --state, --ip, --mac, --interface) or --all") }
        }

        func run() throws {
            let client = try options.connect()
            if let id {
                let r = try client.daemonCall(try linkdTarget(forSession: id), .sessionKill, SessionArguments(id: id), as: SessionKillReply.self)
                if options.json { options.printDocument(.sessionKill, r.json) } else { print("\(r.killed) killed") }
                return
            }
            let ids = try client.allSessions().filter { all || selectors.matches($0) }.compactMap { $0["id"]?.string }
            var killed: [String] = []
            for id in ids {
                do {
                    let r = try client.daemonCall(try linkdTarget(forSession: id), .sessionKill, SessionArguments(id: id), as: SessionKillReply.self)
                    killed.append(r.killed)
                } catch {
                    printError("pppctl: \(id): \(error.message)")
                }
            }
            if options.json {
                options.printDocument(.sessionKill, SessionKillSummary(matched: ids.count, killed: killed).json)
            } else {
                print("\(ids.count) matched, \(killed.count) killed\(killed.isEmpty ? "" : ": " + killed.joined(separator: " "))")
            }
            if ids.isEmpty { throw CtlFailure(code: .errorReply, message: "no session matched") }
        }
    }
}
