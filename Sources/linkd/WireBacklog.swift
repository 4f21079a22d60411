// What a byte-stream line (a tty, a TCP connection) could not take yet: the
// rest of an encoded frame after EAGAIN or a short write, and any frame
// linkd itself sends meanwhile, in order. Issue 17: a frame of a bundle's
// link is not expendable the way a lone session's is (a lost fragment
// costs the whole packet and stalls the peer's reassembly, RFC 1990 §4.1),
// and a short write left half a frame on the line (the peer counted a bad
// FCS, RFC 1662 §4.3). So the session keeps the rest here, stops reading
// its channel (the owner's channel fills and the owner sees EAGAIN: that
// is the backpressure), and writes it when the line is writable again. The
// buffer grows once and keeps its capacity; it is bounded by `limit`.
#if canImport(Glibc)
import Glibc
#endif

struct WireBacklog {
    /// While frames wait the channel is not read, so only the frame that
    /// did not fit and linkd's own LCP frames can arrive; past this, a frame
    /// is refused (dropped and counted by the caller).
    static let limit = 32 * 1024

    enum Flush: Equatable {
        /// Everything went out.
        case drained
        /// The line took what it could; the rest waits for the next EPOLLOUT.
        case blocked
        /// A write error other than EAGAIN (the line is gone): the rest is
        /// dropped, `frames` of them.
        case failed(errno: Int32, frames: Int)
    }

    private var bytes: [UInt8] = []
    private var start = 0
    /// Frames appended since the backlog was last empty (at most one of them
    /// partly written).
    private(set) var frames = 0

    var isEmpty: Bool { start == bytes.count }
    var count: Int { bytes.count - start }

    /// Appends the unwritten part of a frame; false (nothing appended) when
    /// the backlog would pass `limit`.
    mutating func append(_ part: UnsafeRawBufferPointer) -> Bool {
        guard count + part.count <= Self.limit else { return false }
        if isEmpty {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        }
        bytes.append(contentsOf: part)
        frames += 1
        return true
    }

    /// Writes what `write` takes (a write(2): octets written, or -1 and errno).
    mutating func flush(_ write: (UnsafeRawBufferPointer) -> Int) -> Flush {
        while !isEmpty {
            let n = bytes.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            if n > 0 {
                start += n
                continue
            }
            let e = n < 0 ? errno : EAGAIN
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .blocked }
            let lost = frames
            clear()
            return .failed(errno: e, frames: lost)
        }
        clear()
        return .drained
    }

    /// Forgets what waits (the session is over); returns how many frames.
    @discardableResult
    mutating func clear() -> Int {
        let n = isEmpty ? 0 : frames
        bytes.removeAll(keepingCapacity: true)
        start = 0
        frames = 0
        return n
    }
}
