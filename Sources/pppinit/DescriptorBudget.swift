// What the descriptor limit lets the router carry (issue 13, docs/design.md
// "fd budget"): each session costs descriptors in three processes, and the
// process that runs out first decides. pppinit computes it at start, before
// any daemon is spawned, and lowers the access concentrators' `max-sessions`
// to what fits, so a full AC refuses at discovery (no PADO, RFC 2516 §5.2)
// instead of accepting sessions that ncpd or the fd store would drop later.
import IPC

struct DescriptorBudget: Equatable {
    /// Per session, in each process that holds some. pppinit's fd store
    /// keeps linkd's channel end (1) and ncpd's channel and TUN unit (2);
    /// ncpd holds its channel end and its TUN unit; a linkd holds its
    /// channel end to ncpd.
    static let storePerSession = 3
    static let ncpdPerSession = 2
    static let linkdPerSession = 1
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
    /// Sessions one linkd (one port) can hold.
    var linkdCapacity: Int { max(0, limit - Self.headroom) / Self.linkdPerSession }
    /// Sessions the router can hold in all.
    var capacity: Int { min(storeCapacity, ncpdCapacity) }

    /// Sessions a port may ask for: an AC its `max-sessions` (and at most
    /// what its linkd can hold); a port of another kind runs one at a time.
    static func demand(_ port: PortSettings) -> Int {
        guard port.kind == .pppoe, port.pppoe.role == .ac else { return 1 }
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

    /// Lowers each AC's `max-sessions` to what its linkd holds, then, if the
    /// ports together still ask for more than `capacity`, shares what is
    /// left after the one-session ports among the ACs in proportion to what
    /// they asked (each keeps at least one).
    func fit(_ ports: inout [PortSettings]) -> Verdict {
        guard capacity >= ports.count, linkdCapacity >= 1 else { return .refused }
        var lowered: [String: (from: Int, to: Int)] = [:]
        func lower(_ i: Int, to n: Int) {
            let from = lowered[ports[i].name]?.from ?? Self.demand(ports[i])
            ports[i].pppoe.maxSessions = UInt32(n)
            lowered[ports[i].name] = (from, n)
        }
        let acs = ports.indices.filter { ports[$0].kind == .pppoe && ports[$0].pppoe.role == .ac }
        let wanted = ports.map(Self.demand)
        for i in acs where wanted[i] > linkdCapacity { lower(i, to: linkdCapacity) }
        let asked = acs.reduce(0) { $0 + Self.demand(ports[$1]) }
        let room = capacity - (ports.count - acs.count)
        if asked > room {
            // Shares follow what each asked for, not what its linkd holds.
            let total = acs.reduce(0) { $0 + wanted[$1] }
            var given = 0
            for i in acs {
                let share = min(linkdCapacity, max(1, wanted[i] * room / total))
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
        "RLIMIT_NOFILE \(limit), \(Self.headroom) kept per process: the fd store holds \(Self.storePerSession) per session "
            + "(\(storeCapacity) sessions), ncpd \(Self.ncpdPerSession) (\(ncpdCapacity)), each linkd \(Self.linkdPerSession) (\(linkdCapacity))"
    }
}
