// Socket.setSendBuffer on real socketpairs: the size the kernel accounts
// (twice what was asked, capped at net.core.wmem_max unless forced with
// CAP_NET_ADMIN), and that the room is real: more full-size frames queue
// before EAGAIN than on a pair with the default buffer.
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import IPC

/// net.core.wmem_max, or nil where /proc/sys is not readable.
func wmemMax() -> Int? {
    let fd = open("/proc/sys/net/core/wmem_max", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 32)
    let n = read(fd, &buf, buf.count)
    guard n > 0 else { return nil }
    let digits = buf[0..<n].prefix { $0 >= 0x30 && $0 <= 0x39 }
    return digits.isEmpty ? nil : digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
}

/// Frames of `size` octets `fd` takes without a reader before EAGAIN (bounded).
func framesUntilFull(_ fd: Int32, size: Int = 1494, limit: Int = 5000) -> Int {
    let frame = [UInt8](repeating: 0x21, count: size)
    var n = 0
    while n < limit {
        let sent = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
        guard sent == size else { break }
        n += 1
    }
    return n
}

@Suite struct SendBufferTests {
    @Test func capsAtWmemMaxAndDoubles() throws {
        let max = try #require(wmemMax())
        let pair = try Socket.seqpacketPair()
        Socket.setSendBuffer(pair.first.raw, bytes: Socket.channelSendBuffer)
        #expect(Socket.sendBuffer(pair.first.raw) == 2 * min(Socket.channelSendBuffer, max))
    }

    @Test func forceGoesBeyondWmemMaxWithCapNetAdmin() throws {
        let max = try #require(wmemMax())
        let pair = try Socket.seqpacketPair()
        let want = 2 * max + 65_536
        Socket.setSendBuffer(pair.first.raw, bytes: want, force: true)
        // Root (as the tests run) has CAP_NET_ADMIN; without it the capped size.
        let expected = geteuid() == 0 ? 2 * want : 2 * max
        #expect(Socket.sendBuffer(pair.first.raw) == expected)
    }

    @Test func aLargerBufferQueuesMoreFrames() throws {
        let plain = try Socket.seqpacketPair()
        let roomy = try Socket.seqpacketPair()
        Socket.setSendBuffer(roomy.first.raw, bytes: Socket.channelSendBuffer, force: true)
        let a = framesUntilFull(plain.first.raw), b = framesUntilFull(roomy.first.raw)
        print("full-size frames queued before EAGAIN: default \(a), channelSendBuffer \(b)")
        #expect(a > 0)
        #expect(b > a)
    }

    @Test func notASocketLeavesNothingBroken() {
        Socket.setSendBuffer(-1, bytes: 1 << 20, force: true)
        #expect(Socket.sendBuffer(-1) == nil)
    }
}
