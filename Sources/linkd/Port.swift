// The physical side of one linkd: the port it was configured for, opened as
// root before the privilege drop, or taken back from pppinit's fd store after
// a restart so the link's socket (and the sessions on it) outlive us.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPPoE

final class Port {
    let settings: PortSettings
    /// The port's descriptor; for pppoe the discovery (0x8863) socket.
    let descriptor: SharedDescriptor?
    /// pppoe: the session-stage (0x8864) socket, and what both are bound to.
    let sessionDescriptor: SharedDescriptor?
    /// pppoe with VLANs (issue 13): the ETH_P_ALL socket for tagged frames.
    let taggedDescriptor: SharedDescriptor?
    let interface: PacketInterface?
    /// True when the descriptor came back from the fd store.
    let restored: Bool

    init(settings: PortSettings, descriptor: SharedDescriptor?, restored: Bool,
         sessionDescriptor: SharedDescriptor? = nil, taggedDescriptor: SharedDescriptor? = nil,
         interface: PacketInterface? = nil) {
        self.settings = settings
        self.descriptor = descriptor
        self.restored = restored
        self.sessionDescriptor = sessionDescriptor
        self.taggedDescriptor = taggedDescriptor
        self.interface = interface
    }

    /// Everything to deposit in the fd store.
    var deposited: [Int32] { [descriptor, sessionDescriptor, taggedDescriptor].compactMap { $0?.raw } }

    /// Reuses a deposited descriptor, or opens the port now.
    static func open(_ settings: PortSettings, restored entries: [RestoredEntry]) throws(IPCError) -> Port {
        // The deposited settings decoded, not their bytes: a record an
        // older release wrote (issue 20) names the same port in other bytes.
        // Only the transport must match: a reload that changed other
        // settings restarts us onto the same descriptors (issue 19).
        if let e = entries.first(where: { $0.key == .port }), let d = e.descriptors.first,
           (try? PortSettings.decode(e.record))?.sameTransport(as: settings) == true {
            guard settings.kind == .pppoe else { return Port(settings: settings, descriptor: d, restored: true) }
            // Untagged: discovery and session sockets; with VLANs the tagged one third.
            if e.descriptors.count == (settings.pppoe.vlan.isTagged ? 3 : 2) {
                let info = try PacketSocket.interface(of: d.raw, name: settings.device)
                // A release before issue 13 attached no filter: attach it now.
                try PacketSocket.dropOtherHost(d.raw)
                try PacketSocket.dropOtherHost(e.descriptors[1].raw)
                return Port(settings: settings, descriptor: d, restored: true, sessionDescriptor: e.descriptors[1],
                            taggedDescriptor: e.descriptors.count == 3 ? e.descriptors[2] : nil, interface: info)
            }
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
        case .l2tp:
            // RFC 2661 §8.1: one UDP socket for every tunnel of the port,
            // unconnected (each tunnel has its own peer); bound as root so
            // 1701 works, and kept in the fd store so tunnels outlive us.
            let fd = try Errno.check("l2tp \(settings.local)") { ppp_udp_open(settings.local, "") }
            return Port(settings: settings, descriptor: SharedDescriptor(FileDescriptor(adopting: fd)), restored: false)
        case .tcp where !settings.local.isEmpty:
            // listen: bound now, as root, so a port below 1024 works and the
            // socket outlives a restart in the fd store.
            let fd = try Errno.check("tcp listen \(settings.local)") { ppp_tcp_listen(settings.local, 16) }
            return Port(settings: settings, descriptor: SharedDescriptor(FileDescriptor(adopting: fd)), restored: false)
        case .pppoe:
            // RFC 2516 §4: one socket per ETHER_TYPE, bound to the interface.
            // Opened here as root; once open they need no capability, so
            // linkd keeps none (and the fd store keeps them across restarts).
            let discovery = try PacketSocket.open(interface: settings.device, etherType: PacketSocket.discovery)
            let session = try PacketSocket.open(interface: settings.device, etherType: PacketSocket.session)
            // Tagged frames reach these sockets untagged and PACKET_OTHERHOST
            // (docs/design.md, issue 13): they must not pass for untagged ones.
            try PacketSocket.dropOtherHost(discovery.descriptor.raw)
            try PacketSocket.dropOtherHost(session.descriptor.raw)
            var tagged: SharedDescriptor?
            if settings.pppoe.vlan.isTagged {
                tagged = SharedDescriptor(try PacketSocket.openTagged(interface: settings.device).takeDescriptor())
            }
            let interface = discovery.interface
            return Port(settings: settings, descriptor: SharedDescriptor(discovery.takeDescriptor()), restored: false,
                        sessionDescriptor: SharedDescriptor(session.takeDescriptor()),
                        taggedDescriptor: tagged, interface: interface)
        case .tcp:
            // connect: opened per session by the link layer.
            return Port(settings: settings, descriptor: nil, restored: false)
        }
    }

    var status: JSONObject {
        var o: JSONObject = ["name": .string(settings.name), "type": .string(settings.kind.name)]
        if !settings.device.isEmpty { o["device"] = .string(settings.device) }
        if !settings.local.isEmpty { o["local"] = .string(settings.local) }
        if !settings.remote.isEmpty { o["remote"] = .string(settings.remote) }
        if let i = interface {
            o["interface"] = .string(i.name)
            o["mac"] = .string("\(EthernetAddress(rawValue: i.address))")
            o["mtu"] = .int(Int64(i.mtu))
        }
        if let d = descriptor {
            o["inode"] = .int(Int64(ppp_inode(d.raw)))
            o["restored"] = .bool(restored)
        }
        return o
    }
}
