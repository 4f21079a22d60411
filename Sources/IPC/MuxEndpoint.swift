// One end of the linkd–ncpd mux (MuxFrame.swift; docs/design.md "Fewer
// descriptors per session"): the one socket that carries every session of a
// linkd to ncpd. Reads come in batches (recvmmsg through CShim, up to `batch`
// datagrams per call into slots allocated once), are parsed in place and
// handed out by handle; nothing is allocated per frame.
//
// Writes keep one session from stalling the others: a frame goes straight
// out while nothing waits; when the socket is full (EAGAIN) it waits in its
// session's queue (bounded: `queueLimit` frames; past it the frame is
// dropped and counted as a full channel would drop it, the other sessions
// untouched), and on EPOLLOUT the queues are served round-robin, one frame
// per session per turn, as many per sendmmsg as the send arena takes. Control records (session-open/accept/refuse/close)
// are never dropped: they wait in their own queue, served first. A copy is
// made only for a frame that has to wait.
//
// Issue 21 point 2: while nothing waits, a frame sent during a loop round is
// copied into a slot kept for the life of the end (MuxSendBatch) and the
// round's frames, of every session, leave in one sendmmsg when the round
// ends (EventLoop.atRoundEnd), or at once when 64 are held: one frame at low
// load (it leaves before the loop sleeps, so no latency is added), up to 64
// under load. Small super-packets (up to MuxSendBatch.frameRoom) join them.
// What the socket refuses of them goes to its session's queue in order,
// exactly as a frame that found the socket full went before. Order is kept:
// a longer super-packet, a control record and a frame sent outside a round
// flush the slots first, and then go as before. The queues drain in vectors
// too (through the same arena): at 1,000 sessions behind a full socket that
// was one sendmsg per frame.
#if canImport(Glibc)
import Glibc
#endif
import CShim

/// What became of a frame offered to the mux.
public enum MuxSend: Equatable, Sendable {
    case sent
    /// The socket was full: it waits in its session's queue.
    case queued
    /// Its session's queue was full too: dropped (the session is behind).
    case full
    /// The other end is gone (errno); its hang-up follows on the read side.
    case gone(Int32)
}

public final class MuxEndpoint {
    public struct Counters: Equatable, Sendable {
        public var framesIn = 0, framesOut = 0
        /// Octets of those frames (Protocol field on, handle not counted).
        public var bytesIn = 0, bytesOut = 0
        public var controlIn = 0, controlOut = 0
        /// recvmmsg calls that returned datagrams, and the datagrams: their
        /// ratio is the batch the load gives.
        public var batches = 0, datagrams = 0
        /// Frames for a handle not open on this side: dropped.
        public var unknownHandle = 0
        /// Datagrams the parser refused or longer than a slot: dropped.
        public var malformed = 0
        /// Frames that waited for room, and frames dropped with their
        /// session's queue full.
        public var queued = 0, queueFull = 0
        /// Frames not sent because the other end is gone.
        public var gone = 0
        /// The most frames one session has had waiting at once (of
        /// `queueLimit`): how close the busiest session came to drops.
        public var queueHighWater = 0
        /// Issue 21: sendmmsg calls that sent frames, the frames they
        /// carried, the most in one call; frames that went with a sendmsg of
        /// their own (longer than a slot, or sent outside a loop round).
        public var sendBatches = 0, sendBatched = 0, sendLargest = 0, sendDirect = 0
        public init() {}

        /// The status keys (linkd's and ncpd's `mux`, metricsd's families),
        /// in the order they are written.
        public static let keys = ["frames_in", "frames_out", "bytes_in", "bytes_out", "control_in", "control_out",
                                  "batches", "datagrams", "unknown_handle", "malformed", "queued", "queue_full",
                                  "queue_high_water", "gone", "send_batches", "send_batched", "send_largest",
                                  "send_direct"]

        public var values: [Int] {
            [framesIn, framesOut, bytesIn, bytesOut, controlIn, controlOut, batches, datagrams, unknownHandle,
             malformed, queued, queueFull, queueHighWater, gone, sendBatches, sendBatched, sendLargest, sendDirect]
        }

        /// `keys` with `values`, into a status object.
        public func add(to o: inout JSONObject) {
            for (k, v) in zip(Self.keys, values) { o[k] = .int(Int64(v)) }
        }
    }

