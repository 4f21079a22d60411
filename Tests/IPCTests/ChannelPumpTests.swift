// ChannelPump on real SEQPACKET socketpairs: a frame is sent whole and
// gathered (Protocol field + Information) without a copy; a channel filled
// until the kernel says EAGAIN reports `full`, one whose peer closed reports
// `gone` and reads as `closed`; drain stops at its budget, at the body's
// request and when the queue is empty, and never splits datagrams.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import Testing

@Suite struct ChannelPumpTests {
    func pair() throws -> SocketPair {
        let p = try Socket.seqpacketPair()
        // Small buffers: the channel fills after a few frames.
        for fd in [p.first.raw, p.second.raw] {
            var size: Int32 = 4096
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        return p
    }

    @Test func gatheredSendArrivesAsOneFrame() throws {
        let p = try pair()
        let information: [UInt8] = [0x45, 0, 0, 4]
        let result = information.withUnsafeBytes { ChannelPump.send(p.first.raw, protocol: 0x0021, information: $0) }
        #expect(result == .sent)
        // An empty Information field is a frame too (two octets).
        #expect(ChannelPump.send(p.first.raw, protocol: 0x8021, information: UnsafeRawBufferPointer(start: nil, count: 0)) == .sent)
        var buffer = [UInt8](repeating: 0, count: 64)
        var frames: [[UInt8]] = []
        let end = ChannelPump.drain(p.second.raw, into: &buffer) { n, bytes in
            frames.append(Array(bytes[0..<n]))
            return true
        }
        #expect(end == .drained)
        #expect(frames == [[0x00, 0x21, 0x45, 0, 0, 4], [0x80, 0x21]])
    }

    @Test func fillingTheChannelIsFullAndCountedApartFromGone() throws {
        let p = try pair()
        let frame = [UInt8](repeating: 0xab, count: 1500)
        var drops = ChannelDrops()
        var sent = 0
        // Bounded: a 4 KiB buffer (doubled by the kernel) fills long before.
        for _ in 0..<10_000 {
            let r = frame.withUnsafeBytes { ChannelPump.send(p.first.raw, $0) }
            if drops.count(r) { sent += 1 } else { break }
        }
        #expect(sent > 0 && drops.full == 1 && drops.gone == 0)
        // The gathered send classifies the same way.
        let r = frame.withUnsafeBytes { ChannelPump.send(p.first.raw, protocol: 0x0021, information: $0) }
        #expect(r == .full)

        // The reader drains it; then the channel takes frames again.
        var buffer = [UInt8](repeating: 0, count: 2048)
        var received = 0
        let end = ChannelPump.drain(p.second.raw, into: &buffer, batch: 10_000) { n, _ in
            #expect(n == 1500)
            received += 1
            return true
        }
        #expect(end == .drained && received == sent)
        #expect(frame.withUnsafeBytes { ChannelPump.send(p.first.raw, $0) } == .sent)
    }

    @Test func aClosedPeerIsGoneAndReadsAsClosed() throws {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        let mine = fds[0]
        defer { _ = close(mine) }
        _ = close(fds[1])
        var drops = ChannelDrops()
        let r = [UInt8](repeating: 1, count: 10).withUnsafeBytes { ChannelPump.send(mine, $0) }
        guard case .gone(let e) = r else {
            Issue.record("expected gone, got \(r)")
            return
        }
        #expect(e == EPIPE || e == ECONNRESET || e == ENOTCONN)
        drops.count(r)
        drops.count(ChannelPump.send(mine, protocol: 0x0021, information: UnsafeRawBufferPointer(start: nil, count: 0)))
        #expect(drops.full == 0 && drops.gone == 2 && drops.total == 2)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(buffer.withUnsafeMutableBytes { ChannelPump.receive(mine, into: $0) } == .closed)
        #expect(ChannelPump.drain(mine, into: &buffer) { _, _ in true } == .closed)
    }

    @Test func drainStopsAtBudgetAtRequestAndWhenEmpty() throws {
        let p = try pair()
        for i: UInt8 in 0..<5 { _ = [i, i].withUnsafeBytes { ChannelPump.send(p.first.raw, $0) } }
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 8)
        defer { raw.deallocate() }
        var seen: [UInt8] = []
        #expect(ChannelPump.drain(p.second.raw, into: raw, batch: 2) { n in seen.append(raw[0]); return n == 2 } == .budget)
        #expect(ChannelPump.drain(p.second.raw, into: raw) { _ in seen.append(raw[0]); return false } == .stopped)
        #expect(ChannelPump.drain(p.second.raw, into: raw) { _ in seen.append(raw[0]); return true } == .drained)
        #expect(seen == [0, 1, 2, 3, 4])
        #expect(ChannelPump.receive(p.second.raw, into: raw) == .empty)
    }

    @Test func aBadDescriptorFailsWithItsErrno() {
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 8)
        defer { raw.deallocate() }
        #expect(ChannelPump.receive(-1, into: raw) == .failed(EBADF))
        #expect(ChannelPump.send(-1, UnsafeRawBufferPointer(raw)) == .gone(EBADF))
    }
}
