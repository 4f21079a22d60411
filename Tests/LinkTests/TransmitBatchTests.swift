// Issue 21 point 2: linkd's send batch (TransmitBatch) and the batch receive
// path (PacketBatch.receive, recvmmsg) on real UDP sockets over loopback,
// driven by a real EventLoop: frames added while a round is dispatched leave
// in one sendmmsg at the round's end, in order, each accounted to its
// sender; outside a round, too long for a slot, or for another socket they
// are not held (the caller writes them after a flush). No timing.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import Testing
@testable import linkd

/// Records what the batch says became of each frame.
private final class Account: TransmitAccount {
    var sent: [Int] = [], dropped = 0, failed = 0
    func transmitted(octets: Int) { sent.append(octets) }
    func transmitDropped() { dropped += 1 }
    func transmitFailed() { failed += 1 }
}

/// Two UDP sockets on loopback, each connected to the other.
private struct UDPPair {
    let a: Int32, b: Int32
    init() throws {
        func bound() throws -> (Int32, sockaddr_in) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket") }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
                }
            }
            guard ok else { throw TestFailure("bind") }
            return (fd, addr)
        }
        let (fa, aa) = try bound(), (fb, ab) = try bound()
        func connectTo(_ fd: Int32, _ to: sockaddr_in) -> Bool {
            var t = to
            return withUnsafePointer(to: &t) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }
        guard connectTo(fa, ab), connectTo(fb, aa) else { throw TestFailure("connect") }
        a = fa
        b = fb
    }
    func close() { _ = Glibc.close(a); _ = Glibc.close(b) }
}

private struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Frame i: its number, then `length` octets of it.
private func frame(_ i: Int, length: Int = 100) -> [UInt8] {
    [UInt8(i >> 8), UInt8(i & 0xff)] + [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: length - 2)
}

/// Runs `body` inside one dispatched round of `loop` (a readable eventfd's
/// handler), then lets the round end.
private func inRound(_ loop: EventLoop, _ body: @escaping () -> Void) throws {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw TestFailure("pipe") }
    defer { _ = close(fds[0]); _ = close(fds[1]) }
    var ran = false
    try loop.watch(fds[0]) { _ in
        guard !ran else { return }
        ran = true
        body()
    }
    defer { loop.unwatch(fds[0]) }
    var one: UInt8 = 1
    _ = write(fds[1], &one, 1)
    _ = loop.run(until: { ran }, seconds: 5)
    if !ran { throw TestFailure("the round never ran") }
}

/// Everything waiting on `fd`, read with recvmmsg batches (bounded).
private func receiveAll(_ fd: Int32, expecting n: Int) throws -> [[UInt8]] {
    var batch = PacketBatch(slotSize: 2048, capacity: 32)
    var out: [[UInt8]] = []
    for _ in 0..<1000 where out.count < n {
        let got = try batch.receive(from: fd)
        if got == 0 { usleep(1000); continue }
        for i in 0..<got { out.append(Array(batch.frame(i))) }
    }
    return out
}

@Suite struct TransmitBatchTests {
    @Test func framesOfOneRoundLeaveInOneCallInOrder() throws {
        let pair = try UDPPair()
        defer { pair.close() }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        var held: [Bool] = []
        try inRound(loop) {
            for i in 0..<10 { held.append(frame(i).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) }) }
            // Nothing has left yet: the round is not over.
            held.append(batch.count == 10)
        }
        #expect(held == [Bool](repeating: true, count: 11))
        #expect(batch.count == 0)
        #expect(batch.counters.batches == 1 && batch.counters.frames == 10 && batch.counters.largest == 10)
        #expect(account.sent == [Int](repeating: 100, count: 10))
        let got = try receiveAll(pair.b, expecting: 10)
        #expect(got == (0..<10).map { frame($0) })
    }

    @Test func aFullBatchLeavesAtOnce() throws {
        let pair = try UDPPair()
        defer { pair.close() }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        let n = TransmitBatch.slots + 5
        var countAfterSlots = -1
        try inRound(loop) {
            for i in 0..<n {
                _ = frame(i).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) }
                if i == TransmitBatch.slots - 1 { countAfterSlots = batch.count }
            }
        }
        #expect(countAfterSlots == 0)
        #expect(batch.counters.batches == 2 && batch.counters.frames == n && batch.counters.largest == TransmitBatch.slots)
        let got = try receiveAll(pair.b, expecting: n)
        #expect(got == (0..<n).map { frame($0) })
    }

    @Test func notHeldOutsideARoundOrTooLongAndAnotherSocketFlushesFirst() throws {
        let pair = try UDPPair()
        defer { pair.close() }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        // Outside a round: the caller sends it itself.
        #expect(frame(1).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) } == false)
        var results: [Bool] = []
        try inRound(loop) {
            results.append(frame(2).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) })
            // Longer than a slot: not held.
            results.append(frame(3, length: 1700).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) })
            // For the other socket: what a held goes first.
            results.append(frame(4).withUnsafeBytes { batch.add($0, fd: pair.b, from: account) })
            results.append(batch.count == 1)
        }
        #expect(results == [true, false, true, true])
        #expect(batch.counters.direct == 2 && batch.counters.batches == 2 && batch.counters.frames == 2)
        #expect(try receiveAll(pair.b, expecting: 1) == [frame(2)])
        #expect(try receiveAll(pair.a, expecting: 1) == [frame(4)])
    }

    @Test func aFailedSendIsCountedAndTheRestGoOn() throws {
        // b is closed: a's sends draw ECONNREFUSED (the ICMP report) on the
        // next call, which the batch counts as failed and goes on.
        let pair = try UDPPair()
        defer { _ = close(pair.a) }
        _ = close(pair.b)
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        for _ in 0..<3 {
            try inRound(loop) {
                for i in 0..<4 { _ = frame(i).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) } }
            }
        }
        // Every frame is accounted once: sent, dropped or failed.
        #expect(account.sent.count + account.dropped + account.failed == 12)
        #expect(account.failed >= 1)
        #expect(batch.counters.failed == account.failed && batch.counters.dropped == account.dropped)
    }
}
