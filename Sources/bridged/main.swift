// bridged: splices pairs of channels (DESIGN.md "Processes"). Holds no
// protocol state beyond the pairs; every descriptor it holds is also in
// pppinit's fd store, so a restart resumes forwarding. The order is
// DaemonRuntime.run's.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class Bridged: Daemon {
    static let peer = Peer.bridged
    let splices: Splices

    static func settings(_ bytes: [UInt8]) throws(IPCError) {}

    init(runtime rt: DaemonRuntime, settings: Void) {
        let splices = Splices(runtime: rt)
        self.splices = splices
        rt.register(.splices) { _, _ in splices.json() }
        rt.register(.bridgedUnbridge) { args, _ throws(MethodError) in try splices.unbridge(args) }
        rt.statusFields = { ["splices": .int(Int64(splices.live.count)), "refused": .int(Int64(splices.refused)),
                             "waiting": .int(Int64(splices.waitingCount)), "dropped_waiting": .int(Int64(splices.droppedWaiting)),
                             "rendezvous_dropped": .int(Int64(rt.rendezvousDropped))] }
    }

    var servesRendezvous: Bool { true }
    func arrived(_ arrival: inout RendezvousArrival) { splices.arrived(&arrival) }
    func dropped(restored: [RestoredEntry]) { splices.resume(restored) }
}

DaemonRuntime.run(Bridged.self)
