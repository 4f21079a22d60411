// Issue 21: TSO done in linkd for PPPoE. A super-packet from the channel
// (up to 64 KiB of one TCP or UDP flow with its virtio-net header) is cut to
// the session's MTU by Offload's TCPSegmenter straight into the slots of the
// port's TransmitBatch, each slot a whole Ethernet frame (RFC 2516 §4:
// Ethernet and PPPoE headers — with the session's 802.1Q tags, or QinQ's
// S-tag and C-tag, between the addresses and the ETHER_TYPE on a VLAN
// (issue 13), as its other frames carry them — the Protocol field, the
// segment), which go out
// with the round's other frames in one sendmmsg per up to 64: a super-packet
// of one segment (a TCP ACK, a small UDP datagram with a partial checksum)
// costs no system call of its own. Outside a loop round (start-up) or for a
// segment longer than a transmit slot, the segments go through this batch's
// own slots and leave at once. Nothing is allocated per packet or segment.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import Offload
import PPP
import PPPoE

final class SegmentBatch {
    /// RFC 2516 §4 Ethernet (14) + PPPoE (6) headers, then Protocol (2),
    /// untagged; a session's header may carry up to two VLAN tags more.
    static let frameHeader = PPPoEHeader.length + 2
    static let maximumFrameHeader = frameHeader + 2 * VLANTags.tagLength
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
        /// This many segments joined the port's transmit batch (each is
        /// accounted to its session when the batch leaves).
        case queued(segments: Int)
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

    static func slotSize(_ mtu: Int) -> Int { (maximumFrameHeader + mtu + 15) & ~15 }

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
    /// segment on `fd` behind `header` (the session's Ethernet and PPPoE
    /// octets with LENGTH still to fill: 20, or 24/28 with VLAN tags) and
    /// `proto`.
    /// With `transmits` (the port's batch) and `account` (the session), the
    /// segments join that batch; else they leave here at once.
    func send(_ datagram: UnsafeRawBufferPointer, protocol proto: ProtocolNumber, mtu: Int,
              header: UnsafeRawBufferPointer, fd: Int32,
              via transmits: TransmitBatch? = nil, account: TransmitAccount? = nil) -> Outcome {
        var segmenter: TCPSegmenter
        do {
            let parsed = try VirtioNetHeader.parse(datagram: datagram)
            segmenter = try TCPSegmenter(packet: parsed.packet, header: parsed.header, mtu: mtu)
        } catch {
            return .refused(error)
        }
        // The header is the session's own (FrameEncoder.header), not input.
        assert(header.count >= PPPoEHeader.length && header.count + 2 <= Self.maximumFrameHeader)
        superPackets += 1
        let frameHeader = header.count + 2
        if let transmits, let account, frameHeader + segmenter.maximumSegmentLength <= transmits.slotSize {
            var n = 0
            while let slot = transmits.reserve(fd: fd) {
                let room = UnsafeMutableRawBufferPointer(rebasing: slot[frameHeader...])
                guard let length = segmenter.next(into: room) else { break }
                Self.frame(slot.baseAddress!, header, proto, length)
                transmits.commit(frameHeader + length, from: account)
                n += 1
            }
            segments += n
            // No round being dispatched (the first reserve refused): below.
            if n > 0 { return .queued(segments: n) }
        }
        // What the port's batch holds goes first (no reordering).
        transmits?.flush()
        ensure(mtu: mtu)
        var total = 0, octets = 0
        while true {
            var n = 0
            while n < Self.slots {
                let slot = storage.baseAddress! + n * slotSize
                let room = UnsafeMutableRawBufferPointer(start: slot + frameHeader, count: slotSize - frameHeader)
                guard let length = segmenter.next(into: room) else { break }
                Self.frame(slot, header, proto, length)
                lengths[n] = frameHeader + length
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

    /// The session's header (tags included) with RFC 2516 §4 LENGTH
    /// (Protocol + segment) in its last two octets, and the Protocol field
    /// in front of a segment of `length` octets.
    private static func frame(_ slot: UnsafeMutableRawPointer, _ header: UnsafeRawBufferPointer, _ proto: ProtocolNumber, _ length: Int) {
        let h = header.count
        slot.copyMemory(from: header.baseAddress!, byteCount: h)
        let payload = 2 + length
        slot.storeBytes(of: UInt8(payload >> 8), toByteOffset: h - 2, as: UInt8.self)
        slot.storeBytes(of: UInt8(payload & 0xff), toByteOffset: h - 1, as: UInt8.self)
        slot.storeBytes(of: UInt8(proto.rawValue >> 8), toByteOffset: h, as: UInt8.self)
        slot.storeBytes(of: UInt8(proto.rawValue & 0xff), toByteOffset: h + 1, as: UInt8.self)
    }
}
