// metricsd: serves the router's Prometheus metrics (issue 19). Unprivileged
// like every daemon (its own uid, no capability, no_new_privs, seccomp): it
// answers HTTP on the listening socket pppinit bound from `[metrics] listen`
// and passed as "metrics", and gathers each scrape from the daemons over the
// control socket, as pppctl does. pppinit, root, parses nothing from the
// network; a bug here exposes a process that can only read.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class Metricsd: Daemon {
    static let peer = Peer.metricsd
    let server: ScrapeServer

    static func settings(_ bytes: [UInt8]) throws(IPCError) -> MetricsdSettings { try MetricsdSettings.decode(bytes) }

    init(runtime rt: DaemonRuntime, settings: MetricsdSettings) throws(StartFailure) {
        guard let fd = InheritedDescriptor.metrics.number(in: rt.inherited) else {
            throw .permanent("no listening socket from pppinit (PPP_FDNAMES lacks \"metrics\")")
        }
        let control = rt.setup.runtimeDir + "/control"
        let loop = rt.loop, log = rt.log
        server = ScrapeServer(listener: FileDescriptor(adopting: fd), loop: loop, log: log) { done in
            let g = Gatherer(loop: loop, log: log, perSession: settings.perSession, done: done)
            g.start(controlSocket: control, timeout: settings.gatherTimeout)
            return g
        }
        let server = self.server
        rt.ownStatus = { .metricsd(MetricsdStatus(listen: settings.listen, scrapes: server.served, refused: server.refused)) }
        log.info("serving /metrics on \(settings.listen)")
    }

    func dropped(restored: [RestoredEntry]) throws(StartFailure) {
        do { try server.start() } catch { throw .temporary("metrics socket: \(error)") }
    }
}

DaemonRuntime.run(Metricsd.self)
