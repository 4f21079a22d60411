// Issue 21: an l2tp port's receive side in vectors. The port's one
// unconnected UDP socket (RFC 2661 §8.1) carries every tunnel's control and
// data messages; recvmmsg reads up to 32 at once into slots of one buffer
// kept for the life of the port, each with its sender, so a busy port makes
// one system call per batch instead of one per datagram. A datagram reaches
// the transport as a slice of the buffer: nothing is copied or allocated.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

struct L2TPDatagrams {
    static let capacity = 32
    /// A data message is the MRU (at most 1500 here, or a jumbo MRU up to a
    /// 4 KiB slot) behind at most 16 octets of header (§3.1, with Offset);
    /// control messages (§3.2) are a few hundred octets. Longer datagrams
    /// are cut by the kernel (MSG_TRUNC) and dropped as malformed.
    static let slotSize = 4096

    private var storage = [UInt8](repeating: 0, count: slotSize * capacity)
    private var lengths = [Int](repeating: 0, count: capacity)
    private var addresses = [UInt32](repeating: 0, count: capacity)
    private var ports = [UInt16](repeating: 0, count: capacity)
    private(set) var count = 0

    /// recvmmsg: replaces the batch with what waits (0: nothing); nil on an
    /// error other than EAGAIN.
    mutating func receive(from fd: Int32) -> Int? {
        let got = storage.withUnsafeMutableBufferPointer { s in
            lengths.withUnsafeMutableBufferPointer { l in
                addresses.withUnsafeMutableBufferPointer { a in
                    ports.withUnsafeMutableBufferPointer { p in
                        ppp_udp_recv_batch(fd, s.baseAddress, Self.slotSize, UInt32(Self.capacity), l.baseAddress,
                                           a.baseAddress, p.baseAddress)
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

    /// Datagram i and its sender; nil when it was cut (longer than a slot)
    /// or did not come from an IPv4 peer.
    func datagram(_ i: Int) -> (ArraySlice<UInt8>, L2TPEndpoint)? {
        precondition(i < count)
        guard lengths[i] > 0, ports[i] != 0 else { return nil }
        let start = i * Self.slotSize
        return (storage[start..<(start + lengths[i])], L2TPEndpoint(address: addresses[i], port: ports[i]))
    }
}
