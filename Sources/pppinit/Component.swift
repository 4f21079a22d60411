// One supervised daemon: its identity and setup, its supervision state, and
// the process currently running it (pid, init link, log pipe).
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

final class Component {
    let name: String           // "authd", "linkd@udp0"
    /// The daemon's role on its init link; its executable has the same name.
    let peer: Peer
    var executable: String { peer.description }
    /// `var`: authd's settings are re-read from the config file when it restarts.
    var setup: DaemonSetup
    var supervision = Supervision()
    var pid: Int32?
    var link: Link?
    var log: LogPipe?
    var startedAt: Instant?
    var readyTimer: TimerID?
    var killTimer: TimerID?
    var backoffTimer: TimerID?
    /// The next watchdog ping (Router+Watchdog.swift).
    var watchdogTimer: TimerID?
    var lastExit = ""
    /// Spawned from here instead of BIN_DIR/NAME: the copy of its old
    /// executable, after an upgrade rolled it back (issue 20).
    var executablePath: String?
    /// The daemon's named rendezvous point (DIR/NAME), bound by pppinit so
    /// that it outlives restarts: what other daemons send while this one
    /// restarts waits in the socket. Inherited as fd 4 "rendezvous".
    var rendezvous: SharedDescriptor?
    /// authd's RFC 5176 UDP socket, bound by pppinit; inherited as "dae";
    /// metricsd's listening TCP socket, inherited as "metrics".
    var listener: SharedDescriptor?
    /// An adopted daemon (not our child): the pidfd we watch for its exit
    /// and signal it through, and the process we expect to attach.
    var pidfd: SharedDescriptor?
    var adoptee: ProcessStart?
    /// Calls forwarded to this daemon: daemon-side call id → where to answer.
    var relays: [UInt32: Relay] = [:]
    /// Its port (or [metrics]) left the config in a reload: once it has
    /// stopped it leaves the table (Router+Reload.swift).
    var removing = false
    /// Its port's transport changed in a reload: once it has stopped, its
    /// fd store entries close and it starts again (Router+Reload.swift).
    var replacing = false
    /// Waiting for the next ready (pppctl restart answers then).
    var readyWaiters: [(Link, UInt32)] = []

    struct Relay {
        let client: Link
        let callID: UInt32
    }

    /// authd, ncpd and bridged are reached at DIR/NAME (fd 4 "rendezvous").
    var hasRendezvous: Bool { peer != .linkd && peer != .metricsd }

    /// A signal to the running process: through its pidfd when adopted
    /// (its pid may be reused once its real parent reaps it).
    func send(_ sig: Int32) {
        if let fd = pidfd { _ = ppp_pidfd_send_signal(fd.raw, sig) } else if let pid { _ = kill(pid, sig) }
    }

    init(name: String, peer: Peer, setup: DaemonSetup) {
        self.name = name
        self.peer = peer
        self.setup = setup
    }

    func json(now: Instant) -> JSON {
        let status = pid.flatMap { ProcStatus.read(pid: $0) }
        var o: JSONObject = [
            "name": .string(name),
            "pid": pid.map { .int(Int64($0)) } ?? .null,
            "uid": status.map { .int(Int64($0.uid)) } ?? .null,
            "state": .string(supervision.state.rawValue),
            "want": .string(supervision.want.rawValue),
            "restarts": .int(Int64(supervision.restarts)),
            "uptime": startedAt.map { .double((now.seconds(since: $0) * 10).rounded() / 10) } ?? .null,
        ]
        if let status {
            o["cap_eff"] = .string(paddedHex(status.capEff))
            o["no_new_privs"] = .int(Int64(status.noNewPrivs))
            o["seccomp"] = .int(Int64(status.seccomp))
            o["rss_bytes"] = .int(Int64(status.rssBytes))
            o["fds"] = pid.flatMap { ProcStatus.descriptorCount(pid: $0) }.map { .int(Int64($0)) } ?? .null
        } else {
            o["cap_eff"] = .null
            o["no_new_privs"] = .null
            o["seccomp"] = .null
            o["rss_bytes"] = .null
            o["fds"] = .null
        }
        o["last_exit"] = lastExit.isEmpty ? .null : .string(lastExit)
        return .object(o)
    }
}


/// Reads a daemon's stdout/stderr and writes whole lines out under the
/// component's name, keeping the daemon's timestamp and level (LogLine).
final class LogPipe {
    let fd: FileDescriptor
    let prefix: String
    private var partial: [UInt8] = []

    init(_ fd: consuming FileDescriptor, prefix: String) {
        self.fd = fd
        self.prefix = prefix
    }

    /// Returns false at EOF.
    func drain(into emit: (LogLine) -> Void) -> Bool {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { Sys.read(fd.raw, $0) }
        if n < 0 { return true }  // EAGAIN
        if n == 0 {
            if !partial.isEmpty { emit(line(partial[...])); partial = [] }
            return false
        }
        partial.append(contentsOf: buf[0..<n])
        while let nl = partial.firstIndex(of: 10) {
            emit(line(partial[..<nl]))
            partial.removeSubrange(...nl)
        }
        if partial.count > 4096 {  // a runaway line: cut it
            emit(line(partial[...])); partial = []
        }
        return true
    }

    /// A daemon's line with its name; anything that is not one of Log's
    /// lines (the Swift runtime's crash report) is a warning stamped now.
    func line(_ bytes: ArraySlice<UInt8>) -> LogLine {
        if var parsed = LogLine.parse(bytes) {
            parsed.component = prefix
            return parsed
        }
        return LogLine(time: Log.timestamp(), level: .warning, component: prefix,
                       message: String(decoding: bytes, as: UTF8.self))
    }
}
