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
    /// Allowed beyond Sandbox.baseRules, narrowed by argument where the
    /// argument is an integer (issue 15.7).
    let syscalls: [Grant<SyscallRule>]
    /// The instances the config asks for: the component name and its
    /// settings, encoded by the daemon's own codec.
    let instances: @Sendable (RouterConfig) -> [(name: ComponentName, settings: [UInt8])]

    var executable: String { peer.description }

    static let table: [Service] = [
        // authd's RADIUS and DAE sockets are bound before the drop; after it,
        // it makes Unix sockets only (the base rules).
        Service(peer: .authd, capabilities: [], syscalls: [],
                instances: { [(ComponentName(.authd), $0.auth.encoded())] }),
        Service(peer: .ncpd,
                capabilities: [Grant(value: .netAdmin, reason: "create TUN units, set their addresses and routes")],
                syscalls: [Grant(value: SyscallRule("openat", [.init(argument: 2, mask: SyscallArgument.openModeMask, value: SyscallArgument.oRdwr)]),
                                 reason: "/dev/net/tun for each unit: read-write, never create, truncate or open a directory"),
                           Grant(value: .when("ioctl", argument: 1, is: SyscallArgument.tunSetIff), reason: "TUNSETIFF on a new unit"),
                           Grant(value: .when("ioctl", argument: 1, is: SyscallArgument.siocGifIndex), reason: "if_nametoindex of a new unit"),
                           Grant(value: .when("ioctl", argument: 1, is: SyscallArgument.tunSetVnetHeaderSize),
                                 reason: "issue 21: a unit's virtio-net header size (10)"),
                           Grant(value: .when("ioctl", argument: 1, is: SyscallArgument.tunSetOffload),
                                 reason: "issue 21: TSO/USO and checksum offloads on a unit"),
                           Grant(value: .when("ioctl", argument: 1, is: SyscallArgument.tunGetIff),
                                 reason: "issue 21: whether a unit back from the fd store has the virtio-net header"),
                           Grant(value: .when("ioctl", argument: 1, is: SyscallArgument.siocOutq),
                                 reason: "issue 17: how much of a bundle link's channel linkd has not read (the fragmenter's queue depth)"),
                           Grant(value: .when("socket", argument: 0, is: SyscallArgument.afNetlink), reason: "rtnetlink: addresses, routes, links"),
                           Grant(value: SyscallRule("bind"), reason: "the rtnetlink socket's port id"),
                           Grant(value: SyscallRule("getsockname"), reason: "the rtnetlink socket's port id"),
                           Grant(value: SyscallRule("connect"),
                                 reason: "issue 17: bind-or-connect of a bundle's rendezvous point (a refused connect is a stale socket)"),
                           Grant(value: SyscallRule("unlink"), reason: "issue 17: a stale bundle socket, and one whose bundle ended"),
                           Grant(value: SyscallRule("chmod"), reason: "issue 17: a bundle's socket 0666 (senders are checked by credentials)"),
                           Grant(value: SyscallRule("recvmmsg"), reason: "issue 13: many sessions' frames per read of a linkd's mux"),
                           Grant(value: .when("sendmmsg", argument: 3, is: SyscallArgument.sendBatchFlags),
                                 reason: "issue 21: a round's frames to a linkd's mux in one call (MSG_DONTWAIT | MSG_NOSIGNAL only)")],
                instances: { [(ComponentName(.ncpd), $0.ncpdSettings.encoded())] }),
        // bridged splices channels it is handed; Unix sockets only.
        Service(peer: .bridged, capabilities: [], syscalls: [],
                instances: { _ in [(ComponentName(.bridged), [])] }),
        // No capability for any port: a pppoe port's AF_PACKET sockets are
        // opened as root before the drop and kept in the fd store, and sending
        // or receiving on an open packet socket is not checked against
        // CAP_NET_RAW (only socket(2) is). UDP and listening TCP ports are bound
        // before the drop too (bind(2) is not allowed); only a tcp-connect dial
        // makes an Internet socket after it.
        Service(peer: .linkd, capabilities: [],
                syscalls: [Grant(value: SyscallRule("accept4"), reason: "TCP listen ports"),
                           Grant(value: SyscallRule("recvmmsg"), reason: "PPPoE's batched AF_PACKET reads, UDP ports' batched reads"),
                           Grant(value: SyscallRule("sendmmsg"), reason: "PPPoE's and UDP ports' batched writes, and the mux's (issue 21)"),
                           Grant(value: Self.tcpSocket(SyscallArgument.afInet), reason: "tcp-connect dials to IPv4 peers"),
                           Grant(value: Self.tcpSocket(SyscallArgument.afInet6), reason: "tcp-connect dials to IPv6 peers"),
                           Grant(value: SyscallRule("connect"), reason: "tcp-connect dials (their TCP sockets are the only ones linkd creates)")],
                instances: { config in config.ports.map { (ComponentName.linkd(port: $0.name), config.linkdSettings($0).encoded()) } }),
        // metricsd answers HTTP scrapes on the socket pppinit bound and asks
        // the daemons over the control socket (Unix sockets, the base rules).
        Service(peer: .metricsd, capabilities: [],
                syscalls: [Grant(value: SyscallRule("accept4"), reason: "scrapes on the listening socket pppinit bound")],
                instances: { config in config.metrics.map { [(ComponentName(.metricsd), $0.encoded())] } ?? [] }),
    ]

    /// socket(family, SOCK_STREAM[|flags], _).
    static func tcpSocket(_ family: UInt64) -> SyscallRule {
        SyscallRule("socket", [.init(argument: 0, value: family),
                               .init(argument: 1, mask: SyscallArgument.socketTypeMask, value: SyscallArgument.sockStream)])
    }

    /// Syscall names in the table that libseccomp does not know here: pppinit
    /// refuses to start rather than have a daemon fail at its drop.
    static var unknownSyscalls: [String] {
        Sandbox.unknownSyscalls((Sandbox.baseRules + table.flatMap { $0.syscalls.map(\.value) }).map(\.name))
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
