// metricsd's listening socket (issue 19): bound here, as root, before any
// daemon starts, like authd's DAE socket. pppinit never reads from it: it
// parses nothing from the network. metricsd inherits it as "metrics" and
// keeps no capability (a port below 1024 would need CAP_NET_BIND_SERVICE),
// and scrapes that arrive while metricsd restarts wait in its backlog.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

extension Router {
    func openMetricsSocket(_ c: Component) throws(IPCError) {
        guard let m = config.metrics else { return }
        let fd = ppp_tcp_listen(m.listen, 64)
        guard fd >= 0 else { throw .system(call: "listen(tcp \(m.listen))", errno: errno) }
        c.listener = SharedDescriptor(FileDescriptor(adopting: fd))
    }
}
