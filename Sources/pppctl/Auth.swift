// pppctl's auth commands: `auth test USER [--method M]` checks a credential
// against authd's sources without a link; `reload` makes authd re-read the
// users, secrets files and RADIUS servers (pppinit restarts it, and it reads
// them as root before dropping privileges again).
// The password is read from the terminal with echo off, or as one line from
// standard input — never from the command line, where ps would show it. It
// goes to authd in the call's arguments through pppinit, which relays calls
// without logging them; authd uses it for this one check and forgets it.
import ArgumentParser
import IPC
#if canImport(Glibc)
import Glibc
#endif

struct AuthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Authentication: check a credential.", subcommands: [Test.self])

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: ControlCommand.authTest.summary)
        @OptionGroup var options: Options
        @Argument(help: "The user name.") var user: String
        @Option(help: "pap, chap, mschapv2 or eap.") var method: String = "pap"
        @Option(help: "Our name for the secrets lookup (pppd's server column).") var server: String = ""

        func validate() throws {
            guard AuthMethod(name: method) != nil else { throw ValidationError("--method is one of pap, chap, mschapv2, eap") }
        }

        func run() throws {
            guard let password = readPassword(prompt: "Password for \(user): ") else {
                throw CtlFailure(code: .usage, message: "no password on standard input")
            }
            let args = AuthTestArguments(user: user, password: password, method: method, server: server)
            let r = try options.connect().daemonCall(ComponentName(.authd).description, .authTest, args, as: AuthTestReply.self)
            if options.json {
                options.printDocument(.authTest, r.json)
            } else {
                switch r.outcome {
                case let .accepted(source, g):
                    var line = "\(user): accepted with \(method) by \(source)"
                    if let a = g.framedAddress { line += " framed_address=\(IPv4.format(a))" }
                    if let m = g.framedNetmask { line += " framed_netmask=\(IPv4.format(m))" }
                    if let t = g.sessionTimeout { line += " session_timeout=\(t)" }
                    if let t = g.idleTimeout { line += " idle_timeout=\(t)" }
                    if let c = g.radiusClass { line += " class=\(c)" }
                    print(line)
                case let .refused(reason):
                    print("\(user): refused with \(method): \(reason)")
                }
            }
            if !r.accepted { throw CtlFailure(code: .errorReply, message: "authentication refused") }
        }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: ControlCommand.reload.summary)
    @OptionGroup var options: Options

    func run() throws {
        // pppinit checks the whole file first: a broken one is an error
        // reply (exit 1, "file:line: reason") and nothing changes.
        let parts = try options.connect().call(.daemonCallRequested(target: "pppinit", method: "reload", arguments: "{}"), timeout: 60)
        // pppinit's report (ReloadReport): what was applied, and each
        // section that differs but waits for a restart of the router.
        var report: JSON = .object([:])
        for case let .callReplied(json) in parts { report = (try? JSON.parse(json)) ?? report }
        if options.json { options.printDocument(.reload, report); return }
        for (k, v) in report["applied"]?.object ?? [:] { print("\(k): \(v.cell)") }
        for (k, v) in report["not_applied"]?.object ?? [:] { print("\(k): \(v.cell), not applied") }
    }
}

/// One line from standard input; with a terminal, prompted with echo off.
func readPassword(prompt: String) -> String? {
    var saved = termios()
    let tty = isatty(0) == 1 && tcgetattr(0, &saved) == 0
    if tty {
        printError(prompt, newline: false)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(0, TCSAFLUSH, &quiet)
    }
    defer {
        if tty { _ = tcsetattr(0, TCSAFLUSH, &saved); printError("") }
    }
    var bytes: [UInt8] = []
    var c: UInt8 = 0
    while read(0, &c, 1) == 1 {
        if c == 10 { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(c)
        if bytes.count > 4096 { return nil }
    }
    return bytes.isEmpty ? nil : String(decoding: bytes.last == 13 ? bytes.dropLast() : bytes[...], as: UTF8.self)
}
