// pppinit's service table: each daemon it runs, as data. What a daemon keeps
// after its privilege drop is decided here, each grant with its reason, and
// travels to the daemon in its DaemonSetup; no main.swift lists syscalls.
// The uid and gid come from the config's [daemons] table.
import IPC

struct Service: Sendable {
    /// One capability or syscall a daemon keeps, and why.
    struct Grant<Value: Sendable>: Sendable {
        let value: Value
        let reason: String
    }

    let peer: Peer
    /// Kept after the drop (Sandbox.drop).
    let capabilities: [Grant<Capability>]
    /// Allowed beyond Sandbox.baseSyscalls.
    let syscalls: [Grant<String>]
    /// The instances the config asks for: the component name and its
    /// settings, encoded by the daemon's own codec.
    let instances: @Sendable (RouterConfig) -> [(name: ComponentName, settings: [UInt8])]

    var executable: String { peer.description }

    static let table: [Service] = [
        Service(peer: .authd, capabilities: [], syscalls: [],
                instances: { [(ComponentName(.authd), $0.auth.encoded())] }),
        Service(peer: .ncpd,
                capabilities: [Grant(value: .netAdmin, reason: "create TUN units, set their addresses and routes")],
                syscalls: [Grant(value: "openat", reason: "/dev/net/tun where our uid may open it"),
                           Grant(value: "ioctl", reason: "TUNSETIFF on a unit; if_nametoindex's socket ioctl"),
                           Grant(value: "bind", reason: "if_nametoindex's socket"),
                           Grant(value: "getsockname", reason: "if_nametoindex's socket")],
                instances: { [(ComponentName(.ncpd), $0.ncpdSettings.encoded())] }),
        Service(peer: .bridged, capabilities: [], syscalls: [],
                instances: { _ in [(ComponentName(.bridged), [])] }),
        // No capability for any port: a pppoe port's AF_PACKET sockets are
        // opened as root before the drop and kept in the fd store, and sending
        // or receiving on an open packet socket is not checked against
        // CAP_NET_RAW (only socket(2) is).
        Service(peer: .linkd, capabilities: [],
                syscalls: [Grant(value: "accept4", reason: "TCP listen ports"),
                           Grant(value: "recvmmsg", reason: "PPPoE's batched AF_PACKET reads, UDP ports' batched reads"),
                           Grant(value: "sendmmsg", reason: "PPPoE's batched AF_PACKET writes")],
                instances: { config in config.ports.map { (ComponentName.linkd(port: $0.name), config.linkdSettings($0).encoded()) } }),
    ]

    /// Syscall names in the table that libseccomp does not know here: pppinit
    /// refuses to start rather than have a daemon fail at its drop.
    static var unknownSyscalls: [String] {
        Sandbox.unknownSyscalls(Sandbox.baseSyscalls + table.flatMap { $0.syscalls.map(\.value) })
    }

    /// The setup of one instance, from the config.
    func setup(_ name: ComponentName, settings: [UInt8], config: RouterConfig) -> DaemonSetup {
        let id = config.identities[peer.description]!
        return DaemonSetup(name: peer.description, instance: name.instance, uid: id.uid, gid: id.gid,
                           capabilities: capabilities.map(\.value.rawValue), seccomp: config.seccomp,
                           settings: settings, runtimeDir: config.runtimeDir, peerUIDs: Self.uidTable(config),
                           logLevel: config.logLevel, syscalls: syscalls.map(\.value))
    }

    /// uid → daemon: lets a daemon name the sender of a datagram on its
    /// rendezvous point from the kernel's credentials.
    static func uidTable(_ config: RouterConfig) -> [UInt32: Peer] {
        var table: [UInt32: Peer] = [:]
        for peer in Peer.daemons { table[config.identities[peer.description]!.uid] = peer }
        return table
    }
}
