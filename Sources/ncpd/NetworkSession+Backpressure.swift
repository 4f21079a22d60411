// Issue 17, "nothing lost silently": a session whose own channel is full
// (linkd behind, or a bundle with no link that has room, Bundle.pauseInner)
// does not drop the packet it read from the TUN. It keeps that one packet,
// stops reading the TUN and waits for the channel's EPOLLOUT; then it sends
// the packet and reads on. Meanwhile the kernel queues for the unit, and
// drops there (the interface's TX dropped) once its queue is full: the
// backpressure reaches whoever sends into the TUN. On linkd's mux a full
// session queue is the mux's (MuxEndpoint) and a packet is dropped and
// counted as before: one session must not hold the TUN reads of the mux.
#if canImport(Glibc)
import Glibc
#endif
import IPC

extension NetworkSession {
    /// A TUN packet the channel could not take: kept (one, its buffer keeps
    /// its capacity), the TUN not read until it goes. False on the mux.
    func holdForChannel(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard let raw = channel.dedicated, let unit, heldForChannel.isEmpty else { return false }
        heldForChannel.append(contentsOf: frame)
        counters.heldForChannel += 1
        try? host.loop.modify(unit.fd.raw, [])
        try? host.loop.modify(raw, [.readable, .writable])
        return true
    }

    /// The channel has room: the packet that waited goes, and the TUN is
    /// read again.
    func channelWritable() {
        guard let raw = channel.dedicated, !heldForChannel.isEmpty else { return }
        let result = heldForChannel.withUnsafeBytes { ChannelPump.send(raw, $0) }
        if case .full = result { return }
        counters.transmit.count(result)
        heldForChannel.removeAll(keepingCapacity: true)
        try? host.loop.modify(raw, .readable)
        if let unit { try? host.loop.modify(unit.fd.raw, .readable) }
    }
}
