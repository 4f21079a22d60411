// The one frame pump of every channel end (DESIGN.md "Channels"): linkd's
// ChannelRelay, ncpd's data path and bridged's Splice move frames through
// it, so that what a failed send or receive means is decided in one place.
// A SEQPACKET channel takes a datagram whole or not at all; a send that
// would block means the other end is behind (the frame is dropped, or held
// by a caller that applies backpressure), one that fails otherwise means the
// other end is gone (its hang-up reaches the loop next). Counted apart.
// Nothing here allocates: the caller owns the buffers, the closures are
// non-escaping, the sendmsg vector lives on the stack.
#if canImport(Glibc)
import Glibc
#endif

/// What became of one frame offered to a channel.
public enum ChannelSend: Equatable, Sendable {
    case sent
    /// EAGAIN/EWOULDBLOCK/ENOBUFS: the socket buffer is full, the reader is behind.
    case full
    /// Any other error (EPIPE, ECONNRESET, ENOTCONN, EMSGSIZE …): the other end
    /// is gone or will never take this frame.
    case gone(Int32)
}

/// Frames a channel did not take, by reason.
public struct ChannelDrops: Equatable, Sendable {
    public var full = 0
    public var gone = 0
    public init() {}
    public var total: Int { full + gone }

    /// Counts `result` if it is a drop; true when the frame was sent.
    @discardableResult
    public mutating func count(_ result: ChannelSend) -> Bool {
        switch result {
        case .sent: return true
        case .full: full += 1
        case .gone: gone += 1
        }
        return false
    }
}

/// What one receive gave.
public enum ChannelReceive: Equatable, Sendable {
    /// A datagram of this many octets is at the start of the buffer.
    case frame(Int)
    /// EAGAIN: nothing more for now.
    case empty
    /// The other end closed (SEQPACKET end of file).
    case closed
    /// A socket error (errno).
    case failed(Int32)
}

/// Why `drain` returned.
public enum ChannelDrainEnd: Equatable, Sendable {
    /// Nothing left to read: wait for the next readiness event.
    case drained
    /// The batch was used up with frames possibly left: the loop calls again.
    case budget
    /// The body asked to stop.
    case stopped
    case closed
    case failed(Int32)
}

public enum ChannelPump {
    /// Frames handled per wake-up, so one busy channel cannot starve the loop.
    public static let batch = 64

    private static let sendFlags = Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)

    static func classify(_ sent: Int, expected: Int) -> ChannelSend {
        if sent == expected { return .sent }
        let e = sent < 0 ? errno : EMSGSIZE
        return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS ? .full : .gone(e)
    }

    /// Sends one whole frame (Protocol field included).
    public static func send(_ fd: Int32, _ frame: UnsafeRawBufferPointer) -> ChannelSend {
        var n: Int
        repeat { n = Glibc.send(fd, frame.baseAddress, frame.count, sendFlags) } while n < 0 && errno == EINTR
        return classify(n, expected: frame.count)
    }

    /// Sends the 2-octet Protocol field and the Information field as one
    /// datagram, gathered by sendmsg: the Information is not copied first.
    public static func send(_ fd: Int32, protocol proto: UInt16, information: UnsafeRawBufferPointer) -> ChannelSend {
        var header = proto.bigEndian
        return withUnsafeMutableBytes(of: &header) { h in
            var vector = (iovec(iov_base: h.baseAddress, iov_len: 2),
                          iovec(iov_base: UnsafeMutableRawPointer(mutating: information.baseAddress), iov_len: information.count))
            return withUnsafeMutableBytes(of: &vector) { v in
                var message = msghdr()
                message.msg_iov = v.baseAddress!.assumingMemoryBound(to: iovec.self)
                message.msg_iovlen = 2
                var n: Int
                repeat { n = sendmsg(fd, &message, sendFlags) } while n < 0 && errno == EINTR
                return classify(n, expected: 2 + information.count)
            }
        }
    }

    /// Sends `header` and `body` as one datagram, gathered (issue 21: a
    /// super-packet's marker, Protocol and virtio header in front of a
    /// packet that stays where the coalescer built it).
    public static func send(_ fd: Int32, header: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) -> ChannelSend {
        var vector = (iovec(iov_base: UnsafeMutableRawPointer(mutating: header.baseAddress), iov_len: header.count),
                      iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress), iov_len: body.count))
        return withUnsafeMutableBytes(of: &vector) { v in
            var message = msghdr()
            message.msg_iov = v.baseAddress!.assumingMemoryBound(to: iovec.self)
            message.msg_iovlen = 2
            var n: Int
            repeat { n = sendmsg(fd, &message, sendFlags) } while n < 0 && errno == EINTR
            return classify(n, expected: header.count + body.count)
        }
    }

    /// Receives one datagram at the start of `buffer` (EINTR retried).
    public static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> ChannelReceive {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 { return .frame(n) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .empty
            case let e: return .failed(e)
            }
        }
    }

    /// Receives up to `batch` frames into `buffer`, each handed to `body`
    /// (its length); `body` returns false to stop.
    public static func drain(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, batch: Int = batch,
                             _ body: (Int) -> Bool) -> ChannelDrainEnd {
        pump(batch) { receive(fd, into: buffer) } body: { body($0) }
    }

    /// The same over an array the caller keeps; `body` gets the array back
    /// (the frame is its first `n` octets) so that it need not reach the
    /// caller's property while the pump holds it.
    public static func drain(_ fd: Int32, into buffer: inout [UInt8], batch: Int = batch,
                             _ body: (Int, inout [UInt8]) -> Bool) -> ChannelDrainEnd {
        pump(batch) { buffer.withUnsafeMutableBytes { receive(fd, into: $0) } } body: { body($0, &buffer) }
    }

    private static func pump(_ batch: Int, _ receive: () -> ChannelReceive, body: (Int) -> Bool) -> ChannelDrainEnd {
        for _ in 0..<batch {
            switch receive() {
            case .frame(let n): if !body(n) { return .stopped }
            case .empty: return .drained
            case .closed: return .closed
            case .failed(let e): return .failed(e)
            }
        }
        return .budget
    }
}
