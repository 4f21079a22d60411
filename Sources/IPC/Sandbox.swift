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
        "recvmsg", "sendmsg", "recvfrom", "sendto", "socket", "socketpair", "connect",
        "getsockopt", "setsockopt", "shutdown", "poll", "ppoll",
        "fcntl", "dup", "dup3", "fstat", "newfstatat", "statx", "lseek",
        "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
        "futex", "mmap", "munmap", "mremap", "madvise", "brk", "mprotect",
        "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "getrandom",
        "sched_yield", "sched_getaffinity", "restart_syscall", "exit", "exit_group",
        "prlimit64", "uname", "rseq", "set_robust_list",
    ]

    /// The names libseccomp does not know on this architecture.
    public static func unknownSyscalls(_ names: [String]) -> [String] {
        names.filter { ppp_syscall_known($0) == 0 }
    }

    /// Drops to `setup`'s uid/gid keeping only `setup.capabilities`, sets
    /// no_new_privs and loads the seccomp allowlist (base + `setup.syscalls`).
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
        // Changing credentials clears the parent-death signal; set it again so
        // a dying pppinit never leaves an orphan daemon.
        _ = ppp_set_pdeathsig(SIGTERM)
        if getppid() != parent { throw SandboxError(step: "parent exited", errno: ESRCH) }
        try loadSeccomp(baseSyscalls + setup.syscalls, mode: setup.seccomp)
    }

    public static func loadSeccomp(_ names: [String], mode: SeccompMode) throws(SandboxError) {
        var unknown: Int32 = 0
        var cstrings = names.map { strdup($0) }
        defer { cstrings.forEach { free($0) } }
        let rc = cstrings.withUnsafeMutableBufferPointer { buf in
            buf.withMemoryRebound(to: UnsafePointer<CChar>?.self) {
                ppp_seccomp_allow($0.baseAddress, Int32($0.count), Int32(mode.rawValue), &unknown)
            }
        }
        if unknown > 0 { throw SandboxError(step: "seccomp: unknown syscall '\(names[Int(unknown) - 1])'", errno: -rc) }
        if rc != 0 { throw SandboxError(step: "seccomp_load", errno: -rc) }
    }
}

public struct SandboxError: Error, CustomStringConvertible {
    public let step: String
    public let errno: Int32
    public var description: String { "privilege drop failed at \(step): \(Errno.describe(errno))" }
}
