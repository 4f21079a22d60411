// An unconnected IPv4 UDP socket for a server side (RFC 5176's Dynamic
// Authorization Server, and the tests' fake RADIUS servers): receive with
// the sender's address, answer to that address. Non-blocking; the buffer is
// reused, so a datagram costs no allocation until it is parsed.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

struct DatagramSender: Equatable, Hashable {
    var address: UInt32
    var port: UInt16
    var description: String { "\(IPv4.format(address)):\(port)" }
}

final class DatagramSocket {
    let fd: SharedDescriptor
    private var buffer = [UInt8](repeating: 0, count: 4097)

    /// The port the socket is bound to, read once at adoption: getsockname
    /// is not in the daemons' seccomp allowlist.
    let localPort: UInt16

    /// Adopts a bound socket (pppinit's, passed at exec).
    init(adopting fd: consuming FileDescriptor) {
        self.fd = SharedDescriptor(fd)
        localPort = Self.boundPort(self.fd.raw)
    }

    /// Binds `address:port` (port 0: the kernel picks one).
    convenience init(binding address: UInt32, port: UInt16) throws(IPCError) {
        let raw = ppp_udp_open("\(IPv4.format(address)):\(port)", "")
        guard raw >= 0 else { throw .system(call: "bind(udp \(IPv4.format(address)):\(port))", errno: errno) }
        self.init(adopting: FileDescriptor(adopting: raw))
    }

    private static func boundPort(_ fd: Int32) -> UInt16 {
        var a = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let r = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return r == 0 ? UInt16(bigEndian: a.sin_port) : 0
    }

    /// One datagram and its IPv4 sender, or nil when none is waiting.
    /// Oversized datagrams come back truncated to 4097 octets, which every
    /// RADIUS parser refuses (§3: at most 4096).
    func receive() -> (bytes: ArraySlice<UInt8>, from: DatagramSender)? {
        var a = sockaddr_in()
        for _ in 0..<8 {
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buffer.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &a) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd.raw, b.baseAddress, b.count, 0, $0, &len) }
                }
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0, Int32(a.sin_family) == AF_INET else { return nil }
            return (buffer[0..<n], DatagramSender(address: UInt32(bigEndian: a.sin_addr.s_addr), port: UInt16(bigEndian: a.sin_port)))
        }
        return nil
    }

    /// Sends one datagram; false when the kernel refused it (a lost answer
    /// is what the client's retransmission is for).
    @discardableResult
    func send(_ bytes: [UInt8], to: DatagramSender) -> Bool {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = to.port.bigEndian
        a.sin_addr.s_addr = to.address.bigEndian
        let n = bytes.withUnsafeBytes { b in
            withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd.raw, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return n == bytes.count
    }
}
