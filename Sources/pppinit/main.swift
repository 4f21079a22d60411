// pppinit: the tiny init of ppprouter. Reads the config, creates the runtime
// dir and the control socket, spawns and wires the daemons, restarts them,
// holds the fd store, answers pppctl. No protocol parsing happens here.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import Config
import IPC

let usage = """
usage: pppinit --config FILE [--runtime-dir DIR]
       pppinit --check FILE
       pppinit --version
  --config FILE       the router's TOML configuration
  --runtime-dir DIR   where the control socket lives (default \(DaemonSetup.defaultRuntimeDir))
  --check FILE        validate FILE as a start would, start nothing: "FILE: ok", or
                      "file:line: reason" and exit 1
  --version           print the version
  --resume-fd N       (pppctl upgrade only) the state the previous image left
                      in descriptor N: adopt its daemons instead of starting them

"""

func fail(_ message: String, code: Int32) -> Never {
    Log(prefix: "pppinit").error(message)
    exit(code)
}

Log.configure(format: .plain, journal: Log.stderrIsJournal(Environment.current))

var configPath: String?
var runtimeDir: String?
var resumeFD: Int32?
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--config": configPath = args.popFirst()
    case "--runtime-dir": runtimeDir = args.popFirst()
    case "--resume-fd":
        guard let n = args.popFirst().flatMap({ Int32($0) }), n >= 3 else { Sys.write(2, Array(usage.utf8)); exit(2) }
        resumeFD = n
    case "--version": Sys.write(1, Array((Version.line("pppinit") + "\n").utf8)); exit(0)
    case "--check":
        guard let path = args.popFirst() else { Sys.write(2, Array(usage.utf8)); exit(2) }
        exit(ConfigCheck.run(path: path))
    case "-h", "--help": Sys.write(1, Array(usage.utf8)); exit(0)
    default: Sys.write(2, Array(usage.utf8)); exit(2)
    }
}
guard let configPath else { Sys.write(2, Array(usage.utf8)); exit(2) }

var config: RouterConfig
do {
    var warnings: [ConfigError] = []
    config = try RouterConfig.checked(path: configPath, warnings: &warnings)
    for w in warnings { Log(prefix: "pppinit").warning("\(w)") }
} catch {
    fail("\(error)", code: 2)
}
if let runtimeDir { config.runtimeDir = runtimeDir }
// Issue 17: a bundle's rendezvous point is DIR/bundle/<32 hex digits>, and
// sun_path is 108 octets.
if config.ports.contains(where: { $0.multilink.enabled }),
   config.runtimeDir.utf8.count > BundleRendezvous.longestRuntimeDir {
    fail("runtime-dir \(config.runtimeDir) is longer than \(BundleRendezvous.longestRuntimeDir) octets: multilink bundles' sockets would not fit in it", code: 2)
}
Log.configure(format: config.logFormat, journal: Log.journal)
let unknownSyscalls = Service.unknownSyscalls
guard unknownSyscalls.isEmpty else { fail("seccomp: unknown syscalls \(unknownSyscalls)", code: 1) }
guard geteuid() == 0 else { fail("must start as root: it spawns daemons that drop to their own uids", code: 1) }

signal(SIGPIPE, SIG_IGN)
// A daemon's own descendants come to us, not init, if it dies. Daemons a
// previous pppinit left running are not our children: they are watched
// through pidfds (Router+Adoption.swift).
_ = ppp_set_child_subreaper()
// Thousands of sessions need more than the usual 1024 descriptors, in
// pppinit (the fd store) and in the daemons, which inherit the limit.
DescriptorLimit.raiseToHard()
// What that limit carries (issue 13): an AC that asks for more sessions than
// fit is lowered, so it refuses at discovery rather than dropping later.
if let limit = DescriptorLimit.current {
    let budget = DescriptorBudget(limit: Int(clamping: limit))
    var log = Log(prefix: "pppinit")
    switch budget.fit(&config.ports, bridged: DescriptorBudget.bridging(config)) {
    case .fits: break
    case let .lowered(changes):
        for (port, c) in changes.sorted(by: { $0.key < $1.key }) {
            log.warning("port \(port): max-sessions \(c.from) does not fit the descriptor limit; lowered to \(c.to) (\(budget.arithmetic))")
        }
    case .refused:
        fail("\(config.ports.count) ports do not fit the descriptor limit (\(budget.arithmetic)); raise RLIMIT_NOFILE", code: 1)
    }
}
let loop: EventLoop
do { loop = try EventLoop() } catch { fail("\(error)", code: 1) }
let router = Router(config: config, loop: loop)

if let resumeFD {
    // Re-executed by `pppctl upgrade` (Router+Reexec.swift): the control
    // socket, the rendezvous points and the daemons exist; adopt them. A
    // record that cannot be read: this process exits as at any pppinit
    // death, and the daemons wait for the next pppinit to adopt them.
    do {
        try router.resume(try Router.readStateRecord(fd: resumeFD))
    } catch {
        fail("cannot adopt the previous image's state: \(error)", code: 1)
    }
} else { do {
    try Sys.makeDirectory(config.runtimeDir)
    switch try Rendezvous.open(config.runtimeDir + "/control") {
    case let .owner(socket):
        router.control = try ControlServer(socket: socket, router: router, loop: loop)
    case .client:
        fail("another pppinit is running on \(config.runtimeDir)/control", code: 1)
    }
    router.findAdoptees()
    try router.openRendezvousPoints()
} catch {
    fail("runtime dir \(config.runtimeDir): \(error)", code: 1)
} }

var stopping = false
do {
    try loop.handleSignals([SIGCHLD, SIGTERM, SIGINT, SIGHUP]) { sig, _ in
        switch sig {
        case SIGCHLD:
            for r in Sys.reap() { router.reaped(pid: r.pid, how: r.how, code: r.code) }
        case SIGTERM, SIGINT:
            guard !stopping else { return }
            stopping = true
            router.shutdown {
                router.control?.closeAll()
                router.store.removeAll()
                Sys.removeDirectory(config.runtimeDir)
                router.log.notice("stopped")
                exit(0)
            }
        default:
            // SIGHUP: what `pppctl reload` does (Router+Reload.swift); the
            // outcome goes to the log, where a `systemctl reload` looks.
            guard !stopping else { return }
            _ = router.reload()
        }
    }
} catch {
    fail("signals: \(error)", code: 1)
}

if resumeFD == nil {
    router.log.notice("starting \(router.components.count) components; control socket \(config.runtimeDir)/control")
    router.boot()
}
loop.run()
