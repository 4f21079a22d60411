// authd: the Authenticate phase for every linkd, and the RADIUS client. As
// root it reads the secrets files and opens the RADIUS sockets; then it drops
// to its own uid with no capabilities and serves its rendezvous point, where
// each linkd opens a conversation. The order is DaemonRuntime.run's.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class Authd: Daemon {
    static let peer = Peer.authd
    let radius: RadiusClient
    let service: AuthService

    static func settings(_ bytes: [UInt8]) throws(IPCError) -> AuthSettings { try AuthSettings.decode(bytes) }

    init(runtime rt: DaemonRuntime, settings: AuthSettings) throws(StartFailure) {
        var secrets = LocalSecrets()
        for u in settings.users { secrets.users[u.name] = u.password }
        secrets.papSecrets = try Self.readSecrets(settings.papSecrets, "pap-secrets")
        secrets.chapSecrets = try Self.readSecrets(settings.chapSecrets, "chap-secrets")
        rt.log.info("secrets: \(secrets.users.count) users, \(secrets.papSecrets.entries.count) pap-secrets and \(secrets.chapSecrets.entries.count) chap-secrets entries, \(settings.radiusServers.count) RADIUS servers")
        // RADIUS sockets are bound before the drop (bind is not in the allowlist).
        radius = RadiusClient(servers: settings.radiusServers, timeout: Double(settings.radiusTimeout),
                              retries: Int(settings.radiusRetries),
                              requireMessageAuthenticator: settings.requireMessageAuthenticator, loop: rt.loop,
                              random: .system, log: rt.log)
        let service = AuthService(runtime: rt, settings: settings, secrets: secrets, radius: radius, random: .system)
        self.service = service
        // RFC 5176: the Disconnect/CoA socket pppinit bound, inherited as "dae".
        if rt.inherited.contains(.dae) {
            let socket = DatagramSocket(adopting: FileDescriptor(adopting: InheritedDescriptor.dae.rawValue))
            if settings.daeClients.isEmpty {
                rt.log.warning("dynamic authorization: a socket but no clients; every request will be dropped")
            }
            service.dynamicAuthorization = DynamicAuthorizationServer(socket: socket, settings: settings,
                                                                      sessions: service.dynamicAuthorizationSessions, log: rt.log)
        }
        rt.ownStatus = { .authd(service.status) }
        rt.register(.authdSessions) { _, _ in service.sessionList.json }
        rt.register(.sessionPrefixes) { arguments, _ throws(MethodError) in try service.sessionPrefixes(arguments) }
        // Admin only: it answers whether a password is right, so it is a guessing oracle.
        rt.registerDeferred(.authTest) { arguments, _, reply in service.authTest(arguments, reply: reply) }
        service.restoreCounterBases(rt.restored)
        // A clean stop (SIGTERM, not pppinit's restart signal): Accounting-Off,
        // waiting a little for the server's answer and for queued Stops.
        let timeout = Double(settings.radiusTimeout) + 1
        rt.onShutdown = { [unowned rt] in
            guard service.accountNAS(.accountingOff) else { return }
            _ = rt.loop.run(until: { service.accounting.idle }, seconds: timeout)
        }
    }

    /// A secrets file as root; a missing or malformed file is refused
    /// (permanent): authenticating against half a file would be worse than
    /// not starting.
    static func readSecrets(_ path: String, _ what: String) throws(StartFailure) -> SecretsFile {
        guard !path.isEmpty else { return SecretsFile(entries: []) }
        guard let text = ProcStatus.readFile(path) else { throw .permanent("\(what) \(path): cannot read the file") }
        do {
            return try SecretsFile.parse(text)
        } catch {
            throw .permanent("\(what) \(path):\(error.line): \(error.reason)")
        }
    }

    var servesRendezvous: Bool { true }
    func arrived(_ arrival: inout RendezvousArrival) { service.arrived(&arrival) }

    // No capabilities kept: authd only talks on sockets it already holds or creates.
    func dropped(restored: [RestoredEntry]) throws(StartFailure) {
        do { try radius.start() } catch { throw .temporary("RADIUS sockets: \(error)") }
        do { try service.dynamicAuthorization?.start(service.runtime.loop) } catch {
            throw .temporary("dynamic authorization socket: \(error)")
        }
        // Accounting-On once per router start: the fd store keeps a marker across
        // authd restarts (pppctl reload), which must not close every session.
        if !restored.contains(where: { $0.key == .accountingOn }), service.accountNAS(.accountingOn) {
            do { try service.runtime.deposit(key: .accountingOn, record: [], descriptors: []) } catch {
                service.runtime.log.warning("fd store: \(error)")
            }
        }
    }
}

DaemonRuntime.run(Authd.self)
