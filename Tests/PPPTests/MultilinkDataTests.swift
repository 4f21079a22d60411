// RFC 1990 §3-§4 data path: the MP header in both formats as a boundary
// table, the §4.1 loss rule with lost and reordered fragments on two and
// three links, wrap-around, the buffer bound, links leaving, a silent link
// left behind by jumps, and seeded fragment -> reassemble round trips in
// both formats (SplitMix seeds).
import Testing
@testable import PPP

/// A fragment made by hand: header then `data`.
func fragment(_ sequence: UInt32, _ b: Bool, _ e: Bool, _ data: [UInt8],
              _ format: MultilinkSequenceFormat = .long) -> [UInt8] {
    MultilinkHeader(begin: b, end: e, sequence: sequence).encoded(format: format) + data
}

extension MultilinkReassembler {
    mutating func drain() -> [[UInt8]] {
        var out: [[UInt8]] = []
        var packet: [UInt8] = []
        while nextPacket(into: &packet) { out.append(packet) }
        return out
    }

    mutating func feed(_ fragment: [UInt8], on link: UInt32) -> [[UInt8]] {
        receive(fragment[...], on: link)
        return drain()
    }
}

@Suite struct MultilinkDataTests {
    @Test func headerBoundaries() throws {
        let table: [([UInt8], MultilinkSequenceFormat, MultilinkHeader?)] = [
            ([], .long, nil), ([0xc0, 0, 0], .long, nil),
            ([0xc0, 0x12, 0x34, 0x56], .long, MultilinkHeader(begin: true, end: true, sequence: 0x12_3456)),
            ([0x80, 0xff, 0xff, 0xff, 9], .long, MultilinkHeader(begin: true, end: false, sequence: 0xff_ffff)),
            ([0x3f, 0, 0, 1], .long, MultilinkHeader(begin: false, end: false, sequence: 1)),  // reserved bits ignored
            ([0x40], .short, nil),
            ([0x4a, 0xbc], .short, MultilinkHeader(begin: false, end: true, sequence: 0xabc)),
            ([0xbf, 0xff, 1, 2], .short, MultilinkHeader(begin: true, end: false, sequence: 0xfff)),
            ([0x30, 0x01], .short, MultilinkHeader(begin: false, end: false, sequence: 1)),
        ]
        for (bytes, format, expected) in table {
            if let expected {
                #expect(try MultilinkHeader.decode(bytes, format: format) == expected, "\(bytes)")
            } else {
                #expect(throws: PPPError.self, "\(bytes)") { try MultilinkHeader.decode(bytes, format: format) }
            }
        }
        // Encoding writes zero reserved bits and takes the sequence modulo the space.
        #expect(MultilinkHeader(begin: true, end: true, sequence: 0x1fff).encoded(format: .short) == [0xcf, 0xff])
        #expect(MultilinkHeader(begin: false, end: true, sequence: 0x100_0001).encoded(format: .long) == [0x40, 0, 0, 1])
    }

    @Test func twoLinksReorderedThenLost() {
        var r = MultilinkReassembler(format: .long, mrru: 1500)
        r.join(link: 1)
        r.join(link: 2)
        // Packet A = 0..2 arrives with 1 on the slow link last.
        #expect(r.feed(fragment(0, true, false, [1]), on: 1).isEmpty)
        #expect(r.feed(fragment(2, false, true, [3]), on: 1).isEmpty)
        #expect(r.feed(fragment(1, false, false, [2]), on: 2) == [[1, 2, 3]])
        #expect(r.counters.fragmentsOutOfOrder == 1)
        // Packet B = 3..4; 3 is lost on link 2. Link 1 carries 4 and then 5;
        // M stays at link 2's last (1) until link 2 moves past 3.
        #expect(r.feed(fragment(4, false, true, [5]), on: 1).isEmpty)
        #expect(r.feed(fragment(5, true, true, [6]), on: 1).isEmpty)
        #expect(r.counters.fragmentsLost == 0)
        // Link 2 now shows 6: M = min(5, 6) = 5 > 3, so 3 is lost, 4 goes
        // with it, and 5 (a new B) is delivered, then 6.
        #expect(r.feed(fragment(6, true, true, [7]), on: 2) == [[6], [7]])
        #expect(r.counters.fragmentsLost == 1 && r.counters.fragmentsDiscarded == 1)
        #expect(r.counters.packetsReassembled == 3 && r.bufferedFragments == 0)
    }

