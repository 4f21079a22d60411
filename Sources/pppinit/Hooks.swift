// pppd's hook scripts, run for ncpd (which parses wire input and so never
// execs): ip-up, ip-down, ipv6-up, ipv6-down with pppd's argument order
// (interface tty-device speed local remote ipparam) and environment, and our
// ipv6-prefix-up/-down for a DHCPv6 delegated prefix (interface, then the
// prefix; docs/design.md "IPv6 RA and DHCPv6"), one at a time per session in
// the order asked, killed after a timeout; and the usepeerdns resolv file.
// Only the configured absolute paths ever run.
import IPv6Services
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class Hooks {
    let config: RouterConfig
    let loop: EventLoop
    private var log = Log(prefix: "pppinit")
    /// Running hook pid → its session; per-session queues keep ip-down after ip-up.
    private var running: [Int32: String] = [:]
    private var queues: [String: [(path: String, argv: [String], env: [String])]] = [:]
    private(set) var ran = 0
    private(set) var refused = 0

    init(config: RouterConfig, loop: EventLoop) {
        self.config = config
        self.loop = loop
    }

    /// Checks what ncpd asks for; anything odd is refused and logged.
    func requested(_ h: HookRequest, log: inout Log) {
        guard let port = config.ports.first(where: { $0.name == h.port }), h.session.hasPrefix(h.port + ":"),
              Self.isInterfaceName(h.interface), !h.peerName.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }),
              h.lanInterface.isEmpty || Self.isInterfaceName(h.lanInterface) else {
            refused += 1
            log.warning("hook \(h.event.name) for '\(h.session)' refused: session, port or interface not valid")
            return
        }
        if h.event.isPrefix {
            guard let path = config.hooks.scripts[h.event], let p = h.prefix else { return }
            queue(h.session, prefixJob(h, p, path: path))
            return
        }
        let v4 = h.event == .ipUp || h.event == .ipDown
        if v4 && h.usePeerDNS && !config.hooks.resolvFile.isEmpty {
            if h.event == .ipUp { writeResolv(h.dns) } else { _ = unlink(config.hooks.resolvFile) }
        }
        guard let path = config.hooks.scripts[h.event] else { return }
        let local = v4 ? IPv4.format(UInt32(truncatingIfNeeded: h.local)) : "fe80::" + Self.identifier(h.local)
        let remote = v4 ? IPv4.format(UInt32(truncatingIfNeeded: h.remote)) : "fe80::" + Self.identifier(h.remote)
        // pppd: the tty device (or what stands for it) and its speed.
        let device = port.kind == .tty || port.kind == .pppoe ? port.device : port.name
        let speed = port.kind == .tty ? "\(port.speed)" : "0"
        let argv = [path, h.interface, device, speed, local, remote, ""]
        var env = [
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "IFNAME=\(h.interface)", "DEVICE=\(device)", "SPEED=\(speed)",
            "PEERNAME=\(h.peerName)", "LINKNAME=\(h.session)", "ORIG_UID=0", "PPPLOGNAME=root",
            "CONNECT_TIME=\(h.connectSeconds)", "BYTES_SENT=\(h.octetsSent)", "BYTES_RCVD=\(h.octetsReceived)",
        ]
        if v4 {
            env += ["IPLOCAL=\(local)", "IPREMOTE=\(remote)"]
            if h.usePeerDNS {
                env.append("USEPEERDNS=1")
                for (i, d) in h.dns.prefix(2).enumerated() { env.append("DNS\(i + 1)=\(IPv4.format(d))") }
            }
        } else {
            env += ["LLLOCAL=\(local)", "LLREMOTE=\(remote)"]
        }
        queue(h.session, (path, argv, env))
    }

    private func queue(_ session: String, _ job: (path: String, argv: [String], env: [String])) {
        queues[session, default: []].append(job)
        if !running.values.contains(session) { startNext(session) }
    }

    /// ipv6-prefix-up/-down: `script interface prefix/length` with the
    /// prefix, its length and lifetimes (RFC 8415 §21.22) apart in the
    /// environment, and on a CPE the LAN interface given its first /64.
    private func prefixJob(_ h: HookRequest, _ p: IPv6PrefixValue, path: String)
        -> (path: String, argv: [String], env: [String]) {
        let address = IPv6Address(bytes: p.address).description
        let text = "\(address)/\(p.length)"
        var env = [
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "IFNAME=\(h.interface)", "PEERNAME=\(h.peerName)",
            "LINKNAME=\(h.session)", "ORIG_UID=0", "PPPLOGNAME=root",
            "PREFIX=\(address)", "PREFIXLEN=\(p.length)", "DELEGATED_PREFIX=\(text)",
            "PREFERRED_LIFETIME=\(h.preferredLifetime)", "VALID_LIFETIME=\(h.validLifetime)",
        ]
        if !h.lanInterface.isEmpty { env.append("LAN_IFNAME=\(h.lanInterface)") }
        return (path, [path, h.interface, text], env)
    }

    private func startNext(_ session: String) {
        guard var queue = queues[session], !queue.isEmpty else { queues[session] = nil; return }
        let job = queue.removeFirst()
        queues[session] = queue
        do {
            let null = try Sys.devNull()
            // Scripts log to pppinit's own output, as the daemons do.
            let pid = try Sys.spawn(path: job.path, argv: job.argv, env: job.env, stdin: null.raw, output: 2, fds: [])
            running[pid] = session
            ran += 1
            log.info("\(session): \(job.path) \(job.argv.dropFirst().joined(separator: " ")) (pid \(pid))")
            let timeout = config.hooks.timeout
            loop.schedule(after: timeout) { [weak self] in
                guard let self, self.running[pid] != nil else { return }
                self.log.warning("\(session): \(job.path) still running after \(timeout) s: SIGKILL")
                _ = kill(-pid, SIGKILL)  // ppp_spawn made it a session leader
                _ = kill(pid, SIGKILL)
            }
        } catch {
            log.warning("\(session): cannot run \(job.path): \(error)")
            startNext(session)
        }
    }

    /// SIGCHLD reaped a pid that is not a daemon.
    func reaped(pid: Int32, how: String) {
        guard let session = running.removeValue(forKey: pid) else { return }
        if how != "exit 0" { log.notice("\(session): hook pid \(pid) ended: \(how)") }
        startNext(session)
    }

    /// pppd's usepeerdns file: "nameserver A" lines, replaced atomically.
    private func writeResolv(_ dns: [UInt32]) {
        guard !dns.isEmpty else { return }
        let path = config.hooks.resolvFile
        let temporary = path + ".ppprouter"
        let text = dns.prefix(2).map { "nameserver \(IPv4.format($0))\n" }.joined()
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { log.warning("resolv-file \(temporary): \(Errno.describe(errno))"); return }
        Sys.write(fd, Array(text.utf8))
        _ = close(fd)
        if rename(temporary, path) != 0 { log.warning("resolv-file \(path): \(Errno.describe(errno))") }
    }

    static func isInterfaceName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count < 16 && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x2d || b == 0x2e || b == 0x5f
        }
    }

    static func identifier(_ id: UInt64) -> String {
        (0..<4).map { String(UInt16(truncatingIfNeeded: id >> (48 - 16 * UInt64($0))), radix: 16) }.joined(separator: ":")
    }
}
