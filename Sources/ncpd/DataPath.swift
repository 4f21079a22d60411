// The data path: IP packets between the TUN and the channel (PPP protocols
// IPv4 and IPv6, RFC 1332 and RFC 5072). One preallocated buffer with
// headroom for the Protocol field (and, issue 21, the super-packet marker and
// virtio-net header) serves every session (the daemon is single-threaded),
// so the hot loop allocates nothing; reads are batched per wake-up and the
// channel side goes through IPC's ChannelPump. Packets for an NCP that is
// not Opened are dropped and counted.
//
// With a unit opened with IFF_VNET_HDR (Units+Offload.swift) every TUN read
// starts with a 10-octet virtio-net header. A read whose header asks for
// nothing (no segmentation, checksum complete) goes to linkd as an ordinary
// PPP frame; one that is a TSO/USO super-packet or has a partial checksum
// goes as a super-packet frame (ChannelFrame+Offload.swift) for linkd to
// segment. Back from linkd, a super-packet's header is written to the TUN
// as it came, and an ordinary frame gets a zero header in front.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

/// The shared frame buffer. A TUN read lands at `readAt` (the virtio header
/// first when the unit has one, then the IP packet at `packetAt`), so the
/// Protocol field, or the marker and Protocol of a super-packet, is written
/// in place in front of it. Channel frames are received at `receiveAt`, so
/// that an ordinary frame's packet lands at `packetAt` too and a zero
/// virtio header fits in front of it.
final class FrameBuffers {
    /// marker (2) + Protocol (2) + virtio header (10) + the largest packet.
    static let packetAt = ChannelFrame.superPacketHeaderLength
    static let readAt = packetAt - ChannelFrame.virtioHeaderLength
    static let receiveAt = packetAt - ChannelFrame.headerLength
    static let capacity = receiveAt + ChannelFrame.superPacketHeaderLength + 65_536
    let frame: UnsafeMutableRawBufferPointer

    init() {
        frame = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.capacity, alignment: 16)
    }

    deinit { frame.deallocate() }
}

/// struct virtio_net_hdr's first two octets: flags (NEEDS_CSUM = 1) and
/// gso_type (NONE = 0).
private enum Virtio {
    static func asksNothing(_ header: UnsafeMutableRawPointer) -> Bool {
        header.load(fromByteOffset: 0, as: UInt8.self) == 0 && header.load(fromByteOffset: 1, as: UInt8.self) == 0
    }
}

extension NetworkSession {
    var ipv4Open: Bool { ipv4.isOpen }
    var ipv6Open: Bool { ipv6.isOpen }

    /// TUN → channel.
    func tunReadable() {
        guard let unit else { return }
        let tun = unit.fd.raw
        let vnet = unit.offload.header
        let buf = host.buffers.frame
        let packetAt = FrameBuffers.packetAt
        let readAt = vnet ? FrameBuffers.readAt : packetAt
        for _ in 0..<ChannelPump.batch {
            let n = read(tun, buf.baseAddress! + readAt, buf.count - readAt)
            if n <= 0 { return }  // EAGAIN, or the unit is going away
            let end = readAt + n
            guard end > packetAt else { counters.dropped += 1; continue }
            let proto: ProtocolNumber
            switch buf[packetAt] >> 4 {  // the IP version
            case 4 where ipv4Open: proto = IPCPNegotiator.networkProtocol
            case 6 where ipv6Open:
                if hasIPv6Services && dropsKernelDiscovery(UnsafeRawBufferPointer(rebasing: buf[packetAt..<end])) { continue }
                proto = IPv6CPNegotiator.networkProtocol
            default:
                counters.dropped += 1
                continue
            }
            let start: Int
            if vnet && !Virtio.asksNothing(buf.baseAddress! + readAt) {
                // Issue 21: a super-packet (or a partial checksum) for
                // linkd to segment; the TUN hands these only when linkd
                // offered to take them (ensureUnit).
                start = 0
                ChannelFrame.writeSuperPacketHeader(proto, into: buf)
                counters.superPacketsOut += 1
            } else {
                start = packetAt - ChannelFrame.headerLength
                ChannelFrame.writeHeader(proto, into: UnsafeMutableRawBufferPointer(rebasing: buf[start..<packetAt]))
            }
            let frame = UnsafeRawBufferPointer(rebasing: buf[start..<end])
            let result = channel.send(frame)
            if result == .full, holdForChannel(frame) {
                // Issue 17: it waits, and the TUN is not read until it goes.
                counters.packetsOut += 1
                counters.octetsOut += end - packetAt
                return
            }
            // Gone (the hang-up follows), or full on the mux: IP copes.
            guard counters.transmit.count(result) else { continue }
            counters.packetsOut += 1
            counters.octetsOut += end - packetAt
        }
    }

