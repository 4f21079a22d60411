// IPC on real socketpairs: descriptor passing, rejection of invalid and
// unpermitted messages (answered with an error reply, descriptors closed),
// MSG_TRUNC, calls in parts, timeouts, BUSY, the handoff in its three
// outcomes, rendezvous ownership, and a descriptor-leak check on every test.
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import IPC

func openDescriptors() -> Int {
    guard let d = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(d) }
    var n = 0
    while readdir(d) != nil { n += 1 }
    return n
}

func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) >= 0 }

/// Two links joined by a socketpair on one loop; `a` plays `aRole`, `b` plays `bRole`.
final class Pair {
    let loop: EventLoop
    let a: Link   // remote is bRole
    let b: Link   // remote is aRole
    init(_ aRole: Peer, _ bRole: Peer) throws {
        loop = try EventLoop()
        let p = try Socket.seqpacketPair()
        a = Link(p.first, remote: bRole, loop: loop)
        b = Link(p.second, remote: aRole, loop: loop)
        try a.start()
        try b.start()
    }
    func spin(until cond: () -> Bool) -> Bool { loop.run(until: cond, seconds: 3) }
    /// Breaks the test closures' reference cycles so every socket closes.
    func close() {
        for l in [a, b] { l.onMessage = nil; l.onUnmatchedReply = nil; l.onInvalid = nil; l.close() }
    }
}

/// Runs `body` and checks it left no descriptor open.
func withoutLeaks(_ body: () throws -> Void) throws {
    let before = openDescriptors()
    try body()
    #expect(openDescriptors() == before, "descriptors leaked")
}

@Suite(.serialized) struct SocketTests {
    @Test func descriptorsTravelAndAreOwned() throws {
        try withoutLeaks {
            let p = try Pair(.linkd, .ncpd)
            defer { p.close() }
            let ch = try Socket.seqpacketPair()
            let r = try Socket.seqpacketPair()
            var got = 0
            var record: [UInt8] = []
            p.b.onMessage = { m in
                if case let .channelHandedOver(rec) = m.message { record = rec }
                got = m.descriptors.count
                let fd = m.descriptors.take(0)
                // The received channel works: write through it to the sender's other end.
                _ = try? Socket.send(fd.raw, [42])
                _ = consume fd
            }
            try p.a.send(.channelHandedOver(record: [1, 2, 3]), descriptors: [ch.second.raw, r.second.raw])
            #expect(p.spin { got > 0 })
            #expect(got == 2)
            #expect(record == [1, 2, 3])
            var buf = [UInt8](repeating: 0, count: 8)
            let n = recv(ch.first.raw, &buf, 8, Int32(MSG_DONTWAIT))
            #expect(n == 1 && buf[0] == 42)
        }
    }

    @Test func invalidMessageGetsAnErrorReplyAndNoCrash() throws {
        try withoutLeaks {
            let p = try Pair(.pppctl, .pppinit)
            defer { p.close() }
            var invalid: IPCError?
            var reply: Message?
            p.b.onInvalid = { invalid = $0 }
            p.a.onUnmatchedReply = { reply = $0.message }
            var garbage = try Codec.encode(.componentsListed, flags: [], callID: 12)
            garbage.append(0)  // length field no longer matches
            try p.a.sendRaw(garbage)
            #expect(p.spin { reply != nil })
            #expect(invalid != nil)
            guard case let .errorReplied(code, reason)? = reply else { Issue.record("no error reply"); return }
            #expect(code == .invalidMessage)
            #expect(reason.contains("length"))
            #expect(p.b.stats.rejected == 1)
            // The link still works after the bad message.
            var ok = false
            p.b.onMessage = { if case .componentsListed = $0.message { ok = true } }
            try p.a.send(.componentsListed, callID: 13)
            #expect(p.spin { ok })
        }
    }

    @Test func unpermittedSenderIsRefusedOnTheWire() throws {
        try withoutLeaks {
            let p = try Pair(.linkd, .pppinit)  // b hears linkd
            defer { p.close() }
            var reply: Message?
            p.a.onUnmatchedReply = { reply = $0.message }
            // linkd may not ask pppinit to restart components.
            try p.a.send(.componentRestartRequested(name: "authd"), callID: 9)
            #expect(p.spin { reply != nil })
            guard case let .errorReplied(code, _)? = reply else { Issue.record("no error reply"); return }
            #expect(code == .notPermitted)
        }
    }

