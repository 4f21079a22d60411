// ncpd: takes sessions' channels from linkd at the Network phase (DESIGN.md
// "The handoff") and runs the network side of each.
#if canImport(Glibc)
import Glibc
#endif
import IPC

let rt = DaemonRuntime.bootstrap(as: .ncpd)
try? rt.restoreDeposits()
let channels = Channels(runtime: rt)
do {
    try rt.serveRendezvous { channels.arrived(&$0) }
} catch {
    rt.log.error("rendezvous: \(error)")
    exit(111)
}
rt.register("sessions") { _, _ in channels.json() }
rt.statusFields = { ["channels": .int(Int64(channels.held.count)), "refused": .int(Int64(channels.refused)),
                     "rendezvous_dropped": .int(Int64(rt.rendezvousDropped))] }
rt.dropPrivileges()
rt.ready()
rt.run()
