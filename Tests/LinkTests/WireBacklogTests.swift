// Issue 17: a byte-stream line's backlog (WireBacklog). On a real
// non-blocking stream socketpair filled until write(2) says EAGAIN: what
// waits goes out whole and in order once the reader drains the line, a
// short write leaves the rest waiting (never half a frame), the bound
// refuses a frame rather than grow, a dead line reports the frames lost.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import linkd

private func streamPair() -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds)
    return (fds[0], fds[1])
}

private func readAll(_ fd: Int32) -> [UInt8] {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return out }
        out += buf[0..<n]
    }
}

@Suite struct WireBacklogTests {
    @Test func whatWaitsGoesOutWholeAndInOrder() {
        let (w, r) = streamPair()
        defer { close(w); close(r) }
        // Fill the line until it refuses.
        let filler = [UInt8](repeating: 0x7e, count: 4096)
        var filled = 0
        while filled < 64 << 20 {
            let n = filler.withUnsafeBytes { write(w, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            filled += n
        }
        var backlog = WireBacklog()
        #expect(backlog.isEmpty)
        let first = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        let second = [UInt8](repeating: 0x42, count: 500)
        #expect(first.withUnsafeBytes { backlog.append($0) })
        #expect(second.withUnsafeBytes { backlog.append($0) })
        #expect(backlog.count == 3500 && backlog.frames == 2)
        // Still full: nothing lost, it waits.
        #expect(backlog.flush { write(w, $0.baseAddress, $0.count) } == .blocked)
        #expect(backlog.count == 3500)
        // The reader drains; the backlog goes out after the filler, in order.
        var got = readAll(r)
        #expect(backlog.flush { write(w, $0.baseAddress, $0.count) } == .drained)
        #expect(backlog.isEmpty && backlog.frames == 0)
        got += readAll(r)
        #expect(got.count == filled + 3500)
        #expect(Array(got[filled...]) == first + second)
    }

    @Test func aShortWriteLeavesTheRestWaiting() {
        var backlog = WireBacklog()
        let frame = [UInt8](1...100)
        #expect(frame.withUnsafeBytes { backlog.append($0) })
        var written: [UInt8] = []
        // A line that takes 30 octets, then none.
        var room = 30
        let result = backlog.flush { b in
            guard room > 0 else { errno = EAGAIN; return -1 }
            let n = min(room, b.count)
            written += b[0..<n]
            room -= n
            return n
        }
        #expect(result == .blocked && backlog.count == 70)
        #expect(backlog.flush { b in written += b; return b.count } == .drained)
        #expect(written == frame)
    }

    @Test func theBoundRefusesAndADeadLineCountsTheFramesLost() {
        var backlog = WireBacklog()
        let big = [UInt8](repeating: 1, count: WireBacklog.limit - 10)
        #expect(big.withUnsafeBytes { backlog.append($0) })
        let more = [UInt8](repeating: 2, count: 11)
        #expect(!more.withUnsafeBytes { backlog.append($0) }, "past the limit")
        #expect(backlog.frames == 1 && backlog.count == WireBacklog.limit - 10)
        let (w, r) = streamPair()
        close(r)
        signal(SIGPIPE, SIG_IGN)
        #expect(backlog.flush { send(w, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == .failed(errno: EPIPE, frames: 1))
        #expect(backlog.isEmpty)
        close(w)
        #expect(backlog.clear() == 0)
    }
}
