// Issue 17: a byte-stream line (tty, TCP) that cannot take a frame now. The
// rest of the frame waits in the session's WireBacklog, the session stops
// reading its channel, and the line is watched for EPOLLOUT; when it has
// drained, the channel is read again. The owner (ncpd) then sees its side
// of the channel fill up and gets EAGAIN, which is the feedback a bundle's
// fragmenter needs (docs/design.md "Multilink (issue 17)", "Backpressure"):
// a fragment is never dropped here because the line was full.
#if canImport(Glibc)
import Glibc
#endif
import IPC

extension Session {
    /// One encoded frame for a byte stream: written now unless earlier
    /// octets wait (then it queues behind them, in order).
    func transmitOnStream(_ frame: UnsafeRawBufferPointer) {
        guard backlog.isEmpty else {
            // The channel is not read meanwhile: only linkd's own frames
            // (LCP) get here, and a few fit.
            if backlog.append(frame) {
                counters.transmitHeld += 1
                counters.framesOut += 1
                counters.bytesOut += frame.count
            } else {
                counters.transmitDropped += 1
            }
            return
        }
        var n = write(circuit.raw, frame.baseAddress, frame.count)
        if n < 0 && errno == EINTR { n = write(circuit.raw, frame.baseAddress, frame.count) }
        if n == frame.count {
            counters.framesOut += 1
            counters.bytesOut += n
            return
        }
        guard n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK else {
            // The line is gone (its hang-up follows).
            counters.transmitErrors += 1
            return
        }
        // EAGAIN, or a short write: the rest waits, so the peer never sees
        // half a frame (RFC 1662 §4.3 would count it a bad FCS).
        guard backlog.append(UnsafeRawBufferPointer(rebasing: frame[max(n, 0)...])) else {
            counters.transmitErrors += 1
            return
        }
        counters.transmitHeld += 1
        counters.framesOut += 1
        counters.bytesOut += frame.count
        channel?.pauseReading()
        do { try loop.modify(circuit.raw, [.readable, .writable]) } catch {
            log.warning("session \(id): cannot wait for the line to drain: \(error)")
        }
    }

    /// The line can take more (EPOLLOUT, dispatched by the transport).
    func wireWritable() {
        guard !backlog.isEmpty else { return }
        let raw = circuit.raw
        switch backlog.flush({ write(raw, $0.baseAddress, $0.count) }) {
        case .blocked: return
        case .drained: break
        case .failed(let e, let frames):
            counters.transmitErrors += frames
            log.info("session \(id): the line failed with frames waiting: \(Errno.describe(e))")
        }
        try? loop.modify(raw, .readable)
        channel?.resumeReading()
    }

    /// The session is over: what still waits is dropped (counted), and the
    /// line (a tty outlives its sessions) is watched for reading only.
    func discardBacklog() {
        guard !backlog.isEmpty else { return }
        counters.transmitDropped += backlog.clear()
        try? loop.modify(circuit.raw, .readable)
    }
}

extension Circuit {
    /// A stream transport's watch handler: EPOLLOUT goes to the session
    /// whose frames wait (Session+Backlog); true when there may be
    /// something to read (anything but EPOLLOUT alone).
    func dispatch(_ events: IOEvents) -> Bool {
        if events.contains(.writable) { session?.wireWritable() }
        return events != .writable
    }
}
