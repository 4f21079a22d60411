// bridged: splices pairs of channels (DESIGN.md "Processes"). Holds no
// protocol state beyond the pairs; every descriptor it holds is also in
// pppinit's fd store, so a restart resumes forwarding.
#if canImport(Glibc)
import Glibc
#endif
import IPC

let rt = DaemonRuntime.bootstrap(as: .bridged)
do { try rt.restoreDeposits() } catch { rt.log.warning("fd store: \(error)") }
let splices = Splices(runtime: rt)
do {
    try rt.serveRendezvous { splices.arrived(&$0) }
} catch {
    rt.log.error("rendezvous: \(error)")
    exit(111)
}
rt.register(.splices) { _, _ in splices.json() }
rt.register(.bridgedUnbridge) { args, _ throws(MethodError) in try splices.unbridge(args) }
rt.statusFields = { ["splices": .int(Int64(splices.live.count)), "refused": .int(Int64(splices.refused)),
                     "waiting": .int(Int64(splices.waitingCount)), "dropped_waiting": .int(Int64(splices.droppedWaiting)),
                     "rendezvous_dropped": .int(Int64(rt.rendezvousDropped))] }
rt.dropPrivileges()
splices.resume(rt.restored)
rt.ready()
rt.run()
