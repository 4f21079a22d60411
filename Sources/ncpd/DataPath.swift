// The data path: IP packets between the TUN and the channel (PPP protocols
// IPv4 and IPv6, RFC 1332 and RFC 5072). One preallocated buffer with two
// octets of headroom for the Protocol field serves every session (the daemon
// is single-threaded), so the hot loop allocates nothing; reads are batched
// per wake-up and the channel side goes through IPC's ChannelPump. Packets
// for an NCP that is not Opened are dropped and counted.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

/// The shared frame buffer: [0, 1] hold the Protocol field, the IP packet
/// follows, so a TUN read becomes a channel frame in place and back.
final class FrameBuffers {
    static let capacity = 65_536 + ChannelFrame.headerLength
    let frame: UnsafeMutableRawBufferPointer

    init() {
        frame = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.capacity, alignment: 16)
    }

    deinit { frame.deallocate() }
}

extension NetworkSession {
    var ipv4Open: Bool { ipv4.isOpen }
    var ipv6Open: Bool { ipv6.isOpen }

    /// TUN → channel.
    func tunReadable() {
        guard let tun = unit?.fd.raw else { return }
        let buf = host.buffers.frame
        let header = ChannelFrame.headerLength
        for _ in 0..<ChannelPump.batch {
            let n = read(tun, buf.baseAddress! + header, buf.count - header)
            if n <= 0 { return }  // EAGAIN, or the unit is going away
            let proto: ProtocolNumber
            switch buf[header] >> 4 {  // the IP version
            case 4 where ipv4Open: proto = IPCPNegotiator.networkProtocol
            case 6 where ipv6Open:
                if hasIPv6Services && dropsKernelDiscovery(UnsafeRawBufferPointer(rebasing: buf[header..<(header + n)])) { continue }
                proto = IPv6CPNegotiator.networkProtocol
            default:
                counters.dropped += 1
                continue
            }
            ChannelFrame.writeHeader(proto, into: buf)
            // Full or gone: IP copes with loss (gone: the hang-up follows).
            guard counters.transmit.count(ChannelPump.send(channel.raw, UnsafeRawBufferPointer(rebasing: buf[0..<(n + header)])))
            else { continue }
            counters.packetsOut += 1
            counters.octetsOut += n
        }
    }

    /// Channel → TUN, and control frames to the NCPs. Returns false when
    /// linkd closed the channel (the session ended).
    func channelReadable() -> Bool {
        let buf = host.buffers.frame
        let end = ChannelPump.drain(channel.raw, into: buf) { n in
            channelFrame(buf, n)
            return !ended
        }
        switch end {
        case .drained, .budget: return true
        case .stopped, .closed, .failed: return false
        }
    }

    private func channelFrame(_ buf: UnsafeMutableRawBufferPointer, _ n: Int) {
        let header = ChannelFrame.headerLength
        guard n >= header else { counters.malformedFrames += 1; return }
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
        guard self[keyPath: N.slot].isOpen, let tun = unit?.fd.raw else {
            counters.dropped += 1
            // RFC 1661 §5.7 only for protocols we never run at all.
            if self[keyPath: N.slot].cp == nil {
                protocolReject(N.networkProtocol, ArraySlice(UnsafeRawBufferPointer(rebasing: buf[header..<n])))
            }
            return
        }
        counters.packetsIn += 1
        counters.octetsIn += n - header
        if write(tun, buf.baseAddress! + header, n - header) != n - header { counters.dropped += 1 }
    }
}
