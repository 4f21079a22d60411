// The RADIUS client: one connected UDP socket per server and port, opened
// before the privilege drop; requests retransmitted with the same Identifier
// and Request Authenticator (RFC 2865 §2.5) `retries` times per server, then
// sent afresh to the next server (failover); answers accepted only with a
// valid Response Authenticator and, when present, Message-Authenticator;
// with `requireMessageAuthenticator` (BlastRADIUS, CVE-2024-3596) an answer
// to an Access-Request without one is dropped, as FreeRADIUS 3.2.5 does.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

final class RadiusClient {
    enum Port { case authentication, accounting }

    /// What a request came to: an answer from server `server`, or silence from all.
    enum Outcome {
        /// `secret` and `requestAuthenticator`: what reveals an answer's
        /// encrypted attributes (RFC 2868 §3.5 Tunnel-Password).
        case answered(RadiusPacket, server: Int, secret: [UInt8], requestAuthenticator: [UInt8])
        case timedOut(tried: Int)
    }

    /// Builds a request's wire form for one server, Identifier and Request
    /// Authenticator (hiding and signing depend on the server's secret).
    typealias Builder = (_ secret: [UInt8], _ identifier: UInt8, _ requestAuthenticator: [UInt8]) -> [UInt8]?

    private struct Endpoint {
        let server: RadiusServer
        var sockets: [Port: SharedDescriptor] = [:]
        var nextIdentifier: [Port: UInt8] = [.authentication: 0, .accounting: 0]
    }

    private final class Pending {
        let port: Port
        let build: Builder
        let completion: (Outcome) -> Void
        /// Access-Request: random per server; Accounting-Request: computed.
        let randomAuthenticator: Bool
        var server = 0
        var identifier: UInt8 = 0
        var requestAuthenticator: [UInt8] = []
        var wire: [UInt8] = []
        var tries = 0
        var serversTried = 0
        var timer: TimerID?
        /// When the request was first sent: its latency counts every
        /// retransmission and failover the caller waited through.
        let started = Instant.now()
        init(port: Port, build: @escaping Builder, randomAuthenticator: Bool, completion: @escaping (Outcome) -> Void) {
            self.port = port; self.build = build; self.randomAuthenticator = randomAuthenticator; self.completion = completion
        }
    }

    private var endpoints: [Endpoint] = []
    private let loop: EventLoop
    private let timeout: Double
    private let retries: Int
    private let random: RandomSource
    private let requireMessageAuthenticator: Bool
    private var pending: [String: Pending] = [:]
    private var buffer = [UInt8](repeating: 0, count: 4097)
    private(set) var stats = (sent: 0, retransmitted: 0, answered: 0, invalid: 0, timedOut: 0, failovers: 0,
                             missingMessageAuthenticator: 0)
    /// Seconds from a request's first transmission to its accepted answer.
    private(set) var latency = LatencyHistogram()
    var log: Log
    /// Forged or mangled replies are counted in `stats`; the log gets the
    /// first and then summaries, never a line per datagram (issue 15).
    private var dropWarnings = WarningLimiter()

    var isEnabled: Bool { !endpoints.isEmpty }
    var hasAccounting: Bool { endpoints.contains { $0.sockets[.accounting] != nil } }

    /// Opens the sockets (call before the privilege drop: it binds).
    init(servers: [RadiusServer], timeout: Double, retries: Int, requireMessageAuthenticator: Bool = true,
         loop: EventLoop, random: RandomSource, log: Log) {
        self.loop = loop; self.timeout = timeout; self.retries = max(1, retries); self.random = random; self.log = log
        self.requireMessageAuthenticator = requireMessageAuthenticator
        for s in servers {
            var e = Endpoint(server: s)
            let host = IPv4.format(s.address)
            for (port, number) in [(Port.authentication, s.authPort), (.accounting, s.acctPort)] where number != 0 {
                let fd = ppp_udp_open("0.0.0.0:0", "\(host):\(number)")
                if fd < 0 {
                    self.log.error("RADIUS \(host):\(number): \(Errno.describe(errno))")
                    continue
                }
                e.sockets[port] = SharedDescriptor(FileDescriptor(adopting: fd))
            }
            e.nextIdentifier = [.authentication: random.bytes(1)[0], .accounting: random.bytes(1)[0]]
            endpoints.append(e)
        }
    }

    /// Watches the sockets; call once the loop runs.
    func start() throws(IPCError) {
        for (i, e) in endpoints.enumerated() {
            for (port, fd) in e.sockets {
                let raw = fd.raw
                try loop.watch(raw) { [unowned self] _ in self.readable(server: i, port: port, fd: raw) }
            }
        }
    }

    /// Sends a request to the first server with that port, failing over in order.
    func send(_ port: Port, randomAuthenticator: Bool, build: @escaping Builder, completion: @escaping (Outcome) -> Void) {
        let p = Pending(port: port, build: build, randomAuthenticator: randomAuthenticator, completion: completion)
        p.server = -1
        nextServer(p)
    }

