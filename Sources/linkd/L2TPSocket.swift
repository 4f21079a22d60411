// The l2tp port's UDP socket (RFC 2661 §8.1): unconnected, so one socket
// serves every tunnel; datagrams in with the sender's address (recvfrom),
// out to a tunnel's peer (sendto, or sendmsg with the data header and the
// PPP frame as two pieces so a frame is never copied). IPv4 only, as
// L2TPEndpoint.
#if canImport(Glibc)
import Glibc
#endif
import IPC

struct L2TPSocket {
    let descriptor: Int32

    /// One datagram into `buffer`: its length and sender, nil when nothing
    /// waits; throws the errno of any other failure.
    func receive(into buffer: inout [UInt8]) -> (count: Int, from: L2TPEndpoint)?? {
        var from = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let n = buffer.withUnsafeMutableBytes { b in
            withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, b.baseAddress, b.count, 0, $0, &length) }
            }
        }
        if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? nil : .some(nil) }
        guard from.sin_family == sa_family_t(AF_INET) else { return .some(nil) }
        return .some((n, L2TPEndpoint(address: UInt32(bigEndian: from.sin_addr.s_addr), port: UInt16(bigEndian: from.sin_port))))
    }

    static func address(_ peer: L2TPEndpoint) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = peer.port.bigEndian
        a.sin_addr.s_addr = peer.address.bigEndian
        return a
    }

    /// A whole datagram (control messages); the count sent or -1 (errno).
    func send(_ datagram: [UInt8], to peer: L2TPEndpoint) -> Int {
        var a = Self.address(peer)
        return datagram.withUnsafeBytes { b in
            withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// `header[start...]` then `payload` as one datagram; the payload
    /// octets sent, or -1 (errno).
    func send(header: [UInt8], from start: Int, payload: [UInt8], to peer: L2TPEndpoint) -> Int {
        var a = Self.address(peer)
        let headerLength = header.count - start
        let n = header.withUnsafeBytes { h in
            payload.withUnsafeBytes { p in
                withUnsafeMutablePointer(to: &a) { ap in
                    var pieces = (iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress! + start), iov_len: headerLength),
                                  iovec(iov_base: UnsafeMutableRawPointer(mutating: p.baseAddress), iov_len: p.count))
                    return withUnsafeMutableBytes(of: &pieces) { iov in
                        var m = msghdr()
                        m.msg_name = UnsafeMutableRawPointer(ap)
                        m.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                        m.msg_iov = iov.baseAddress!.assumingMemoryBound(to: iovec.self)
                        m.msg_iovlen = 2
                        return sendmsg(descriptor, &m, 0)
                    }
                }
            }
        }
        return n < 0 ? -1 : max(0, n - headerLength)
    }
}
