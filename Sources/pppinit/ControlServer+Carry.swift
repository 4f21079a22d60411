// pppctl conversations across pppinit's re-execution (issue 20): each
// client's end of its pair, with the rights it was given when it opened,
// goes into the state record, and the new image serves it again. The one
// that asked for the upgrade gets its answer this way.
#if canImport(Glibc)
import Glibc
#endif
import IPC

extension ControlServer {
    var carriedClients: [InitStateRecord.Client] {
        clients.values.filter { $0.link.isOpen }.map {
            InitStateRecord.Client(fd: $0.link.raw, pid: $0.credentials.pid, uid: $0.credentials.uid, gid: $0.credentials.gid,
                                   admin: $0.admin, reader: $0.reader, watchCall: $0.watchCall)
        }
    }

    /// Serves the carried conversations; returns their links by descriptor
    /// number (the upgrade's caller is found among them).
    func adoptCarried(_ carried: [InitStateRecord.Client]) -> [Int32: Link] {
        var links: [Int32: Link] = [:]
        for c in carried {
            let link = Link(FileDescriptor(adopting: c.fd), remote: .pppctl, loop: router.loop)
            // Counted again, as at its opening; a carried client is never refused.
            let credentials = Credentials(pid: c.pid, uid: c.uid, gid: c.gid)
            _ = admission.admit(uid: c.uid, admin: true)
            let client = Client(link: link, credentials: credentials, admin: c.admin, reader: c.reader)
            client.watchCall = c.watchCall
            adopt(client)
            links[c.fd] = link
        }
        return links
    }
}
