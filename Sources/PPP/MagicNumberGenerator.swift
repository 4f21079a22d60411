// Magic-Number choice (RFC 1661 §6.4) without globals or syscalls: SplitMix64
// over a seed the owner draws from a real entropy source. Deterministic for a
// given seed, which is what lets tests replay loopback detection.

/// A small deterministic generator of non-zero 32-bit Magic-Numbers.
public struct MagicNumberGenerator: Equatable, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// RFC 1661 §6.4: zero is illegal, and the new value must differ from the
    /// one that collided.
    public mutating func next(avoiding old: UInt32 = 0) -> UInt32 {
        while true {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            z ^= z >> 31
            let magic = UInt32(truncatingIfNeeded: z ^ (z >> 32))
            if magic != 0 && magic != old { return magic }
        }
    }
}
