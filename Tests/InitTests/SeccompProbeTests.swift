// Each daemon's real allowlist — Sandbox.rules of the DaemonSetup pppinit
// sends it, the list Sandbox.drop loads — loaded with seccomp = kill in a
// forked child of this test: a call the daemon needs still works, and a call
// issue 15.7 forbids kills the child with SIGSYS. (RouterTests reads the
// running daemons' /proc/PID/status for Seccomp: 2.) The child runs only the
// loader and raw syscalls, so this test process itself stays unfiltered.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import Testing
@testable import pppinit

private let tunSetPersist: UInt = 0x4004_54cb

/// One probe: in `daemon`'s filter, `allowed` must succeed and `forbidden` must kill.
struct SeccompProbe: Sendable, CustomTestStringConvertible {
    let daemon: String
    let what: String
    let allowed: @Sendable () -> Bool
    let forbidden: @Sendable () -> Void
    var testDescription: String { "\(daemon): \(what)" }
}

private func makes(_ family: Int32, _ type: Int32) -> Bool {
    let fd = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
    if fd >= 0 { close(fd) }
    return fd >= 0
}

private let dgram = Int32(SOCK_DGRAM.rawValue), stream = Int32(SOCK_STREAM.rawValue), raw = Int32(SOCK_RAW.rawValue)

let seccompProbes: [SeccompProbe] = [
    SeccompProbe(daemon: "bridged", what: "no Internet socket", allowed: { makes(AF_UNIX, dgram) },
                 forbidden: { _ = socket(AF_INET, dgram, 0) }),
    SeccompProbe(daemon: "bridged", what: "no ioctl", allowed: { makes(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue)) },
                 forbidden: { _ = ioctl(0, UInt(FIONREAD), 0) }),
    SeccompProbe(daemon: "bridged", what: "no connect", allowed: { makes(AF_UNIX, dgram) },
                 forbidden: { _ = connect(-1, nil, 0) }),
    // Issue 17: ncpd connects (bind-or-connect of a bundle's rendezvous
    // point) and unlinks, but still listens on nothing.
    SeccompProbe(daemon: "ncpd", what: "connect and unlink for bundles, no listen",
                 allowed: { makes(AF_NETLINK, raw) && connect(-1, nil, 0) == -1 && errno == EBADF
                            && unlink("/nonexistent-ppprouter-probe") == -1 && errno == ENOENT },
                 forbidden: { _ = listen(-1, 0) }),
    SeccompProbe(daemon: "authd", what: "no new UDP socket after the drop", allowed: { makes(AF_UNIX, dgram) },
                 forbidden: { _ = socket(AF_INET, dgram, 0) }),
    SeccompProbe(daemon: "ncpd", what: "no ioctl but TUNSETIFF and SIOCGIFINDEX", allowed: { makes(AF_NETLINK, raw) },
                 forbidden: { _ = ioctl(0, tunSetPersist, 0) }),
    SeccompProbe(daemon: "ncpd", what: "no creating open", allowed: { makes(AF_NETLINK, raw) },
                 forbidden: { _ = open("/tmp/ppprouter-seccomp-probe", O_RDWR | O_CREAT, 0o600) }),
    SeccompProbe(daemon: "ncpd", what: "no Internet socket", allowed: { makes(AF_UNIX, dgram) },
                 forbidden: { _ = socket(AF_INET, dgram, 0) }),
    SeccompProbe(daemon: "linkd@u0", what: "TCP dials only", allowed: { makes(AF_INET6, stream) && makes(AF_INET, stream) },
                 forbidden: { _ = socket(AF_INET, dgram, 0) }),
    SeccompProbe(daemon: "bridged", what: "signals its own threads only", allowed: { ppp_tgkill(getpid(), getpid(), 0) == 0 },
                 forbidden: { _ = ppp_tgkill(getppid(), getppid(), 0) }),
    SeccompProbe(daemon: "linkd@u0", what: "no packet socket", allowed: { makes(AF_UNIX, dgram) },
                 forbidden: { _ = socket(AF_PACKET, raw, 0) }),
]

@Test(arguments: seccompProbes)
func daemonFilterKillsForbiddenCall(_ probe: SeccompProbe) throws {
    let c = try RouterConfig.parse("""
        [port.u0]
        type = "udp"
        local = "127.0.0.1:1"
        """, file: "r.toml")
    let r = Router(config: c, loop: try EventLoop())
    let setup = try #require(r.component(named: probe.daemon)).setup
    #expect(setup.seccomp == .kill)
    // Run the loader once here up to its refusal of an unknown name, so the
    // child's call does not instantiate runtime metadata for the first time.
    #expect(throws: SandboxError.self) { try Sandbox.loadSeccomp([SyscallRule("no_such_syscall")], mode: .kill) }
    #expect(Sandbox.rules(setup, pid: getpid()).contains { $0.name == "tgkill" })
    let pid = fork()
    if pid == 0 {
        // The rules name the daemon's own pid (tgkill), so the child's.
        do { try Sandbox.loadSeccomp(Sandbox.rules(setup, pid: getpid()), mode: .kill) } catch { _exit(10) }
        if !probe.allowed() { _exit(11) }
        probe.forbidden()
        _exit(12)
    }
    try #require(pid > 0)
    // A bound so a wedged child cannot hang the suite; not a timing check.
    var status: Int32 = 0
    var reaped: pid_t = 0
    for _ in 0..<1200 where reaped == 0 {
        reaped = waitpid(pid, &status, WNOHANG)
        if reaped == 0 { usleep(100_000) }
    }
    if reaped == 0 { kill(pid, SIGKILL); _ = waitpid(pid, &status, 0) }
    // wait(2) status: low 7 bits the signal, or 0 and the exit code above them.
    let signal = status & 0x7f, code = (status >> 8) & 0xff
    #expect(signal == SIGSYS, "\(probe.daemon) \(probe.what): exit \(code) signal \(signal) (10 load failed, 11 allowed call refused, 12 forbidden call not killed)")
}
