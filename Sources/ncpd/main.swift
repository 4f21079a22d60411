import IPC
let rt = DaemonRuntime.bootstrap(as: .ncpd)
try? rt.restoreDeposits()
rt.dropPrivileges()
rt.ready()
rt.run()
