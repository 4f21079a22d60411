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
    /// authd: the RFC 5176 Disconnect/CoA UDP socket pppinit bound.
    case dae = 5
    /// metricsd: the listening TCP socket of `[metrics] listen`, bound by
    /// pppinit. metricsd has no rendezvous point or DAE socket, so this
    /// one sits at fd 4 (`number(in:)`); raw values order the layout.
    case metrics = 6

    public var name: String {
        switch self {
        case .initLink: "init"
        case .rendezvous: "rendezvous"
        case .dae: "dae"
        case .metrics: "metrics"
        }
    }

    /// Its descriptor number in `layout`: fd 3 onwards in the layout's order.
    public func number(in layout: [InheritedDescriptor]) -> Int32? {
        layout.firstIndex(of: self).map { 3 + Int32($0) }
    }

    /// The environment entries pppinit passes for `layout`: the descriptors
    /// from fd 3 on, in order, with no gaps. In every daemon's layout but
    /// metricsd's each is its raw value; `number(in:)` says where it is.
    public static func environment(_ layout: [InheritedDescriptor]) -> [String] {
        precondition(isLayout(layout), "descriptors must follow fd 3 without gaps")
        return ["PPP_FDS=\(layout.count)", "PPP_FDNAMES=" + layout.map(\.name).joined(separator: ":")]
    }

    /// What the environment announces; nil unless it names the init link
    /// first and each descriptor at its number, i.e. the process was not
    /// started by pppinit.
    public static func announced(in env: [String: String]) -> [InheritedDescriptor]? {
        guard let count = env["PPP_FDS"].flatMap({ Int($0) }), let names = env["PPP_FDNAMES"] else { return nil }
        var layout: [InheritedDescriptor] = []
        for name in names.split(separator: ":", omittingEmptySubsequences: false) {
            guard let d = allCases.first(where: { $0.name == name }) else { return nil }
            layout.append(d)
        }
        guard layout.count == count, isLayout(layout) else { return nil }
        return layout
    }

    /// The init link first, then descriptors in increasing raw value; the
    /// earlier ones must all be there, but for metricsd's [init, metrics].
    private static func isLayout(_ layout: [InheritedDescriptor]) -> Bool {
        if layout == [.initLink, .metrics] { return true }
        return !layout.isEmpty && layout.enumerated().allSatisfy { $0.element.rawValue == 3 + Int32($0.offset) }
    }
}