    @Test func wrongDescriptorCountIsRefusedAndDescriptorsClosed() throws {
        try withoutLeaks {
            let p = try Pair(.linkd, .ncpd)
            defer { p.close() }
            var reply: Message?
            var delivered = false
            p.a.onUnmatchedReply = { reply = $0.message }
            p.b.onMessage = { _ in delivered = true }
            let extra = try Socket.seqpacketPair()
            // channelHandedOver needs exactly 2 descriptors; send 1.
            let bytes = try Codec.encode(.channelHandedOver(record: []), flags: [], callID: 4)
            try p.a.sendRaw(bytes, descriptors: [extra.second.raw])
            #expect(p.spin { reply != nil })
            #expect(!delivered)
            // The receiver closed its copy: only ours keeps the peer open.
            _ = consume extra
        }
    }

    @Test func unknownTypeAndVersionAreAnswered() throws {
        try withoutLeaks {
            let p = try Pair(.pppctl, .pppinit)
            defer { p.close() }
            var replies: [Message] = []
            p.a.onUnmatchedReply = { replies.append($0.message) }
            var unknown = try Codec.encode(.componentsListed, flags: [], callID: 1)
            unknown[5] = 200
            var version = try Codec.encode(.componentsListed, flags: [], callID: 2)
            version[2] = 7
            try p.a.sendRaw(unknown)
            try p.a.sendRaw(version)
            #expect(p.spin { replies.count == 2 })
            for r in replies {
                guard case .errorReplied(.invalidMessage, _) = r else { Issue.record("got \(r)"); continue }
            }
        }
    }

    @Test func oversizedDatagramIsTruncationError() throws {
        try withoutLeaks {
            let pair = try Socket.seqpacketPair()
            _ = try Socket.send(pair.first.raw, [UInt8](repeating: 1, count: Wire.maxMessageSize + 100))
            let b = Link(pair.second, remote: .pppinit, loop: nil)
            #expect(throws: IPCError.truncated) { _ = try b.receive() }
        }
    }

    @Test func peerHangupIsReported() throws {
        try withoutLeaks {
            let loop = try EventLoop()
            let pair = try Socket.seqpacketPair()
            let b = Link(pair.second, remote: .linkd, loop: loop)
            var closed = false
            b.onClose = { closed = true }
            try b.start()
            pair.first.close()
            #expect(loop.run(until: { closed }, seconds: 3))
        }
    }

    @Test func callsCollectPartsUntilEnd() throws {
        try withoutLeaks {
            let p = try Pair(.pppinit, .authd)
            defer { p.close() }
            p.b.onMessage = { r in
                let id = r.callID
                try? p.b.reply(to: id, .callReplied(json: "1"), final: false)
                try? p.b.reply(to: id, .callReplied(json: "2"), final: false)
                try? p.b.reply(to: id, .callReplied(json: "3"))
            }
            var parts: [String] = []
            var ended = false
            try p.a.call(.callRequested(method: "m", arguments: "", admin: false), onReply: { r in
                if case let .callReplied(j) = r.message { parts.append(j) }
                if r.isFinal { ended = true }
            }, onFailure: { _ in })
            #expect(p.spin { ended })
            #expect(parts == ["1", "2", "3"])
            #expect(p.a.pendingCalls == 0)
        }
    }

    @Test func callTimesOutAndLateReplyIsCounted() throws {
        try withoutLeaks {
            let p = try Pair(.pppinit, .authd)
            defer { p.close() }
            var pendingID: UInt32?
            var aborted = false
            p.b.onMessage = { r in
                if r.flags.contains(.abort) { aborted = true } else { pendingID = r.callID }
            }
            var failure: IPCError?
            try p.a.call(.callRequested(method: "slow", arguments: "", admin: false), timeout: 0.1,
                         onReply: { _ in Issue.record("no reply expected") }, onFailure: { failure = $0 })
            #expect(p.spin { failure != nil && aborted })
            #expect(failure == .timeout)
            try p.b.reply(to: pendingID!, .callReplied(json: "late"))
            #expect(p.spin { p.a.stats.late == 1 })
        }
    }

