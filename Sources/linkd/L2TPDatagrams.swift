// Issue 21: an l2tp port's receive side in vectors. The port's one
// unconnected UDP socket (RFC 2661 §8.1) carries every tunnel's control and
// data messages; recvmmsg reads several at once into slots of one buffer
// kept for the life of the port, each with its sender, so a busy port makes
// one system call per batch instead of one per datagram. With UDP_GRO on
// the socket (man 7 udp) a message may be a run of one peer's datagrams
// coalesced by the kernel, so the slots are then as large as a run can be
// (64 KiB) and fewer (16: 1 MiB for the port's life rather than 32 × 4 KiB);
// the transport cuts each message back into its datagrams (UDPSegments).
// A datagram reaches the transport as a slice of the buffer: nothing is
// copied or allocated.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

struct L2TPDatagrams {
    /// Without GRO: a data message is the MRU (at most 1500 here, or a
    /// jumbo MRU up to a 4 KiB slot) behind at most 16 octets of header
    /// (§3.1, with Offset); control messages (§3.2) are a few hundred
    /// octets. Longer datagrams are cut by the kernel (MSG_TRUNC) and
    /// dropped as malformed.
    static let plainSlots = (count: 32, size: 4096)
    /// With GRO: a coalesced run is at most 64 KiB (an IP packet's limit),
    /// and so is any one datagram: nothing is cut.
    static let groSlots = (count: 16, size: 65536)

    /// The socket hands coalesced runs (UDP_GRO is on).
    let gro: Bool
    let capacity: Int
    let slotSize: Int
    private var storage: [UInt8]
    private var lengths: [Int]
    private var addresses: [UInt32]
    private var ports: [UInt16]
    private var segments: [UInt16]
    private(set) var count = 0

    init(gro: Bool = false) {
        self.gro = gro
        (capacity, slotSize) = gro ? Self.groSlots : Self.plainSlots
        storage = [UInt8](repeating: 0, count: slotSize * capacity)
        lengths = [Int](repeating: 0, count: capacity)
        addresses = [UInt32](repeating: 0, count: capacity)
        ports = [UInt16](repeating: 0, count: capacity)
        segments = [UInt16](repeating: 0, count: capacity)
    }

    /// recvmmsg: replaces the batch with what waits (0: nothing); nil on an
    /// error other than EAGAIN.
    mutating func receive(from fd: Int32) -> Int? {
        let (slotSize, capacity, gro) = (self.slotSize, self.capacity, self.gro)
        let got = storage.withUnsafeMutableBufferPointer { s in
            lengths.withUnsafeMutableBufferPointer { l in
                addresses.withUnsafeMutableBufferPointer { a in
                    ports.withUnsafeMutableBufferPointer { p in
                        segments.withUnsafeMutableBufferPointer { g in
                            ppp_udp_recv_batch(fd, s.baseAddress, slotSize, UInt32(capacity), l.baseAddress,
                                               a.baseAddress, p.baseAddress, gro ? g.baseAddress : nil)
                        }
                    }
                }
            }
        }
        if got < 0 {
            count = 0
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : nil
        }
        count = Int(got)
        return count
    }

    /// Message i, its sender and its UDP_GRO segment size (0: one
    /// datagram; cut it with UDPSegments); nil when it was cut (longer
    /// than a slot) or did not come from an IPv4 peer.
    func message(_ i: Int) -> (bytes: ArraySlice<UInt8>, from: L2TPEndpoint, segmentSize: Int)? {
        guard ports[i] != 0, let (bytes, segmentSize) = payload(i) else { return nil }
        return (bytes, L2TPEndpoint(address: addresses[i], port: ports[i]), segmentSize)
    }

    /// Message i and its UDP_GRO segment size, whoever sent it (a connected
    /// socket's peer, IPv4 or IPv6: a PPP-over-UDP port, DatagramReader);
    /// nil when it was cut (longer than a slot).
    func payload(_ i: Int) -> (bytes: ArraySlice<UInt8>, segmentSize: Int)? {
        precondition(i < count)
        guard lengths[i] > 0 else { return nil }
        let start = i * slotSize
        return (storage[start..<(start + lengths[i])], gro ? Int(segments[i]) : 0)
    }
}
