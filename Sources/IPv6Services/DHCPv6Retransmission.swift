// RFC 8415 §15's retransmission rule in one place: RT starts at IRT + RAND ×
// IRT, then doubles (2 × RTprev + RAND × RTprev), is held to MRT + RAND × MRT,
// and stops after MRC transmissions or at MRD. RAND is uniform in -0.1..0.1
// from the injected generator; for the first Solicit it is above 0, so the
// first RT is strictly longer than IRT (§15). §7.6 gives the parameters.

struct DHCPv6Retransmission: Equatable, Sendable {
    struct Parameters: Equatable, Sendable {
        var irt: UInt64, mrt: UInt64, mrc: Int
        /// §7.6 SOL_TIMEOUT, SOL_MAX_RT; REQ_*; REN_*; REB_*; REL_*.
        static let solicit = Parameters(irt: 1 * Nanoseconds.perSecond, mrt: 3600 * Nanoseconds.perSecond, mrc: 0)
        static let request = Parameters(irt: 1 * Nanoseconds.perSecond, mrt: 30 * Nanoseconds.perSecond, mrc: 10)
        static let renew = Parameters(irt: 10 * Nanoseconds.perSecond, mrt: 600 * Nanoseconds.perSecond, mrc: 0)
        static let rebind = Parameters(irt: 10 * Nanoseconds.perSecond, mrt: 600 * Nanoseconds.perSecond, mrc: 0)
        static let release = Parameters(irt: 1 * Nanoseconds.perSecond, mrt: 0, mrc: 4)
    }

    let parameters: Parameters
    /// Absolute MRD deadline, nil = none.
    let end: UInt64?
    private(set) var rt: UInt64 = 0
    private(set) var sent = 0
    /// When the exchange's first message went out (Elapsed Time counts from it).
    private(set) var started: UInt64 = 0

    init(_ parameters: Parameters, end: UInt64?) { self.parameters = parameters; self.end = end }

    static func rand(_ g: inout SeededGenerator, positive: Bool) -> Double {
        positive ? Double.random(in: Double.ulpOfOne...0.1, using: &g) : Double.random(in: -0.1...0.1, using: &g)
    }

    static func scaled(_ v: UInt64, _ r: Double) -> UInt64 {
        UInt64(max(0, Double(v) * (1 + r)))
    }

    /// Records a transmission at `now` and returns when to retransmit, or
    /// nil when MRC or MRD ends the exchange.
    mutating func transmitted(now: UInt64, random g: inout SeededGenerator, firstSolicit: Bool = false) -> UInt64? {
        if sent == 0 {
            started = now
            rt = Self.scaled(parameters.irt, Self.rand(&g, positive: firstSolicit))
        } else {
            rt = UInt64(Double(rt) * (2 + Self.rand(&g, positive: false)))
            if parameters.mrt > 0 && rt > parameters.mrt { rt = Self.scaled(parameters.mrt, Self.rand(&g, positive: false)) }
        }
        sent += 1
        if parameters.mrc > 0 && sent >= parameters.mrc { return end.map { min($0, now + rt) } ?? now + rt }
        if let e = end { return min(e, now + rt) }
        return now + rt
    }

    /// MRC reached, or MRD passed (§15: the exchange has failed).
    func exhausted(now: UInt64) -> Bool {
        (parameters.mrc > 0 && sent >= parameters.mrc) || end.map { now >= $0 } == true
    }

    /// §21.9 Elapsed Time in hundredths of a second, 0xffff at most.
    func elapsed(now: UInt64) -> UInt16 {
        sent == 0 ? 0 : UInt16(clamping: (now - started) / (10 * Nanoseconds.perMillisecond))
    }
}