    @Test func busyReplyEndsTheCall() throws {
        try withoutLeaks {
            let p = try Pair(.pppctl, .pppinit)
            defer { p.close() }
            p.b.onMessage = { r in try? p.b.replyBusy(to: r.callID, "starting") }
            var flags: CallFlags = []
            try p.a.call(.componentsListed, onReply: { flags = $0.flags }, onFailure: { _ in })
            #expect(p.spin { !flags.isEmpty })
            #expect(flags.contains(.busy))
            #expect(p.a.pendingCalls == 0)
        }
    }

    @Test func sendQueueKeepsOrderUnderBackpressure() throws {
        try withoutLeaks {
            let p = try Pair(.pppinit, .authd)
            defer { p.close() }
            var seen: [String] = []
            p.b.onMessage = { r in if case let .callReplied(j) = r.message { seen.append(j) } }
            let blob = String(repeating: "x", count: 30_000)
            for i in 0..<40 { try p.a.send(.callReplied(json: "\(i)" + blob), callID: 1) }
            #expect(p.a.stats.queued > 0, "the socket buffer should have filled")
            #expect(p.spin { seen.count == 40 })
            #expect(seen.map { String($0.prefix { $0 != "x" }) } == (0..<40).map(String.init))
        }
    }
}

@Suite(.serialized) struct HandoffTests {
    /// Sends one channel from a "linkd" to an "ncpd" and returns the
    /// receiver's R and channel, for the test to decide the outcome.
    func start(_ p: Pair, channel: Int32, outcome: @escaping (HandoffOutcome) -> Void,
               received: @escaping (inout Received) -> Void) throws {
        p.b.onMessage = { r in received(&r) }
        try HandoffSender.send(.channelHandedOver(record: [7]), descriptors: [channel], over: p.a, loop: p.loop,
                               timeout: 2, completion: outcome)
    }

    @Test func success() throws {
        try withoutLeaks {
            let p = try Pair(.linkd, .ncpd)
            defer { p.close() }
            let ch = try Socket.seqpacketPair()
            var outcome: HandoffOutcome?
            var receiverDone: Bool?
            var keep: [HandoffReceiver] = []
            var owned: [SharedDescriptor] = []
            try start(p, channel: ch.second.raw, outcome: { outcome = $0 }) { r in
                owned.append(SharedDescriptor(r.descriptors.take(0)))
                let rx = HandoffReceiver(ack: r.descriptors.take(1), loop: p.loop)
                keep.append(rx)
                try? rx.accept(pid: 4321) { receiverDone = $0 }
            }
            #expect(p.spin { outcome != nil && receiverDone != nil })
            #expect(outcome == .accepted(pid: 4321))
            #expect(receiverDone == true)
            #expect(owned.count == 1 && isOpen(owned[0].raw))
        }
    }

    @Test func receiverDiesBeforeTheAck() throws {
        try withoutLeaks {
            let p = try Pair(.linkd, .ncpd)
            defer { p.close() }
            let ch = try Socket.seqpacketPair()
            var outcome: HandoffOutcome?
            try start(p, channel: ch.second.raw, outcome: { outcome = $0 }) { r in
                // Dies: every descriptor it got closes, nothing is written on R.
                r.descriptors.closeAll()
            }
            #expect(p.spin { outcome != nil })
            #expect(outcome == .failed(.peerClosed))
            // The sender still owns a working channel.
            #expect(isOpen(ch.second.raw))
            #expect(try Socket.send(ch.second.raw, [1]))
        }
    }

    @Test func receiverRefuses() throws {
        try withoutLeaks {
            let p = try Pair(.linkd, .ncpd)
            defer { p.close() }
            let ch = try Socket.seqpacketPair()
            var outcome: HandoffOutcome?
            try start(p, channel: ch.second.raw, outcome: { outcome = $0 }) { r in
                HandoffReceiver(ack: r.descriptors.take(1), loop: p.loop).refuse("no unit free")
            }
            #expect(p.spin { outcome != nil })
            #expect(outcome == .refused(reason: "no unit free"))
            #expect(isOpen(ch.second.raw))
        }
    }