    @Test func threeLinksLostEndingFragment() {
        var r = MultilinkReassembler(format: .short, mrru: 1500)
        for l: UInt32 in 1...3 { r.join(link: l) }
        // 10 B, 11, 12 E lost, 13 B E, 14 B E; spread over three links.
        #expect(r.feed(fragment(10, true, false, [1], .short), on: 1).isEmpty)
        #expect(r.feed(fragment(11, false, false, [2], .short), on: 2).isEmpty)
        #expect(r.feed(fragment(13, true, true, [4], .short), on: 1).isEmpty)
        #expect(r.feed(fragment(14, true, true, [5], .short), on: 2).isEmpty)
        // Link 3 has said nothing yet: it may carry 12, so it holds M.
        #expect(r.counters.fragmentsLost == 0 && r.bufferedFragments == 4)
        // It shows 15: M = min(13, 14, 15) = 13 > 12, so 12 is lost, 10-11
        // are discarded, and 13, 14, 15 are delivered.
        #expect(r.feed(fragment(15, true, true, [6], .short), on: 3) == [[4], [5], [6]])
        #expect(r.counters.fragmentsLost == 1 && r.counters.fragmentsDiscarded == 2)
        #expect(r.counters.packetsReassembled == 3)
        // A fragment below what was given up is late: dropped, counted.
        #expect(r.feed(fragment(12, false, true, [3], .short), on: 3).isEmpty)
        #expect(r.counters.fragmentsDiscarded == 3 && r.counters.fragmentsOutOfOrder == 1)
    }

    @Test func beginningBitImpliesPreviousEnd() {
        var r = MultilinkReassembler(format: .long, mrru: 1500)
        r.join(link: 1)
        _ = r.feed(fragment(0, true, false, [1]), on: 1)
        _ = r.feed(fragment(1, false, false, [2]), on: 1)
        // §4.1: a (B) at 2 means 1 ended a packet; 0..1 lost their end.
        #expect(r.feed(fragment(2, true, true, [3]), on: 1) == [[3]])
        #expect(r.counters.fragmentsDiscarded == 2)
    }

    @Test func leavingLinkDoesNotFreezeM() {
        var r = MultilinkReassembler(format: .long, mrru: 1500)
        r.join(link: 1)
        r.join(link: 2)
        _ = r.feed(fragment(0, true, true, [0]), on: 2)  // link 2's last is 0
        _ = r.feed(fragment(2, true, true, [2]), on: 1)  // 1 was lost on link 2
        _ = r.feed(fragment(3, true, true, [3]), on: 1)
        #expect(r.counters.fragmentsLost == 0 && r.bufferedFragments == 2)  // M = 0: waiting
        r.leave(link: 2)
        #expect(r.drain() == [[2], [3]])
        #expect(r.counters.fragmentsLost == 1)
        // A rejoined link holds M from its first fragment on; the idle
        // report releases a link that has gone quiet.
        r.join(link: 2)
        _ = r.feed(fragment(4, true, true, [4]), on: 2)
        _ = r.feed(fragment(6, true, true, [6]), on: 1)
        #expect(r.bufferedFragments == 1)
        r.linkIdle(2)
        #expect(r.drain() == [[6]])
        // Fragments from a link that is not a member are dropped and counted.
        let discarded = r.counters.fragmentsDiscarded
        _ = r.feed(fragment(7, true, true, [7]), on: 9)
        #expect(r.counters.fragmentsDiscarded == discarded + 1 && r.bufferedFragments == 0)
    }

    @Test(arguments: [MultilinkSequenceFormat.long, .short])
    func sequenceWraps(format: MultilinkSequenceFormat) {
        let top = format.sequenceMask
        var r = MultilinkReassembler(format: format, mrru: 1500, expecting: top - 1)
        r.join(link: 1)
        r.join(link: 2)
        #expect(r.feed(fragment(top - 1, true, false, [1], format), on: 1).isEmpty)
        #expect(r.feed(fragment(0, false, true, [3], format), on: 1).isEmpty)
        #expect(r.feed(fragment(top, false, false, [2], format), on: 2) == [[1, 2, 3]])
        // Across the wrap the loss rule still orders correctly: 1 lost, 2 kept.
        _ = r.feed(fragment(2, true, true, [5], format), on: 1)
        #expect(r.feed(fragment(3, true, true, [6], format), on: 2) == [[5], [6]])
        #expect(r.counters.fragmentsLost == 1 && r.expected == 4)
    }

