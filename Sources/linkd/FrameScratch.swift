// The buffers a port's sessions encode into and receive channel frames into,
// one set per port instead of one per session (issue 13, point 5: memory per
// session). linkd runs a port's sessions on one event loop thread, and no
// send or receive calls back into another one, so one buffer each way is
// enough; a reentered `takeTransmit` or `withReceive` still gets a fresh
// buffer of its own rather than trap on overlapping access.

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

    /// Runs `body` with the receive buffer, at least `count` octets long
    /// (its contents are whatever the last frame left). It grows to the
    /// largest count asked for and never shrinks, so channels asking for
    /// different lengths (an MRU's, a super-packet's) do not refill it in
    /// turn: the caller offers the socket only the part it wants.
    func withReceive(count: Int, _ body: (inout [UInt8]) -> Void) {
        var b: [UInt8] = []
        swap(&b, &receive)
        if b.count < count { b += [UInt8](repeating: 0, count: count - b.count) }
        body(&b)
        if b.count >= receive.count { swap(&b, &receive) }
    }
}