    /// Channel → TUN, and control frames to the NCPs. Returns false when
    /// linkd closed the channel (the session ended).
    func channelReadable() -> Bool {
        guard let raw = channel.dedicated else { return true }
        let buf = host.buffers.frame
        let frame = UnsafeMutableRawBufferPointer(rebasing: buf[FrameBuffers.receiveAt...])
        let end = ChannelPump.drain(raw, into: frame) { n in
            channelFrame(frame, n)
            return !ended
        }
        switch end {
        case .drained, .budget: return true
        case .stopped, .closed, .failed: return false
        }
    }

    /// One channel frame from linkd, the first `n` octets of `buf`, which
    /// has at least 8 writable octets in front of it (a zero virtio header
    /// goes there): from the dedicated channel, or from the mux (Mux.swift).
    func channelFrame(_ buf: UnsafeMutableRawBufferPointer, _ n: Int) {
        let header = ChannelFrame.headerLength
        guard n >= header else { counters.malformedFrames += 1; return }
        switch ChannelFrame.kind(UnsafeRawBufferPointer(rebasing: buf[0..<n])) {
        case .superPacket: superPacketFrame(buf, n); return
        case .capability: capabilityFrame(UnsafeRawBufferPointer(rebasing: buf[0..<n])); return
        case .ppp, .invalid: break
        }
        let proto = ProtocolNumber(UInt16(buf[0]) << 8 | UInt16(buf[1]))
        switch proto {
        case IPCPNegotiator.networkProtocol: networkFrame(IPCPNegotiator.self, buf, n)
        case IPv6CPNegotiator.networkProtocol:
            if hasIPv6Services && ipv6Open && interceptIPv6(UnsafeRawBufferPointer(rebasing: buf[header..<n])) { return }
            networkFrame(IPv6CPNegotiator.self, buf, n)
        default: controlFrame(proto, ArraySlice(UnsafeRawBufferPointer(rebasing: buf[header..<n])))
        }
    }

    /// An IP packet for the unit, if N is Opened.
    private func networkFrame<N: NetworkNegotiator>(_: N.Type, _ buf: UnsafeMutableRawBufferPointer, _ n: Int) {
        let header = ChannelFrame.headerLength
        guard self[keyPath: N.slot].isOpen, let unit else {
            counters.dropped += 1
            // RFC 1661 §5.7 only for protocols we never run at all.
            if self[keyPath: N.slot].cp == nil {
                protocolReject(N.networkProtocol, ArraySlice(UnsafeRawBufferPointer(rebasing: buf[header..<n])))
            }
            return
        }
        counters.packetsIn += 1
        counters.octetsIn += n - header
        var start = buf.baseAddress! + header, length = n - header
        if unit.offload.header {
            // The frame was received `receiveAt` into the shared buffer:
            // the headroom in front of the Protocol field takes a zero
            // virtio header ("nothing to do") right before the packet.
            start -= ChannelFrame.virtioHeaderLength
            length += ChannelFrame.virtioHeaderLength
            start.initializeMemory(as: UInt8.self, repeating: 0, count: ChannelFrame.virtioHeaderLength)
        }
        if write(unit.fd.raw, start, length) != length { counters.dropped += 1 }
    }

    /// Issue 21: a coalesced super-packet from linkd, written with its
    /// virtio header; only on a unit that has the header (we said we take
    /// them only then), only for an Opened NCP.
    private func superPacketFrame(_ buf: UnsafeMutableRawBufferPointer, _ n: Int) {
        let frame = UnsafeRawBufferPointer(rebasing: buf[0..<n])
        guard let proto = try? ChannelFrame.superPacket(frame), let unit, unit.offload.header else {
            counters.malformedFrames += 1
            return
        }
        guard proto == .ipv4 ? ipv4Open : ipv6Open else { counters.dropped += 1; return }
        let packet = n - ChannelFrame.superPacketHeaderLength
        counters.packetsIn += 1
        counters.octetsIn += packet
        counters.superPacketsIn += 1
        let length = n - 4
        if write(unit.fd.raw, buf.baseAddress! + 4, length) != length { counters.dropped += 1 }
    }

    /// Issue 21: linkd restarted and asks what we do; anything else in a
    /// capability frame from linkd changes nothing here (its offer is in
    /// the record).
    private func capabilityFrame(_ frame: UnsafeRawBufferPointer) {
        guard let flags = try? ChannelFrame.capability(frame) else { counters.malformedFrames += 1; return }
        if flags.contains(.replyRequested) { sendCapability() }
    }

    /// What this end does with super-packets, to linkd: it sends them when
    /// the unit has offloads, it takes them when the unit has the header.
    var offloadCapability: ChannelOffload {
        guard let o = unit?.offload, o.header else { return [] }
        return o.sendsSuperPackets ? [.sendsSuperPackets, .takesSuperPackets] : [.takesSuperPackets]
    }

    func sendCapability() {
        guard record.offload != 0 else { return }  // linkd offered nothing: it may not know the frame
        let frame = ChannelFrame.capability(offloadCapability)
        counters.transmit.count(frame.withUnsafeBytes { channel.send($0) })
    }
}
