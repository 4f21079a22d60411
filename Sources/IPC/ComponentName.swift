// The names pppinit gives its components ("authd", "linkd@udp0"): the target
// of a relayed call, the sender of an event, a `pppctl restart` argument.
// Written and read here only, so no daemon builds one with string arithmetic.

/// A supervised component: one daemon, and for linkd the port it serves.
public struct ComponentName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let peer: Peer
    /// The port name for linkd; empty for the single-instance daemons.
    public let instance: String

    /// A single-instance daemon (authd, ncpd, bridged).
    public init(_ peer: Peer) {
        self.peer = peer
        self.instance = ""
    }

    /// The linkd that serves `port`.
    public static func linkd(port: some StringProtocol) -> ComponentName {
        ComponentName(peer: .linkd, instance: String(port))
    }

    private init(peer: Peer, instance: String) {
        self.peer = peer
        self.instance = instance
    }

    /// Parses "linkd@PORT" or a daemon's bare name; nil for anything else
    /// (pppinit and pppctl are not components, linkd needs a port, the
    /// others take none).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard let peer = Peer.daemons.first(where: { $0.description == parts[0] }) else { return nil }
        if peer == .linkd {
            guard parts.count == 2, !parts[1].isEmpty else { return nil }
            self.init(peer: .linkd, instance: String(parts[1]))
        } else {
            guard parts.count == 1 else { return nil }
            self.init(peer)
        }
    }

    /// The linkd instance's port, nil for other daemons.
    public var port: String? { peer == .linkd ? instance : nil }

    public var description: String { instance.isEmpty ? peer.description : "\(peer)@\(instance)" }

    public static func < (a: ComponentName, b: ComponentName) -> Bool { a.description < b.description }
}
