// pppctl: the operator's CLI. Every command is one call on pppinit's control
// socket; tables by default, and with --json one JSON document in a
// versioned envelope (JSONDocument, docs/schema). Exit codes: 0 ok, 1 error
// reply, 2 usage, 3 router unreachable.
import ArgumentParser
import IPC
#if canImport(Glibc)
import Glibc
#endif

struct Options: ParsableArguments {
    @Option(name: .customLong("runtime-dir"), help: "The router's runtime directory.")
    var runtimeDir: String = DaemonSetup.defaultRuntimeDir

    @Option(name: .customLong("socket"), help: "The control socket (overrides --runtime-dir).")
    var socket: String?

    @Flag(name: .customLong("json"), help: "Print JSON instead of a table.")
    var json = false

    var socketPath: String { socket ?? runtimeDir + "/control" }

    func connect() throws(CtlFailure) -> ControlClient { try ControlClient(socketPath: socketPath) }

    /// A command's `--json` answer, in its versioned envelope (JSONDocument).
    /// A list is written in pieces of about 64 KiB, each item encoded on its
    /// own (the same octets as the whole document's `encoded()`): building
    /// one 23 MB string for 10,000 sessions, growing it and copying it into
    /// a String, took most of pppctl's time listing them (perf: 45% in the
    /// kernel zeroing the pages of the growing buffer; issue 13, point 4).
    func printDocument(_ command: ControlCommand, _ data: JSON) {
        let document = JSONDocument(kind: command.documentKind, data: data)
        guard case let .array(items) = data else { print(document.json.encoded()); return }
        // The envelope with an empty list ends in `[]}`: what comes before
        // the list, in the envelope's own order.
        let empty = JSONDocument(kind: document.kind, data: .array([]), version: document.version).json.encoded()
        precondition(empty.hasSuffix(#""data":[]}"#), "the envelope's data is not last: \(empty)")
        var out = ChunkedOutput()
        out.append(String(empty.dropLast(3)))
        out.append("[")
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(",") }
            out.append(item)
        }
        out.append("]}\n")
        out.flush()
    }
}

/// Standard output in pieces of about 64 KiB, written with write(2) after
/// whatever `print` buffered before.
struct ChunkedOutput {
    private var buffer: [UInt8] = []
    static let piece = 1 << 16

    init() {
        fflush(nil)  // every stream: what print buffered goes first
        buffer.reserveCapacity(Self.piece * 2)
    }

    mutating func append(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= Self.piece { flush() }
    }

    /// A JSON value's encoding, written into the buffer without a String.
    mutating func append(_ value: JSON) {
        value.encode(into: &buffer)
        if buffer.count >= Self.piece { flush() }
    }

