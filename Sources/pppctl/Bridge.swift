// pppctl's bridging commands: `bridge A B` (two sessions held on ports with
// bridge = "manual" are spliced by bridged) and `unbridge S` (the session
// ends; bridged closes its partner, whose linkd terminates it too). And the
// `bridge` field of `sessions`: linkd's partner and state, with bridged's
// splice counters merged in by session id.
import ArgumentParser
import IPC

struct Bridge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: ControlCommand.bridge.summary)
    @OptionGroup var options: Options
    @Argument(help: "Session id, PORT:N.") var a: String
    @Argument(help: "Session id, PORT:M.") var b: String

    func validate() throws {
        if a == b { throw ValidationError("a session cannot be bridged to itself") }
    }

    func run() throws {
        let client = try options.connect()
        let ta = try linkdTarget(forSession: a), tb = try linkdTarget(forSession: b)
        // Both must be held before either is handed over: a half handed
        // alone would wait in bridged and end its session.
        for (id, target) in [(a, ta), (b, tb)] {
            let list = try client.listCall(target, .linkdSessions)
            guard let s = list.first(where: { $0["id"]?.string == id }) else {
                throw CtlFailure(code: .errorReply, message: "no session '\(id)'")
            }
            guard s["bridge"]?["state"]?.string == "held" else {
                throw CtlFailure(code: .errorReply, message: "\(id) is not held for a bridge (its port needs bridge = \"manual\"; bridge: \(s["bridge"]?.encoded() ?? "null"))")
            }
        }
        if ta == tb {
            // One linkd holds both: one transfer with both channels.
            _ = try client.daemonCall(ta, .bridge, BridgeArguments(id: a, with: b), as: BridgeReply.self)
        } else {
            _ = try client.daemonCall(ta, .bridge, BridgeArguments(id: a, with: b), as: BridgeReply.self)
            _ = try client.daemonCall(tb, .bridge, BridgeArguments(id: b, with: a), as: BridgeReply.self)
        }
        if options.json {
            options.printDocument(.bridge, .object(["a": .string(a), "b": .string(b)]))
        } else {
            print("\(a) ⇄ \(b) handed to bridged")
        }
    }
}

struct Unbridge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: ControlCommand.unbridge.summary)
    @OptionGroup var options: Options
    @Argument(help: "Session id, PORT:N.") var id: String

    func run() throws {
        let r = try options.connect().daemonCall(try linkdTarget(forSession: id), .linkdUnbridge, SessionArguments(id: id),
                                                 as: UnbridgeReply.self)
        if options.json { options.printDocument(.unbridge, r.json) } else { print("\(r.id) unbridged (partner \(r.partner ?? "-"))") }
    }
}

/// bridged's `splices` merged into each session's `bridge` field by id:
/// counters are seen from the session ("to_partner": frames it sent that
/// bridged wrote to the partner).
func mergeBridges(_ sessions: [JSON], _ splices: [SpliceStatus]) -> [JSON] {
    var byID: [String: JSONObject] = [:]
    for sp in splices {
        guard let (aToB, bToA) = sp.counters else {
            byID[sp.a] = ["splice": .string("waiting")]
            continue
        }
        byID[sp.a] = ["splice": .string("up"), "to_partner": aToB.json, "from_partner": bToA.json]
        byID[sp.b] = ["splice": .string("up"), "to_partner": bToA.json, "from_partner": aToB.json]
    }
    return sessions.map { s in
        guard var o = s.object else { return s }
        guard case var .object(bridge)? = o["bridge"], let id = o["id"]?.string else {
            if o["bridge"] == nil { o["bridge"] = .null }
            return .object(o)
        }
        if let extra = byID[id] { for m in extra.members { bridge[m.key] = m.value } }
        o["bridge"] = .object(bridge)
        return .object(o)
    }
}
