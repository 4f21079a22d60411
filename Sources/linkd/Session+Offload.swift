// Issue 21: a session's side of the offloads. On a PPPoE port with
// `offload` on (the default), linkd offers the channel's owner super-packets
// both ways in the channel record (not for a bridge or a multilink link:
// bridged and bundles move PPP frames). A session on a VLAN (issue 13, 1:1
// or N:1, 802.1Q or QinQ) takes them too: its segments carry its tags, as
// its other frames do (FrameEncoder.header). What the owner sends is
// segmented to the peer's MRU (RFC 1661 §6.1: what the peer receives) right
// before the wire (SegmentBatch); a super-packet that does not check out is
// dropped and counted, never sent cut.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

extension Session {
    /// What we offer the owner of a channel of this session.
    func offloadOffer(multilink: Bool) -> ChannelOffload {
        guard context.segments != nil, circuit.pppoe != nil, !multilink else { return [] }
        return [.sendsSuperPackets, .takesSuperPackets]
    }

    /// A super-packet from the owner (virtio header + packet) to the wire.
    func transmitSuperPacket(_ proto: ProtocolNumber, _ datagram: UnsafeRawBufferPointer) {
        guard let batch = context.segments, !wireHeader.isEmpty else {
            counters.superPacketsRefused += 1
            return
        }
        let mtu = Int(negotiated?.peerMRU ?? 1492)
        // The segments join the port's batch behind the frames it holds
        // (sent by SegmentBatch itself, they go after those: no reordering).
        let outcome = wireHeader.withUnsafeBytes { header in
            batch.send(datagram, protocol: proto, mtu: mtu, header: header, fd: circuit.raw,
                       via: context.transmits, account: self)
        }
        switch outcome {
        case .queued:
            counters.superPacketsOut += 1
        case .sent(let segments, let octets):
            counters.superPacketsOut += 1
            counters.framesOut += segments
            counters.bytesOut += octets
        case .partial(let segments, let of):
            counters.superPacketsOut += 1
            counters.framesOut += segments
            counters.transmitDropped += of - segments
        case .refused:
            counters.superPacketsRefused += 1
        case .failed:
            counters.transmitErrors += 1
        }
    }
}

/// Issue 21: what became of the session's frames in the port's batch.
extension Session: TransmitAccount {
    func transmitted(octets: Int) {
        counters.framesOut += 1
        counters.bytesOut += octets
    }
    func transmitDropped() { counters.transmitDropped += 1 }
    func transmitFailed() { counters.transmitErrors += 1 }
}
