// GRO done in userland (issue 21): consecutive TCP segments of one flow, as
// they arrive from the session, joined into one super-packet of at most
// 64 KiB that a TUN with IFF_VNET_HDR takes in one write with a GSO virtio
// header. What may be joined follows Linux's tcp_gro_receive: same flow and
// IP header fields, contiguous sequence numbers, same ACK, same options,
// same flags but for PSH/FIN (which end a run) and CWR (only on the first).
// State is a fixed number of runs in one buffer the caller owns.

public struct GROCoalescer {
    public struct Counters: Equatable, Sendable {
        /// Segments taken into runs that became super-packets.
        public var segmentsCoalesced = 0
        /// Super-packets (runs of two segments or more) emitted.
        public var superPackets = 0
        /// Packets emitted unchanged: not TCP, not joinable, or alone in a run.
        public var passedThrough = 0
        /// TCP segments whose IPv4 header or TCP checksum was wrong: emitted
        /// unchanged, so the kernel drops and counts them (a run's output
        /// carries NEEDS_CSUM, which the kernel trusts, so a bad segment
        /// must never be folded into one).
        public var checksumFailures = 0
        public init() {}
    }

    public internal(set) var counters = Counters()
    /// The longest super-packet built (IP header included), at most 65535.
    public let maximumLength: Int

    /// One run: the first segment's headers and all payload so far, at
    /// `base` in the buffer.
    struct Run {
        var base: Int
        var length = 0
        var segments = 0
        var layout = PacketLayout(isIPv6: false, ipHeaderLength: 20, transport: IPProtocol.tcp, transportHeaderLength: 20)
        var gsoSize = 0
        var nextSequence: UInt32 = 0
        var nextIdentification: UInt16 = 0
        /// When the run was started, to flush the oldest first.
        var age: UInt64 = 0
        var isEmpty: Bool { segments == 0 }
    }

    let buffer: UnsafeMutableRawBufferPointer
    var runs: ContiguousArray<Run>
    var clock: UInt64 = 0

    /// `buffer` holds `flows` runs of `maximumLength` octets each and must
    /// outlive the coalescer; it is the only memory used per packet.
    public init(buffer: UnsafeMutableRawBufferPointer, flows: Int = 1, maximumLength: Int = 65535) {
        precondition(flows >= 1 && maximumLength >= 1280 && maximumLength <= 65535, "GRO bounds")
        precondition(buffer.count >= flows * maximumLength, "GRO buffer shorter than flows × maximumLength")
        self.buffer = buffer
        self.maximumLength = maximumLength
        runs = ContiguousArray((0..<flows).map { Run(base: $0 * maximumLength) })
    }

    /// True when no run is held.
    public var isEmpty: Bool {
        for r in runs where !r.isEmpty { return false }
        return true
    }

    /// Takes one IP packet received from the session. It is either joined
    /// to a run (kept until `flush` or until the run ends) or handed to
    /// `emit` unchanged with an empty virtio header; runs that end are
    /// handed to `emit` too. Call `flush` when the batch read is done.
    public mutating func push<E: Error>(
        _ packet: UnsafeRawBufferPointer, emit: (VirtioNetHeader, UnsafeRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let candidate: Candidate
        switch Candidate.classify(packet) {
        case .notTCP:
            counters.passedThrough += 1
            try emit(VirtioNetHeader(), packet)
            return
        case .tcpUnparsed:
            // An IPv4 fragment or a broken header of some TCP flow: which
            // flow is unknown, so every run goes first to keep order.
            try flush(emit: emit)
            counters.passedThrough += 1
            try emit(VirtioNetHeader(), packet)
            return
        case .tcp(let c):
            candidate = c
        }
        let slot = runs.firstIndex { !$0.isEmpty && sameFlow($0, packet, candidate.layout) }
        guard candidate.joinable, candidate.checksumsValid(packet) else {
            if candidate.joinable { counters.checksumFailures += 1 }
            if let slot { try flushRun(slot, emit: emit) }
            counters.passedThrough += 1
            try emit(VirtioNetHeader(), packet)
            return
        }
        if let slot {
            if canJoin(runs[slot], packet, candidate) {
                append(slot, packet, candidate)
                // A run that cannot grow by a full segment stays: a short last
                // segment may still fit, and `flush` ends the batch anyway.
                if candidate.endsRun(gsoSize: runs[slot].gsoSize) { try flushRun(slot, emit: emit) }
                return
            }
            try flushRun(slot, emit: emit)
        }
        // A segment that would end a run at once goes out as it came.
        if candidate.flags & (TCPFlags.psh | TCPFlags.fin) != 0 || packet.count > maximumLength {
            counters.passedThrough += 1
            try emit(VirtioNetHeader(), packet)
            return
        }
        let free = slot ?? runs.firstIndex(where: \.isEmpty) ?? oldestRun()
        if !runs[free].isEmpty { try flushRun(free, emit: emit) }
        start(free, packet, candidate)
    }

    /// Emits every run held, oldest first.
    public mutating func flush<E: Error>(emit: (VirtioNetHeader, UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        while !isEmpty { try flushRun(oldestRun(nonEmpty: true), emit: emit) }
    }

    /// The run started longest ago (among those held, if `nonEmpty`).
    func oldestRun(nonEmpty: Bool = false) -> Int {
        var best = -1
        for i in runs.indices where !(nonEmpty && runs[i].isEmpty) {
            if best < 0 || runs[i].age < runs[best].age { best = i }
        }
        return best
    }
}