    @Test func senderGoneBeforeAckMeansReceiverGivesBack() throws {
        try withoutLeaks {
            let loop = try EventLoop()
            let r = try Socket.seqpacketPair()
            let rx = HandoffReceiver(ack: r.second, loop: loop)
            var result: Bool?
            try rx.accept(pid: 1, timeout: 2) { result = $0 }
            r.first.close()  // the sender died after reading our pid, before '!'
            #expect(loop.run(until: { result != nil }, seconds: 3))
            #expect(result == false)
        }
    }

    /// The sender's '!' arrives after the receiver's timer is due, so both
    /// are ready in one round with the timer first (epoll reports in the
    /// order they became ready). The receiver must read the ack, not close
    /// a channel the sender has already handed over: that was an accepted
    /// session ending with ECONNRESET under load. Fails without the read.
    @Test func receiverReadsAnAckWaitingBehindItsTimer() throws {
        try withoutLeaks {
            let loop = try EventLoop()
            let r = try Socket.seqpacketPair()
            let senderEnd = r.first.raw
            let rx = HandoffReceiver(ack: r.second, loop: loop)
            var result: Bool?
            try rx.accept(pid: 42, timeout: 0.05) { result = $0 }
            var answer = [UInt8](repeating: 0, count: 8)
            let n = answer.withUnsafeMutableBytes { recv(senderEnd, $0.baseAddress, $0.count, 0) }
            #expect(n == 5 && answer[0] == UInt8(ascii: "P"))
            usleep(150_000)  // the timer is due before the ack is written
            #expect(try Socket.send(senderEnd, [UInt8(ascii: "!")]))
            #expect(loop.run(until: { result != nil }, seconds: 3))
            #expect(result == true)
        }
    }
}

@Suite(.serialized) struct RendezvousTests {
    func path() -> String { "/tmp/ppp-rdv-\(getpid())-\(Int.random(in: 0..<1_000_000))" }

    @Test func bindOrConnectAndStaleDetection() throws {
        try withoutLeaks {
            let p = path()
            defer { unlink(p) }
            guard case let .owner(owner) = try Rendezvous.open(p) else { Issue.record("first open must own"); return }
            // A live owner: the second opener becomes a client and can talk to it.
            guard case let .client(client) = try Rendezvous.open(p) else { Issue.record("second open must connect"); return }
            #expect(try Socket.send(client.raw, [5]))
            var buf = [UInt8](repeating: 0, count: 16)
            var count = -1
            var pid: Int32 = -1
            if let dg = try Socket.receive(owner.raw, into: &buf) {
                count = dg.count
                pid = dg.credentials?.pid ?? -1
            }
            #expect(count == 1)
            #expect(pid == getpid())
            // The owner dies without unlinking: the file is stale and is taken over.
            owner.close()
            client.close()
            guard case .owner = try Rendezvous.open(p) else { Issue.record("stale socket not taken over"); return }
        }
    }
}

@Suite(.serialized) struct EventLoopTests {
    @Test func timersFireInDeadlineOrderAndCancelWorks() throws {
        let loop = try EventLoop()
        var fired: [Int] = []
        loop.schedule(after: 0.06) { fired.append(3) }
        loop.schedule(after: 0.02) { fired.append(1) }
        let cancelled = loop.schedule(after: 0.03) { fired.append(99) }
        loop.schedule(after: 0.04) { fired.append(2) }
        loop.cancel(cancelled)
        #expect(loop.run(until: { fired.count == 3 }, seconds: 2))
        #expect(fired == [1, 2, 3])
    }

    @Test func heapOrdersManyDeadlines() {
        var h = TimerHeap()
        let deadlines = (0..<500).map { _ in UInt64.random(in: 0..<1000) }
        for (i, d) in deadlines.enumerated() { h.push(deadline: d, id: UInt64(i)) }
        var last: (UInt64, UInt64) = (0, 0)
        var n = 0
        while let top = h.pop() {
            #expect(top.deadline > last.0 || (top.deadline == last.0 && top.id >= last.1))
            last = (top.deadline, top.id)
            n += 1
        }
        #expect(n == 500)
    }

    @Test func signalsArriveAsEvents() throws {
        let loop = try EventLoop()
        var got: Int32 = 0
        try loop.handleSignals([SIGUSR2]) { sig, _ in got = sig }
        // Thread-directed: other test threads do not block SIGUSR2.
        raise(SIGUSR2)
        #expect(loop.run(until: { got != 0 }, seconds: 2))
        #expect(got == SIGUSR2)
    }
}
