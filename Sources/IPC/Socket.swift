// Unix socket syscalls, wrapped thinly: SOCK_SEQPACKET socketpairs for links
// and channels, SOCK_DGRAM for named rendezvous points, and one sendmsg /
// recvmsg pair that carries descriptors (SCM_RIGHTS) and credentials.
#if canImport(Glibc)
import Glibc
#endif
import CShim

/// Credentials of a sender, from SO_PEERCRED or SCM_CREDENTIALS.
public struct Credentials: Equatable, Sendable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    public init(pid: Int32, uid: UInt32, gid: UInt32) { self.pid = pid; self.uid = uid; self.gid = gid }
}

public enum Socket {
    /// socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK).
    /// Boundaries kept, descriptors passed, and a dead peer shows up as EOF.
    public static func seqpacketPair(blocking: Bool = false) throws(IPCError) -> SocketPair {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | (blocking ? 0 : Int32(SOCK_NONBLOCK.rawValue))
        _ = try Errno.check("socketpair") { socketpair(AF_UNIX, type, 0, &fds) }
        return SocketPair(first: FileDescriptor(adopting: fds[0]), second: FileDescriptor(adopting: fds[1]))
    }

    /// The send buffer of each end of a PPP channel (DESIGN.md "Channels").
    /// The default (net.core.wmem_default, ~208 KiB: some 90 full-size
    /// frames as skb truesize counts them) overflows at a few hundred Mbit/s
    /// whenever the reader is briefly descheduled, and every frame dropped
    /// there is work already done and a TCP retransmission.
    public static let channelSendBuffer = 1 << 20

    /// setsockopt(SO_SNDBUF): for an AF_UNIX datagram socket the send buffer
    /// bounds the frames in flight to its peer. The kernel caps it at
    /// net.core.wmem_max (and doubles it for its bookkeeping); `force`
    /// (SO_SNDBUFFORCE, CAP_NET_ADMIN) goes beyond that cap, falling back to
    /// the capped size without the capability. A failure leaves the
    /// default, which still works, only with less room.
    public static func setSendBuffer(_ fd: Int32, bytes: Int, force: Bool = false) {
        var v = Int32(clamping: bytes)
        let size = socklen_t(MemoryLayout<Int32>.size)
        if force && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, size) == 0 { return }
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, size)
    }

    /// getsockopt(SO_SNDBUF): the send buffer the kernel accounts (twice
    /// what was set), or nil.
    public static func sendBuffer(_ fd: Int32) -> Int? {
        var v: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &size) == 0 ? Int(v) : nil
    }

    /// socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK).
    public static func datagram() throws(IPCError) -> FileDescriptor {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        return FileDescriptor(adopting: try Errno.check("socket") { socket(AF_UNIX, type, 0) })
    }

    /// One datagram, all or nothing (sendmsg with SCM_RIGHTS). false: EAGAIN.
    public static func send(_ fd: Int32, _ bytes: [UInt8], descriptors: [Int32] = []) throws(IPCError) -> Bool {
        try Errno.retrying("sendmsg") {
            bytes.withUnsafeBytes { buf in
                descriptors.withUnsafeBufferPointer { fds in
                    ppp_send_fds(fd, buf.baseAddress, buf.count, fds.baseAddress, Int32(fds.count))
                }
            }
        } != nil
    }

    /// sendmsg to a named SOCK_DGRAM address. false: EAGAIN.
    public static func send(_ fd: Int32, to path: String, _ bytes: [UInt8], descriptors: [Int32] = []) throws(IPCError) -> Bool {
        try Errno.retrying("sendmsg") {
            bytes.withUnsafeBytes { buf in
                descriptors.withUnsafeBufferPointer { fds in
                    ppp_sendto_unix(fd, path, buf.baseAddress, buf.count, fds.baseAddress, Int32(fds.count))
                }
            }
        } != nil
    }

    /// One datagram with its descriptors and credentials. Returns nil on
    /// EAGAIN; throws .peerClosed on EOF, .truncated / .controlTruncated on
    /// MSG_TRUNC / MSG_CTRUNC (every descriptor that arrived is closed then).
    public static func receive(_ fd: Int32, into buffer: inout [UInt8], blocking: Bool = false)
        throws(IPCError) -> Datagram? {
        var r = ppp_recv_result()
        let flags = blocking ? Int32(0) : Int32(MSG_DONTWAIT)
        var reset = false
        while true {
            buffer.withUnsafeMutableBytes { buf in ppp_recv_fds(fd, buf.baseAddress, buf.count, flags, &r) }
            if r.bytes >= 0 { break }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            // The peer closed with messages of ours unread. Linux reports
            // that before what the peer sent first (e.g. why it refused
            // us), which is still queued: read on; end of file follows.
            if e == ECONNRESET && !reset { reset = true; continue }
            if e == ECONNRESET { throw .peerClosed }
            throw .system(call: "recvmsg", errno: e)
        }
        let raws = withUnsafeBytes(of: r.fds) { Array($0.bindMemory(to: Int32.self).prefix(Int(r.nfds))) }
        var descriptors = Descriptors(adopting: raws)
        if r.msg_flags & Int32(MSG_TRUNC) != 0 { descriptors.closeAll(); throw .truncated }
        if r.msg_flags & Int32(MSG_CTRUNC) != 0 { descriptors.closeAll(); throw .controlTruncated }
        if r.bytes == 0 && raws.isEmpty { throw .peerClosed }
        let cred = r.have_cred != 0 ? Credentials(pid: r.pid, uid: r.uid, gid: r.gid) : nil
        return Datagram(count: Int(r.bytes), descriptors: descriptors, credentials: cred)
    }

    /// SO_DOMAIN and SO_TYPE: true only for an AF_UNIX SOCK_SEQPACKET
    /// socket, the one kind a conversation may run on. A pipe end, an
    /// eventfd or a UDP socket passed in its place fails here, before it is
    /// adopted (issue 15: recvmsg on it fails forever, or never fires).
    public static func isUnixSeqpacket(_ fd: Int32) -> Bool {
        var domain: Int32 = 0, type: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size) == 0 else { return false }
        size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 else { return false }
        return domain == AF_UNIX && type == Int32(SOCK_SEQPACKET.rawValue)
    }

    /// SO_PEERCRED: who created (or connected) the other end.
    public static func peerCredentials(_ fd: Int32) throws(IPCError) -> Credentials {
        var pid: pid_t = 0, uid: uid_t = 0, gid: gid_t = 0
        _ = try Errno.check("getsockopt(SO_PEERCRED)") { ppp_peer_cred(fd, &pid, &uid, &gid) }
        return Credentials(pid: pid, uid: uid, gid: gid)
    }

    public static func setBlocking(_ fd: Int32, _ blocking: Bool) throws(IPCError) {
        let flags = try Errno.check("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        let new = blocking ? flags & ~Int32(O_NONBLOCK) : flags | Int32(O_NONBLOCK)
        _ = try Errno.check("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, new) }
    }

    /// Waits up to `milliseconds` for `fd` to become readable (poll(2)).
    /// Used only during start-up, before a daemon's event loop runs.
    public static func waitReadable(_ fd: Int32, milliseconds: Int32) throws(IPCError) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = try Errno.retrying("poll") { poll(&p, 1, milliseconds) } ?? 0
        return n > 0
    }
}

