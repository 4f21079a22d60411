// What the descriptor limit lets the router carry (issue 13, docs/design.md
// "fd budget"): each session costs descriptors in up to three processes, and
// the process that runs out first decides. Since the linkd–ncpd mux (issue
// 13 point 1) an access concentrator's session costs its TUN unit only,
// unless bridge rules may send it to bridged: then it keeps a channel of its
// own and costs 4 (5 over a TCP upstream). pppinit computes it at start,
// before any daemon is spawned, and lowers the access concentrators' `max-sessions`
// to what fits, so a full AC refuses at discovery (no PADO, RFC 2516 §5.2)
// instead of accepting sessions that ncpd or the fd store would drop later.
import IPC

struct DescriptorBudget: Equatable {
    /// Per AC session, in each process that holds some: its sessions reach
    /// ncpd over the port's mux, so pppinit's fd store keeps the session's
    /// TUN unit (ncpd's deposit) and ncpd holds the unit; linkd holds none.
    static let storePerSession = 1
    static let ncpdPerSession = 1
    static let linkdPerSession = 0
    /// Each AC's mux: both ends in the fd store (linkd's and ncpd's
    /// deposit), one in ncpd.
    static let storePerMux = 2
    /// A session with a channel of its own (the one session of any other
    /// port): the store keeps both channel ends and the unit.
    static let storePerChannelSession = 3
    /// An AC session that a bridge rule (or RADIUS tunnel attributes, when
    /// an l2tp lac port is an upstream) may send to bridged: it keeps a
    /// channel of its own, so the store holds linkd's end and bridged's
    /// leg of it, and the upstream session it is spliced to costs the same
    /// again (the upstream linkd's end and the other leg). Which sessions a
    /// rule takes is known only after authentication, long after the PADO
    /// admitted them (RFC 2516 §5.2), so every session of such an AC is
    /// charged as bridged (issue 13; docs/design.md "fd budget").
    static let storePerBridgedSession = 4
    /// A TCP connect upstream opens a connection per dial (its circuit owns
    /// it), deposited with the upstream session.
    static let storePerTCPDial = 1
    /// Elsewhere a bridged AC session costs its channel end in the AC's
    /// linkd and both legs in bridged: below the store's 4 in every
    /// process, so the store still decides.
    static let linkdPerBridgedSession = 1
    static let bridgedPerSplice = 2
    /// An AC with `bridge = "manual"`: its sessions wait for `pppctl
    /// bridge` with a channel each and are spliced with one another, so a
    /// session costs its linkd end and its leg in bridged.
    static let storePerManualSession = 2
    /// Descriptors a process needs besides its sessions: pppinit's 64
    /// control conversations, its init links and rendezvous points, ncpd's
    /// TUN stock and rtnetlink sockets, linkd's packet sockets, the
    /// channels of handshakes in flight, log and event plumbing. The idle
    /// processes hold 10 to 40 (measured in the swarm test); 256 leaves room
    /// for the bursts.
    static let headroom = 256

    /// The per-process limit (RLIMIT_NOFILE, soft, after it was raised).
    let limit: Int

    /// Sessions pppinit's fd store can hold, across all ports.
    var storeCapacity: Int { max(0, limit - Self.headroom) / Self.storePerSession }
    /// Sessions ncpd can hold, across all ports.
    var ncpdCapacity: Int { max(0, limit - Self.headroom) / Self.ncpdPerSession }
    /// Sessions the router can hold in all, before what each port costs
    /// on its own (its mux, or its one session's channel).
    var capacity: Int { min(storeCapacity, ncpdCapacity) }

    /// What the ports cost the fd store besides the AC sessions: each AC's
    /// mux, each other port's one session with its channel.
    static func fixedCost(_ ports: [PortSettings]) -> Int {
        ports.reduce(0) { $0 + (isAC($1) ? storePerMux : storePerChannelSession) }
    }

    static func isAC(_ port: PortSettings) -> Bool { port.kind == .pppoe && port.pppoe.role == .ac }

    /// What one session of each port costs the fd store: an AC's 1, or
    /// what `bridged` says for an AC whose sessions may be bridged (port
    /// name → descriptors per session, DescriptorBudget.bridging); a port
    /// of another kind 0 (its one session is in `fixedCost`).
    static func storeCost(_ port: PortSettings, bridged: [String: Int]) -> Int {
        guard isAC(port) else { return 0 }
        return bridged[port.name] ?? storePerSession
    }

    /// Sessions a port may ask for: an AC its `max-sessions`; a port of
    /// another kind runs one at a time.
    static func demand(_ port: PortSettings) -> Int {
        guard isAC(port) else { return 1 }
        return Int(port.pppoe.maxSessions)
    }

