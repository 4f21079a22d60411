// What a hostile local peer can do to a Link (issue 15): pass something
// that is not a SEQPACKET socket, never read its replies, flood us with
// junk. And the fd store's restore path, which must queue without dup(2).
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import IPC

@Suite(.serialized) struct HostileLinkTests {
    @Test func onlyUnixSeqpacketSocketsPass() throws {
        let pair = try Socket.seqpacketPair()
        #expect(Socket.isUnixSeqpacket(pair.first.raw))
        var p: [Int32] = [-1, -1]
        #expect(pipe(&p) == 0)
        defer { close(p[0]); close(p[1]) }
        #expect(!Socket.isUnixSeqpacket(p[0]))
        let file = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(file) }
        #expect(!Socket.isUnixSeqpacket(file))
        let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(udp) }
        #expect(!Socket.isUnixSeqpacket(udp))
        let dgram = try Socket.datagram()
        #expect(!Socket.isUnixSeqpacket(dgram.raw))
        #expect(!Socket.isUnixSeqpacket(-1))
    }

    /// recvmsg on a pipe fails with ENOTSOCK on every wake-up: the link
    /// must hang up, not answer it forever.
    @Test func aLinkOnAPipeClosesInsteadOfSpinning() throws {
        try withoutLeaks {
            let loop = try EventLoop()
            var p: [Int32] = [-1, -1]
            #expect(pipe(&p) == 0)
            #expect(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0)
            defer { close(p[1]) }
            let link = Link(FileDescriptor(adopting: p[0]), remote: .pppctl, loop: loop)
            var closed = false
            link.onClose = { closed = true }
            try link.start()
            #expect(write(p[1], "junk", 4) == 4)
            #expect(loop.run(until: { closed }, seconds: 3))
            #expect(link.stats.rejected == 0)
            #expect(!link.isOpen)
        }
    }

    @Test func aClientThatNeverReadsIsClosedAtTheQueueLimit() throws {
        try withoutLeaks {
            let p = try Pair(.pppinit, .pppctl)
            defer { p.close() }
            p.a.queueLimit = 200_000
            var closed = false
            p.a.onClose = { closed = true }
            let blob = String(repeating: "x", count: 30_000)
            var sent = 0
            // The socket buffer takes a few, the queue 200 kB more; far
            // fewer than 1,000 fit.
            while sent < 1000 {
                do { try p.a.send(.callReplied(json: blob), callID: 1) } catch { break }
                #expect(p.a.queuedBytes <= 200_000)
                sent += 1
            }
            #expect(sent < 1000)
            #expect(closed)
            #expect(p.a.stats.overflowed == 1)
            #expect(p.a.queuedBytes == 0)
        }
    }

    /// Restore replies share the store's descriptors: queueing one costs no
    /// descriptor, so it cannot fail at the process's limit.
    @Test func sharedDescriptorsQueueWithoutDuplicates() throws {
        try withoutLeaks {
            let p = try Pair(.pppinit, .linkd)
            defer { p.close() }
            let blob = String(repeating: "x", count: 30_000)
            while p.a.stats.queued == 0 { try p.a.send(.callReplied(json: blob), callID: 1) }
            let held = SharedDescriptor(try Socket.datagram())
            let before = openDescriptors()
            for _ in 0..<50 {
                try p.a.reply(to: 2, .descriptorsReturned(key: "k", record: [1], count: 1), final: false, shared: [held])
            }
            #expect(openDescriptors() == before)
            var returned = 0
            p.b.onMessage = { r in
                if case .descriptorsReturned = r.message { returned += 1; r.descriptors.closeAll() }
            }
            p.b.onUnmatchedReply = { r in
                if case .descriptorsReturned = r.message { returned += 1; r.descriptors.closeAll() }
            }
            #expect(p.spin { returned == 50 })
            _ = held.take()
        }
    }

    @Test func warningsAreTheFirstThenSummaries() {
        var w = WarningLimiter(interval: 10)
        #expect(w.note(now: 100) == .log)
        for i in 0..<9_999 { #expect(w.note(now: 100 + Double(i) / 1000) == .quiet) }
        #expect(w.note(now: 111) == .summary(count: 10_000))
        #expect(w.note(now: 112) == .quiet)
        // One alone after a quiet interval is logged as itself.
        #expect(w.note(now: 125) == .summary(count: 2))
        #expect(w.note(now: 200) == .log)
        #expect(w.total == 10_004)
        #expect(w.suppressed == 0)
    }
}

/// A call whose reply already waits in the socket when its timer fires
/// (both ready in one busy round, the timer handled first) is answered, not
/// timed out: otherwise pppinit's watchdog kills a daemon that did answer.
/// The caller's link is never started, so only the timer can run: without
/// the read in `expire` this test sees a timeout.
@Suite struct CallExpiryTests {
    @Test func aQueuedReplyBeatsTheTimer() throws {
        try withoutLeaks {
            let loop = try EventLoop()
            let p = try Socket.seqpacketPair()
            let caller = Link(p.first, remote: .ncpd, loop: loop)
            let daemon = Link(p.second, remote: .pppinit, loop: nil)
            defer { caller.close(); daemon.close() }
            var outcome: String?
            try caller.call(.callRequested(method: "ping", arguments: "", admin: false), timeout: 0.05,
                            onReply: { r in outcome = r.isFinal ? "reply" : outcome },
                            onFailure: { e in outcome = "\(e)" })
            guard let callID = try daemon.receive(blocking: true)?.callID else {
                Issue.record("the call never reached the daemon's end")
                return
            }
            try daemon.reply(to: callID, .callReplied(json: "{}"))
            #expect(loop.run(until: { outcome != nil }, seconds: 3))
            #expect(outcome == "reply")
        }
    }
}
