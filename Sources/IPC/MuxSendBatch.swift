// Issue 21 point 2: the linkd–ncpd mux sends in vectors. The arena a mux end
// gathers frames in (each datagram whole: the 4-octet handle, then the
// channel frame, end to end), allocated once for the life of the end, and
// the one sendmmsg (CShim ppp_send_batch) that sends them in order. It holds
// a loop round's frames, and the frames drained from the sessions' queues
// when the socket has room again (MuxEndpoint). Frames of any length up to
// `frameRoom` go in, so a small super-packet (a few coalesced segments)
// joins the round's vector instead of costing a sendmsg of its own. What to
// do with a frame the socket refused is the endpoint's: this type only
// holds and sends. Nothing is allocated per frame.
#if canImport(Glibc)
import Glibc
#endif
import CShim

final class MuxSendBatch {
    static let slots = Int(PPP_SEND_BATCH_MAX)
    /// The longest channel frame the arena takes: an MRU-sized PPP frame,
    /// or a super-packet of up to ~11 full segments. Longer ones (up to
    /// 64 KiB) go on their own: the copy would cost more than the sendmsg
    /// it saves, and 64 of them would need 4 MiB per end.
    static let frameRoom = 16 * 1024
    /// The arena's octets at most: 64 MRU-sized frames fit, or 16
    /// super-packets of `frameRoom`.
    static let arenaLimit = 256 * 1024

    /// The longest frame (header and body) this batch takes.
    let frameLimit: Int
    /// The arena's size: 64 datagrams of `frameLimit`, at most `arenaLimit`.
    let arenaSize: Int
    private let storage: UnsafeMutableRawBufferPointer
    private let offsets: UnsafeMutablePointer<Int>
    private let lengths: UnsafeMutablePointer<Int>
    private(set) var count = 0
    /// Octets of the arena in use.
    private(set) var used = 0

    init(largestFrame: Int) {
        frameLimit = min(largestFrame, Self.frameRoom)
        arenaSize = min(Self.slots * (MuxFrame.handleLength + frameLimit), Self.arenaLimit)
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaSize, alignment: 16)
        offsets = UnsafeMutablePointer<Int>.allocate(capacity: Self.slots)
        offsets.initialize(repeating: 0, count: Self.slots)
        lengths = UnsafeMutablePointer<Int>.allocate(capacity: Self.slots)
        lengths.initialize(repeating: 0, count: Self.slots)
    }

    deinit {
        storage.deallocate()
        offsets.deallocate()
        lengths.deallocate()
    }

    var isFull: Bool { count == Self.slots }

    /// Whether a frame of `octets` (header and body) is one the batch takes.
    func fits(_ octets: Int) -> Bool { octets <= frameLimit }

    /// Whether a frame of `octets` (header and body) fits now: a datagram
    /// free and room left in the arena.
    func hasRoom(_ octets: Int) -> Bool {
        count < Self.slots && used + MuxFrame.handleLength + octets <= arenaSize
    }

    /// Copies handle + header + body in after the last held datagram. The
    /// caller checked `fits` and `hasRoom`.
    func hold(handle: UInt32, _ header: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) {
        precondition(fits(header.count + body.count) && hasRoom(header.count + body.count), "mux batch overrun")
        let slot = UnsafeMutableRawBufferPointer(start: storage.baseAddress! + used, count: arenaSize - used)
        MuxFrame.writeHandle(handle, into: slot)
        var at = MuxFrame.handleLength
        if header.count > 0 { (slot.baseAddress! + at).copyMemory(from: header.baseAddress!, byteCount: header.count) }
        at += header.count
        if body.count > 0 { (slot.baseAddress! + at).copyMemory(from: body.baseAddress!, byteCount: body.count) }
        append(at + body.count)
    }

    /// Copies a whole datagram (handle first, as a session's queue keeps it).
    func hold(datagram: UnsafeRawBufferPointer) {
        precondition(datagram.count >= MuxFrame.handleLength && fits(datagram.count - MuxFrame.handleLength)
            && hasRoom(datagram.count - MuxFrame.handleLength), "mux batch overrun")
        (storage.baseAddress! + used).copyMemory(from: datagram.baseAddress!, byteCount: datagram.count)
        append(datagram.count)
    }

    private func append(_ length: Int) {
        offsets[count] = used
        lengths[count] = length
        count += 1
        // The next datagram starts 8-aligned (the handle is read as octets;
        // alignment only keeps the copies on word boundaries).
        used = min((used + length + 7) & ~7, arenaSize)
    }

    /// The i-th held datagram (handle first).
    func datagram(_ i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.baseAddress! + offsets[i], count: lengths[i])
    }

    /// The handle of the i-th held datagram.
    func handle(_ i: Int) -> UInt32 {
        let p = storage.baseAddress! + offsets[i]
        return UInt32(p.load(as: UInt8.self)) << 24 | UInt32(p.load(fromByteOffset: 1, as: UInt8.self)) << 16
            | UInt32(p.load(fromByteOffset: 2, as: UInt8.self)) << 8 | UInt32(p.load(fromByteOffset: 3, as: UInt8.self))
    }

    /// Whether a frame of `handle` is held.
    func holds(_ handle: UInt32) -> Bool {
        for i in 0..<count where self.handle(i) == handle { return true }
        return false
    }

    /// One sendmmsg of the held datagrams from the `from`-th on: how many
    /// left (the first ones, in order), or -1 with errno.
    func send(fd: Int32, from: Int) -> Int {
        let base = storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return Int(ppp_send_batch(fd, base, offsets + from, lengths + from, UInt32(count - from)))
    }

    /// Every held datagram has been sent or given to a queue.
    func clear() {
        count = 0
        used = 0
    }
}