    private func key(_ server: Int, _ port: Port, _ id: UInt8) -> String { "\(server)/\(port)/\(id)" }

    /// Moves a request to the next server that has the port, or gives up.
    private func nextServer(_ p: Pending) {
        var s = p.server + 1
        while s < endpoints.count && endpoints[s].sockets[p.port] == nil { s += 1 }
        guard s < endpoints.count else {
            stats.timedOut += 1
            p.completion(.timedOut(tried: p.serversTried))
            return
        }
        if p.server >= 0 { stats.failovers += 1 }
        // An Identifier not in flight on this socket (256 per socket, §3).
        var id = endpoints[s].nextIdentifier[p.port] ?? 0
        var probes = 0
        while pending[key(s, p.port, id)] != nil && probes < 256 { id &+= 1; probes += 1 }
        guard probes < 256 else { p.completion(.timedOut(tried: p.serversTried)); return }
        endpoints[s].nextIdentifier[p.port] = id &+ 1
        p.server = s
        p.identifier = id
        p.tries = 0
        p.serversTried += 1
        p.requestAuthenticator = p.randomAuthenticator ? random.bytes(16) : [UInt8](repeating: 0, count: 16)
        guard let wire = p.build(Array(endpoints[s].server.secret.utf8), id, p.requestAuthenticator) else {
            p.completion(.timedOut(tried: p.serversTried))
            return
        }
        p.wire = wire
        // RFC 2866 §3: the Accounting-Request Authenticator is computed, not random.
        if !p.randomAuthenticator { p.requestAuthenticator = Array(wire[4..<20]) }
        pending[key(s, p.port, id)] = p
        transmit(p)
    }

    private func transmit(_ p: Pending) {
        p.tries += 1
        if p.tries == 1 { stats.sent += 1 } else { stats.retransmitted += 1 }
        if let fd = endpoints[p.server].sockets[p.port]?.raw {
            // A lost or refused datagram is what the retransmission timer is for.
            _ = p.wire.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        p.timer = loop.schedule(after: timeout) { [weak self, weak p] in
            guard let self, let p else { return }
            self.expired(p)
        }
    }

    private func expired(_ p: Pending) {
        guard pending[key(p.server, p.port, p.identifier)] === p else { return }
        if p.tries < retries { transmit(p); return }
        pending[key(p.server, p.port, p.identifier)] = nil
        let s = endpoints[p.server].server
        log.warning("RADIUS \(IPv4.format(s.address)):\(p.port == .authentication ? s.authPort : s.acctPort) did not answer \(p.tries) tries")
        nextServer(p)
    }

    private func readable(server: Int, port: Port, fd: Int32) {
        for _ in 0..<64 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { continue }  // ECONNREFUSED: nobody listens; the timer fails over
            receive(Array(buffer[0..<n]), server: server, port: port)
        }
    }

    private func receive(_ bytes: [UInt8], server: Int, port: Port) {
        guard let packet = try? RadiusPacket(parsing: bytes) else { stats.invalid += 1; return }
        let k = key(server, port, packet.identifier)
        guard let p = pending[k] else { stats.invalid += 1; return }
        let secret = Array(endpoints[server].server.secret.utf8)
        do {
            try RadiusReply.check(packet, wire: bytes, requestAuthenticator: p.requestAuthenticator, secret: secret,
                                  requireMessageAuthenticator: port == .authentication && requireMessageAuthenticator)
        } catch {
            // Dropped: the request times out, or a genuine answer still arrives.
            stats.invalid += 1
            switch error {
            case .wrongResponseAuthenticator:
                dropWarnings.warn(log, "RADIUS: dropped a reply with a wrong Response Authenticator (shared secret mismatch?)")
            case .wrongMessageAuthenticator:
                dropWarnings.warn(log, "RADIUS: dropped a reply with a wrong Message-Authenticator")
            case .missingMessageAuthenticator:
                stats.missingMessageAuthenticator += 1
                dropWarnings.warn(log, "RADIUS: dropped an answer to an Access-Request without Message-Authenticator (require-message-authenticator)")
            }
            return
        }
        pending[k] = nil
        if let t = p.timer { loop.cancel(t) }
        stats.answered += 1
        latency.record(seconds: Instant.now().seconds(since: p.started))
        p.completion(.answered(packet, server: server, secret: secret, requestAuthenticator: p.requestAuthenticator))
    }

    var status: JSONObject {
        ["servers": .int(Int64(endpoints.count)), "sent": .int(Int64(stats.sent)),
         "retransmitted": .int(Int64(stats.retransmitted)), "answered": .int(Int64(stats.answered)),
         "invalid": .int(Int64(stats.invalid)), "timed_out": .int(Int64(stats.timedOut)),
         "failovers": .int(Int64(stats.failovers)),
         "missing_message_authenticator": .int(Int64(stats.missingMessageAuthenticator)), "pending": .int(Int64(pending.count)),
         "latency": latency.json]
    }
}
