// RFC 5176's Dynamic Authorization Server on the UDP socket pppinit bound
// and handed over (fd "dae"): requests from addresses not configured as
// clients are dropped and counted (§6.1), the rest authenticated and decoded
// (DynamicAuthorizationRequest), matched against the live sessions, carried
// out through linkd, and answered ACK or NAK. A retransmission (same
// sender, Identifier and Request Authenticator, §2.3) gets the first answer
// again instead of being carried out twice.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class DynamicAuthorizationServer {
    /// The sessions authd knows, seen from here: which match a selector,
    /// and carrying a change to one (false: linkd could not be told).
    struct Sessions {
        var matching: (SessionSelector) -> [String]
        var apply: (String, AuthChange) -> Bool
    }

    private let socket: DatagramSocket
    private let clients: [UInt32: [UInt8]]
    private let window: UInt32
    private let nasIdentifier: String
    private let sessions: Sessions
    private let clock: () -> Int64
    private var log: Log
    /// Requests from anyone who can reach the port: one warning line for
    /// the first drop, then summaries (issue 15: a flood is a counter, not
    /// a log line per datagram).
    private var dropWarnings = WarningLimiter()
    /// §2.3 duplicate detection: recent answers by request, oldest first out.
    private var answered: [Key: [UInt8]] = [:]
    private var answeredOrder: [Key] = []
    static let answersKept = 256

    private struct Key: Hashable {
        var from: DatagramSender
        var identifier: UInt8
        var authenticator: [UInt8]
    }

    private(set) var counts = (received: 0, unknownClient: 0, malformed: 0, badAuthenticator: 0,
                               badMessageAuthenticator: 0, replayRejected: 0, duplicates: 0,
                               acks: 0, naks: 0, disconnected: 0, changed: 0)

    init(socket: DatagramSocket, settings: AuthSettings, sessions: Sessions, log: Log,
         clock: @escaping () -> Int64 = { Int64(time(nil)) }) {
        self.socket = socket
        var c: [UInt32: [UInt8]] = [:]
        for client in settings.daeClients { c[client.address] = Array(client.secret.utf8) }
        clients = c
        window = settings.daeEventWindow
        nasIdentifier = settings.nasIdentifier
        self.sessions = sessions
        self.log = log
        self.clock = clock
    }

    func start(_ loop: EventLoop) throws(IPCError) {
        try loop.watch(socket.fd.raw) { [unowned self] _ in
            // Bounded: a flood yields to the loop every 64 datagrams.
            for _ in 0..<64 {
                guard let (bytes, from) = self.socket.receive() else { return }
                self.receive(bytes, from: from)
            }
        }
    }

    func receive(_ bytes: ArraySlice<UInt8>, from: DatagramSender) {
        counts.received += 1
        // §6.1: only configured clients; an unknown sender is not answered.
        guard let secret = clients[from.address] else {
            counts.unknownClient += 1
            dropWarnings.warn(log, "dynamic authorization: dropped a request from \(from.description), not a configured client")
            return
        }
        let request: DynamicAuthorizationRequest
        do {
            request = try DynamicAuthorizationRequest(parsing: bytes, secret: secret, now: clock(), window: window)
        } catch {
            count(error, from: from)
            return
        }
        let key = Key(from: from, identifier: request.identifier, authenticator: request.requestAuthenticator)
        if let again = answered[key] {
            counts.duplicates += 1
            socket.send(again, to: from)
            return
        }
        let refusal = carryOut(request)
        if refusal == nil { counts.acks += 1 } else { counts.naks += 1 }
        guard let answer = DynamicAuthorizationResponse.encode(request, refusal: refusal, secret: secret) else { return }
        remember(key, answer)
        socket.send(answer, to: from)
    }

    /// Applies the request to every matching session; the NAK's cause, or nil.
    private func carryOut(_ r: DynamicAuthorizationRequest) -> ErrorCause? {
        let what = r.kind == .disconnect ? "Disconnect-Request" : "CoA-Request"
        if let refusal = r.refusal {
            log.warning("dynamic authorization: \(what) refused: Error-Cause \(refusal.rawValue)")
            return refusal
        }
        // §3: NAS identification attributes must name us.
        if let nas = r.nasIdentifier, nas != nasIdentifier { return .nasIdentificationMismatch }
        let names = sessions.matching(r.selector)
        guard !names.isEmpty else {
            log.notice("dynamic authorization: \(what) matches no session")
            return .sessionContextNotFound
        }
        var applied = 0
        for name in names {
            var change = AuthChange(session: name, disconnect: r.kind == .disconnect)
            if change.disconnect {
                change.reason = "admin reset (RADIUS Disconnect-Request)"
            } else {
                change.sessionTimeout = r.change.sessionTimeout
                change.idleTimeout = r.change.idleTimeout
                change.interimInterval = r.change.interimInterval
            }
            if sessions.apply(name, change) { applied += 1 }
        }
        log.notice("dynamic authorization: \(what) for \(names.count) sessions (\(applied) carried out)")
        // §3.5 506: linkd, which holds the sessions, could not be told.
        guard applied > 0 else { return .resourcesUnavailable }
        if r.kind == .disconnect { counts.disconnected += applied } else { counts.changed += applied }
        return nil
    }

    private func remember(_ key: Key, _ answer: [UInt8]) {
        if answeredOrder.count >= Self.answersKept {
            answered[answeredOrder.removeFirst()] = nil
        }
        answered[key] = answer
        answeredOrder.append(key)
    }

    private func count(_ e: DynamicAuthorizationDrop, from: DatagramSender) {
        switch e {
        case .malformed, .notARequest: counts.malformed += 1
        case .badAuthenticator: counts.badAuthenticator += 1
        case .badMessageAuthenticator: counts.badMessageAuthenticator += 1
        case .missingEventTimestamp, .staleEventTimestamp: counts.replayRejected += 1
        }
        dropWarnings.warn(log, "dynamic authorization: dropped a request from \(from.description): \(e)")
    }

    var status: JSONObject {
        ["port": .int(Int64(socket.localPort)), "clients": .int(Int64(clients.count)),
         "received": .int(Int64(counts.received)), "unknown_client": .int(Int64(counts.unknownClient)),
         "malformed": .int(Int64(counts.malformed)), "bad_authenticator": .int(Int64(counts.badAuthenticator)),
         "bad_message_authenticator": .int(Int64(counts.badMessageAuthenticator)),
         "replay_rejected": .int(Int64(counts.replayRejected)), "duplicates": .int(Int64(counts.duplicates)),
         "acks": .int(Int64(counts.acks)), "naks": .int(Int64(counts.naks)),
         "disconnected": .int(Int64(counts.disconnected)), "changed": .int(Int64(counts.changed))]
    }
}
