// RFC 1990 §4: the bundle's receive side. Fragments from every member link
// go into one bounded ring indexed by sequence number; packets come out when
// a B..E run is complete; a missing sequence number below M (the minimum of
// the most recent sequence number seen on each link, §4.1) is lost.

/// The receiving half of a bundle, a value: fragments in, packets out.
/// Storage is allocated once, at init; receiving and reassembling copy into
/// it and into the caller's buffer, never allocating per fragment.
public struct MultilinkReassembler: Sendable {
    /// What happened to the fragments, for `pppctl bundle show`.
    public struct Counters: Equatable, Sendable {
        /// Fragments with a valid header stored for reassembly.
        public var fragmentsReceived: UInt64 = 0
        /// Packets delivered whole.
        public var packetsReassembled: UInt64 = 0
        /// Sequence numbers declared lost (§4.1), one per missing fragment.
        public var fragmentsLost: UInt64 = 0
        /// Fragments that arrived below the highest sequence number seen.
        public var fragmentsOutOfOrder: UInt64 = 0
        /// Fragments thrown away: parts of a lost packet, late or duplicate,
        /// pushed out of a full buffer, longer than a slot, or from a link
        /// that is not a member.
        public var fragmentsDiscarded: UInt64 = 0
        /// Times the buffer was full and its oldest fragments were given up.
        public var bufferOverflows: UInt64 = 0
        /// Packets whose reconstruction exceeded the MRRU (§5.1.1), dropped.
        public var packetsTooLong: UInt64 = 0
        /// Frames too short for the header (dropped before anything else).
        public var headerErrors: UInt64 = 0
        /// §4.1 null fragments (B and E, no data): consumed, not delivered.
        public var nullFragments: UInt64 = 0
        public init() {}
    }

    struct Slot: Sendable {
        var sequence: UInt32 = 0
        var length = -1  // -1: empty
        var begin = false
        var end = false
    }

    struct Member: Sendable {
        var link: UInt32
        /// §4.1: the most recent sequence number received on this link; nil
        /// until one arrives, and again once `expected` has passed it (a
        /// number left behind would otherwise, after half the sequence
        /// space, read as far ahead: see `forgetPassed`).
        var last: UInt32?
        /// The owner's idle timer fired and nothing arrived since.
        var idle = false
    }

    public let format: MultilinkSequenceFormat
    /// The largest reconstructed packet (Protocol field included) delivered.
    public let maximumPacket: Int
    /// The largest fragment data a slot holds.
    public let slotSize: Int
    let slotMask: Int
    var slots: [Slot]
    var pool: [UInt8]
    var members: [Member] = []
    /// The oldest sequence number not yet delivered or given up; nil until
    /// the first fragment (or `expecting`) sets it.
    public private(set) var expected: UInt32?
    var highest: UInt32?
    public private(set) var counters = Counters()

    /// `capacity` fragments are buffered at most (rounded up to a power of
    /// two so the ring's index survives the sequence space's wrap; capped at
    /// a quarter of the short space so "ahead" and "behind" stay apart).
    /// `mrru`: RFC 1990 §5.1.1, the Information field limit of a rebuilt
    /// packet. `expecting`: the sequence number to resume at (§4.1 starts a
    /// new bundle at zero, but a receiver that restarted does not know).
    public init(format: MultilinkSequenceFormat, mrru: UInt16, capacity: Int = 256,
                maximumFragment: Int = 1600, expecting: UInt32? = nil) {
        var count = 1
        while count < min(max(capacity, 2), 1024) { count <<= 1 }
        self.format = format
        self.maximumPacket = Int(mrru) + 2
        self.slotSize = max(maximumFragment, 1)
        self.slotMask = count - 1
        self.slots = [Slot](repeating: Slot(), count: count)
        self.pool = [UInt8](repeating: 0, count: count * slotSize)
        self.expected = expecting.map { $0 & format.sequenceMask }
    }

    /// How many fragments the ring holds at most.
    public var capacity: Int { slotMask + 1 }
    /// How far ahead of the ring a fragment may be and still be held back
    /// for (`admits`): sixteen rings, and always under a quarter of the
    /// sequence space, which a resumed peer jumps (ncpd's Bundle).
    public var holdLimit: Int { min(16 * capacity, Int(format.sequenceMask + 1) / 4 - 1) }
    /// Fragments waiting for their packet to complete.
    public var bufferedFragments: Int { slots.reduce(0) { $0 + ($1.length >= 0 ? 1 : 0) } }
    /// The member links, in joining order.
    public var memberLinks: [UInt32] { members.map(\.link) }

    /// A link joins the bundle. Until its first fragment arrives it holds M
    /// where it is: fragments already on their way over it would otherwise
    /// be declared lost by the other links' progress. The idle report (or
    /// the buffer bound) releases a link the peer never uses.
    public mutating func join(link: UInt32) {
        guard !members.contains(where: { $0.link == link }) else { return }
        members.append(Member(link: link, last: nil))
    }

