// The privilege drop every daemon performs once it has opened what its job
// needs (STYLE.md order): bounding set, KEEPCAPS, setgroups/setresgid/
// setresuid, only the kept capabilities, no_new_privs, then the seccomp
// allowlist. After this a daemon parses hostile input.
#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Linux capability numbers we ever keep (linux/capability.h).
public enum Capability: UInt8, Sendable, CaseIterable {
    /// Configure interfaces, addresses and routes; create TUN units (ncpd).
    case netAdmin = 12
    /// Open AF_PACKET sockets for PPPoE (linkd on a pppoe port).
    case netRaw = 13

    public var name: String {
        switch self {
        case .netAdmin: "cap_net_admin"
        case .netRaw: "cap_net_raw"
        }
    }

    /// The CapEff bit mask of a set, as /proc/PID/status prints it.
    public static func mask(_ caps: [UInt8]) -> UInt64 {
        caps.reduce(0) { $0 | (1 << UInt64($1)) }
    }
}

public enum Sandbox {
    /// Syscalls every daemon needs after the drop: its epoll loop, timers,
    /// Unix sockets with descriptor passing (handoffs create socketpairs),
    /// the Swift runtime's memory management and thread primitives, and exit.
    public static let baseSyscalls: [String] = [
        "read", "write", "readv", "writev", "pread64", "close", "close_range",
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl",
        "timerfd_settime", "timerfd_gettime", "clock_gettime", "clock_nanosleep", "nanosleep",
        "recvmsg", "sendmsg", "recvfrom", "sendto",
        "getsockopt", "setsockopt", "shutdown", "poll", "ppoll",
        "fcntl", "dup", "dup3", "fstat", "newfstatat", "statx", "lseek",
        "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
        "futex", "mmap", "munmap", "mremap", "madvise", "brk", "mprotect",
        "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "getrandom",
        "sched_yield", "sched_getaffinity", "restart_syscall", "exit", "exit_group",
        "prlimit64", "uname", "rseq", "set_robust_list",
    ]

    /// The base allowlist as rules: every daemon creates Unix sockets (its
    /// rendezvous conversations, handoff datagrams, SEQPACKET channel pairs),
    /// and no other family unless its service-table row says so. A rendezvous
    /// point is reached by sendmsg(2) with an address, so no daemon connect(2)s
    /// but linkd's dials. sendto(2) stays unconditioned (send(2) on a channel,
    /// authd's DAE replies): its address is a pointer the filter cannot read,
    /// and a daemon without a socket of another family reaches Unix peers only.
    public static let baseRules: [SyscallRule] = baseSyscalls.map { SyscallRule($0) } + [
        .when("socket", argument: 0, is: SyscallArgument.afUnix),
        .when("socketpair", argument: 0, is: SyscallArgument.afUnix),
    ]

    /// The names libseccomp does not know on this architecture.
    public static func unknownSyscalls(_ names: [String]) -> [String] {
        names.filter { ppp_syscall_known($0) == 0 }
    }

    /// Drops to `setup`'s uid/gid keeping only `setup.capabilities`, sets
    /// no_new_privs and loads the seccomp allowlist (`rules(setup)`).
    public static func drop(_ setup: DaemonSetup) throws(SandboxError) {
        let keep = setup.capabilities.map { Int32($0) }
        // pppinit may itself be PID 1 (a container), so compare, don't test for 1.
        let parent = getppid()
        var step: UnsafePointer<CChar>? = nil
        let rc = keep.withUnsafeBufferPointer { ppp_drop_privileges(setup.uid, setup.gid, $0.baseAddress, Int32($0.count), &step) }
        if rc != 0 {
            let what = step.map { String(cString: $0) } ?? "drop"
            throw SandboxError(step: what, errno: errno)
        }
        // No parent-death signal: a daemon outlives pppinit and re-attaches
        // to the next one (docs/design.md, issue 20 point 2). A parent that
        // died during the drop is still a failed start.
        if getppid() != parent { throw SandboxError(step: "parent exited", errno: ESRCH) }
        try loadSeccomp(rules(setup, pid: getpid()), mode: setup.seccomp)
    }

    /// The whole allowlist a daemon loads: base rules, its own, and signals
    /// to its own threads only (`pid`: the daemon's). abort(3) raises SIGABRT
    /// with tgkill(2); without it a Swift runtime trap (a precondition, an
    /// overflow) would read as a seccomp kill, SIGSYS, in pppinit's log.
    public static func rules(_ setup: DaemonSetup, pid: pid_t) -> [SyscallRule] {
        baseRules + setup.syscalls + [.when("tgkill", argument: 0, is: UInt64(UInt32(bitPattern: pid)))]
    }

    public static func loadSeccomp(_ rules: [SyscallRule], mode: SeccompMode) throws(SandboxError) {
        var unknown: Int32 = 0
        var cstrings = rules.map { strdup($0.name) }
        defer { cstrings.forEach { free($0) } }
        let counts = rules.map { Int32($0.conditions.count) }
        let conditions = rules.flatMap(\.conditions)
        let args = conditions.map(\.argument)
        let masks = conditions.map { CUnsignedLongLong($0.mask) }
        let values = conditions.map { CUnsignedLongLong($0.value) }
        let rc = cstrings.withUnsafeMutableBufferPointer { buf in
            buf.withMemoryRebound(to: UnsafePointer<CChar>?.self) { names in
                ppp_seccomp_allow_rules(names.baseAddress, counts, Int32(names.count), args, masks, values,
                                        Int32(mode.rawValue), &unknown)
            }
        }
        if unknown > 0 { throw SandboxError(step: "seccomp: unknown syscall '\(rules[Int(unknown) - 1].name)'", errno: -rc) }
        if rc != 0 { throw SandboxError(step: "seccomp_load", errno: -rc) }
    }
}

public struct SandboxError: Error, CustomStringConvertible {
    public let step: String
    public let errno: Int32
    public var description: String { "privilege drop failed at \(step): \(Errno.describe(errno))" }
}