    /// Datagrams per recvmmsg (CShim's PPP_RECV_BATCH_MAX is the most).
    public static let batch = 32
    /// recvmmsg calls per wake-up, so the mux cannot starve the loop.
    public static let rounds = 4
    /// Frames one session may have waiting for room.
    public static let queueLimit = 64
    /// Room in front of every received datagram, for the receiver to build
    /// headers in place (ncpd's zero virtio-net header).
    public static let headroom = 16

    public private(set) var counters = Counters()
    public let raw: Int32
    private var own: FileDescriptor?
    private let loop: EventLoop
    private let stride: Int
    private let slots: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutablePointer<Int>

    /// A session's channel frame: its handle and the frame (Protocol field
    /// first), in a slot with `headroom` + 4 writable octets in front of
    /// it; valid only during the call.
    public var onFrame: ((UInt32, UnsafeMutableRawBufferPointer) -> Void)?
    public var onControl: ((MuxControl) -> Void)?
    /// The other end closed, or a socket error (its description).
    public var onClosed: ((String) -> Void)?

    private var control: [[UInt8]] = []
    private var controlHead = 0
    private var waiting: [UInt32: [[UInt8]]] = [:]
    /// Handles with waiting frames, each once, in service order (round-robin).
    private var ring: [UInt32] = []
    private var wantsWritable = false
    /// Issue 21: this round's frames, sent when it ends.
    private let batch: MuxSendBatch
    private var scheduled = false
    /// The drain's scratch (kept, so a drain allocates nothing once they
    /// have grown): the sessions with waiting frames in service order, how
    /// many of each were sent, and for each datagram in the arena the index
    /// in `order` of its session.
    private var order: [UInt32] = []
    private var taken: [Int] = []
    private let picks: UnsafeMutablePointer<Int>
    /// Made once: registering it with the loop allocates nothing. Weak: an
    /// owner may let go of the end during the round that filled its slots
    /// (it closes it first, which sends them).
    private var roundEnded: (() -> Void)?

    /// Takes `fd` (a SEQPACKET socket, non-blocking) and watches it.
    /// `largestFrame` is the longest channel frame either side sends.
    public init(_ fd: consuming FileDescriptor, loop: EventLoop, largestFrame: Int) throws(IPCError) {
        raw = fd.raw
        own = .some(fd)
        self.loop = loop
        // A datagram one octet longer than the largest frame shows up as
        // too long (PPP_RECV_TRUNCATED) instead of being cut silently.
        stride = (Self.headroom + MuxFrame.handleLength + largestFrame + 1 + 15) & ~15
        slots = UnsafeMutableRawBufferPointer.allocate(byteCount: stride * Self.batch, alignment: 16)
        lengths = UnsafeMutablePointer<Int>.allocate(capacity: Self.batch)
        lengths.initialize(repeating: 0, count: Self.batch)
        batch = MuxSendBatch(largestFrame: largestFrame)
        picks = UnsafeMutablePointer<Int>.allocate(capacity: MuxSendBatch.slots)
        picks.initialize(repeating: 0, count: MuxSendBatch.slots)
        roundEnded = { [weak self] in
            guard let self else { return }
            self.scheduled = false
            self.sendHeld()
        }
        let fdRaw = raw
        _ = fcntl(fdRaw, F_SETFL, fcntl(fdRaw, F_GETFL) | O_NONBLOCK)
        try loop.watch(fdRaw) { [unowned self] events in self.ready(events) }
    }

    deinit {
        if own != nil { sendHeld() }
        slots.deallocate()
        lengths.deallocate()
        picks.deallocate()
    }

    /// Stops watching and closes our end (the other side sees hang-up).
    /// What this round's slots hold leaves first, as it would have before.
    public func close() {
        guard own != nil else { return }
        sendHeld()
        loop.unwatch(raw)
        _ = shutdown(raw, Int32(SHUT_RDWR))
        own = nil
        waiting = [:]
        ring = []
        control = []
    }

    public var isOpen: Bool { own != nil }

    private func ready(_ events: IOEvents) {
        if events.contains(.writable) { flush() }
        if events.contains(.readable) || events.contains(.hangup) || events.contains(.error) { receive() }
    }

    // MARK: receive

