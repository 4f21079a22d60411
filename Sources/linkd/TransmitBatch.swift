// Issue 21 point 2: frames to the wire leave in vectors. On a port whose
// frames are datagrams (PPP over UDP, RFC 1662 §3 fields in one datagram
// each; PPPoE, RFC 2516 §4 one Ethernet frame each) a session does not
// write each frame as it is made: it copies it into a slot of one buffer
// kept for the life of the port, and the slots leave in one sendmmsg when
// the event loop has run every handler of the round (EventLoop.atRoundEnd),
// or at once when 64 are held. The batch is as large as what one wake-up
// brought — one frame at low load, so latency does not grow; up to 64 under
// load, so a channel's burst costs one system call, not one per frame.
// Frames keep their order: anything sent on the same socket another way (a
// frame too long for a slot) flushes the batch first. A super-packet's
// segments are cut straight into the slots (reserve/commit), so a burst of
// one-segment super-packets (TCP ACKs and small UDP datagrams with a partial
// checksum, as a TUN with offloads hands them) leaves in one sendmmsg too,
// not in one each. Nothing is allocated per frame.
//
// On a UDP socket (PPP over UDP, an l2tp port) the batch also uses UDP GSO
// (UDP_SEGMENT, man 7 udp): a run of consecutive frames to one destination
// with equal lengths (the last may be shorter) leaves as one message whose
// iovecs are the run's slots, and the kernel — or the device, or the
// receiver's UDP_GRO — cuts it back into the same datagrams. One message
// then crosses the stack once instead of once per datagram; the run still
// leaves inside the round's one sendmmsg, in order.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

/// Whose frame a slot holds: told what became of it when the batch leaves.
protocol TransmitAccount: AnyObject {
    func transmitted(octets: Int)
    /// The socket was full (EAGAIN/ENOBUFS): dropped, PPP recovers.
    func transmitDropped()
    /// Any other send error (an ICMP report of an absent UDP peer).
    func transmitFailed()
}

final class TransmitBatch {
    static let slots = Int(PPP_PACKET_BATCH_MAX)

    struct Counters: Equatable {
        /// sendmmsg calls, the frames they carried, the most in one call.
        var batches = 0, frames = 0, largest = 0
        /// Frames that went around the batch (too long for a slot, or sent
        /// while no loop round ran: start-up).
        var direct = 0
        /// Frames dropped (socket full) or failed, as the sessions count them.
        var dropped = 0, failed = 0
        /// UDP GSO: messages sent with UDP_SEGMENT, the datagrams they
        /// carried, and runs the kernel refused (resent without it).
        var gsoSends = 0, gsoSegments = 0, gsoFallbacks = 0
    }

    /// Refusals of UDP_SEGMENT before the batch stops trying it at all.
    static let gsoRefusalsBeforeOff = 3

    private(set) var slotSize: Int
    private var storage: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutableBufferPointer<Int>
    /// The octets each frame counts for its session (its length, or less
    /// when the slot holds a header the session does not count: L2TP's).
    private let counted: UnsafeMutableBufferPointer<Int>
    private var accounts: [TransmitAccount?]
    /// Each slot's destination (IPv4, host order) on an unconnected socket
    /// (an l2tp port's, RFC 2661 §8.1: one socket, many peers).
    private let addresses: UnsafeMutableBufferPointer<UInt32>
    private let ports: UnsafeMutableBufferPointer<UInt16>
    /// The socket the held frames are for, and whether they carry their
    /// destinations; a frame for another socket, or the other kind, flushes first.
    private var fd: Int32 = -1
    private var addressed = false
    private(set) var count = 0
    private(set) var counters = Counters()
    /// The sockets are UDP: runs may leave with UDP_SEGMENT. The owner
    /// says so (an AF_PACKET socket has no GSO of its own).
    var udpSegmentation = false
    /// The longest datagram a UDP_SEGMENT run may be made of; lowered
    /// below a size the kernel refused (EINVAL/EMSGSIZE: longer than the
    /// path MTU allows without IP fragmentation, which GSO does not do),
    /// 0 once GSO is off for this batch's sockets (EIO: no checksum
    /// offload, or refused `gsoRefusalsBeforeOff` times).
    private(set) var gsoCeiling = Int(UInt16.max)
    private let loop: EventLoop
    private var scheduled = false
    /// Made once: registering it with the loop allocates nothing.
    private var roundEnded: (() -> Void)?

