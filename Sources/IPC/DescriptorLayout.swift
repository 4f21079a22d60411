// The descriptors a daemon inherits from pppinit, written once: their numbers
// and the PPP_FDS/PPP_FDNAMES environment that announces them (the shape of
// systemd's LISTEN_FDS/LISTEN_FDNAMES, so a daemon started by hand says so at
// once instead of reading a stray fd 3). Everything else a daemon is told
// comes in its DaemonSetup over the init link.

public enum InheritedDescriptor: Int32, CaseIterable, Sendable {
    /// The init link (SEQPACKET): setup, calls, fd store, events.
    case initLink = 3
    /// authd, ncpd, bridged: the named rendezvous point (SOCK_DGRAM) bound
    /// by pppinit in the runtime dir, so it outlives restarts.
    case rendezvous = 4

    public var name: String {
        switch self {
        case .initLink: "init"
        case .rendezvous: "rendezvous"
        }
    }

    /// Inherited in this order, from fd 3 on, with no gaps.
    public static func layout(rendezvous: Bool) -> [InheritedDescriptor] {
        rendezvous ? [.initLink, .rendezvous] : [.initLink]
    }

    /// The environment entries pppinit passes for `layout`.
    public static func environment(_ layout: [InheritedDescriptor]) -> [String] {
        ["PPP_FDS=\(layout.count)", "PPP_FDNAMES=" + layout.map(\.name).joined(separator: ":")]
    }

    /// What the environment announces; nil unless it is one of the layouts
    /// above (the init link first), i.e. the process was not started by pppinit.
    public static func announced(in env: [String: String]) -> [InheritedDescriptor]? {
        guard let count = env["PPP_FDS"].flatMap({ Int($0) }), let names = env["PPP_FDNAMES"] else { return nil }
        let parts = names.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        for layout in [layout(rendezvous: false), layout(rendezvous: true)]
            where layout.count == count && layout.map(\.name) == parts {
            return layout
        }
        return nil
    }
}
