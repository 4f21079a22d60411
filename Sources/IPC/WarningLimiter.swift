// A bound on warnings that a sender outside our control can trigger once per
// packet (junk datagrams on a rendezvous point, invalid messages on a
// conversation, bad frames from the wire). Without it every such packet is a
// log line: 10,000 datagrams from any local user were 1.4 MB of log (issue
// 15). The first is logged in full; after it, at most one summary line per
// `interval` says how many more there were and shows the latest.

public struct WarningLimiter: Sendable {
    /// Every warning noted, logged or not.
    public private(set) var total = 0
    /// Noted since the last line logged.
    public private(set) var suppressed = 0
    private var lastLogged: Double?
    public let interval: Double

    public init(interval: Double = 10) {
        self.interval = interval
    }

    public enum Decision: Equatable, Sendable {
        /// Log this one in full (the first, or the first after a quiet interval).
        case log
        /// Log a summary: `count` more since the last line (this one included).
        case summary(count: Int)
        /// Count it only.
        case quiet
    }

    /// `now`: seconds on a monotonic clock.
    public mutating func note(now: Double) -> Decision {
        total += 1
        guard let last = lastLogged else {
            lastLogged = now
            return .log
        }
        suppressed += 1
        guard now - last >= interval else { return .quiet }
        lastLogged = now
        let n = suppressed
        suppressed = 0
        return n == 1 ? .log : .summary(count: n)
    }

    /// Notes one warning and writes what the decision says to `log`.
    public mutating func warn(_ log: Log, now: Double = Double(Instant.now().nanoseconds) / 1e9,
                              _ message: @autoclosure () -> String) {
        switch note(now: now) {
        case .log: log.warning(message())
        case let .summary(count):
            log.warning("\(count) more like this since the last report (\(total) in all); latest: \(message())")
        case .quiet: break
        }
    }
}
