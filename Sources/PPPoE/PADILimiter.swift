// PADI rate limits with bounded memory (RFC 2516 §9: an AC "MAY employ other
// means to protect resources"). A token bucket per source MAC lives in a
// fixed table indexed by a keyed hash, and one bucket caps the total. A
// source that loses its slot to another starts again with a full bucket:
// eviction can only be generous to a host, never starve it, and a flood of
// fresh MACs is held by the total limit. Nothing grows with the PADIs seen.

public struct RateLimit: Equatable, Sendable {
    /// Tokens added per second (PADIs allowed per second in the long run).
    public var rate: Double
    /// Bucket size: how many may come at once.
    public var burst: Double

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// No limit at all (rate 0 in the config).
    public var isUnlimited: Bool { rate <= 0 }
}

public struct PADILimiter: Sendable {
    public enum Verdict: Equatable, Sendable {
        case allowed, sourceLimited, totalLimited
    }

    struct Bucket: Sendable {
        var tokens: Double
        var stamp: UInt64

        /// Refills for the time since `stamp`, then takes one token if there is one.
        mutating func take(_ limit: RateLimit, now: UInt64) -> Bool {
            if now > stamp {
                tokens = min(limit.burst, tokens + Double(now - stamp) / 1e9 * limit.rate)
            }
            stamp = max(stamp, now)
            guard tokens >= 1 else { return false }
            tokens -= 1
            return true
        }
    }

    struct Slot: Sendable {
        /// rawValue + 1 of the owning MAC; 0 marks an empty slot.
        var owner: UInt64 = 0
        var bucket = Bucket(tokens: 0, stamp: 0)
    }

    public let perSource: RateLimit
    public let total: RateLimit
    let key: SipHashKey
    private var slots: [Slot]
    private var totalBucket: Bucket

    /// `tableSize` is rounded up to a power of two; it is all the memory used.
    public init(perSource: RateLimit, total: RateLimit, tableSize: Int = 4096, key: SipHashKey) {
        self.perSource = perSource
        self.total = total
        self.key = key
        var size = 1
        while size < max(tableSize, 1) { size <<= 1 }
        slots = [Slot](repeating: Slot(), count: size)
        totalBucket = Bucket(tokens: total.burst, stamp: 0)
    }

    public var tableSize: Int { slots.count }
    /// Slots in use (bounded by tableSize whatever arrives).
    public var trackedSources: Int { slots.reduce(0) { $0 + ($1.owner != 0 ? 1 : 0) } }

    /// One PADI from `source` at monotonic time `now` (nanoseconds). The
    /// per-source bucket is charged first so one noisy host cannot drain the total.
    public mutating func admit(_ source: EthernetAddress, now: UInt64) -> Verdict {
        if !perSource.isUnlimited {
            var h = SipHash(key: key)
            h.append(bigEndian: source.rawValue)
            let index = Int(truncatingIfNeeded: h.finalize()) & (slots.count - 1)
            if slots[index].owner != source.rawValue + 1 {
                slots[index] = Slot(owner: source.rawValue + 1, bucket: Bucket(tokens: perSource.burst, stamp: now))
            }
            guard slots[index].bucket.take(perSource, now: now) else { return .sourceLimited }
        }
        if !total.isUnlimited {
            guard totalBucket.take(total, now: now) else { return .totalLimited }
        }
        return .allowed
    }
}