    /// Issue 17: a fragment past the ring but within `holdLimit` is not
    /// admitted (the owner holds it and its link back); its number counts
    /// towards M at once, so a number on neither link is still lost. One
    /// past the limit is a jump, admitted (the ring gives up, as before).
    @Test func aFragmentPastTheRingIsHeldBackUnlessItIsAJump() {
        var r = MultilinkReassembler(format: .long, mrru: 1500, capacity: 8, expecting: 0)
        #expect(r.holdLimit == 128)
        r.join(link: 1)
        r.join(link: 2)
        #expect(r.feed(fragment(0, true, true, [0]), on: 1) == [[0]])
        for s: UInt32 in [2, 4, 6] { #expect(r.feed(fragment(s, true, true, [UInt8(s)]), on: 1).isEmpty) }
        // 10 is 9 ahead of 1 (the oldest not delivered, on link 2): past
        // the ring of 8.
        let held = r.admits(fragment(10, true, true, [10])[...], on: 1)
        #expect(!held)
        #expect(r.counters.bufferOverflows == 0 && r.counters.fragmentsLost == 0)
        // Link 2 brings 1, 3, 7 and 9; 5 and 8 are on neither link (link
        // 1's next is 10): lost by M, and 10 then fits.
        #expect(r.feed(fragment(1, true, true, [1]), on: 2) == [[1], [2]])
        #expect(r.feed(fragment(3, true, true, [3]), on: 2) == [[3], [4]])
        #expect(r.feed(fragment(7, true, true, [7]), on: 2) == [[6], [7]])
        #expect(r.feed(fragment(9, true, true, [9]), on: 2) == [[9]])
        #expect(r.counters.fragmentsLost == 2 && r.counters.bufferOverflows == 0)
        let fits = r.admits(fragment(10, true, true, [10])[...], on: 1)
        #expect(fits)
        #expect(r.feed(fragment(10, true, true, [10]), on: 1) == [[10]])
        // Past the hold limit (a jump), within the ring, behind it, or
        // unreadable: admitted (receive deals with them as before).
        let admitted = [fragment(11 + 129, true, true, [1]), fragment(11 + 5, true, true, [1]), fragment(2, true, true, [1]), [0xc0]]
            .map { r.admits($0[...], on: 1) }
        #expect(admitted == [true, true, true, true])
        let short = MultilinkReassembler(format: .short, mrru: 1500, capacity: 1024)
        #expect(short.holdLimit == 1023, "under a quarter of the 12-bit space")
    }

    /// A link's last number that `expected` passed must not, once jumps
    /// carried `expected` more than half the space on, read as far ahead.
    /// It did: with the active link idle, `nextPacket` then declared every
    /// number up to it lost one at a time (3.9 million steps for one fuzz
    /// input, ~1 s) and moved `expected` back behind the active link, whose
    /// fragments were all refused as late from then on.
    @Test(arguments: [MultilinkSequenceFormat.long, .short])
    func aSilentLinkLeftBehindDoesNotReadAsAhead(format: MultilinkSequenceFormat) {
        let space = format.sequenceMask + 1
        let jump1 = space / 16 * 7, jump2 = space / 16 * 14
        var r = MultilinkReassembler(format: format, mrru: 1500, capacity: 8, expecting: 0)
        r.join(link: 1)
        r.join(link: 2)
        #expect(r.feed(fragment(0, true, true, [0], format), on: 2) == [[0]])
        // Link 1 jumps ahead twice, each time less than half the space (so
        // each is admitted, the ring giving up what lies between); link 2,
        // silent, still holds M (§4.1), so nothing goes out.
        #expect(r.feed(fragment(jump1, true, true, [1], format), on: 1).isEmpty)
        #expect(r.feed(fragment(jump2, true, true, [2], format), on: 1).isEmpty)
        // Link 1 idle: M is link 2's, nothing more is declared lost.
        r.linkIdle(1)
        #expect(r.drain().isEmpty)
        #expect(r.counters.fragmentsLost == UInt64(jump2 - 9))
        // Link 1's next fragment is kept, not refused as late; once link 2
        // is idle too, both go out.
        #expect(r.feed(fragment(jump2 + 1, true, true, [3], format), on: 1).isEmpty)
        r.linkIdle(2)
        #expect(r.drain() == [[2], [3]])
        // Every number from 1 to jump2 - 1 is missing but jump1, pushed out.
        #expect(r.counters.fragmentsLost == UInt64(jump2 - 2))
        #expect(r.counters.fragmentsDiscarded == 1 && r.counters.bufferOverflows == 3)
        #expect(r.expected == (jump2 + 2) & format.sequenceMask)
    }

    @Test func bufferIsBounded() {
        var r = MultilinkReassembler(format: .long, mrru: 60000, capacity: 8, expecting: 0)
        #expect(r.capacity == 8)
        r.join(link: 1)
        r.join(link: 2)
        // Link 2 stays silent and may hold sequence 0 (§4.2's adversarial
        // peer withholds it); link 1's whole packets 1..7 wait behind it.
        for s: UInt32 in 1...7 { #expect(r.feed(fragment(s, true, true, [UInt8(s)]), on: 1).isEmpty) }
        #expect(r.bufferedFragments == 7)
        // 8 does not fit: 0 is given up as lost and 1..8 go out.
        #expect(r.feed(fragment(8, true, true, [8]), on: 1).count == 8)
        #expect(r.counters.bufferOverflows == 1 && r.counters.fragmentsLost == 1 && r.bufferedFragments == 0)
        // A jump far ahead gives up everything between at once, counted.
        _ = r.feed(fragment(5_000_000, true, true, [9]), on: 1)
        #expect(r.bufferedFragments == 1 && r.counters.bufferOverflows == 2)
        #expect(r.counters.fragmentsLost == 1 + (5_000_000 - 7 - 9))
        // A fragment longer than a slot is dropped; its number then counts lost.
        var small = MultilinkReassembler(format: .long, mrru: 1500, maximumFragment: 4)
        small.join(link: 1)
        #expect(small.feed(fragment(0, true, true, [1, 2, 3, 4, 5]), on: 1).isEmpty)
        #expect(small.counters.fragmentsDiscarded == 1)
    }

    @Test func mrruAndNullFragments() {
        var r = MultilinkReassembler(format: .long, mrru: 4)
        r.join(link: 1)
        #expect(r.feed(fragment(0, true, false, [0, 0x21, 1]), on: 1).isEmpty)
        #expect(r.feed(fragment(1, false, true, [2, 3, 4, 5]), on: 1).isEmpty)  // 7 > 4 + 2
        #expect(r.counters.packetsTooLong == 1)
        #expect(r.feed(fragment(2, true, true, []), on: 1).isEmpty)
        #expect(r.counters.nullFragments == 1)
        #expect(r.feed(fragment(3, true, true, [0, 0x21, 1, 2, 3, 4]), on: 1) == [[0, 0x21, 1, 2, 3, 4]])
        #expect(r.feed([0x80], on: 1).isEmpty && r.counters.headerErrors == 1)
    }

    @Test func fragmentsFollowSpeedMRUAndQueues() throws {
        var f = MultilinkFragmenter(format: .long, peerMRRU: 4000)
        var out: [UInt8] = []
        var frags: [MultilinkFragment] = []
        let packet = [UInt8](repeating: 7, count: 3000)[...]
        // 3:1 speeds: shares 2250 / 750; link 1's MRU 1000 cuts its share in three.
        try f.fragment(packet, across: [MultilinkMember(link: 1, mru: 1000, weight: 3_000_000),
                                        MultilinkMember(link: 2, mru: 1500, weight: 1_000_000)],
                       into: &out, fragments: &frags)
        let perLink = Dictionary(grouping: frags, by: \.link).mapValues { $0.reduce(0) { $0 + $1.range.count - 4 } }
        #expect(perLink[1] == 2250 && perLink[2] == 750)
        #expect(frags.allSatisfy { $0.range.count <= ($0.link == 1 ? 1000 : 1500) })
        #expect(frags.count == 4 && f.nextSequence == 4)
        // A link with a deep queue gets nothing; a small packet goes whole
        // to the link that frees up first.
        try f.fragment(packet, across: [MultilinkMember(link: 1, mru: 1500, weight: 1, queuedOctets: 90_000),
                                        MultilinkMember(link: 2, mru: 1500, weight: 1)],
                       into: &out, fragments: &frags)
        #expect(frags.allSatisfy { $0.link == 2 } && frags.count == 3)  // 3000 in 1496-octet pieces
        try f.fragment(packet.prefix(100), across: [MultilinkMember(link: 1, mru: 1500, weight: 1, queuedOctets: 500),
                                                    MultilinkMember(link: 2, mru: 1500, weight: 1, queuedOctets: 400)],
                       into: &out, fragments: &frags)
        #expect(frags.map(\.link) == [2] && out.count == 104)
        #expect(throws: MultilinkSendError.noUsableLink) {
            try f.fragment(packet, across: [MultilinkMember(link: 1, mru: 4, weight: 1)], into: &out, fragments: &frags)
        }
        #expect(throws: MultilinkSendError.exceedsMRRU(length: 4001, mrru: 4000)) {
            try f.fragment([UInt8](repeating: 0, count: 4003)[...], across: [MultilinkMember(link: 1, mru: 1500, weight: 1)],
                           into: &out, fragments: &frags)
        }
    }

