// Counts heap allocations on the multilink data path (issue 17): packets of
// 1-4001 octets fragmented over three links and reassembled, 20000 per
// sequence format, after a warm-up that lets the caller's buffers grow.
// Built with Sources/PPP and malloc-count.c by scripts/alloc-count.sh; exits
// 1 if the measured loop allocated at all.
import Glibc

@_silgen_name("malloc_count") func mallocCount() -> UInt

@main struct MultilinkAllocations {
    static func main() throws {
        var failed = false
        for format in [MultilinkSequenceFormat.long, .short] {
            let members = [MultilinkMember(link: 1, mru: 1500, weight: 3), MultilinkMember(link: 2, mru: 600, weight: 2),
                           MultilinkMember(link: 3, mru: 1000, weight: 1, queuedOctets: 700)]
            var f = MultilinkFragmenter(format: format, peerMRRU: 4000)
            var r = MultilinkReassembler(format: format, mrru: 4000, capacity: 256, expecting: 0)
            for m in members { r.join(link: m.link) }
            var out: [UInt8] = []
            var frags: [MultilinkFragment] = []
            var packet: [UInt8] = []
            let source = [UInt8](repeating: 0x42, count: 4002)
            var delivered = 0, fragments = 0
            func run(_ n: Int) throws {
                for i in 0..<n {
                    let size = 1 + (i &* 7919) % 4001
                    try f.fragment(source[0..<size], across: members, into: &out, fragments: &frags)
                    // Last fragment first: the others wait in the ring until
                    // the packet's first fragment completes it.
                    for k in frags.indices.reversed() {
                        r.receive(out[frags[k].range], on: frags[k].link)
                        fragments += 1
                    }
                    while r.nextPacket(into: &packet) { delivered += 1 }
                }
            }
            try run(200)
            let before = mallocCount(), fragmentsBefore = fragments
            try run(20000)
            let allocations = mallocCount() - before
            if allocations != 0 || delivered != 20200 { failed = true }
            print("\(format): \(fragments - fragmentsBefore) fragments, \(delivered) packets delivered, "
                + "\(r.counters.fragmentsLost) lost; allocations in the measured loop: \(allocations)")
        }
        if failed { exit(1) }
    }
}
