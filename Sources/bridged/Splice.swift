// One splice: two channels, every frame read from one written to the other
// (the userland form of Linux's PPPIOCBRIDGECHAN: one call bridges both
// directions). A frame longer than the far side's MRU is dropped and
// counted, never truncated. When the far side cannot take a frame (EAGAIN)
// it is held and reading from the near side pauses until the far side is
// writable again, so backpressure reaches the sender instead of frames
// being lost. Frames move through IPC's ChannelPump; buffers are allocated
// once per splice, never per frame.
#if canImport(Glibc)
import Glibc
#endif
import IPC

/// Counters for one direction (frames read from leg `from`, written to the other).
struct DirectionStats: Equatable {
    var frames = 0
    var octets = 0
    /// Larger than the far side's MRU.
    var oversize = 0
    /// Times the far side was full and reading paused.
    var stalls = 0

    var counters: SpliceCounters { SpliceCounters(frames: frames, octets: octets, oversize: oversize, stalls: stalls) }
}

/// One receive buffer for all splices.
final class FrameBuffer {
    var bytes = [UInt8](repeating: 0, count: 65_536)
}

final class Splice {
    final class Leg {
        let record: ChannelRecord
        /// nil once the splice ended (closing it is what tells linkd).
        var fd: FileDescriptor?
        var raw: Int32 { fd?.raw ?? -1 }
        /// The largest frame we may write to this leg: the peer's MRU plus
        /// the 2-byte protocol field (RFC 1661 §6.1).
        let sendLimit: Int
        /// A frame read from the other leg that this leg could not take yet.
        var held: [UInt8]
        var heldCount = 0
        init(record: ChannelRecord, fd: consuming FileDescriptor) {
            self.record = record
            self.fd = consume fd
            sendLimit = Int(record.peerMRU) + 2
            // Sized on the first stall: thousands of idle splices stay small.
            held = []
        }
    }

    let legs: [Leg]
    /// stats[0]: legs[0] → legs[1]; stats[1]: legs[1] → legs[0].
    private(set) var stats = [DirectionStats(), DirectionStats()]
    private let loop: EventLoop
    /// The read buffer, shared by every splice (one loop, one thread).
    private let buffer: FrameBuffer
    private(set) var ended: String?
    /// Runs once, when either leg hangs up or fails.
    var onEnd: ((Splice, String) -> Void)?

    var key: StoreKey { .splice(legs[0].record.session, legs[1].record.session) }

    init(_ a: Leg, _ b: Leg, loop: EventLoop, buffer: FrameBuffer) {
        legs = [a, b]
        self.loop = loop
        self.buffer = buffer
    }

    func start() throws(IPCError) {
        for i in 0..<2 {
            try loop.watch(legs[i].raw, .readable) { [unowned self] ev in self.ready(i, ev) }
        }
    }

    private func ready(_ i: Int, _ ev: IOEvents) {
        if ev.contains(.writable) { flushHeld(into: i) }
        if ev.contains(.readable) || ev.contains(.hangup) || ev.contains(.error) { forward(from: i) }
    }

    /// Reads up to a batch of frames from leg `i` and writes them to the other.
    private func forward(from i: Int) {
        let far = legs[1 - i]
        guard far.heldCount == 0, ended == nil else { return }
        let near = legs[i].raw
        var gone: Int32?
        let end = ChannelPump.drain(near, into: &buffer.bytes) { n, bytes in
            guard n <= far.sendLimit else { stats[i].oversize += 1; return true }
            switch bytes.withUnsafeBytes({ ChannelPump.send(far.raw, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
            case .sent:
                stats[i].frames += 1
                stats[i].octets += n
                return true
            case .full:
                // Hold this frame; stop reading the near side until the far side drains.
                if far.held.isEmpty { far.held = [UInt8](repeating: 0, count: bytes.count) }
                far.held.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
                far.heldCount = n
                stats[i].stalls += 1
                try? loop.modify(near, [])
                try? loop.modify(far.raw, [.readable, .writable])
                return false
            case .gone(let e):
                gone = e
                return false
            }
        }
        switch end {
        case .drained, .budget: break
        case .stopped: if let gone { self.end("\(far.record.session): \(Errno.describe(gone))") }
        case .closed, .failed: self.end("\(legs[i].record.session) closed its channel")
        }
    }

    /// Leg `j` became writable: send the held frame, then resume reading the other leg.
    private func flushHeld(into j: Int) {
        let leg = legs[j]
        guard leg.heldCount > 0 else { try? loop.modify(leg.raw, .readable); return }
        let n = leg.heldCount
        switch leg.held.withUnsafeBytes({ ChannelPump.send(leg.raw, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
        case .sent: break
        case .full: return
        case .gone(let e):
            end("\(leg.record.session): \(Errno.describe(e))")
            return
        }
        leg.heldCount = 0
        stats[1 - j].frames += 1
        stats[1 - j].octets += n
        try? loop.modify(leg.raw, .readable)
        try? loop.modify(legs[1 - j].raw, .readable)
        forward(from: 1 - j)
    }

    /// Stops forwarding and closes both channels: each linkd sees its channel
    /// hang up and terminates its session cleanly (LCP Terminate, PADT).
    func end(_ reason: String) {
        guard ended == nil else { return }
        ended = reason
        for leg in legs {
            loop.unwatch(leg.raw)
            leg.fd = nil
        }
        onEnd?(self, reason)
    }

    var status: SpliceStatus {
        SpliceStatus(a: legs[0].record.session, b: legs[1].record.session, aToB: stats[0].counters, bToA: stats[1].counters)
    }
}