    private func receive() {
        // Each slot's datagram lands `headroom` into the slot; what the
        // receiver writes in front of it falls in its own slot.
        let base = slots.baseAddress! + Self.headroom
        let room = stride - Self.headroom
        for _ in 0..<Self.rounds {
            guard own != nil else { return }
            // The C side reads into base + i * stride, room octets each.
            let got = ppp_recv_batch(raw, base, stride, room, UInt32(Self.batch), lengths, nil, 0, nil)
            if got < 0 {
                let e = errno
                if e == EAGAIN || e == EWOULDBLOCK { return }
                hangUp("mux error: \(Errno.describe(e))")
                return
            }
            counters.batches += 1
            for i in 0..<Int(got) {
                let n = lengths[i]
                if n < 0 {
                    // PPP_RECV_TRUNCATED ((size_t)-1 reads as -1): longer
                    // than any frame either side sends (MSG_TRUNC).
                    counters.malformed += 1
                    continue
                }
                if n == 0 {
                    // The end of file, or an empty datagram.
                    if peekClosed() { hangUp("the other end closed the mux"); return }
                    counters.malformed += 1
                    continue
                }
                counters.datagrams += 1
                dispatch(UnsafeMutableRawBufferPointer(start: base + i * stride, count: n))
                guard own != nil else { return }
            }
            if Int(got) < Self.batch { return }
        }
    }

    private func dispatch(_ datagram: UnsafeMutableRawBufferPointer) {
        let parsed: MuxDatagram
        do { parsed = try MuxFrame.parse(UnsafeRawBufferPointer(datagram)) } catch {
            counters.malformed += 1
            return
        }
        switch parsed {
        case .frame(let handle):
            counters.framesIn += 1
            counters.bytesIn += datagram.count - MuxFrame.handleLength
            onFrame?(handle, UnsafeMutableRawBufferPointer(rebasing: datagram[MuxFrame.handleLength...]))
        case .control(let c):
            counters.controlIn += 1
            onControl?(c)
        }
    }

    /// The receiver knew no session under this handle.
    public func unknown() { counters.unknownHandle += 1 }

    private func peekClosed() -> Bool {
        var byte: UInt8 = 0
        return recv(raw, &byte, 1, Int32(MSG_DONTWAIT) | Int32(MSG_PEEK)) == 0
    }

    private func hangUp(_ why: String) {
        close()
        onClosed?(why)
    }

    // MARK: send

    /// A control record: sent now, or queued; never dropped while the mux is open.
    public func send(_ c: MuxControl) {
        guard own != nil else { return }
        // After the frames sent before it (a session's last frames before
        // its session-close); a record is not per packet.
        sendHeld()
        let bytes = MuxFrame.encode(c)
        if controlHead == control.count && ring.isEmpty {
            switch bytes.withUnsafeBytes({ transmit(handle: nil, $0, UnsafeRawBufferPointer(start: nil, count: 0)) }) {
            case .sent: counters.controlOut += 1; return
            case .gone: counters.gone += 1; return
            case .full, .queued: break
            }
        }
        control.append(bytes)
        wantWritable()
    }

