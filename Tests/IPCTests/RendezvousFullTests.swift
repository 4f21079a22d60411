// A handoff to a rendezvous point whose queue is full (net.unix.max_dgram_qlen
// datagrams, 10 by default): the sender keeps trying until its timeout
// instead of failing at once, the transfer completes once the receiver
// drains its queue, and a queue that never drains ends in a failure with the
// sender still owning its descriptors. JSONPages: a long list in pages that
// each fit a message, every item once.
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import IPC

@Suite(.serialized) struct RendezvousFullTests {
    func path() -> String { "/tmp/ppp-full-\(getpid())-\(Int.random(in: 0..<1_000_000))" }

    /// Fills the owner's queue with one-octet datagrams; returns how many went in.
    func fill(_ path: String) throws -> Int {
        let s = try Socket.datagram()
        var n = 0
        while n < 100_000, try Socket.send(s.raw, to: path, [0]) { n += 1 }
        return n
    }

    @Test func aFullQueueIsRetriedUntilTheReceiverDrainsIt() throws {
        try withoutLeaks {
            let p = path()
            defer { unlink(p) }
            guard case let .owner(owner) = try Rendezvous.open(p) else { Issue.record("must own"); return }
            let loop = try EventLoop()
            let queued = try fill(p)
            #expect(queued > 0 && queued < 100_000)
            let ch = try Socket.seqpacketPair()
            var outcome: HandoffOutcome?
            try HandoffSender.send(.channelHandedOver(record: [7]), descriptors: [ch.second.raw], to: p, loop: loop,
                                   timeout: 3) { outcome = $0 }
            _ = loop.run(until: { false }, seconds: 0.1)
            #expect(outcome == nil, "still trying while the queue is full")
            // The receiver catches up: the fillers, then our transfer.
            var buffer = [UInt8](repeating: 0, count: Wire.maxMessageSize + 1)
            var fillers = 0
            var keep: [HandoffReceiver] = []
            var owned: [SharedDescriptor] = []
            var receiverDone: Bool?
            #expect(loop.run(until: {
                while var d = try? Socket.receive(owner.raw, into: &buffer) {
                    if d.descriptors.count == 2 {
                        owned.append(SharedDescriptor(d.descriptors.take(0)))
                        let rx = HandoffReceiver(ack: d.descriptors.take(1), loop: loop)
                        keep.append(rx)
                        try? rx.accept(pid: 99) { receiverDone = $0 }
                    } else {
                        fillers += 1
                    }
                }
                return outcome != nil && receiverDone != nil
            }, seconds: 3))
            #expect(fillers == queued)
            #expect(outcome == .accepted(pid: 99) && receiverDone == true)
            #expect(owned.count == 1 && isOpen(owned[0].raw))
        }
    }

    @Test func aQueueThatStaysFullFailsAtTheTimeoutAndTheSenderKeepsItsChannel() throws {
        try withoutLeaks {
            let p = path()
            defer { unlink(p) }
            guard case let .owner(owner) = try Rendezvous.open(p) else { Issue.record("must own"); return }
            _ = owner
            let loop = try EventLoop()
            _ = try fill(p)
            let ch = try Socket.seqpacketPair()
            var outcome: HandoffOutcome?
            try HandoffSender.send(.channelHandedOver(record: [7]), descriptors: [ch.second.raw], to: p, loop: loop,
                                   timeout: 0.3) { outcome = $0 }
            #expect(loop.run(until: { outcome != nil }, seconds: 3))
            #expect(outcome == .failed(.system(call: "sendmsg(\(p))", errno: EAGAIN)))
            #expect(isOpen(ch.second.raw))
            #expect(try Socket.send(ch.second.raw, [1]))
        }
    }

    @Test func pagesCoverEveryItemOnceAndEachFitsAMessage() throws {
        #expect(try PageArguments(json: .object([:])).from == nil)
        #expect(throws: MethodError.self) { try PageArguments(json: .object(["from": .int(-1)])) }
        #expect(try PageArguments(json: .object(["from": .int(7)])).from == 7)
        let items = (0..<3000).map { i in JSON.object(["id": .int(Int64(i)), "pad": .string(String(repeating: "x", count: i % 700))]) }
        var seen: [Int64] = []
        var from = 0
        var pages = 0
        while pages < 10_000 {
            let page = JSONPages.page(count: items.count, from: from) { items[$0] }
            pages += 1
            #expect(page.encoded().utf8.count <= JSONPages.budget + 64)
            seen += (page["items"]?.array ?? []).compactMap { $0["id"]?.int }
            guard let next = page["next"]?.int else { break }
            #expect(Int(next) > from)
            from = Int(next)
        }
        #expect(seen == (0..<3000).map { Int64($0) })
        #expect(pages > 1)
        // Past the end: nothing, and no next page.
        let end = JSONPages.page(count: 3, from: 5) { items[$0] }
        #expect(end["items"]?.array?.isEmpty == true && end["next"] == .null)
        // An item larger than a page still goes, alone, so the listing moves on.
        let big = [JSON.string(String(repeating: "y", count: JSONPages.budget + 10)), .int(1)]
        let first = JSONPages.page(count: 2, from: 0) { big[$0] }
        #expect(first["items"]?.array?.count == 1 && first["next"]?.int == 1)
    }
}
