// Issue 21 point 2: the mux sends in vectors. MuxEndpoint on a real
// SEQPACKET socketpair driven by a real EventLoop: frames of several
// sessions sent in one round leave in one sendmmsg when the round ends, in
// order; a 65th frame makes the first 64 leave at once; small super-packets
// join the vector until the arena is full; a long super-packet (more than the
// arena takes) and a control record between small frames keep their place;
// with the socket full what it refuses of a batch waits in its session's
// queue and arrives in order, as a frame that found the socket full always
// did; the queues drain in vectors, round-robin, a long frame alone in its
// turn. Decided by the endpoint's counters (calls and frames), never by time.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import TestSupport
import Testing

@Suite struct MuxSendBatchTests {
    /// Both ends on one loop; what b receives, frames and records in the
    /// order they came.
    final class Ends {
        enum Got: Equatable {
            case frame(UInt32, [UInt8])
            case control(MuxControl)
        }

        let loop: EventLoop
        let a: MuxEndpoint
        let b: MuxEndpoint
        var got: [Got] = []

        init(buffer: Int32? = nil, largestFrame: Int = 2048) throws {
            loop = try EventLoop()
            let p = try Socket.seqpacketPair()
            if var size = buffer {
                for fd in [p.first.raw, p.second.raw] {
                    _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
                    _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
                }
            }
            a = try MuxEndpoint(p.first, loop: loop, largestFrame: largestFrame)
            b = try MuxEndpoint(p.second, loop: loop, largestFrame: largestFrame)
            b.onFrame = { [unowned self] handle, frame in self.got.append(.frame(handle, Array(frame))) }
            b.onControl = { [unowned self] c in self.got.append(.control(c)) }
        }

        var frames: [(UInt32, [UInt8])] {
            got.compactMap { if case .frame(let h, let f) = $0 { (h, f) } else { nil } }
        }

        /// Runs `body` inside one dispatched round of the loop; returns
        /// once that round has ended (TestSupport's EventLoopRound).
        func inRound(_ body: @escaping () -> Void) throws { try TestSupport.inRound(loop, body) }
    }

    /// Frame i of session `handle`: Protocol 0x0021, then i, then filler.
    static func send(_ e: Ends, _ i: Int, handle: UInt32, length: Int = 100) -> MuxSend {
        let info = [UInt8(i >> 8), UInt8(i & 0xff)] + [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: length - 2)
        return info.withUnsafeBytes { e.a.send(handle: handle, protocol: 0x0021, information: $0) }
    }

    static func number(_ frame: [UInt8]) -> Int { Int(frame[2]) << 8 | Int(frame[3]) }

