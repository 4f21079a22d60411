import IPC
let rt = DaemonRuntime.bootstrap(as: .bridged)
try? rt.restoreDeposits()
rt.dropPrivileges()
rt.ready()
rt.run()
