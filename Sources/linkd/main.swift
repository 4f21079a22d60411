import IPC
let rt = DaemonRuntime.bootstrap(as: .linkd)
try? rt.restoreDeposits()
rt.dropPrivileges()
rt.ready()
rt.run()
