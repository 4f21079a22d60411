// Reading a UDP port: batches of datagrams per recvmmsg (one PPP frame
// each) into one buffer kept for the life of the port.
//
// Issue 21: with the port's `offload` on, UDP_GRO on the socket (man 7
// udp): the kernel may hand a run of the peer's datagrams (the PPP frames a
// GSO sender sent as one message, TransmitBatch) as one message, so one
// recvmmsg slot carries up to 64 frames. The slots are then 64 KiB (the
// most a run can be) and 16 of them, as on an l2tp port (L2TPDatagrams),
// and each message is cut back into its frames in place (UDPSegments). With
// `offload` off, UDP_GRO is turned off, so a socket a previous linkd left
// with it on (the fd store) never hands a run to 1.5 KiB slots.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

/// UDP: batches of datagrams per recvmmsg, a bounded number of batches per
/// wake-up so the channel side gets its turn.
final class DatagramReader {
    struct Counters {
        /// recvmmsg calls that returned messages, and the messages.
        var batches = 0, messages = 0
        /// Messages that were coalesced runs, and the frames they held.
        var groMessages = 0, groSegments = 0
    }

    /// Without GRO.
    private var batch: PacketBatch?
    /// With GRO: 64 KiB slots, each message's UDP_GRO segment size.
    private var coalesced: L2TPDatagrams?
    private(set) var counters = Counters()

    /// `slotSize`: the longest datagram without GRO (a longer one is cut and
    /// dropped). `gro`: try UDP_GRO on `fd`; without it (a kernel that
    /// refuses it) one datagram is one message.
    init(fd: Int32, slotSize: Int, gro: Bool) {
        if gro && ppp_udp_set_gro(fd, 1) == 0 {
            coalesced = L2TPDatagrams(gro: true)
        } else {
            _ = ppp_udp_set_gro(fd, 0)
            batch = PacketBatch(slotSize: slotSize, capacity: 32)
        }
    }

    /// UDP_GRO is on: messages may be runs.
    var gro: Bool { coalesced != nil }

    var json: JSONObject {
        ["gro": .bool(gro), "batches": .int(Int64(counters.batches)), "messages": .int(Int64(counters.messages)),
         "gro_messages": .int(Int64(counters.groMessages)), "gro_segments": .int(Int64(counters.groSegments))]
    }

    /// Without GRO up to 8 batches of 32 per wake-up, with it 4 of 16: at
    /// most 256 datagrams or 64 runs, so the channel side gets its turn.
    func drain(_ circuit: Circuit, host: PortSessions, what: String) {
        let capacity = coalesced?.capacity ?? batch!.capacity
        for _ in 0..<(coalesced == nil ? 8 : 64 / capacity) {
            let got = receive(circuit.raw)
            if got < 0 {
                let e = Int32(-got)
                if e == ECONNREFUSED {
                    // The peer's ICMP port-unreachable: it may not be up yet.
                    host.counters.unreachable += 1
                    continue
                }
                host.circuitHungUp(circuit, "read error on \(what): \(Errno.describe(e))")
                return
            }
            if got == 0 { return }
            counters.batches += 1
            counters.messages += got
            for i in 0..<got { deliver(i, circuit, host) }
            if got < capacity { return }
        }
    }

    /// recvmmsg into the batch in use: how many messages, or -errno.
    private func receive(_ fd: Int32) -> Int {
        if coalesced != nil { return coalesced!.receive(from: fd) ?? -Int(errno) }
        do { return try batch!.receive(from: fd) } catch {
            if case .system(_, let e) = error { return -Int(e) }
            return -Int(EIO)
        }
    }

    /// Message i's frames to the session: one, or a run's (UDPSegments).
    private func deliver(_ i: Int, _ circuit: Circuit, _ host: PortSessions) {
        if batch != nil {
            let frame = batch!.frame(i)
            // Empty: longer than a slot (cut), or an empty datagram.
            if frame.isEmpty { host.counters.framesWithoutSession += 1 } else { host.received(frame, on: circuit) }
            return
        }
        guard let (bytes, segmentSize) = coalesced!.payload(i), !bytes.isEmpty else {
            host.counters.framesWithoutSession += 1
            return
        }
        if segmentSize > 0 {
            counters.groMessages += 1
            counters.groSegments += UDPSegments(bytes, segmentSize: segmentSize).count
        }
        for frame in UDPSegments(bytes, segmentSize: segmentSize) { host.received(frame, on: circuit) }
    }
}