    mutating func flush() {
        buffer.withUnsafeBytes { b in
            var done = 0
            // Bounded: each round writes at least one octet or gives up.
            while done < b.count {
                let n = write(1, b.baseAddress! + done, b.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

@main
struct PPPCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pppctl",
        abstract: "Control a running ppprouter.",
        version: Version.line("pppctl"),
        subcommands: [Components.self, Sessions.self, SessionCommand.self, Tunnels.self, TunnelCommand.self, Bundles.self, BundleCommand.self, Bridge.self, Unbridge.self, Restart.self, Call.self,
                      Watch.self, AuthCommand.self, Reload.self, LogLevel.self, Upgrade.self])

    static func main() {
        do {
            var command = try parseAsRoot(hoistGlobalOptions(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let failure as CtlFailure {
            printError("pppctl: \(failure.message)")
            Glibc.exit(failure.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            printError(fullMessage(for: error))
            Glibc.exit(CtlExit.usage.rawValue)
        }
    }
}

/// `pppctl [--runtime-dir DIR | --socket PATH] [--json] <command>`: the
/// global options may come before the command; the parser wants them after
/// it, so they are moved behind the subcommand name.
func hoistGlobalOptions(_ args: [String]) -> [String] {
    var globals: [String] = []
    var i = 0
    while i < args.count, args[i].hasPrefix("--") {
        let a = args[i]
        if a == "--json" { globals.append(a); i += 1; continue }
        if a == "--runtime-dir" || a == "--socket", i + 1 < args.count {
            globals += [a, args[i + 1]]; i += 2; continue
        }
        if a.hasPrefix("--runtime-dir=") || a.hasPrefix("--socket=") { globals.append(a); i += 1; continue }
        break
    }
    guard i < args.count, !globals.isEmpty else { return args }
    // A command group ("session show") takes them after its subcommand.
    let depth = commandGroups.contains(args[i]) && i + 1 < args.count ? 2 : 1
    return Array(args[i..<(i + depth)]) + globals + args[(i + depth)...]
}

/// Commands whose options live on their subcommands.
let commandGroups: Set<String> = ["session", "auth", "tunnel", "bundle"]

func printError(_ s: String, newline: Bool = true) {
    let bytes = Array((newline ? s + "\n" : s).utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

struct Components: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.components.summary)
    @OptionGroup var options: Options
    @Option(name: .customLong("wait"), help: "Seconds to wait for components still starting (0: print at once).")
    var wait: Double = 10

    func run() throws {
        let client = try options.connect()
        // A daemon says ready only after its privilege drop (DaemonRuntime:
        // drop, then ready); before that /proc shows the uid and
        // capabilities it was spawned with (root, full). A table taken then
        // would show a confined daemon as root, so wait until none is
        // starting (bounded: one that never gets ready is printed as
        // starting, with a note).
        var list = try client.callJSON(.componentsListed)
        let deadline = Instant.now().adding(seconds: wait)
        func starting(_ l: JSON) -> [String] {
            (l.array ?? []).filter { $0["state"]?.string == "starting" }.compactMap { $0["name"]?.string }
        }
        while !starting(list).isEmpty && Instant.now() < deadline {
            var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
            _ = nanosleep(&pause, nil)
            list = try client.callJSON(.componentsListed)
        }
        let still = starting(list)
        if !still.isEmpty {
            printError("pppctl: still starting (uid and capabilities are those before the privilege drop): \(still.joined(separator: ", "))")
        }
        if options.json { options.printDocument(.components, list); return }
        var t = TextTable(["NAME", "PID", "UID", "STATE", "RESTARTS", "UPTIME", "CAPEFF", "NONEWPRIVS", "SECCOMP"])
        for c in list.array ?? [] {
            t.add([c["name"]?.cell ?? "-", c["pid"]?.cell ?? "-", c["uid"]?.cell ?? "-", c["state"]?.cell ?? "-",
                   c["restarts"]?.cell ?? "-", formatUptime(c["uptime"]), c["cap_eff"]?.cell ?? "-",
                   c["no_new_privs"]?.cell ?? "-", c["seccomp"]?.cell ?? "-"])
        }
        print(t.render())
    }
}

struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.restart.summary)
    @OptionGroup var options: Options
    @Argument(help: "Component name, e.g. authd or linkd@udp0.") var name: String

    func run() throws {
        _ = try options.connect().call(.componentRestartRequested(name: name), timeout: 60)
        if options.json { options.printDocument(.restart, .object(["restarted": .string(name)])) } else { print("\(name) restarted") }
    }
}

struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.call.summary)
    @OptionGroup var options: Options
    @Argument(help: "Daemon (authd, ncpd, bridged, linkd@PORT, or linkd when there is one).") var daemon: String
    @Argument(help: "Method name, e.g. status.") var method: String
    @Argument(help: "Arguments as a JSON object.") var arguments: String = "{}"

    func validate() throws {
        do { _ = try JSON.parse(arguments) } catch {
            throw ValidationError("arguments are not JSON: \(error)")
        }
    }

    func run() throws {
        let client = try options.connect()
        var results: [JSON] = []
        for part in try client.call(.daemonCallRequested(target: daemon, method: method, arguments: arguments)) {
            if case let .callReplied(json) = part { results.append((try? JSON.parse(json)) ?? .string(json)) }
        }
        // A method of the catalogue is read through its reply type, so an
        // answer of another shape is an error here too; what is printed is
        // the value's JSON (the same text the daemon sent).
        // pppinit answers its own few methods (status, reload, log-level)
        // with shapes of its own: only the daemons' answers are catalogued.
        let peer = ComponentName(daemon)?.peer ?? Peer.daemons.first { $0.description == daemon }
        if let peer, Peer.daemons.contains(peer), let m = DaemonMethod.named(method, on: peer), results.count == 1 {
            do { results[0] = try m.reply.init(json: results[0]).json } catch {
                throw CtlFailure(code: .errorReply, message: "\(daemon) \(method): \(error.reason)")
            }
        }
        let out: JSON = results.count == 1 ? results[0] : .array(results)
        if options.json { options.printDocument(.call, out) } else { print(out.encoded(pretty: true)) }
    }
}

struct LogLevel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log-level", abstract: ControlCommand.logLevel.summary)
    @OptionGroup var options: Options
    @Argument(help: "Component name: pppinit, authd, ncpd, bridged, linkd@PORT.") var name: String
    @Argument(help: "debug, info, notice, warning or error.") var level: String

    func validate() throws {
        guard IPC.Log.Level(tag: level) != nil else { throw ValidationError("level must be debug, info, notice, warning or error") }
    }

    func run() throws {
        let arguments = LogLevelArguments(level: IPC.Log.Level(tag: level)!).json.encoded()
        _ = try options.connect().call(.daemonCallRequested(target: name, method: DaemonMethod.logLevel.name, arguments: arguments))
        if options.json {
            options.printDocument(.logLevel, .object(["component": .string(name), "level": .string(level)]))
        } else {
            print("\(name): log level \(level)")
        }
    }
}

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.watch.summary)
    @OptionGroup var options: Options
    @Option(help: "Stop after this many events.") var count: Int?
    @Option(help: "Stop after this many seconds.") var timeout: Double?

    func run() throws {
        let client = try options.connect()
        var seen = 0
        let deadline = timeout.map { Instant.now().adding(seconds: $0) }
        _ = try client.call(.eventsWatched, timeout: nil, until: {
            if let count, seen >= count { return true }
            if let deadline, Instant.now() >= deadline { return true }
            return false
        }, onPart: { m, _ in
            guard case let .eventPublished(json) = m else { return }
            // Every event is read through the catalogue (Event, EventBody),
            // whatever its kind; one outside it is said on stderr, not shown
            // as if it were one.
            guard let o = (try? JSON.parse(json))?.object, let event = Event(json: o) else {
                printError("pppctl: an event outside the catalogue: \(json.prefix(200))")
                return
            }
            seen += 1
            // Unbuffered: a script reading the stream sees each event at once.
            emit(options.json ? JSON.object(event.json).encoded() : humanEvent(event))
        })
    }
}

func emit(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

/// "KIND COMPONENT field=value …", the fields in the catalogue's order.
func humanEvent(_ e: Event) -> String {
    var s = "\(e.kind.rawValue) \(e.component?.description ?? "?")"
    for (k, v) in e.body.fields { s += " \(k)=\(v.cell)" }
    return s
}