@frozen public struct SocketPair: ~Copyable {
    public var first: FileDescriptor
    public var second: FileDescriptor
}

/// One received datagram's metadata; the bytes are in the caller's buffer.
public struct Datagram: ~Copyable {
    public var count: Int
    public var descriptors: Descriptors
    public var credentials: Credentials?
}

/// Named SOCK_DGRAM rendezvous points (DESIGN.md): bind() succeeding makes
/// you the owner; EADDRINUSE means someone may own it, so connect(); a
/// refused connect() means a stale socket file: unlink and bind.
public enum Rendezvous {
    public enum Outcome: ~Copyable {
        /// We own the name; receive on this socket (SO_PASSCRED is set).
        case owner(FileDescriptor)
        /// A live owner exists; this socket is connected to it.
        case client(FileDescriptor)
    }

    public static func open(_ path: String, mode: mode_t = 0o666) throws(IPCError) -> Outcome {
        for _ in 0..<2 {
            let s = try Socket.datagram()
            let raw = s.raw
            if ppp_unix_bind(raw, path) == 0 {
                _ = chmod(path, mode)
                _ = try Errno.check("setsockopt(SO_PASSCRED)") { ppp_set_passcred(raw) }
                return .owner(s)
            }
            guard errno == EADDRINUSE else { throw .system(call: "bind(\(path))", errno: errno) }
            s.close()
            let c = try Socket.datagram()
            let craw = c.raw
            if ppp_unix_connect(craw, path) == 0 { return .client(c) }
            guard errno == ECONNREFUSED else { throw .system(call: "connect(\(path))", errno: errno) }
            // Stale: the owner died without unlinking. Take the name over.
            c.close()
            _ = unlink(path)
        }
        throw .system(call: "bind(\(path))", errno: EADDRINUSE)
    }

    /// Connects to an existing rendezvous; ECONNREFUSED/ENOENT mean nobody is there.
    public static func connect(_ path: String) throws(IPCError) -> FileDescriptor {
        let c = try Socket.datagram()
        let raw = c.raw
        _ = try Errno.check("connect(\(path))") { ppp_unix_connect(raw, path) }
        return c
    }
}
