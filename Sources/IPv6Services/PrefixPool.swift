// A pool of IPv6 prefixes carved from one aggregate (a /40 into /56s for
// delegation, a /48 into /64s for sessions' RAs): a bit set, the lowest free
// prefix first, prefixes pinned to users kept for them, exhaustion reported
// as a value. Restart: `reserve` takes back what a deposited binding held.

public struct PrefixPool: Sendable {
    public enum Refusal: Error, Equatable, Sendable {
        /// Every prefix is in use (RFC 8415 §18.3.1: NoPrefixAvail follows).
        case exhausted
    }

    public let name: String
    public let aggregate: IPv6Prefix
    public let prefixLength: UInt8
    public let size: Int
    private var used: [UInt64]
    private var owners: [Int: String] = [:]
    /// User name → the index kept for that user alone.
    private var pins: [String: Int] = [:]
    private var pinned: Set<Int> = []

    /// Nil when `prefixLength` is not longer than the aggregate by 1-24 bits
    /// (a pool of at most 16 M prefixes, a 2 MiB bit set).
    public init?(name: String, aggregate: IPv6Prefix, prefixLength: UInt8) {
        guard prefixLength > aggregate.length, prefixLength - aggregate.length <= 24,
              let count = aggregate.subprefixCount(length: prefixLength) else { return nil }
        self.name = name; self.aggregate = aggregate; self.prefixLength = prefixLength
        size = count
        used = Array(repeating: 0, count: (count + 63) / 64)
    }

    public var inUse: Int { owners.count }
    public var available: Int { size - inUse - pinned.filter { !isUsed($0) }.count }

    /// Keeps `prefix` for `user` only (RADIUS-less static assignment); false
    /// when it is not one of this pool's or is pinned already.
    public mutating func pin(_ prefix: IPv6Prefix, to user: String) -> Bool {
        guard prefix.length == prefixLength, let i = aggregate.index(of: prefix), !pinned.contains(i) else { return false }
        pins[user] = i
        pinned.insert(i)
        return true
    }

    /// The user's pinned prefix if it has one and it is free, else the lowest
    /// free unpinned one.
    public mutating func allocate(to owner: String, user: String = "") throws(Refusal) -> IPv6Prefix {
        if let i = pins[user], !isUsed(i) { return take(i, owner) }
        for (w, word) in used.enumerated() where word != UInt64.max {
            var free = ~word
            while free != 0 {
                let i = w * 64 + free.trailingZeroBitCount
                guard i < size else { break }
                if !pinned.contains(i) { return take(i, owner) }
                free &= free - 1
            }
        }
        throw .exhausted
    }

    /// After a restart: takes back a prefix a deposited binding held. False
    /// when it is not this pool's or someone else holds it.
    public mutating func reserve(_ prefix: IPv6Prefix, for owner: String) -> Bool {
        guard prefix.length == prefixLength, let i = aggregate.index(of: prefix) else { return false }
        if let o = owners[i] { return o == owner }
        _ = take(i, owner)
        return true
    }

    public mutating func free(_ prefix: IPv6Prefix) {
        guard prefix.length == prefixLength, let i = aggregate.index(of: prefix), isUsed(i) else { return }
        used[i / 64] &= ~(1 << UInt64(i % 64))
        owners[i] = nil
    }

    public func owner(of prefix: IPv6Prefix) -> String? {
        aggregate.index(of: prefix).flatMap { owners[$0] }
    }

    private func isUsed(_ i: Int) -> Bool { used[i / 64] & (1 << UInt64(i % 64)) != 0 }

    private mutating func take(_ i: Int, _ owner: String) -> IPv6Prefix {
        used[i / 64] |= 1 << UInt64(i % 64)
        owners[i] = owner
        guard let p = aggregate.subprefix(i, length: prefixLength) else { preconditionFailure("index \(i) inside the pool") }
        return p
    }
}
