// The keys under which daemons deposit descriptors and state records in
// pppinit's fd store (DESIGN.md "Restart without losing sessions"). pppinit
// only stores the text; the daemon that deposited reads it back after a
// restart, so both directions are written here once.

/// One deposit's key, as a value; `description` is its text in the store.
public enum StoreKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// linkd: the port's own descriptors (tty, UDP socket, packet sockets).
    case port
    /// linkd, ncpd: one session's channel end (and ncpd's TUN unit).
    case session(String)
    /// bridged: the two channels of one splice, by the sessions they carry.
    case splice(String, String)
    /// linkd as a PPPoE client: the last session's (peer, SESSION_ID), kept
    /// so that a restart can send the stale session a PADT (RFC 2516 §5.5).
    case pppoeSession
    /// linkd on an l2tp port: one control connection's state (RFC 2661
    /// §5.8 Ns/Nr, window, pending messages, its sessions), by our Tunnel
    /// ID; no descriptors (the UDP socket is the port's).
    case tunnel(UInt16)
    /// authd: a marker, no descriptors: Accounting-On went out when the
    /// router started (RFC 2866 §5.1), so a restarted authd does not send it
    /// again (which would tell the server every session had ended).
    case accountingOn
    /// ncpd: one RFC 1990 bundle by its rendezvous name ("bundle:…"): the
    /// bundle's end of its session's channel and every member link's channel.
    case bundle(String)
    /// linkd, ncpd: one linkd's mux (issue 13 point 1), by its port: the
    /// depositor's end of it, deposited once for all its sessions.
    case mux(String)

    public var description: String {
        switch self {
        case .port: "port"
        case let .session(id): "session:" + id
        case let .splice(a, b): "splice:" + a + "|" + b
        case .pppoeSession: "pppoe-session"
        case let .tunnel(id): "tunnel:\(id)"
        case .accountingOn: "accounting-on"
        case let .bundle(name): name
        case let .mux(port): "mux:" + port
        }
    }

    /// The key a deposit was made under; nil for text no daemon writes.
    public init?(_ text: some StringProtocol) {
        let s = String(text)
        switch s {
        case "port": self = .port
        case "pppoe-session": self = .pppoeSession
        case "accounting-on": self = .accountingOn
        default:
            if s.hasPrefix("session:"), s.count > 8 {
                self = .session(String(s.dropFirst(8)))
            } else if s.hasPrefix("mux:"), s.count > 4 {
                self = .mux(String(s.dropFirst(4)))
            } else if s.hasPrefix("bundle:") {
                self = .bundle(s)
            } else if s.hasPrefix("tunnel:"), let id = UInt16(s.dropFirst(7)), id != 0 {
                self = .tunnel(id)
            } else if s.hasPrefix("splice:") {
                let legs = s.dropFirst(7).split(separator: "|", omittingEmptySubsequences: false)
                guard legs.count == 2, !legs[0].isEmpty, !legs[1].isEmpty else { return nil }
                self = .splice(String(legs[0]), String(legs[1]))
            } else {
                return nil
            }
        }
    }

    /// The session id of a `.session` key.
    public var session: String? {
        if case let .session(id) = self { return id }
        return nil
    }

    public var isSplice: Bool {
        if case .splice = self { return true }
        return false
    }

    public static func < (a: StoreKey, b: StoreKey) -> Bool { a.description < b.description }
}