    @Test func framesOfSeveralSessionsInOneRoundLeaveInOneSendmmsg() throws {
        let e = try Ends()
        var before = MuxEndpoint.Counters()
        try e.inRound {
            for i in 0..<40 { #expect(Self.send(e, i, handle: UInt32(i % 5 + 1)) == .sent) }
            // Nothing has left yet: the round is not over.
            before = e.a.counters
        }
        #expect(before.framesOut == 0 && before.sendBatches == 0)
        let c = e.a.counters
        #expect(c.sendBatches == 1 && c.sendBatched == 40 && c.sendLargest == 40 && c.sendDirect == 0)
        #expect(c.framesOut == 40 && c.bytesOut == 40 * 102 && c.queued == 0)
        #expect(e.loop.run(until: { e.got.count == 40 }, seconds: 10))
        // In the order sent, across sessions too.
        #expect(e.frames.map(\.0) == (0..<40).map { UInt32($0 % 5 + 1) })
        #expect(e.frames.map { Self.number($0.1) } == Array(0..<40))
        #expect(e.frames.allSatisfy { $0.1.count == 102 && $0.1[0] == 0x00 && $0.1[1] == 0x21 })
        #expect(e.b.counters.framesIn == 40 && e.b.counters.bytesIn == 40 * 102)
    }

    @Test func aFullBatchLeavesAtOnceAndOutsideARoundFramesGoAlone() throws {
        let e = try Ends()
        var after63 = 0, after64 = 0
        try e.inRound {
            for i in 0..<150 {
                _ = Self.send(e, i, handle: UInt32(i % 3 + 1))
                if i == 62 { after63 = e.a.counters.framesOut }
                if i == 63 { after64 = e.a.counters.framesOut }
            }
        }
        #expect(after63 == 0 && after64 == 64)
        var c = e.a.counters
        #expect(c.sendBatches == 3 && c.sendBatched == 150 && c.sendLargest == 64 && c.sendDirect == 0)
        // Outside a round (start-up): one sendmsg, at once.
        #expect(Self.send(e, 150, handle: 1) == .sent)
        c = e.a.counters
        #expect(c.sendDirect == 1 && c.sendBatches == 3 && c.framesOut == 151)
        #expect(e.loop.run(until: { e.got.count == 151 }, seconds: 10))
        #expect(e.frames.map { Self.number($0.1) } == Array(0..<151))
    }

    @Test func aSuperPacketAndAControlRecordBetweenSmallFramesKeepTheirPlace() throws {
        // The arena takes frames of up to 16 KiB; a 20,000-octet one goes alone.
        let e = try Ends(largestFrame: 70_000)
        try e.inRound {
            for i in 0..<3 { _ = Self.send(e, i, handle: 1) }
            _ = Self.send(e, 3, handle: 2, length: 20_000)
            for i in 4..<6 { _ = Self.send(e, i, handle: 1) }
            e.a.send(.close(handle: 2, reason: "LCP down"))
            for i in 6..<8 { _ = Self.send(e, i, handle: 1) }
        }
        let c = e.a.counters
        // Before the super-packet, before the record, at the round's end.
        #expect(c.sendBatches == 3 && c.sendBatched == 7 && c.sendDirect == 1 && c.controlOut == 1)
        #expect(e.loop.run(until: { e.got.count == 9 }, seconds: 10))
        let order: [Int] = e.got.map { g in
            if case .frame(_, let f) = g { return Self.number(f) }
            return -1
        }
        #expect(order == [0, 1, 2, 3, 4, 5, -1, 6, 7])
        #expect(e.frames[3].0 == 2 && e.frames[3].1.count == 20_002)
        #expect(e.got[6] == .control(.close(handle: 2, reason: "LCP down")))
    }

    @Test func whatAFullSocketRefusesWaitsInItsSessionsQueue() throws {
        let e = try Ends(buffer: 4096)
        var results: [(UInt32, Int, MuxSend)] = []
        try e.inRound {
            for i in 0..<240 {
                let handle = UInt32(i % 3 + 1)
                results.append((handle, i, Self.send(e, i, handle: handle, length: 1000)))
            }
        }
        let c = e.a.counters
        let accepted = results.filter { $0.2 != .full }
        // The first 64 were held and went in one call as far as the socket
        // took them; the rest of them, and every later frame, waited in
        // their sessions' queues, 64 each at most; the next were refused.
        #expect(c.sendBatches >= 1 && c.sendBatched < 64 && c.queued > 0)
        #expect(results.prefix(64).allSatisfy { $0.2 == .sent })
        #expect(c.queueHighWater == MuxEndpoint.queueLimit)
        #expect(c.queueFull == results.count - accepted.count && c.queueFull > 0)
        #expect(e.a.waitingFrames == c.queued)
        #expect(e.loop.run(until: { e.got.count == accepted.count }, seconds: 30))
        // Every accepted frame arrived once, each session's in order.
        for h in UInt32(1)...3 {
            let sent = accepted.filter { $0.0 == h }.map(\.1)
            let arrived = e.frames.filter { $0.0 == h }.map { Self.number($0.1) }
            #expect(arrived == sent)
        }
        #expect(e.a.waitingFrames == 0 && e.a.counters.framesOut == accepted.count)
    }

    @Test func smallSuperPacketsJoinTheRoundsVectorUntilTheArenaIsFull() throws {
        // 1 MiB of socket buffer: nothing is refused, the arena decides.
        let e = try Ends(buffer: 1 << 20, largestFrame: 70_000)
        var after21 = 0, after22 = 0
        try e.inRound {
            _ = Self.send(e, 0, handle: 1)
            // 12,002-octet frames (a coalesced run of 8 segments): 4 + 12,002
            // octets each, 8-aligned (12,008), 21 fill the 256 KiB arena
            // behind the small one (112); the 22nd finds no room, and the
            // 22 held leave first.
            for i in 1...30 {
                #expect(Self.send(e, i, handle: UInt32(i % 2 + 1), length: 12_000) == .sent)
                if i == 21 { after21 = e.a.counters.framesOut }
                if i == 22 { after22 = e.a.counters.framesOut }
            }
            _ = Self.send(e, 31, handle: 3)
        }
        #expect(after21 == 0 && after22 == 22)
        let c = e.a.counters
        #expect(c.sendBatches == 2 && c.sendBatched == 32 && c.sendLargest == 22 && c.sendDirect == 0 && c.queued == 0)
        #expect(c.bytesOut == 2 * 102 + 30 * 12_002)
        #expect(e.loop.run(until: { e.got.count == 32 }, seconds: 10))
        #expect(e.frames.map { Self.number($0.1) } == Array(0...31))
        #expect(e.frames.map(\.1.count) == [102] + Array(repeating: 12_002, count: 30) + [102])
        // Every octet as sent: frame i is i's two octets, then i repeated.
        for (_, f) in e.frames[1...30] {
            let i = Self.number(f)
            #expect(f[4...].allSatisfy { $0 == UInt8(truncatingIfNeeded: i) })
        }
    }

    @Test func queuedFramesDrainInVectorsRoundRobinALongOneAloneInItsTurn() throws {
        let e = try Ends(buffer: 65_536, largestFrame: 70_000)
        // Outside a round, frames go at once until the socket is full; the
        // first one it refuses waits (session 9).
        var direct = 0
        while direct < 10_000 && Self.send(e, direct, handle: 9, length: 1000) == .sent { direct += 1 }
        try #require(direct < 10_000 && e.a.waitingFrames == 1)
        // Behind it: sessions 1, 2, 3 with 5, 2 and 1 frames, 2's first a
        // 20,000-octet super-packet (longer than the arena takes).
        let plan: [(UInt32, Int)] = [(1, 1000), (1, 1000), (1, 1000), (2, 20_000), (3, 1000), (1, 1000), (2, 1000), (1, 1000)]
        for (k, (h, length)) in plan.enumerated() {
            #expect(Self.send(e, direct + 1 + k, handle: h, length: length) == .queued)
        }
        let before = e.a.counters
        let total = direct + 1 + plan.count
        #expect(e.loop.run(until: { e.got.count == total && e.a.waitingFrames == 0 }, seconds: 30))
        let c = e.a.counters
        // One turn per session: 9, then 1 2 3, 1 2, 1, 1, 1.
        let n = direct
        let expected = [n] + [n + 1, n + 4, n + 5, n + 2, n + 7, n + 3, n + 6, n + 8]
        #expect(e.frames.map { Self.number($0.1) } == Array(0..<direct) + expected)
        #expect(e.frames.map(\.0).suffix(9) == [9, 1, 2, 3, 1, 2, 1, 1, 1])
        // Every small frame left in a sendmmsg, the super-packet alone.
        #expect(c.framesOut - before.framesOut == 1 + plan.count)
        #expect(c.sendBatched - before.sendBatched == plan.count)
        #expect(c.sendDirect - before.sendDirect == 1)
        #expect(c.sendBatches - before.sendBatches >= 2 && c.gone == 0 && c.queueFull == 0)
        #expect(e.frames.first { Self.number($0.1) == n + 4 }?.1.count == 20_002)
    }
}
