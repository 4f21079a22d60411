// Octets for challenges, tie breakers, Random Vectors and session ids. The
// library makes no syscalls, so linkd seeds it from getrandom(2); each
// output block is MD5(seed, counter), which a peer cannot predict without
// the seed, and tests get the same octets for the same seed.

public struct RandomStream: Equatable, Sendable {
    let seed: [UInt8]
    var counter: UInt64 = 0

    public init(seed: [UInt8]) { self.seed = seed }

    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 16)
        while out.count < count {
            var block: [UInt8] = []
            NetworkOrder.append(counter, to: &block)
            counter &+= 1
            out += MD5.digest(seed, block)
        }
        return Array(out.prefix(count))
    }

    public mutating func uint16() -> UInt16 { NetworkOrder.uint16(bytes(2), at: 0) }

    public mutating func uint64() -> UInt64 {
        let b = bytes(8)
        return UInt64(NetworkOrder.uint32(b, at: 0)) << 32 | UInt64(NetworkOrder.uint32(b, at: 4))
    }
}