    enum Verdict: Equatable {
        /// Everything fits as configured.
        case fits
        /// The ACs' `max-sessions` were lowered to what fits (by port name).
        case lowered([String: (from: Int, to: Int)])
        /// Not even one session per port fits.
        case refused

        static func == (a: Verdict, b: Verdict) -> Bool {
            switch (a, b) {
            case (.fits, .fits), (.refused, .refused): true
            case let (.lowered(x), .lowered(y)):
                x.count == y.count && x.allSatisfy { k, v in y[k].map { $0.from == v.from && $0.to == v.to } ?? false }
            default: false
            }
        }
    }

    /// If the ACs' sessions together cost more descriptors than are left of
    /// `capacity` after what every port costs on its own, shares what is
    /// left among them in proportion to what they asked (each keeps at
    /// least one). `bridged`: the ACs whose sessions may be bridged, with
    /// what one costs the store (DescriptorBudget.bridging).
    func fit(_ ports: inout [PortSettings], bridged: [String: Int] = [:]) -> Verdict {
        let acs = ports.indices.filter { Self.isAC(ports[$0]) }
        let cost = ports.map { Self.storeCost($0, bridged: bridged) }
        // In descriptors of the store; the ncpd, linkd and bridged bounds
        // are never tighter (each charges a session no more than the store).
        let room = capacity * Self.storePerSession - Self.fixedCost(ports)
        // A file with no ports (authd alone, for `pppctl auth test`) fits
        // whenever the limit leaves any room past the headroom.
        guard capacity >= 1, room >= acs.reduce(0, { $0 + cost[$1] }) else { return .refused }
        var lowered: [String: (from: Int, to: Int)] = [:]
        func lower(_ i: Int, to n: Int) {
            let from = lowered[ports[i].name]?.from ?? Self.demand(ports[i])
            ports[i].pppoe.maxSessions = UInt32(n)
            lowered[ports[i].name] = (from, n)
        }
        let wanted = ports.map(Self.demand)
        let asked = acs.reduce(0) { $0 + wanted[$1] * cost[$1] }
        if asked > room {
            // Each AC gets the same fraction of what it asked for; its
            // sessions then cost cost[i] each.
            var given = 0
            for i in acs {
                let share = max(1, wanted[i] * room / asked)
                lower(i, to: share)
                given += share * cost[i]
            }
            // Rounding up to one each can overshoot when many ACs share a
            // small room: take it back from the largest.
            while given > room, let i = acs.max(by: { ports[$0].pppoe.maxSessions < ports[$1].pppoe.maxSessions }),
                  ports[i].pppoe.maxSessions > 1 {
                lower(i, to: Int(ports[i].pppoe.maxSessions) - 1)
                given -= cost[i]
            }
        }
        for (name, change) in lowered where change.from == change.to { lowered[name] = nil }
        return lowered.isEmpty ? .fits : .lowered(lowered)
    }

    /// The numbers, for the start-up log line.
    var arithmetic: String {
        "RLIMIT_NOFILE \(limit), \(Self.headroom) kept per process: the fd store holds \(Self.storePerSession) per AC session "
            + "(\(storeCapacity) sessions) and \(Self.storePerMux) per AC's mux, \(Self.storePerChannelSession) per session of another port; "
            + "ncpd \(Self.ncpdPerSession) per AC session (\(ncpdCapacity)); an AC's linkd \(Self.linkdPerSession); "
            + "\(Self.storePerBridgedSession) in the fd store (\(Self.storePerBridgedSession + Self.storePerTCPDial) over a tcp upstream) "
            + "per session of an AC that bridge rules may send to bridged"
    }

    /// The ACs whose sessions bridged may splice, with what one such
    /// session costs the store: those a `[[bridge]]` rule applies to, all
    /// of them when an l2tp lac port is an upstream (RADIUS tunnel
    /// attributes, RFC 2868, may send any session there), and those
    /// bridged by hand.
    static func bridging(_ config: RouterConfig) -> [String: Int] {
        var out: [String: Int] = [:]
        for port in config.ports where isAC(port) {
            let settings = config.linkdSettings(port)
            if settings.role == .manual {
                out[port.name] = storePerManualSession
                continue
            }
            var upstreams = settings.rules.map(\.upstream)
            if !settings.tunnelUpstream.isEmpty { upstreams.append(settings.tunnelUpstream) }
            guard !upstreams.isEmpty else { continue }
            let dials = upstreams.contains { name in config.ports.contains { $0.name == name && $0.kind == .tcp } }
            out[port.name] = storePerBridgedSession + (dials ? storePerTCPDial : 0)
        }
        return out
    }
}