    /// Seeded round trips: random packets fragmented over 2-3 links of random
    /// speeds and MRUs, delivered with random interleaving that keeps each
    /// link's order (§4.1), optionally over the sequence wrap; every packet
    /// must come out once, unchanged and in order.
    @Test(arguments: [MultilinkSequenceFormat.long, .short])
    func roundTrips(format: MultilinkSequenceFormat) throws {
        var rng = SplitMix(state: format == .long ? 1990 : 1991)
        for round in 0..<40 {
            let linkCount = Int.random(in: 2...3, using: &rng)
            let members = (0..<linkCount).map { i in
                MultilinkMember(link: UInt32(i + 1), mru: Int.random(in: 200...1500, using: &rng),
                                weight: UInt64.random(in: 1...100, using: &rng))
            }
            let start = round % 2 == 0 ? 0 : format.sequenceMask - UInt32.random(in: 0...20, using: &rng)
            var f = MultilinkFragmenter(format: format, peerMRRU: 4000, nextSequence: start)
            var r = MultilinkReassembler(format: format, mrru: 4000, capacity: 512, expecting: start)
            for m in members { r.join(link: m.link) }
            var queues = [[[UInt8]]](repeating: [], count: linkCount)
            var sent: [[UInt8]] = []
            var out: [UInt8] = []
            var frags: [MultilinkFragment] = []
            for _ in 0..<Int.random(in: 1...30, using: &rng) {
                let packet = (0..<Int.random(in: 1...4002, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                sent.append(packet)
                try f.fragment(packet[...], across: members, into: &out, fragments: &frags)
                for frag in frags { queues[Int(frag.link) - 1].append(Array(out[frag.range])) }
            }
            var received: [[UInt8]] = []
            while queues.contains(where: { !$0.isEmpty }) {
                let i = Int.random(in: 0..<linkCount, using: &rng)
                guard !queues[i].isEmpty else { continue }
                received += r.feed(queues[i].removeFirst(), on: UInt32(i + 1))
            }
            // Compared as a Bool: a failure must not print megabytes of bytes.
            let same = received == sent
            #expect(same, "round \(round): \(received.count) of \(sent.count) packets")
            #expect(r.counters.fragmentsLost == 0 && r.counters.fragmentsDiscarded == 0)
            #expect(r.bufferedFragments == 0)
        }
    }

    @Test func roundTripsWithLossNeverDeliverDamage() throws {
        // Dropping random fragments: whatever comes out is a packet that was
        // sent, in order; what is missing is counted.
        var rng = SplitMix(state: 17)
        let members = [MultilinkMember(link: 1, mru: 300, weight: 2), MultilinkMember(link: 2, mru: 500, weight: 1),
                       MultilinkMember(link: 3, mru: 700, weight: 1)]
        var f = MultilinkFragmenter(format: .short, peerMRRU: 3000)
        var r = MultilinkReassembler(format: .short, mrru: 3000, capacity: 64, expecting: 0)
        for m in members { r.join(link: m.link) }
        var sent: [[UInt8]] = []
        var received: [[UInt8]] = []
        var out: [UInt8] = []
        var frags: [MultilinkFragment] = []
        var dropped = 0
        for n in 0..<600 {
            let packet = [UInt8(n & 0xff), UInt8(n >> 8)] + [UInt8](repeating: 0x5a, count: Int.random(in: 0...2000, using: &rng))
            sent.append(packet)
            try f.fragment(packet[...], across: members, into: &out, fragments: &frags)
            for frag in frags {
                if Int.random(in: 0..<50, using: &rng) == 0 { dropped += 1; continue }
                received += r.feed(Array(out[frag.range]), on: frag.link)
            }
        }
        var cursor = sent.startIndex
        for p in received {
            guard let i = sent[cursor...].firstIndex(of: p) else { Issue.record("a packet not sent, or out of order"); break }
            cursor = i + 1
        }
        #expect(dropped > 0 && received.count < sent.count && received.count > sent.count / 2)
        #expect(r.counters.fragmentsLost >= UInt64(dropped) - 3)  // the last few may still be pending
    }
}
