// pppctl's `bundles`: ncpd's RFC 1990 multilink bundles, one line per member
// link under its bundle's line (--json: ncpd's answer as it is); and
// `bundle show NAME | ID`: one bundle in full.
import ArgumentParser
import IPC

struct Bundles: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.bundles.summary)
    @OptionGroup var options: Options

    func run() throws {
        let r = try options.connect().daemonCall(ComponentName(.ncpd).description, .bundles, as: BundlesReply.self)
        if options.json {
            options.printDocument(.bundles, r.json)
            return
        }
        var t = TextTable(["BUNDLE", "SESSION", "IF", "MRRU", "LINK", "MRU", "WEIGHT", "FRAG-OUT", "FRAG-IN",
                           "REASSEMBLED", "LOST"])
        for b in r.bundles {
            let c = b["counters"]
            t.add([b["name"]?.string ?? "-", b["session"]?.string ?? "-", b["interface"]?.string ?? "-",
                   "\(b["local_mrru"]?.int ?? 0)/\(b["peer_mrru"]?.int ?? 0)", "\(b["links"]?.array?.count ?? 0) links",
                   "", "", "", "", "\(c?["reassembled"]?.int ?? 0)", "\(c?["lost"]?.int ?? 0)"])
            for l in b["links"]?.array ?? [] {
                t.add(["", "", "", "", l["session"]?.string ?? "-", "\(l["mru"]?.int ?? 0)", "\(l["weight"]?.int ?? 0)",
                       "\(l["fragments_out"]?.int ?? 0)", "\(l["fragments_in"]?.int ?? 0)", "", ""])
            }
        }
        print(t.render())
    }
}

/// `bundle` (its name) on each session that runs a bundle's NCPs or is one
/// of its links; sessions of no bundle are left as they are.
func mergeBundles(_ sessions: [JSON], _ bundles: [JSON]) -> [JSON] {
    var byID: [String: String] = [:]
    for b in bundles {
        guard let name = b["name"]?.string else { continue }
        if let s = b["session"]?.string { byID[s] = name }
        for l in b["links"]?.array ?? [] { if let s = l["session"]?.string { byID[s] = name } }
    }
    return sessions.map { s in
        guard var o = s.object, let id = o["id"]?.string, let name = byID[id] else { return s }
        o["bundle"] = .string(name)
        return .object(o)
    }
}

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Show one multilink bundle.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: ControlCommand.bundleShow.summary)
        @OptionGroup var options: Options
        @Argument(help: "The bundle's name (bundle:PEER:DISCRIMINATOR), or a session id PORT:N of it or of one of its links.")
        var id: String

        func run() throws {
            let list = try options.connect().daemonCall(ComponentName(.ncpd).description, .bundles).array ?? []
            let found = list.first { b in
                b["name"]?.string == id || b["session"]?.string == id
                    || (b["links"]?.array ?? []).contains { $0["session"]?.string == id }
            }
            guard let b = found else { throw CtlFailure(code: .errorReply, message: "no bundle '\(id)'") }
            if options.json { options.printDocument(.bundleShow, b) } else { print(b.encoded(pretty: true)) }
        }
    }
}
