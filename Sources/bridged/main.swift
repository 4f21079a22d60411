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
        rt.register(.splices) { _, _ in splices.reply.json }
        rt.register(.bridgedUnbridge) { args, _ throws(MethodError) in try splices.unbridge(SpliceArguments(json: args)).json }
        rt.ownStatus = {
            var s = BridgedStatus()
            (s.splices, s.refused, s.waiting) = (splices.live.count, splices.refused, splices.waitingCount)
            (s.droppedWaiting, s.rendezvousDropped) = (splices.droppedWaiting, rt.rendezvousDropped)
            return .bridged(s)
        }
    }

    var servesRendezvous: Bool { true }
    func arrived(_ arrival: inout RendezvousArrival) { splices.arrived(&arrival) }
    func dropped(restored: [RestoredEntry]) { splices.resume(restored) }
}

DaemonRuntime.run(Bridged.self)
