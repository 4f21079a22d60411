// linkd: one instance per configured port. Opens the physical link as root
// (a tty is put into raw mode then), keeps it in pppinit's fd store so a
// restart resumes on the same socket, drops to its own uid, and runs PPP
// sessions on the port (PortSessions, its Transport, Session). The order is
// DaemonRuntime.run's.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class Linkd: Daemon {
    static let peer = Peer.linkd
    let portSessions: PortSessions

    static func settings(_ bytes: [UInt8]) throws(IPCError) -> LinkdSettings { try LinkdSettings.decode(bytes) }

    init(runtime rt: DaemonRuntime, settings linkdSettings: LinkdSettings) throws(StartFailure) {
        let settings = linkdSettings.port
        let port: Port
        do {
            port = try Port.open(settings, restored: rt.restored)
        } catch {
            throw .temporary("port \(settings.name): \(error)")
        }
        if port.descriptor != nil, !port.restored {
            do { try rt.deposit(key: .port, record: settings.encoded(), descriptors: port.deposited) } catch {
                rt.log.warning("fd store deposit: \(error)")
            }
        }
        rt.log.info("port \(settings.name) (\(settings.kind.name)) \(port.restored ? "restored from the fd store" : "opened")")
        let portSessions = PortSessions(port: port, runtime: rt, bridging: linkdSettings)
        self.portSessions = portSessions
        rt.ownStatus = { .linkd(portSessions.status) }
        rt.registerEncodedParts(.linkdSessions) { arguments, _ throws(MethodError) in
            let all = portSessions.sessions
            // Thousands of PPPoE sessions do not fit one reply: pppctl asks
            // in pages, several to a call (PageArguments.parts), each item
            // encoded once, straight into its page (issue 13, point 4).
            let a = try PageArguments(json: arguments)
            if let from = a.from {
                return SessionListing.encodedPages(count: all.count, from: from, parts: a.parts ?? 1) {
                    SessionStatus.json(all[$0], port: portSessions)
                }
            }
            return [SessionListing(sessions: all.map { SessionStatus.json($0, port: portSessions) }).json.encoded()]
        }
        rt.register(.sessionKill) { arguments, _ throws(MethodError) in
            let id = try SessionArguments(json: arguments).id
            guard portSessions.kill(id: id) else { throw MethodError(.notFound, "no live session '\(id)' on port \(settings.name)") }
            return SessionKillReply(killed: id).json
        }
        rt.register(.tunnels) { _, _ throws(MethodError) in
            guard let l2tp = portSessions.transport as? L2TPTransport else { return TunnelsReply(tunnels: []).json }
            return TunnelsReply(tunnels: l2tp.tunnelList.compactMap(\.object)).json
        }
        rt.register(.tunnelKill) { arguments, _ throws(MethodError) in
            let id = try TunnelArguments(json: arguments).id
            guard let l2tp = portSessions.transport as? L2TPTransport, l2tp.kill(tunnel: id) else {
                throw MethodError(.notFound, "no open tunnel \(id) on port \(settings.name)")
            }
            return TunnelKillReply(killed: id, port: settings.name).json
        }
        rt.onShutdown = { portSessions.shutdown() }
        rt.onStop = { done in portSessions.stop(done) }
        // Bridging (PortSessions+Bridge): dial on an upstream port, bridge/unbridge.
        rt.register(.dial) { arguments, _ throws(MethodError) in try portSessions.dial(arguments) }
        rt.register(.bridge) { arguments, _ throws(MethodError) in try portSessions.bridgeHeld(arguments) }
        rt.register(.linkdUnbridge) { arguments, _ throws(MethodError) in try portSessions.unbridge(arguments) }
        // An upstream session dialled for one of our sessions ended before the splice.
        rt.register(.partnerFailed) { arguments, _ throws(MethodError) in try portSessions.partnerFailed(arguments) }
    }

    /// The sessions on the port's deposited descriptors resume here, after
    /// ready, with the port's first session (PortSessions.start).
    func started() { portSessions.start() }
}

DaemonRuntime.run(Linkd.self)
