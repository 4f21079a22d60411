// What the descriptor limit lets the router carry (issue 13, docs/design.md
// "fd budget"): each session costs descriptors in up to three processes, and
// the process that runs out first decides. Since the linkd–ncpd mux (issue
// 13 point 1) an access concentrator's session costs its TUN unit only. pppinit computes it at start, before
// any daemon is spawned, and lowers the access concentrators' `max-sessions`
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

    /// If the ACs together ask for more than is left of `capacity` after
    /// what every port costs on its own, shares what is left among them in
    /// proportion to what they asked (each keeps at least one).
    func fit(_ ports: inout [PortSettings]) -> Verdict {
        let acs = ports.indices.filter { Self.isAC(ports[$0]) }
        let room = capacity - Self.fixedCost(ports)
        // A file with no ports (authd alone, for `pppctl auth test`) fits
        // whenever the limit leaves any room past the headroom.
        guard capacity >= 1, room >= acs.count else { return .refused }
        var lowered: [String: (from: Int, to: Int)] = [:]
        func lower(_ i: Int, to n: Int) {
            let from = lowered[ports[i].name]?.from ?? Self.demand(ports[i])
            ports[i].pppoe.maxSessions = UInt32(n)
            lowered[ports[i].name] = (from, n)
        }
        let wanted = ports.map(Self.demand)
        let asked = acs.reduce(0) { $0 + wanted[$1] }
        if asked > room {
            let total = asked
            var given = 0
            for i in acs {
                let share = max(1, wanted[i] * room / total)
                lower(i, to: share)
                given += share
            }
            // Rounding up to one each can overshoot when many ACs share a
            // small room: take it back from the largest.
            while given > room, let i = acs.max(by: { ports[$0].pppoe.maxSessions < ports[$1].pppoe.maxSessions }),
                  ports[i].pppoe.maxSessions > 1 {
                lower(i, to: Int(ports[i].pppoe.maxSessions) - 1)
                given -= 1
            }
        }
        for (name, change) in lowered where change.from == change.to { lowered[name] = nil }
        return lowered.isEmpty ? .fits : .lowered(lowered)
    }

    /// The numbers, for the start-up log line.
    var arithmetic: String {
        "RLIMIT_NOFILE \(limit), \(Self.headroom) kept per process: the fd store holds \(Self.storePerSession) per AC session "
            + "(\(storeCapacity) sessions) and \(Self.storePerMux) per AC's mux, \(Self.storePerChannelSession) per session of another port; "
            + "ncpd \(Self.ncpdPerSession) per AC session (\(ncpdCapacity)); an AC's linkd \(Self.linkdPerSession)"
    }
}