    /// A link leaves: it no longer counts towards M, so a link that went
    /// down cannot freeze loss detection for the rest of the bundle.
    public mutating func leave(link: UInt32) {
        members.removeAll { $0.link == link }
    }

    /// RFC 1990 §4.1 "The receiver SHOULD implement some type of link idle
    /// timer": the owner's timer says this link has been silent, so it stops
    /// holding M back until it receives again.
    public mutating func linkIdle(_ link: UInt32) {
        if let i = members.firstIndex(where: { $0.link == link }) { members[i].idle = true }
    }

    /// One fragment: the Information field of a protocol 0x003d frame
    /// (RFC 1990 §3), received on `link`. Bad input is counted, never thrown.
    public mutating func receive(_ fragment: ArraySlice<UInt8>, on link: UInt32) {
        guard let header = try? MultilinkHeader.decode(fragment, format: format) else {
            counters.headerErrors += 1
            return
        }
        guard let m = members.firstIndex(where: { $0.link == link }) else {
            counters.fragmentsDiscarded += 1
            return
        }
        let sequence = header.sequence
        // §4.1: each link's sequence numbers strictly increase; one that
        // does not is kept for reassembly but cannot move M back.
        if members[m].last.map({ format.isAfter(sequence, $0) }) ?? true { members[m].last = sequence }
        members[m].idle = false
        if let h = highest, !format.isAfter(sequence, h) {
            counters.fragmentsOutOfOrder += 1
        } else {
            highest = sequence
        }
        let base = expected ?? sequence
        expected = base
        let ahead = format.distance(from: base, to: sequence)
        if ahead > format.sequenceMask >> 1 {
            counters.fragmentsDiscarded += 1  // behind what was delivered or given up: late or duplicate
            return
        }
        if Int(ahead) > slotMask {
            makeRoom(through: sequence)
        }
        let dataStart = fragment.startIndex + format.headerLength
        let length = fragment.endIndex - dataStart
        let index = Int(sequence) & slotMask
        guard slots[index].length < 0, length <= slotSize else {
            counters.fragmentsDiscarded += 1  // a duplicate, or more than a slot holds (then lost)
            return
        }
        let offset = index * slotSize
        pool.replaceSubrange(offset..<(offset + length), with: fragment[dataStart...])
        slots[index] = Slot(sequence: sequence, length: length, begin: header.begin, end: header.end)
        counters.fragmentsReceived += 1
    }

    /// Issue 17: whether `fragment` fits in the ring now. One too far ahead
    /// would make `receive` give up the oldest numbers (`makeRoom`) although
    /// they may still be on their way over a slower link; the owner can
    /// instead keep it and stop reading its link until the ring has moved
    /// (backpressure, never a loss for a full buffer). Since the link's
    /// later fragments all come after it (§4.1: each link keeps its order),
    /// its number already counts towards M as seen on `link`, so numbers on
    /// no link are still declared lost and the ring moves. True for input
    /// `receive` would refuse or count anyway, and for a fragment more than
    /// `holdLimit` ahead: that is no skew between links but a jump (a peer
    /// that resumed a quarter of the space ahead, or lost a long run), and
    /// the ring gives up the numbers before it at once, as before.
    public mutating func admits(_ fragment: ArraySlice<UInt8>, on link: UInt32) -> Bool {
        guard let header = try? MultilinkHeader.decode(fragment, format: format), let base = expected,
              let m = members.firstIndex(where: { $0.link == link }) else { return true }
        let ahead = format.distance(from: base, to: header.sequence)
        guard Int(ahead) > slotMask, Int(ahead) <= holdLimit else { return true }
        if members[m].last.map({ format.isAfter(header.sequence, $0) }) ?? true { members[m].last = header.sequence }
        members[m].idle = false
        return false
    }

    /// The buffer is full: give up the oldest sequence numbers until
    /// `sequence` fits (RFC 1990 §4.2: no buffer is enough against a peer
    /// that withholds a fragment, so the bound wins over completeness).
    mutating func makeRoom(through sequence: UInt32) {
        guard let base = expected else { return }
        counters.bufferOverflows += 1
        let newBase = (sequence &- UInt32(slotMask)) & format.sequenceMask
        let skipped = UInt64(format.distance(from: base, to: newBase))
        var stored: UInt64 = 0
        for i in slots.indices where slots[i].length >= 0
            && format.distance(from: base, to: slots[i].sequence) < UInt32(skipped) {
            slots[i].length = -1
            stored += 1
        }
        counters.fragmentsDiscarded += stored
        counters.fragmentsLost += skipped - stored
        expected = newBase
        forgetPassed()
    }