    /// `slotSize`: the longest frame a slot holds (framing included).
    init(loop: EventLoop, slotSize: Int = 1536) {
        self.loop = loop
        self.slotSize = (slotSize + 15) & ~15
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: self.slotSize * Self.slots, alignment: 16)
        lengths = UnsafeMutableBufferPointer<Int>.allocate(capacity: Self.slots)
        counted = UnsafeMutableBufferPointer<Int>.allocate(capacity: Self.slots)
        counted.initialize(repeating: 0)
        addresses = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: Self.slots)
        addresses.initialize(repeating: 0)
        ports = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: Self.slots)
        ports.initialize(repeating: 0)
        accounts = [TransmitAccount?](repeating: nil, count: Self.slots)
        roundEnded = { [unowned self] in
            self.scheduled = false
            self.flush()
        }
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
        counted.deallocate()
        addresses.deallocate()
        ports.deallocate()
    }

    /// Holds `frame` for `fd` on behalf of `account`. false: not held (too
    /// long for a slot, or no round being dispatched) — the caller writes it
    /// itself, after `flush()` so it does not overtake what is held.
    func add(_ frame: UnsafeRawBufferPointer, fd: Int32, from account: TransmitAccount) -> Bool {
        guard frame.count <= slotSize, let slot = reserve(fd: fd) else { counters.direct += 1; return false }
        if frame.count > 0 { slot.baseAddress!.copyMemory(from: frame.baseAddress!, byteCount: frame.count) }
        commit(frame.count, from: account)
        return true
    }

    /// The next slot (`slotSize` octets) for a frame written in place — a
    /// super-packet's segments are cut straight into it (SegmentBatch) —
    /// for `fd`; `commit` makes it part of the batch. nil when no round is
    /// being dispatched: the caller sends itself. A frame held for another
    /// socket leaves first. `destination`: where the frame goes on an
    /// unconnected socket.
    func reserve(fd: Int32, to destination: L2TPEndpoint? = nil) -> UnsafeMutableRawBufferPointer? {
        if !scheduled {
            guard let r = roundEnded, loop.atRoundEnd(r) else { return nil }
            scheduled = true
        }
        if count > 0 && (fd != self.fd || addressed != (destination != nil)) { flush() }
        self.fd = fd
        addressed = destination != nil
        if let destination {
            addresses[count] = destination.address
            ports[count] = destination.port
        }
        return UnsafeMutableRawBufferPointer(start: storage.baseAddress! + count * slotSize, count: slotSize)
    }

    /// The slot `reserve` gave holds a frame of `length` octets of
    /// `account`'s, which counts `counting` of them (all by default).
    func commit(_ length: Int, counting: Int? = nil, from account: TransmitAccount) {
        precondition(length <= slotSize, "frame longer than a slot")
        lengths[count] = length
        counted[count] = counting ?? length
        accounts[count] = account
        count += 1
        if count == Self.slots { flush() }
    }

    /// Sends what is held, in order, in as few sendmmsg calls as the socket
    /// allows; every frame is accounted to its session.
    func flush() {
        guard count > 0 else { return }
        let n = count
        var done = 0
        while done < n {
            let base = storage.baseAddress!.assumingMemoryBound(to: UInt8.self) + done * slotSize
            let gso = udpSegmentation && gsoCeiling > 0
            var runs = ppp_udp_runs()
            let sent: Int32
            if gso {
                sent = ppp_udp_send_runs(fd, base, slotSize, UInt32(n - done), lengths.baseAddress! + done,
                                         addressed ? UnsafePointer(addresses.baseAddress! + done) : nil,
                                         addressed ? UnsafePointer(ports.baseAddress! + done) : nil, gsoCeiling, &runs)
            } else if addressed {
                sent = ppp_udp_send_batch(fd, base, slotSize, UInt32(n - done), lengths.baseAddress! + done,
                                          addresses.baseAddress! + done, ports.baseAddress! + done)
            } else {
                sent = ppp_packet_send_batch(fd, base, slotSize, UInt32(n - done), lengths.baseAddress! + done)
            }
            if sent > 0 {
                let frames = gso ? Int(runs.slots) : Int(sent)
                counters.batches += 1
                counters.frames += frames
                counters.largest = max(counters.largest, frames)
                counters.gsoSends += Int(runs.gso_messages)
                counters.gsoSegments += Int(runs.gso_segments)
                for i in done..<(done + frames) { accounts[i]?.transmitted(octets: counted[i]) }
                done += frames
                continue
            }
            let e = sent < 0 ? errno : EAGAIN
            if gso && runs.first_slots > 1 && (e == EIO || e == EINVAL || e == EMSGSIZE) {
                // man 7 udp: the kernel refused the run, sent nothing of it.
                // Send the same frames again without it (nothing lost).
                counters.gsoFallbacks += 1
                gsoCeiling = e == EIO || counters.gsoFallbacks >= Self.gsoRefusalsBeforeOff
                    ? 0 : min(gsoCeiling, Int(runs.first_size) - 1)
                continue
            }
            if e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS {
                // Full: the rest of this batch is dropped, PPP recovers.
                for i in done..<n { accounts[i]?.transmitDropped() }
                counters.dropped += n - done
                break
            }
            // This message failed (sendmmsg reports the first failure):
            // count its frames (a run's are one message) and go on.
            let failed = gso ? max(1, Int(runs.first_slots)) : 1
            for i in done..<(done + failed) { accounts[i]?.transmitFailed() }
            counters.failed += failed
            done += failed
        }
        for i in 0..<n { accounts[i] = nil }
        count = 0
    }

    var json: JSONObject {
        ["batches": .int(Int64(counters.batches)), "frames": .int(Int64(counters.frames)),
         "largest": .int(Int64(counters.largest)), "direct": .int(Int64(counters.direct)),
         "dropped": .int(Int64(counters.dropped)), "failed": .int(Int64(counters.failed)),
         "gso": .bool(udpSegmentation && gsoCeiling > 0), "gso_sends": .int(Int64(counters.gsoSends)),
         "gso_segments": .int(Int64(counters.gsoSegments)), "gso_fallbacks": .int(Int64(counters.gsoFallbacks))]
    }
}
