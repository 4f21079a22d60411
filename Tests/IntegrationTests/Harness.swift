// Runs the real executables: a pppinit with its own runtime directory, and
// pppctl against it. Needs root (daemons drop to their own uids); every
// router started here is stopped by the test that started it.
import Foundation
import IPC
import Testing

let isRoot = getuid() == 0
/// socat drives the pty and TCP peers of several suites.
let hasSocat = FileManager.default.isExecutableFile(atPath: "/usr/bin/socat")

/// Where `swift build` put the executables (beside the test bundle).
let binDir: String = {
    if let d = ProcessInfo.processInfo.environment["PPP_BIN_DIR"] { return d }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
}()

let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a command to completion with a time bound. Output goes through
/// files so no reader thread is needed.
func run(_ path: String, _ args: [String], timeout: Double = 30) throws -> CommandResult {
    let base = "/tmp/ppprouter-cmd-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
    _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
    p.standardError = FileHandle(forWritingAtPath: base + ".err")
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    return CommandResult(status: p.terminationStatus,
                         stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
}

/// The network namespace routers run in unless a test names its own: made
/// once per test process with loopback up, deleted at exit (and by
/// scripts/test.sh afterwards, should the process die). The TUN units ncpd
/// creates appear there, never in the host's namespace.
let sharedTestNamespace: String = {
    let name = "ppptest-\(getpid())"
    _ = try? run("/usr/sbin/ip", ["netns", "add", name])
    _ = try? run("/usr/sbin/ip", ["-n", name, "link", "set", "lo", "up"])
    atexit { _ = try? run("/usr/sbin/ip", ["netns", "delete", "ppptest-\(getpid())"]) }
    return name
}()

func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

/// One running router.
final class RouterUnderTest {
    let runtimeDir: String
    /// pppinit (a new one after `replaceInit`, PppinitDeathTests).
    private(set) var process = Process()
    let logPath: String
    private let launch: () -> Process

    /// `netns`: run pppinit inside that network namespace (`ip netns exec`,
    /// which execs, so `process` is pppinit itself), so the TUN units its
    /// ncpd creates appear there; by default the shared test namespace.
    /// `descriptorLimit`: start pppinit under prlimit with this soft and
    /// hard RLIMIT_NOFILE (prlimit execs too, so `process` stays pppinit).
    /// `environment`: added to pppinit's; a value "$LOG_STREAM" becomes the
    /// log file's "DEV:INODE" (a JOURNAL_STREAM naming pppinit's stderr).
    /// `bin`: the directory pppinit is run from (it spawns the daemons
    /// from its own directory): a copy of the build for upgrade tests.
    init(config: String = packageRoot + "/compose/minimal.toml", netns: String? = sharedTestNamespace,
         descriptorLimit: Int? = nil, environment: [String: String] = [:], bin: String = binDir) throws {
        let id = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        runtimeDir = "/tmp/ppprouter-test-\(id)"
        logPath = "/tmp/ppprouter-test-\(id).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let (runtimeDir, logPath) = (runtimeDir, logPath)
        launch = {
            let process = Process()
            let log = FileHandle(forWritingAtPath: logPath)!
            log.seekToEndOfFile()
            // pppinit spawns its daemons from PPP_BIN_DIR when set, else from
            // its own directory (`bin`): a PPP_BIN_DIR the test runner was
            // started with would make a pppinit run from another `bin` start
            // that build's daemons, so it is not passed on unless asked for.
            var st = stat()
            stat(logPath, &st)
            var env = ProcessInfo.processInfo.environment
            env["PPP_BIN_DIR"] = nil
            for (k, v) in environment { env[k] = v == "$LOG_STREAM" ? "\(st.st_dev):\(st.st_ino)" : v }
            process.environment = env
            if let netns {
                process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
                process.arguments = ["netns", "exec", netns, bin + "/pppinit", "--config", config, "--runtime-dir", runtimeDir]
            } else {
                process.executableURL = URL(fileURLWithPath: bin + "/pppinit")
                process.arguments = ["--config", config, "--runtime-dir", runtimeDir]
            }
            if let descriptorLimit, let command = process.executableURL?.path {
                process.arguments = ["--nofile=\(descriptorLimit):\(descriptorLimit)", command] + (process.arguments ?? [])
                process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            }
            process.standardOutput = log
            process.standardError = log
            return process
        }
        process = launch()
        try process.run()
    }

    /// `kill -9` of pppinit; the daemons stay (issue 20 point 2).
    func killInit() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A new pppinit on the same config and runtime dir, logging on.
    func startInit() throws {
        process = launch()
        try process.run()
    }

    deinit { stop() }

    func ctl(_ args: [String], asUser uid: UInt32? = nil) throws -> CommandResult {
        let full = ["--runtime-dir", runtimeDir] + args
        if let uid {
            return try run("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups",
                                                 binDir + "/pppctl"] + full)
        }
        return try run(binDir + "/pppctl", full)
    }

    func components() throws -> [String: JSON] {
        let r = try ctl(["--json", "components"])
        guard r.status == 0, let list = try JSON.parse(r.stdout)["data"]?.array else { return [:] }
        var out: [String: JSON] = [:]
        for c in list { if let n = c["name"]?.string { out[n] = c } }
        return out
    }

    /// Polls until `condition` holds on the components (bounded).
    @discardableResult
    func waitFor(seconds: Double = 20, _ condition: ([String: JSON]) -> Bool) throws -> [String: JSON] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [String: JSON] = [:]
        while Date() < deadline {
            last = (try? components()) ?? [:]
            if condition(last) { return last }
            usleep(50_000)
        }
        Issue.record("condition not reached in \(seconds) s; last: \(last); log:\n\(self.log)")
        return last
    }

    func allRunning() throws -> [String: JSON] {
        try waitFor { list in !list.isEmpty && list.values.allSatisfy { $0["state"]?.string == "running" } }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                // Its daemons outlive a killed pppinit and wait for the
                // next one; without the runtime dir they know none is coming.
                try? FileManager.default.removeItem(atPath: runtimeDir)
            }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// Appended to a config whose test stops a daemon on purpose (SIGSTOP) to
/// play a silent peer: pppinit's watchdog would kill and restart it.
let withoutWatchdog = "[supervisor]\nwatchdog-interval = 0"

func pid(_ c: JSON?) -> Int32? { c?["pid"]?.int.map { Int32($0) } }
