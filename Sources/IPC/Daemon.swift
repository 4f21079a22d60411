// One recipe for every daemon, in the spirit of OpenBSD's proc_run(): the
// order of start-up and what each failure means are fixed here once, and a
// daemon only fills in its steps.
//
//   bootstrap   fd 3, the setup from pppinit                  (exit 111 if missing)
//   settings    decode the daemon's typed settings            (exit 100: the config is wrong)
//   restore     the fd store's deposits for us, as root       (a failure is logged; we start afresh)
//   open        as root: what the job needs, methods          (exit 100 or 111, the daemon says which)
//   rendezvous  serve fd 4, if the daemon has one             (exit 111)
//   drop        uid, capabilities, no_new_privs, seccomp      (exit 111; never run unconfined)
//   dropped     resume deposits, start sockets                (exit 100 or 111)
//   ready       tell pppinit; then `started`, then the loop
#if canImport(Glibc)
import Glibc
#endif

/// Why a daemon cannot start, and so whether pppinit should restart it.
public enum StartFailure: Error, CustomStringConvertible {
    /// The configuration or a file it names is wrong: a restart would fail
    /// the same way (exit 100; pppinit marks the component failed).
    case permanent(String)
    /// Something that may pass: a busy device, a peer not there yet (exit 111).
    case temporary(String)

    public var description: String {
        switch self {
        case let .permanent(s), let .temporary(s): s
        }
    }

    var exitCode: Int32 {
        switch self {
        case .permanent: 100
        case .temporary: 111
        }
    }
}

/// A daemon's steps in the recipe; DaemonRuntime.run calls them in order.
public protocol Daemon: AnyObject {
    associatedtype Settings
    static var peer: Peer { get }
    /// Decodes `setup.settings`.
    static func settings(_ bytes: [UInt8]) throws(IPCError) -> Settings
    /// As root, with `runtime.restored` filled: opens what the job needs and
    /// registers methods, status fields and the shutdown hook.
    init(runtime: DaemonRuntime, settings: Settings) throws(StartFailure)
    /// Whether it serves its rendezvous point (fd 4) with `arrived`.
    var servesRendezvous: Bool { get }
    func arrived(_ arrival: inout RendezvousArrival)
    /// After the privilege drop, before ready: take back what the fd store
    /// returned, start what must run before pppinit hears we are ready.
    func dropped(restored: [RestoredEntry]) throws(StartFailure)
    /// After ready: start talking to peers.
    func started()
}

extension Daemon {
    public var servesRendezvous: Bool { false }
    public func arrived(_ arrival: inout RendezvousArrival) {}
    public func dropped(restored: [RestoredEntry]) throws(StartFailure) {}
    public func started() {}
}

extension DaemonRuntime {
    /// Runs `D` through the recipe; never returns.
    public static func run<D: Daemon>(_: D.Type) -> Never {
        let rt = bootstrap(as: D.peer)
        let settings: D.Settings
        do { settings = try D.settings(rt.setup.settings) } catch {
            rt.log.error("settings from pppinit: \(error)")
            exit(100)
        }
        do { try rt.restoreDeposits() } catch {
            rt.log.warning("fd store: \(error); starting afresh")
        }
        let daemon: D
        do { daemon = try D(runtime: rt, settings: settings) } catch { rt.fail(error) }
        if daemon.servesRendezvous {
            do { try rt.serveRendezvous { [unowned daemon] in daemon.arrived(&$0) } } catch {
                rt.log.error("rendezvous: \(error)")
                exit(111)
            }
        }
        rt.dropPrivileges()
        do { try daemon.dropped(restored: rt.restored) } catch { rt.fail(error) }
        rt.ready()
        daemon.started()
        rt.run()
    }

    func fail(_ failure: StartFailure) -> Never {
        log.error("\(failure)")
        exit(failure.exitCode)
    }
}