    /// A whole channel frame of session `handle`.
    @discardableResult
    public func send(handle: UInt32, _ frame: UnsafeRawBufferPointer) -> MuxSend {
        send(handle: handle, frame, UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// A channel frame in two parts (header and body), gathered, not copied.
    @discardableResult
    public func send(handle: UInt32, _ header: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) -> MuxSend {
        guard own != nil else { counters.gone += 1; return .gone(EPIPE) }
        if ring.isEmpty && controlHead == control.count && hold(handle, header, body) { return .sent }
        // Not held (longer than a slot, or no round): after what is.
        sendHeld()
        if ring.isEmpty && controlHead == control.count {
            let r = transmit(handle: handle, header, body)
            switch r {
            case .sent:
                counters.framesOut += 1
                counters.bytesOut += header.count + body.count
                counters.sendDirect += 1
                return .sent
            case .gone: counters.gone += 1; return r
            case .full, .queued: break
            }
        }
        return enqueue(handle, header, body)
    }

    /// A session PPP frame: the Protocol field and its Information.
    @discardableResult
    public func send(handle: UInt32, protocol proto: UInt16, information: UnsafeRawBufferPointer) -> MuxSend {
        var field = proto.bigEndian
        return withUnsafeBytes(of: &field) { send(handle: handle, $0, information) }
    }

    /// The session is gone here: what it had waiting goes with it. Its
    /// frames in this round's slots were sent before this: they leave (or
    /// wait, and go with it) first.
    public func forget(_ handle: UInt32) {
        if batch.holds(handle) { sendHeld() }
        guard waiting.removeValue(forKey: handle) != nil else { return }
        if let i = ring.firstIndex(of: handle) { ring.remove(at: i) }
    }

    /// Frames waiting for room, all sessions.
    public var waitingFrames: Int { waiting.values.reduce(0) { $0 + $1.count } }

    private func enqueue(_ handle: UInt32, _ header: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) -> MuxSend {
        var q = waiting.removeValue(forKey: handle) ?? []
        if q.count >= Self.queueLimit {
            waiting[handle] = q
            counters.queueFull += 1
            return .full
        }
        if q.isEmpty { ring.append(handle) }
        var copy = [UInt8](repeating: 0, count: MuxFrame.handleLength + header.count + body.count)
        copy.withUnsafeMutableBytes { c in
            MuxFrame.writeHandle(handle, into: c)
            if header.count > 0 { c.baseAddress!.advanced(by: 4).copyMemory(from: header.baseAddress!, byteCount: header.count) }
            if body.count > 0 { c.baseAddress!.advanced(by: 4 + header.count).copyMemory(from: body.baseAddress!, byteCount: body.count) }
        }
        q.append(copy)
        counters.queueHighWater = max(counters.queueHighWater, q.count)
        waiting[handle] = q
        counters.queued += 1
        wantWritable()
        return .queued
    }

    private func wantWritable() {
        guard !wantsWritable, own != nil else { return }
        wantsWritable = true
        try? loop.modify(raw, [.readable, .writable])
    }

    /// EPOLLOUT: control first, then the sessions' queues.
    private func flush() {
        while controlHead < control.count {
            let r = control[controlHead].withUnsafeBytes { transmit(handle: nil, $0, UnsafeRawBufferPointer(start: nil, count: 0)) }
            if r == .full { return }
            if r == .sent { counters.controlOut += 1 } else { counters.gone += 1 }
            controlHead += 1
        }
        control = []
        controlHead = 0
        guard drain() else { return }
        wantsWritable = false
        try? loop.modify(raw, .readable)
    }

    // MARK: send in vectors (issue 21)

    /// Copies the frame into the round's slots; false when it does not fit
    /// a slot or no loop round is being dispatched (the caller sends it).
    private func hold(_ handle: UInt32, _ header: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) -> Bool {
        let octets = header.count + body.count
        guard batch.fits(octets) else { return false }
        if !scheduled {
            guard let r = roundEnded, loop.atRoundEnd(r) else { return false }
            scheduled = true
        }
        if !batch.hasRoom(octets) {
            // The arena is full of octets: what it holds leaves first. If
            // the socket refused some, they wait, and so must this frame.
            sendHeld()
            guard ring.isEmpty else { return false }
        }
        batch.hold(handle: handle, header, body)
        if batch.isFull { sendHeld() }
        return true
    }

    /// Sends what the slots hold, in order, in as few sendmmsg calls as the
    /// socket allows. What it refuses (EAGAIN, ENOBUFS) waits in its
    /// session's queue, in order, as a frame that found the socket full
    /// always has (`queued`; past the queue's limit `queue_full`); a frame
    /// the socket fails otherwise is counted `gone`, as before.
    private func sendHeld() {
        let n = batch.count
        guard n > 0 else { return }
        defer { batch.clear() }
        guard own != nil else { counters.gone += n; return }
        var done = 0
        while done < n {
            let sent = batch.send(fd: raw, from: done)
            if sent > 0 {
                countSent(done..<(done + sent))
                done += sent
                continue
            }
            let e = sent < 0 ? errno : EAGAIN
            if e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS {
                for i in done..<n {
                    let d = batch.datagram(i)
                    _ = enqueue(batch.handle(i), UnsafeRawBufferPointer(rebasing: d[MuxFrame.handleLength...]),
                                UnsafeRawBufferPointer(start: nil, count: 0))
                }
                return
            }
            // sendmmsg reports the first failure: that frame is lost as a
            // sendmsg of it would have been; the rest go on unless the other
            // end is gone for all of them (its hang-up follows on the read side).
            counters.gone += 1
            done += 1
            if e == EPIPE || e == ECONNRESET || e == ENOTCONN || e == EBADF {
                counters.gone += n - done
                return
            }
        }
    }

    /// One sendmmsg sent these held datagrams.
    private func countSent(_ range: Range<Int>) {
        counters.sendBatches += 1
        counters.sendBatched += range.count
        counters.sendLargest = max(counters.sendLargest, range.count)
        counters.framesOut += range.count
        for i in range { counters.bytesOut += batch.datagram(i).count - MuxFrame.handleLength }
    }

    /// Sends the sessions' waiting frames in the order serving one frame per
    /// session per turn gives (round-robin: a busy session cannot starve
    /// the others), as many per sendmmsg as the arena takes: the first
    /// frame of each session in `order`, then the second of each that has
    /// one, and so on. True when nothing waits any more; false when the
    /// socket is full again (EPOLLOUT comes back). A frame longer than the
    /// arena takes goes alone, in its turn.
    private func drain() -> Bool {
        // Held frames exist only while nothing waits: they go first.
        sendHeld()
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        while true {
            order.removeAll(keepingCapacity: true)
            for h in ring where waiting[h] != nil { order.append(h) }
            if order.isEmpty {
                ring.removeAll(keepingCapacity: true)
                return true
            }
            taken.removeAll(keepingCapacity: true)
            taken.append(contentsOf: repeatElement(0, count: order.count))
            var turn = 0
            picking: while true {
                var any = false
                for (i, h) in order.enumerated() {
                    guard let q = waiting[h], q.count > turn else { continue }
                    any = true
                    let octets = q[turn].count - MuxFrame.handleLength
                    guard batch.fits(octets) && batch.hasRoom(octets) else { break picking }
                    q[turn].withUnsafeBytes { batch.hold(datagram: $0) }
                    picks[batch.count - 1] = i
                    if batch.isFull { break picking }
                }
                if !any { break }
                turn += 1
            }
            let n = batch.count
            if n == 0 {
                // The next frame is longer than the arena takes: alone.
                let h = order[0]
                let r = waiting[h]![0].withUnsafeBytes { transmit(handle: nil, $0, none) }
                if r == .full { settle(last: -1); return false }
                if r == .sent {
                    counters.framesOut += 1
                    counters.bytesOut += waiting[h]![0].count - MuxFrame.handleLength
                    counters.sendDirect += 1
                } else {
                    counters.gone += 1
                }
                taken[0] = 1
                settle(last: 0)
                continue
            }
            let sent = batch.send(fd: raw, from: 0)
            var done = sent
            if sent > 0 {
                countSent(0..<sent)
            } else {
                let e = sent < 0 ? errno : EAGAIN
                if e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS {
                    batch.clear()
                    settle(last: -1)
                    return false
                }
                // The first is lost, as a sendmsg of it would have been; the
                // next turn tries the rest (a peer gone fails each in turn,
                // as before, and its hang-up follows on the read side).
                counters.gone += 1
                done = 1
            }
            for p in 0..<done { taken[picks[p]] += 1 }
            batch.clear()
            settle(last: picks[done - 1])
            if sent > 0 && sent < n { return false }
        }
    }

    /// Takes the frames `taken` counts off their sessions' queues and puts
    /// the sessions still waiting back in the ring, whose turn is next
    /// first: those after `last` in `order` (served one frame fewer), then
    /// those up to it. With `last` -1 nothing was sent: the order stands.
    private func settle(last: Int) {
        for (i, h) in order.enumerated() where taken[i] > 0 {
            waiting[h]!.removeFirst(taken[i])
            if waiting[h]!.isEmpty { waiting[h] = nil }
        }
        ring.removeAll(keepingCapacity: true)
        for i in (last + 1)..<order.count where waiting[order[i]] != nil { ring.append(order[i]) }
        for i in 0..<(last + 1) where waiting[order[i]] != nil { ring.append(order[i]) }
    }

    /// One sendmsg of [handle] + header + body (a nil handle: the datagram
    /// is whole in `header`).
    private func transmit(handle: UInt32?, _ header: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) -> MuxSend {
        var h = (handle ?? 0).bigEndian
        let prefix = handle == nil ? 0 : MuxFrame.handleLength
        return withUnsafeMutableBytes(of: &h) { hb in
            var vector = (iovec(iov_base: hb.baseAddress, iov_len: prefix),
                          iovec(iov_base: UnsafeMutableRawPointer(mutating: header.baseAddress), iov_len: header.count),
                          iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress), iov_len: body.count))
            return withUnsafeMutableBytes(of: &vector) { v in
                var message = msghdr()
                message.msg_iov = v.baseAddress!.assumingMemoryBound(to: iovec.self)
                message.msg_iovlen = 3
                let expected = prefix + header.count + body.count
                var n: Int
                repeat { n = sendmsg(raw, &message, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) } while n < 0 && errno == EINTR
                if n == expected { return .sent }
                let e = n < 0 ? errno : EMSGSIZE
                return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS ? .full : .gone(e)
            }
        }
    }
}
