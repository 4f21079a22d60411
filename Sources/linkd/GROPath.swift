// Issue 21: GRO done in linkd for PPPoE. IP packets a session receives go
// through Offload's GROCoalescer on their way to the channel: consecutive
// TCP segments of one flow become one super-packet (up to 64 KiB) that the
// channel carries as one datagram with a GSO virtio header and ncpd writes
// to its unit in one write. One coalescer serves the port (its buffer is
// the only memory, kept for the life of the port); it holds packets of one
// session at a time (two sessions may carry the same addresses and ports),
// so a packet of another session first flushes what is held, and the port
// flushes at the end of every receive batch: at low load a packet waits for
// nothing but the end of the batch it came in, and nothing is reordered
// within a flow. Only for an owner that said it takes super-packets.
// Holding one session at a time is also what keeps sessions on different
// VLANs apart (issue 13's N:1 and QinQ ports): two Hosts on VLANs 100 and
// 200 may both be 192.168.1.2 talking to the same server on the same ports,
// and the coalescer's flow key (addresses, ports) could not tell their
// segments apart; the session (tags, SESSION_ID, peer MAC) can.
import IPC
import Offload
import PPP

/// Where GROPath hands a session's packets: its ChannelRelay.
protocol GROSink: AnyObject {
    /// An IP packet passed through as it came.
    func deliverPacket(_ proto: ProtocolNumber, _ packet: UnsafeRawBufferPointer)
    /// A coalesced run: `header` (marker, Protocol, virtio header), packet.
    func deliverSuperPacket(_ header: UnsafeRawBufferPointer, _ packet: UnsafeRawBufferPointer)
}

extension ChannelRelay: GROSink {}

final class GROPath {
    /// Runs held at once (flows of the current session).
    static let flows = 4
    private let storage: UnsafeMutableRawBufferPointer
    private var coalescer: GROCoalescer
    /// The session (its relay) whose packets the coalescer holds.
    private var holder: (any GROSink)?
    /// One super-packet header: marker, Protocol, virtio header.
    private let header: UnsafeMutableRawBufferPointer

    init() {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.flows * ChannelFrame.superPacketMaximum, alignment: 16)
        header = UnsafeMutableRawBufferPointer.allocate(byteCount: ChannelFrame.superPacketHeaderLength, alignment: 16)
        coalescer = GROCoalescer(buffer: storage, flows: Self.flows, maximumLength: ChannelFrame.superPacketMaximum)
    }

    deinit {
        storage.deallocate()
        header.deallocate()
    }

    var counters: GROCoalescer.Counters { coalescer.counters }

    /// An IP packet from the wire for `relay`'s owner.
    func push(_ packet: UnsafeRawBufferPointer, for relay: any GROSink) {
        if holder !== relay { flush() }
        holder = relay
        coalescer.push(packet) { (virtio: VirtioNetHeader, out: UnsafeRawBufferPointer) in emit(virtio, out, relay) }
    }

    /// Everything held goes to its channel (end of a receive batch).
    func flush() {
        guard let relay = holder else { return }
        coalescer.flush { (virtio: VirtioNetHeader, out: UnsafeRawBufferPointer) in emit(virtio, out, relay) }
        holder = nil
    }

    private func emit(_ virtio: VirtioNetHeader, _ packet: UnsafeRawBufferPointer, _ relay: any GROSink) {
        guard let first = packet.first else { return }
        let proto: ProtocolNumber = first >> 4 == 6 ? .ipv6 : .ipv4
        if virtio.gsoType == .none && virtio.flags.isEmpty {
            relay.deliverPacket(proto, packet)
            return
        }
        ChannelFrame.writeSuperPacketHeader(proto, into: header)
        virtio.encode(into: UnsafeMutableRawBufferPointer(rebasing: header[4...]))
        relay.deliverSuperPacket(UnsafeRawBufferPointer(header), packet)
    }
}