    /// Sequence numbers are compared modulo the space, so a link's last
    /// number that `expected` has passed reads as behind only for half the
    /// space. A silent link's number left there while jumps (`makeRoom`)
    /// carried `expected` on would read as millions ahead: M would sit
    /// there, `nextPacket` would declare every number up to it lost and
    /// walk `expected` to it, past the active link, whose fragments would
    /// then all be refused as late. A passed number holds M at `expected`,
    /// as no number at all does (§4.1 "the minimum of the most recent
    /// sequence number received on each member link"), so it is dropped.
    mutating func forgetPassed() {
        guard let base = expected else { return }
        for i in members.indices {
            if let last = members[i].last, format.isAfter(base, last) { members[i].last = nil }
        }
    }

    /// M of RFC 1990 §4.1 as a distance ahead of `expected`: sequence numbers
    /// below it that are still missing are lost. A link that has received
    /// nothing yet, or whose latest number is behind `expected`, holds M at
    /// `expected`; an idle link does not count.
    func lossHorizon(from base: UInt32) -> UInt32 {
        var horizon: UInt32?
        for member in members where !member.idle {
            guard let last = member.last else { return 0 }
            let d = format.distance(from: base, to: last)
            let ahead = d > format.sequenceMask >> 1 ? 0 : d
            horizon = min(horizon ?? ahead, ahead)
        }
        return horizon ?? 0
    }

    /// The next complete packet (Protocol field then Information), written
    /// over `packet` (its capacity is kept). Returns false when none is
    /// ready. Call until false after each `receive`.
    public mutating func nextPacket(into packet: inout [UInt8]) -> Bool {
        while let base = expected {
            let horizon = lossHorizon(from: base)
            let first = slots[Int(base) & slotMask]
            guard first.length >= 0 else {
                guard horizon > 0 else { return false }
                // §4.1: M advanced past it, and past the empty slots after
                // it; numbers past the ring were never stored. Given up in
                // one step, not one number at a time.
                var missing = 1
                while missing < Int(horizon), missing <= slotMask,
                      slots[Int(base &+ UInt32(missing)) & slotMask].length < 0 { missing += 1 }
                if missing > slotMask { missing = Int(horizon) }
                counters.fragmentsLost += UInt64(missing)
                advance(by: missing)
                continue
            }
            guard first.begin else {
                // Its (B)eginning fragment is below `expected`: already
                // given up, so this can never complete (§4.1 discard rule).
                discard(count: 1)
                continue
            }
            switch scanPacket(from: base, horizon: horizon) {
            case .incomplete:
                return false
            case .lost(let run):
                // §4.1: a lost fragment "causes the receiver to discard all
                // fragments up to the lowest numbered fragment with an
                // ending bit"; the fragments after the gap go through the
                // non-(B) rule above.
                discard(count: run)
                counters.fragmentsLost += 1
                advance(by: 1)
            case .endless(let run):
                // §4.1: "if a fragment bears a (B)eginning bit, ... the
                // previously numbered fragment bore an (E)nding bit": the
                // run before it lost its end.
                discard(count: run)
            case .complete(let run, let length):
                if length > maximumPacket {
                    counters.packetsTooLong += 1
                    discard(count: run)
                    continue
                }
                if length == 0 {
                    counters.nullFragments += UInt64(run)
                    clear(count: run)
                    continue
                }
                packet.removeAll(keepingCapacity: true)
                for k in 0..<run {
                    let index = Int(base &+ UInt32(k)) & slotMask
                    let offset = index * slotSize
                    packet.append(contentsOf: pool[offset..<(offset + slots[index].length)])
                }
                clear(count: run)
                counters.packetsReassembled += 1
                return true
            }
        }
        return false
    }

    enum Scan {
        case incomplete
        case lost(run: Int)
        case endless(run: Int)
        case complete(run: Int, length: Int)
    }

    /// Looks for the (E)nding fragment of the packet that begins at `base`.
    func scanPacket(from base: UInt32, horizon: UInt32) -> Scan {
        var length = 0
        for k in 0...slotMask {
            let slot = slots[Int(base &+ UInt32(k)) & slotMask]
            if slot.length < 0 {
                return UInt32(k) < horizon ? .lost(run: k) : .incomplete
            }
            if k > 0 && slot.begin { return .endless(run: k) }
            length += slot.length
            if slot.end { return .complete(run: k + 1, length: length) }
        }
        return .incomplete  // a packet longer than the ring: overflow ends it
    }

    mutating func advance(by n: Int) {
        if let base = expected { expected = (base &+ UInt32(n)) & format.sequenceMask }
        forgetPassed()
    }

    /// Empties `n` slots from `expected` and moves past them.
    mutating func clear(count n: Int) {
        guard let base = expected else { return }
        for k in 0..<n { slots[Int(base &+ UInt32(k)) & slotMask].length = -1 }
        advance(by: n)
    }

    mutating func discard(count n: Int) {
        counters.fragmentsDiscarded += UInt64(n)
        clear(count: n)
    }
}
