// Randomness for RA intervals (RFC 4861 §6.2.4), solicitation delays and
// DHCPv6 retransmission jitter (RFC 8415 §15) without globals or syscalls:
// SplitMix64 over a seed the owner draws from a real entropy source, so a test
// replays a run exactly.

/// A small deterministic generator; the daemon seeds it from getrandom(2).
public struct SeededGenerator: RandomNumberGenerator, Equatable, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniformly drawn duration in `range` (nanoseconds).
    mutating func duration(in range: ClosedRange<UInt64>) -> UInt64 {
        UInt64.random(in: range, using: &self)
    }
}

/// Nanoseconds, the unit of every `now` and deadline here (CLOCK_MONOTONIC).
enum Nanoseconds {
    static let perSecond: UInt64 = 1_000_000_000
    static let perMillisecond: UInt64 = 1_000_000
    static func seconds(_ s: UInt32) -> UInt64 { UInt64(s) * perSecond }
}
