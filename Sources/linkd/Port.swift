// The physical side of one linkd: the port it was configured for, opened as
// root before the privilege drop, or taken back from pppinit's fd store after
// a restart so the link's socket (and the sessions on it) outlive us.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

final class Port {
    static let storeKey = "port"
    let settings: PortSettings
    let descriptor: SharedDescriptor?
    /// True when the descriptor came back from the fd store.
    let restored: Bool

    init(settings: PortSettings, descriptor: SharedDescriptor?, restored: Bool) {
        self.settings = settings
        self.descriptor = descriptor
        self.restored = restored
    }

    /// Reuses a deposited descriptor, or opens the port now.
    static func open(_ settings: PortSettings, restored entries: [RestoredEntry]) throws(IPCError) -> Port {
        if let e = entries.first(where: { $0.key == storeKey }), let d = e.descriptors.first,
           e.record == settings.encoded() {
            return Port(settings: settings, descriptor: d, restored: true)
        }
        switch settings.kind {
        case .udp:
            let fd = try Errno.check("udp \(settings.local) → \(settings.remote)") {
                ppp_udp_open(settings.local, settings.remote)
            }
            return Port(settings: settings, descriptor: SharedDescriptor(FileDescriptor(adopting: fd)), restored: false)
        case .tty:
            // O_NOCTTY: a serial line must never become our controlling terminal.
            let fd = try Errno.check("open(\(settings.device))") {
                Glibc.open(settings.device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
            }
            let owned = FileDescriptor(adopting: fd)
            try Termios.makeRaw(owned.raw, settings)
            return Port(settings: settings, descriptor: SharedDescriptor(owned), restored: false)
        case .tcp where !settings.local.isEmpty:
            // listen: bound now, as root, so a port below 1024 works and the
            // socket outlives a restart in the fd store.
            let fd = try Errno.check("tcp listen \(settings.local)") { ppp_tcp_listen(settings.local, 16) }
            return Port(settings: settings, descriptor: SharedDescriptor(FileDescriptor(adopting: fd)), restored: false)
        case .tcp, .pppoe:
            // Opened per session by the link layer (connect, AF_PACKET).
            return Port(settings: settings, descriptor: nil, restored: false)
        }
    }

    var status: JSONObject {
        var o: JSONObject = ["name": .string(settings.name), "type": .string(settings.kind.name)]
        if !settings.device.isEmpty { o["device"] = .string(settings.device) }
        if !settings.local.isEmpty { o["local"] = .string(settings.local) }
        if !settings.remote.isEmpty { o["remote"] = .string(settings.remote) }
        if let d = descriptor {
            o["inode"] = .int(Int64(ppp_inode(d.raw)))
            o["restored"] = .bool(restored)
        }
        return o
    }
}
