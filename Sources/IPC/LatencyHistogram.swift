// A latency histogram a daemon keeps and reports in its status (authd: its
// RADIUS requests, issue 19), for metricsd to export as a Prometheus
// histogram. Fixed bucket bounds, so recording is an index and an add (no
// allocation), and every scrape's series have the same `le` labels.

public struct LatencyHistogram: Equatable, Sendable {
    /// Seconds. From 5 ms (a server on the LAN) to 10 s (past any sane
    /// RADIUS timeout × retries, which end as timeouts, not here).
    public static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Observations at or below each bound (cumulative, as Prometheus
    /// writes them), then the total.
    public private(set) var cumulative: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var sum: Double = 0

    public init() { cumulative = Array(repeating: 0, count: Self.bounds.count) }

    public mutating func record(seconds: Double) {
        let v = seconds.isFinite && seconds > 0 ? seconds : 0
        for i in Self.bounds.indices where v <= Self.bounds[i] { cumulative[i] += 1 }
        count += 1
        sum += v
    }

    /// `{"buckets": [[le, count], …], "sum": S, "count": N}`.
    public var json: JSON {
        .object(["buckets": .array(zip(Self.bounds, cumulative).map { .array([.double($0), .int(Int64(clamping: $1))]) }),
                 "sum": .double(sum), "count": .int(Int64(clamping: count))])
    }

    /// Reads a reported histogram back; nil when the shape is wrong, the
    /// bounds are not ours, or the counts are not cumulative.
    public init?(json: JSON) {
        guard let buckets = json["buckets"]?.array, buckets.count == Self.bounds.count,
              let sum = json["sum"]?.double, sum >= 0, let count = json["count"]?.int, count >= 0 else { return nil }
        var cumulative: [UInt64] = []
        for (i, b) in buckets.enumerated() {
            guard let pair = b.array, pair.count == 2, pair[0].double == Self.bounds[i], let n = pair[1].int, n >= 0,
                  n >= Int64(clamping: cumulative.last ?? 0), n <= count else { return nil }
            cumulative.append(UInt64(n))
        }
        self.cumulative = cumulative; self.count = UInt64(count); self.sum = sum
    }
}
