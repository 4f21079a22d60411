import IPC
let rt = DaemonRuntime.bootstrap(as: .authd)
try? rt.restoreDeposits()
rt.dropPrivileges()
rt.ready()
rt.run()
