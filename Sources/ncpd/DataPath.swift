// The data path: IP packets between the TUN and the channel (PPP protocols
// 0x0021 IPv4 and 0x0057 IPv6). One preallocated buffer with two octets of
// headroom for the Protocol field serves every session (the daemon is
// single-threaded), so the hot loop allocates nothing; reads are batched
// per wake-up. Packets for an NCP that is not Opened are dropped and counted.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

/// The shared frame buffer: [0, 1] hold the Protocol field, the IP packet
/// follows, so a TUN read becomes a channel frame in place and back.
final class FrameBuffers {
    static let capacity = 65_536 + 2
    let frame: UnsafeMutableRawBufferPointer

    init() {
        frame = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.capacity, alignment: 16)
    }

    deinit { frame.deallocate() }
}

extension NetworkSession {
    /// Datagrams handled per wake-up before yielding to other descriptors.
    static let batch = 64

    var ipv4Open: Bool { ipv4.isOpen }
    var ipv6Open: Bool { ipv6.isOpen }

    /// TUN → channel.
    func tunReadable() {
        guard let tun = unit?.fd.raw else { return }
        let buf = host.buffers.frame
        for _ in 0..<Self.batch {
            let n = read(tun, buf.baseAddress! + 2, buf.count - 2)
            if n <= 0 { return }  // EAGAIN, or the unit is going away
            let version = buf[2] >> 4
            let open: Bool
            switch version {
            case 4: buf[0] = 0x00; buf[1] = 0x21; open = ipv4Open
            case 6: buf[0] = 0x00; buf[1] = 0x57; open = ipv6Open
            default: open = false
            }
            guard open else { counters.dropped += 1; continue }
            let sent = send(channel.raw, buf.baseAddress, n + 2, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
            if sent == n + 2 {
                counters.packetsOut += 1
                counters.octetsOut += n
            } else {
                counters.transmitDropped += 1  // channel full or gone: IP copes with loss
            }
        }
    }

    /// Channel → TUN, and control frames to the NCPs. Returns false when
    /// linkd closed the channel (the session ended).
    func channelReadable() -> Bool {
        let buf = host.buffers.frame
        for _ in 0..<Self.batch {
            guard !ended else { return false }
            let n = recv(channel.raw, buf.baseAddress, buf.count, Int32(MSG_DONTWAIT))
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { return true }
                return false
            }
            if n == 0 { return false }
            guard n >= 2 else { counters.malformedFrames += 1; continue }
            let proto = UInt16(buf[0]) << 8 | UInt16(buf[1])
            switch proto {
            case 0x0021, 0x0057:
                let open = proto == 0x0021 ? ipv4Open : ipv6Open
                guard open, let tun = unit?.fd.raw else {
                    counters.dropped += 1
                    // RFC 1661 §5.7 only for protocols we never run at all.
                    if (proto == 0x0021 && ipv4.cp == nil) || (proto == 0x0057 && ipv6.cp == nil) {
                        protocolReject(ProtocolNumber(proto), ArraySlice(UnsafeRawBufferPointer(rebasing: buf[2..<n])))
                    }
                    continue
                }
                counters.packetsIn += 1
                counters.octetsIn += n - 2
                if write(tun, buf.baseAddress! + 2, n - 2) != n - 2 { counters.dropped += 1 }
            default:
                controlFrame(ProtocolNumber(proto), ArraySlice(UnsafeRawBufferPointer(rebasing: buf[2..<n])))
            }
        }
        return true
    }
}
