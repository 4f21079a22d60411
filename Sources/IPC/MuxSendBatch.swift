// Issue 21 point 2: the linkd–ncpd mux sends in vectors. The slots a mux end
// gathers a loop round's frames in (each datagram whole: the 4-octet handle,
// then the channel frame), allocated once for the life of the end, and the
// one sendmmsg (CShim ppp_send_batch) that sends them in order. What to do
// with a frame the socket refused is the endpoint's (MuxEndpoint): this type
// only holds and sends. Nothing is allocated per frame.
#if canImport(Glibc)
import Glibc
#endif
import CShim

final class MuxSendBatch {
    static let slots = Int(PPP_SEND_BATCH_MAX)
    /// The longest channel frame a slot holds: an MRU-sized PPP frame with
    /// room to spare (a virtio-net header in front of a one-segment
    /// super-packet). Longer frames (super-packets of up to 64 KiB) go on
    /// their own, after the slots: 64 slots of 64 KiB would be 4 MiB per end.
    static let frameRoom = 2048

    /// Octets per slot: the handle and up to `frameRoom` (or the mux's
    /// largest frame, if smaller) octets of frame.
    let slotSize: Int
    private let storage: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutablePointer<Int>
    private(set) var count = 0

    init(largestFrame: Int) {
        slotSize = (MuxFrame.handleLength + min(largestFrame, Self.frameRoom) + 15) & ~15
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: slotSize * Self.slots, alignment: 16)
        lengths = UnsafeMutablePointer<Int>.allocate(capacity: Self.slots)
        lengths.initialize(repeating: 0, count: Self.slots)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
    }

    var isFull: Bool { count == Self.slots }

    /// Whether a frame of `octets` (header and body) fits a slot.
    func fits(_ octets: Int) -> Bool { MuxFrame.handleLength + octets <= slotSize }

    /// Copies handle + header + body into the next slot. The caller checked
    /// `fits` and that a slot is free.
    func hold(handle: UInt32, _ header: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) {
        precondition(count < Self.slots && fits(header.count + body.count), "mux batch slot overrun")
        let slot = UnsafeMutableRawBufferPointer(start: storage.baseAddress! + count * slotSize, count: slotSize)
        MuxFrame.writeHandle(handle, into: slot)
        var at = MuxFrame.handleLength
        if header.count > 0 { (slot.baseAddress! + at).copyMemory(from: header.baseAddress!, byteCount: header.count) }
        at += header.count
        if body.count > 0 { (slot.baseAddress! + at).copyMemory(from: body.baseAddress!, byteCount: body.count) }
        lengths[count] = at + body.count
        count += 1
    }

    /// The i-th held datagram (handle first).
    func datagram(_ i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.baseAddress! + i * slotSize, count: lengths[i])
    }

    /// The handle of the i-th held datagram.
    func handle(_ i: Int) -> UInt32 {
        let p = storage.baseAddress! + i * slotSize
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
        let base = (storage.baseAddress! + from * slotSize).assumingMemoryBound(to: UInt8.self)
        return Int(ppp_send_batch(fd, base, slotSize, UInt32(count - from), lengths + from))
    }

    /// Every held datagram has been sent or given to a queue.
    func clear() { count = 0 }
}
