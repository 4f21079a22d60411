// linkd: one instance per configured port. Opens the physical link as root
// (a tty is put into raw mode then), keeps it in pppinit's fd store so a
// restart resumes on the same socket, drops to its own uid, and runs PPP
// sessions on the port (PortSessions, its Transport, Session).
#if canImport(Glibc)
import Glibc
#endif
import IPC

let rt = DaemonRuntime.bootstrap(as: .linkd)
let settings: PortSettings
let linkdSettings: LinkdSettings
do {
    linkdSettings = try LinkdSettings.decode(rt.setup.settings)
    settings = linkdSettings.port
} catch {
    rt.log.error("port settings from pppinit: \(error)")
    exit(100)
}
do { try rt.restoreDeposits() } catch { rt.log.warning("fd store: \(error); opening afresh") }
let port: Port
do {
    port = try Port.open(settings, restored: rt.restored)
} catch {
    rt.log.error("port \(settings.name): \(error)")
    exit(111)
}
if port.descriptor != nil, !port.restored {
    do { try rt.deposit(key: .port, record: settings.encoded(), descriptors: port.deposited) } catch {
        rt.log.warning("fd store deposit: \(error)")
    }
}
rt.log.info("port \(settings.name) (\(settings.kind.name)) \(port.restored ? "restored from the fd store" : "opened")")
let portSessions = PortSessions(port: port, runtime: rt, bridging: linkdSettings)
rt.statusFields = { portSessions.status }
rt.register(.linkdSessions) { arguments, _ in
    let all = portSessions.sessions
    // Thousands of PPPoE sessions do not fit one reply: pppctl asks in pages.
    if let from = JSONPages.requested(arguments) {
        return JSONPages.page(count: all.count, from: from) { .object(SessionStatus.json(all[$0], port: portSessions)) }
    }
    return .array(all.map { .object(SessionStatus.json($0, port: portSessions)) })
}
rt.register(.sessionKill) { arguments, _ throws(MethodError) in
    let id = try SessionArguments(json: arguments).id
    guard portSessions.kill(id: id) else { throw MethodError(.notFound, "no live session '\(id)' on port \(settings.name)") }
    return .object(["killed": .string(id)])
}
rt.onShutdown = { portSessions.shutdown() }
// Bridging (PortSessions+Bridge): dial on an upstream port, bridge/unbridge.
rt.register(.dial) { arguments, _ throws(MethodError) in try portSessions.dial(arguments) }
rt.register(.bridge) { arguments, _ throws(MethodError) in try portSessions.bridgeHeld(arguments) }
rt.register(.linkdUnbridge) { arguments, _ throws(MethodError) in try portSessions.unbridge(arguments) }
// An upstream session dialled for one of our sessions ended before the splice.
rt.register(.partnerFailed) { arguments, _ throws(MethodError) in try portSessions.partnerFailed(arguments) }
rt.dropPrivileges()
rt.ready()
portSessions.start()
rt.run()
