// The buffers a port's sessions encode into and receive channel frames into,
// one set per port instead of one per session (issue 13, point 5: memory per
// session). linkd runs a port's sessions on one event loop thread, and no
// send or receive calls back into another one, so one buffer each way is
// enough; `take` and `give` still hand out a fresh buffer if one is ever in
// use (reentry), rather than trap on overlapping access.

/// One port's shared frame buffers.
final class FrameScratch {
    private var transmit: [UInt8] = []
    private var receive: [UInt8] = []

    /// The transmit buffer, emptied (its capacity kept); hand it back with
    /// `giveTransmit` after the write.
    func takeTransmit() -> [UInt8] {
        var b: [UInt8] = []
        swap(&b, &transmit)
        b.removeAll(keepingCapacity: true)
        return b
    }

    func giveTransmit(_ b: consuming [UInt8]) {
        if b.capacity >= transmit.capacity { transmit = b }
    }

    /// A receive buffer of exactly `count` octets (the contents are
    /// whatever the last frame left): its capacity grows to the largest
    /// count asked for and is kept. Hand it back with `giveReceive`.
    func takeReceive(count: Int) -> [UInt8] {
        var b: [UInt8] = []
        swap(&b, &receive)
        if b.count < count {
            b.append(contentsOf: repeatElement(0, count: count - b.count))
        } else {
            b.removeLast(b.count - count)
        }
        return b
    }

    func giveReceive(_ b: consuming [UInt8]) {
        if b.capacity >= receive.capacity { receive = b }
    }
}
