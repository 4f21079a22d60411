// Issue 21: TSO done in linkd for PPPoE. A super-packet from the channel
// (up to 64 KiB of one TCP or UDP flow with its virtio-net header) is cut to
// the session's MTU by Offload's TCPSegmenter straight into the slots of one
// buffer kept for the life of the port, each slot a whole Ethernet frame
// (RFC 2516 §4: Ethernet and PPPoE headers, the Protocol field, the
// segment), and the slots go out in one sendmmsg per up to 64. Nothing is
// allocated per packet or per segment.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import Offload
import PPP
import PPPoE

final class SegmentBatch {
    /// RFC 2516 §4 Ethernet (14) + PPPoE (6) headers, then Protocol (2).
    static let frameHeader = PPPoEHeader.length + 2
    static let slots = Int(PPP_PACKET_BATCH_MAX)

    private(set) var slotSize: Int
    private var storage: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutableBufferPointer<Int>
    /// Counted for linkd's status: super-packets and the segments cut.
    private(set) var superPackets = 0, segments = 0

    /// What became of one super-packet.
    enum Outcome: Equatable {
        /// This many segments went out, of this many octets in all.
        case sent(segments: Int, octets: Int)
        /// The socket took only the first `segments` of `of` (a full queue):
        /// the rest is dropped, TCP retransmits.
        case partial(segments: Int, of: Int)
        /// The super-packet did not check out (counted by the caller).
        case refused(OffloadError)
        case failed(Int32)
    }

    /// `mtu`: the PPP payload a slot holds (1500, RFC 2516 §7's 1492
    /// and the payloads of RFC 4638 up to a 1500-octet Ethernet MTU).
    init(mtu: Int = 1500) {
        slotSize = Self.slotSize(mtu)
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: slotSize * Self.slots, alignment: 16)
        lengths = UnsafeMutableBufferPointer<Int>.allocate(capacity: Self.slots)
    }

    static func slotSize(_ mtu: Int) -> Int { (frameHeader + mtu + 15) & ~15 }

    /// A session whose peer takes more (RFC 4638 jumbo frames): the slots
    /// grow once to its size, never per packet.
    private func ensure(mtu: Int) {
        guard Self.slotSize(mtu) > slotSize else { return }
        storage.deallocate()
        slotSize = Self.slotSize(mtu)
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: slotSize * Self.slots, alignment: 16)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
    }

    /// Segments `datagram` (virtio header + packet) to `mtu` and sends each
    /// segment on `fd` behind `header` (the session's 20 PPPoE octets with
    /// LENGTH still to fill) and `proto`.
    func send(_ datagram: UnsafeRawBufferPointer, protocol proto: ProtocolNumber, mtu: Int,
              header: UnsafeRawBufferPointer, fd: Int32) -> Outcome {
        ensure(mtu: mtu)
        var segmenter: TCPSegmenter
        do {
            let parsed = try VirtioNetHeader.parse(datagram: datagram)
            segmenter = try TCPSegmenter(packet: parsed.packet, header: parsed.header, mtu: mtu)
        } catch {
            return .refused(error)
        }
        superPackets += 1
        var total = 0, octets = 0
        while true {
            var n = 0
            while n < Self.slots {
                let slot = storage.baseAddress! + n * slotSize
                let room = UnsafeMutableRawBufferPointer(start: slot + Self.frameHeader, count: slotSize - Self.frameHeader)
                guard let length = segmenter.next(into: room) else { break }
                slot.copyMemory(from: header.baseAddress!, byteCount: PPPoEHeader.length)
                // RFC 2516 §4 LENGTH: the PPPoE payload (Protocol + segment).
                let payload = 2 + length
                slot.storeBytes(of: UInt8(payload >> 8), toByteOffset: PPPoEHeader.length - 2, as: UInt8.self)
                slot.storeBytes(of: UInt8(payload & 0xff), toByteOffset: PPPoEHeader.length - 1, as: UInt8.self)
                slot.storeBytes(of: UInt8(proto.rawValue >> 8), toByteOffset: PPPoEHeader.length, as: UInt8.self)
                slot.storeBytes(of: UInt8(proto.rawValue & 0xff), toByteOffset: PPPoEHeader.length + 1, as: UInt8.self)
                lengths[n] = Self.frameHeader + length
                octets += lengths[n]
                n += 1
            }
            guard n > 0 else { return .sent(segments: total, octets: octets) }
            let sent = ppp_packet_send_batch(fd, storage.baseAddress!.assumingMemoryBound(to: UInt8.self), slotSize,
                                             UInt32(n), lengths.baseAddress!)
            if sent < 0 {
                let e = errno
                if e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS {
                    return .partial(segments: total, of: segmenter.segmentCount)
                }
                return .failed(e)
            }
            total += Int(sent)
            segments += Int(sent)
            if Int(sent) < n { return .partial(segments: total, of: segmenter.segmentCount) }
            if n < Self.slots { return .sent(segments: total, octets: octets) }
        }
    }
}
