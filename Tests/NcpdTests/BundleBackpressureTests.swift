// Issue 17: a bundle never drops a fragment because a link's channel is
// full. Links whose channels linkd does not read (as when its line is full
// and it stops reading, Session+Backlog) fill up; the fragments that do not
// fit wait in the link (BundleLink), the bundle stops reading its session's
// side, and when the links are read again every fragment arrives, in
// sequence, none missing. Counted drops, never a timing, decide. Also: the
// fragmenter weighs each link's real channel backlog (SIOCOUTQ), so a link
// linkd has not drained gets no share of the next packet. Receiving, a link
// further ahead of a slower one than the reassembly ring holds is held back
// (not read) instead of the ring giving up fragments still on their way.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
import Testing
@testable import ncpd

private func receiveAll(_ fd: Int32, into frames: inout [[UInt8]]) {
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard n >= 0 else { return }
        frames.append(Array(buf[0..<n]))
    }
}

/// An IPv4-protocol frame of 1400 octets numbered `n`.
private func packet(_ n: Int) -> [UInt8] {
    [0x00, 0x21] + withUnsafeBytes(of: UInt32(n).bigEndian, Array.init) + [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 1394)
}

@Suite struct BundleBackpressureTests {
    @Test func noFragmentIsDroppedWhenEveryLinkIsFull() throws {
        let a = try BundleRig(links: 2, mru: 600)
        defer { a.close() }
        // Nobody reads the links: offer packets until the session's side
        // takes no more, i.e. the bundle stopped reading it (bounded).
        var offered = 0
        var rounds = 0
        while rounds < 100_000 {
            rounds += 1
            let p = packet(offered)
            let n = p.withUnsafeBytes { send(a.session, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n == p.count { offered += 1 }
            a.host.loop.runOnce(timeoutMilliseconds: 0)
            if n < 0 && a.bundle.innerPaused { break }
        }
        try #require(a.bundle.innerPaused, "the bundle never stopped reading its session (\(offered) packets)")
        #expect(a.bundle.counters.backpressure >= 1)
        #expect(a.bundle.links.allSatisfy { !$0.hasRoom }, "paused while a link had room")
        #expect(a.bundle.links.allSatisfy { $0.blocked > 0 })
        #expect(a.bundle.links.allSatisfy { $0.transmit.total == 0 }, "a fragment was dropped: \(a.bundle.links.map(\.transmit))")

        // Now linkd reads again: everything offered arrives, every sequence
        // number once, in order on each link (RFC 1990 §4.1: a link keeps
        // its order), and the Begin/End fragments make exactly `offered`
        // packets.
        var byLink: [[[UInt8]]] = a.far.map { _ in [] }
        rounds = 0
        while rounds < 200_000 && (a.bundle.counters.packetsOut < offered || a.bundle.links.contains { !$0.hasRoom }) {
            rounds += 1
            for (i, fd) in a.far.enumerated() { receiveAll(fd, into: &byLink[i]) }
            a.host.loop.runOnce(timeoutMilliseconds: 1)
        }
        for (i, fd) in a.far.enumerated() { receiveAll(fd, into: &byLink[i]) }
        #expect(a.bundle.counters.packetsOut == offered, "\(a.bundle.counters)")
        #expect(a.bundle.counters.sendErrors == 0)
        var sequences: [UInt32] = []
        var begins = 0, ends = 0, octets = 0
        for frames in byLink {
            let headers = try frames.map { f throws -> MultilinkHeader in
                #expect(f[0] == 0x00 && f[1] == 0x3d)
                return try MultilinkHeader.decode(Array(f[2...]), format: .long)
            }
            #expect(headers.map(\.sequence) == headers.map(\.sequence).sorted(), "a link's fragments out of order")
            sequences += headers.map(\.sequence)
            begins += headers.filter(\.begin).count
            ends += headers.filter(\.end).count
            octets += frames.reduce(0) { $0 + $1.count - 2 - 4 }
        }
        #expect(sequences.sorted() == Array(0..<UInt32(sequences.count)), "a sequence number is missing")
        #expect(begins == offered && ends == offered)
        #expect(octets == offered * 1400)
        #expect(a.bundle.links.allSatisfy { $0.transmit.total == 0 && $0.heldFrames > 0 }, "\(a.bundle.links.map { ($0.transmit, $0.heldFrames) })")
        #expect(!a.bundle.innerPaused)
    }

    @Test func aLinkLinkdHasNotDrainedGetsNoShare() throws {
        let a = try BundleRig(links: 2, mru: 1500)
        defer { a.close() }
        // Two packets, split over both links; linkd reads link 1 only.
        for i in 0..<2 {
            _ = packet(i).withUnsafeBytes { send(a.session, $0.baseAddress, $0.count, 0) }
            _ = a.host.loop.run(until: { a.bundle.counters.packetsOut == i + 1 }, seconds: 10)
        }
        var one: [[UInt8]] = []
        receiveAll(a.far[1], into: &one)
        #expect(one.count == 2, "each packet put one fragment on link 1")
        // Link 0 holds two fragments linkd has not read (SIOCOUTQ says at
        // least their octets): the third packet goes whole to link 1.
        _ = packet(2).withUnsafeBytes { send(a.session, $0.baseAddress, $0.count, 0) }
        _ = a.host.loop.run(until: { a.bundle.counters.packetsOut == 3 }, seconds: 10)
        var zero: [[UInt8]] = []
        receiveAll(a.far[0], into: &zero)
        one = []
        receiveAll(a.far[1], into: &one)
        #expect(zero.count == 2, "link 0 got a share of the third packet: \(zero.count) fragments")
        #expect(one.count == 1 && one.first?.count == 2 + 4 + 1400, "the third packet, whole on link 1")
        if let f = one.first {
            let h = try MultilinkHeader.decode(Array(f[2...]), format: .long)
            #expect(h.begin && h.end && h.sequence == 4)
        }
    }

    /// One-fragment packets, the even sequence numbers on link 0, the odd on
    /// link 1; link 1's come only after link 0 has sent all of its: 300
    /// numbers ahead, past the 256 slots of the ring.
    @Test func aLinkFarAheadIsHeldBackNotCountedLost() throws {
        let a = try BundleRig(links: 2, mru: 600)
        defer { a.close() }
        let count = 600
        func fragment(_ sequence: Int) -> [UInt8] {
            var h = [UInt8](repeating: 0, count: 4)
            MultilinkHeader(begin: true, end: true, sequence: UInt32(sequence)).write(into: &h, at: 0, format: .long)
            return [0x00, 0x3d] + h + [0x00, 0x21] + withUnsafeBytes(of: UInt32(sequence).bigEndian, Array.init)
        }
        var delivered: [[UInt8]] = []
        // Each link's frames are offered in order, as far as its channel
        // takes them (a held-back link's channel fills up).
        let evens = Array(stride(from: 0, to: count, by: 2)), odds = Array(stride(from: 1, to: count, by: 2))
        var next = [0, 0]
        func offer(_ link: Int, _ numbers: [Int]) {
            while next[link] < numbers.count {
                let sent = fragment(numbers[next[link]]).withUnsafeBytes { send(a.far[link], $0.baseAddress, $0.count, 0) }
                guard sent > 0 else { return }
                next[link] += 1
            }
        }
        func pump(offering: Bool, until done: () -> Bool) {
            var rounds = 0
            while !done() && rounds < 100_000 {
                rounds += 1
                if offering {
                    offer(1, odds)
                    offer(0, evens)
                }
                a.host.loop.runOnce(timeoutMilliseconds: 1)
                receiveAll(a.session, into: &delivered)
            }
        }
        offer(0, evens)
        pump(offering: false) { a.bundle.links[0].isParked }
        try #require(a.bundle.links[0].isParked, "link 0 was not held back")
        #expect(delivered.count == 1, "only packet 0 is complete: number 1 is still on its way")
        pump(offering: true) { delivered.count >= count }
        let r = try #require(a.bundle.reassembler?.counters)
        #expect(r.fragmentsLost == 0 && r.bufferOverflows == 0 && r.fragmentsDiscarded == 0, "\(r)")
        #expect(r.packetsReassembled == UInt64(count))
        let numbers = delivered.map { $0.count == 6 ? Int(UInt32($0[2]) << 24 | UInt32($0[3]) << 16 | UInt32($0[4]) << 8 | UInt32($0[5])) : -1 }
        #expect(numbers == Array(0..<count), "packets out of order or missing: \(numbers.count) delivered, first wrong at \(String(describing: numbers.enumerated().first { $0.offset != $0.element }))")
        #expect(a.bundle.links[0].parkings >= 1 && !a.bundle.links[0].isParked)
    }
}
