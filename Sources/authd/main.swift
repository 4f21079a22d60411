// authd: the Authenticate phase for every linkd, and the RADIUS client. As
// root it reads the secrets files and opens the RADIUS sockets; then it drops
// to its own uid with no capabilities and serves its rendezvous point, where
// each linkd opens a conversation.
#if canImport(Glibc)
import Glibc
#endif
import IPC

let rt = DaemonRuntime.bootstrap(as: .authd)
let settings: AuthSettings
do {
    settings = try AuthSettings.decode(rt.setup.settings)
} catch {
    rt.log.error("auth settings from pppinit: \(error)")
    exit(100)
}

/// A secrets file as root; a missing or malformed file is refused (exit 100):
/// authenticating against half a file would be worse than not starting.
func readSecrets(_ path: String, _ what: String, log: Log) -> SecretsFile {
    guard !path.isEmpty else { return SecretsFile(entries: []) }
    guard let text = ProcStatus.readFile(path) else {
        log.error("\(what) \(path): cannot read the file")
        exit(100)
    }
    do {
        return try SecretsFile.parse(text)
    } catch {
        log.error("\(what) \(path):\(error.line): \(error.reason)")
        exit(100)
    }
}

var secrets = LocalSecrets()
for u in settings.users { secrets.users[u.name] = u.password }
secrets.papSecrets = readSecrets(settings.papSecrets, "pap-secrets", log: rt.log)
secrets.chapSecrets = readSecrets(settings.chapSecrets, "chap-secrets", log: rt.log)
rt.log.info("secrets: \(secrets.users.count) users, \(secrets.papSecrets.entries.count) pap-secrets and \(secrets.chapSecrets.entries.count) chap-secrets entries, \(settings.radiusServers.count) RADIUS servers")

// RADIUS sockets are bound before the drop (bind is not in the allowlist).
let radius = RadiusClient(servers: settings.radiusServers, timeout: Double(settings.radiusTimeout),
                          retries: Int(settings.radiusRetries),
                          requireMessageAuthenticator: settings.requireMessageAuthenticator, loop: rt.loop, random: .system, log: rt.log)
let service = AuthService(runtime: rt, settings: settings, secrets: secrets, radius: radius, random: .system)
// RFC 5176: the Disconnect/CoA socket pppinit bound, inherited as "dae".
if rt.inherited.contains(.dae) {
    let socket = DatagramSocket(adopting: FileDescriptor(adopting: InheritedDescriptor.dae.rawValue))
    if settings.daeClients.isEmpty {
        rt.log.warning("dynamic authorization: a socket but no clients; every request will be dropped")
    }
    service.dynamicAuthorization = DynamicAuthorizationServer(socket: socket, settings: settings,
                                                              sessions: service.dynamicAuthorizationSessions, log: rt.log)
}
rt.statusFields = { service.status }
rt.register(.authdSessions) { _, _ in service.sessionList }
// Admin only: it answers whether a password is right, so it is a guessing oracle.
rt.registerDeferred(.authTest) { arguments, _, reply in service.authTest(arguments, reply: reply) }
do { try rt.restoreDeposits() } catch { rt.log.warning("fd store: \(error)") }
service.restoreCounterBases(rt.restored)
do {
    try rt.serveRendezvous { arrival in service.arrived(&arrival) }
} catch {
    rt.log.error("rendezvous: \(error)")
    exit(111)
}
// No capabilities kept: authd only talks on sockets it already holds or creates.
rt.dropPrivileges()
do { try radius.start() } catch { rt.log.error("RADIUS sockets: \(error)"); exit(111) }
do { try service.dynamicAuthorization?.start(rt.loop) } catch { rt.log.error("dynamic authorization socket: \(error)"); exit(111) }
// Accounting-On once per router start: the fd store keeps a marker across
// authd restarts (pppctl reload), which must not close every session.
if !rt.restored.contains(where: { $0.key == .accountingOn }), service.accountNAS(.accountingOn) {
    do { try rt.deposit(key: .accountingOn, record: [], descriptors: []) } catch { rt.log.warning("fd store: \(error)") }
}
// A clean stop (SIGTERM, not pppinit's restart signal): Accounting-Off,
// waiting a little for the server's answer and for queued Stops.
rt.onShutdown = {
    guard service.accountNAS(.accountingOff) else { return }
    _ = rt.loop.run(until: { service.accounting.idle }, seconds: Double(settings.radiusTimeout) + 1)
}
rt.ready()
rt.run()
