// Integration: the real ncpd with the test as its linkd. The test does the
// handoff itself (DESIGN.md "The handoff", claiming linkd's uid in
// SCM_CREDENTIALS, which root may) and plays the peer on the channel, to see
// the Protocol-Rejects ncpd sends and how it takes one. The full path through
// linkd (two routers, addresses, ping, iperf3, teardown) is NetworkPathTests.
import Foundation
import IPC
import Testing

/// `ip netns add` with a unique name; `delete()` removes it.
struct Netns {
    let name: String
    init(_ tag: String) throws {
        name = "ppp\(tag)\(getpid() % 100_000)\(UInt16.random(in: 0..<1000))"
        let r = try run("/usr/sbin/ip", ["netns", "add", name])
        guard r.status == 0 else { throw TestFailure("ip netns add \(name): \(r.stderr)") }
        _ = try run("/usr/sbin/ip", ["-n", name, "link", "set", "lo", "up"])
    }
    func exec(_ args: [String], timeout: Double = 30) throws -> CommandResult {
        try run("/usr/sbin/ip", ["netns", "exec", name] + args, timeout: timeout)
    }
    func delete() { _ = try? run("/usr/sbin/ip", ["netns", "delete", name]) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// socketpair(AF_UNIX, SOCK_SEQPACKET): a channel, as linkd makes one.
func seqpacketPair() -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    _ = socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
    return (fds[0], fds[1])
}

/// Hands `channel` to the ncpd of `runtimeDir` as linkd would: the record,
/// the channel and R in one sendmsg with SCM_RIGHTS and SCM_CREDENTIALS
/// (uid = linkd's), then waits for the pid on R and acks with '!'.
func handOver(_ record: ChannelRecord, channel: Int32, to runtimeDir: String, uid: UInt32 = 61001) throws -> Int32 {
    let (r, rFar) = seqpacketPair()
    defer { close(r) }
    let bytes = try Codec.encode(.channelHandedOver(record: record.encoded()), flags: [], callID: 0)
    let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    defer { close(s) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let path = Array((runtimeDir + "/ncpd").utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { p in for (i, b) in path.enumerated() { p[i] = b } }
    // Two control messages (x86_64 cmsghdr: 8-octet len, level, type):
    // SCM_RIGHTS with two descriptors (24), SCM_CREDENTIALS with a ucred (28 → 32).
    var control = [UInt8](repeating: 0, count: 56)
    func put<T: FixedWidthInteger>(_ v: T, _ at: Int) { withUnsafeBytes(of: v) { for (i, b) in $0.enumerated() { control[at + i] = b } } }
    put(UInt64(24), 0); put(Int32(SOL_SOCKET), 8); put(Int32(1 /* SCM_RIGHTS */), 12); put(channel, 16); put(rFar, 20)
    put(UInt64(28), 24); put(Int32(SOL_SOCKET), 32); put(Int32(2 /* SCM_CREDENTIALS */), 36)
    put(getpid(), 40); put(uid, 44); put(uid, 48)
    let sent = bytes.withUnsafeBytes { b in
        control.withUnsafeMutableBytes { c in
            withUnsafeMutablePointer(to: &address) { a in
                var iov = iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr(msg_name: UnsafeMutableRawPointer(a), msg_namelen: socklen_t(MemoryLayout<sockaddr_un>.size),
                                     msg_iov: iovp, msg_iovlen: 1, msg_control: c.baseAddress, msg_controllen: c.count, msg_flags: 0)
                    return sendmsg(s, &msg, 0)
                }
            }
        }
    }
    close(rFar)
    guard sent == bytes.count else { throw TestFailure("sendmsg to ncpd: errno \(errno)") }
    var pfd = pollfd(fd: r, events: Int16(POLLIN), revents: 0)
    guard poll(&pfd, 1, 5000) == 1 else { throw TestFailure("ncpd did not answer the handoff") }
    var answer = [UInt8](repeating: 0, count: 512)
    let n = recv(r, &answer, answer.count, 0)
    guard n == 5, answer[0] == UInt8(ascii: "P") else {
        throw TestFailure("handoff refused: \(String(decoding: answer[1..<max(1, n)], as: UTF8.self))")
    }
    var ack = UInt8(ascii: "!")
    _ = send(r, &ack, 1, 0)
    return Int32(bitPattern: UInt32(answer[1]) << 24 | UInt32(answer[2]) << 16 | UInt32(answer[3]) << 8 | UInt32(answer[4]))
}

extension RouterUnderTest {
    func ncpdSessions() -> [JSON] {
        guard let r = try? ctl(["--json", "call", "ncpd", "sessions"]), r.status == 0 else { return [] }
        return (try? JSON.parse(r.stdout))?["data"]?.array ?? []
    }

    @discardableResult
    func waitForNetwork(_ what: String, seconds: Double = 30, _ condition: ([JSON]) -> Bool) -> [JSON] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [JSON] = []
        while Date() < deadline {
            last = ncpdSessions()
            if condition(last) { return last }
            usleep(100_000)
        }
        Issue.record("ncpd never had \(what) in \(seconds) s; last: \(last); log:\n\(self.log)")
        return last
    }
}

func record(_ session: String, _ configure: (inout NetworkSettings) -> Void) -> ChannelRecord {
    var r = ChannelRecord(session: session, port: "test")
    r.peerMRU = 1500
    configure(&r.network)
    return r
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct NCPTests {
    /// A router with a UDP port named "test" (so hooks accept sessions
    /// "test:N"), nothing listening on its far end.
    func config(_ extra: String) -> String {
        """
        [router]
        seccomp = "kill"
        [port.test]
        type = "udp"
        local = "127.0.0.1:\(UInt16.random(in: 20_000...40_000))"
        remote = "127.0.0.1:9"
        \(extra)
        """
    }

    /// The test is the peer: CCP and a disabled IPv6CP get LCP
    /// Protocol-Rejects; a forwarded Protocol-Reject of IPCP stops IPCP and,
    /// with no NCP left, ncpd closes the channel.
    @Test func protocolRejectsBothWays() throws {
        let ns = try Netns("r")
        defer { ns.delete() }
        let cfg = try TempConfig(config(""))
        defer { cfg.remove() }
        let router = try RouterUnderTest(config: cfg.path, netns: ns.name)
        defer { router.stop() }
        _ = try router.allRunning()
        let (end, mine) = seqpacketPair()
        defer { close(mine) }
        _ = try handOver(record("test:98") { $0.localAddress = 0x0a62_0001; $0.remoteAddress = 0x0a62_0002 },
                         channel: end, to: router.runtimeDir)
        close(end)
        func frame(_ proto: UInt16, _ info: [UInt8]) { let f = [UInt8(proto >> 8), UInt8(proto & 0xff)] + info; _ = send(mine, f, f.count, 0) }
        func receive(timeout: Int32 = 3000) -> [UInt8]? {
            var p = pollfd(fd: mine, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, timeout) == 1 else { return nil }
            var b = [UInt8](repeating: 0, count: 2048)
            let n = recv(mine, &b, b.count, 0)
            return n > 0 ? Array(b[0..<n]) : []
        }
        /// Frames until one matching `match` (IPCP requests keep coming).
        func expectFrame(_ what: String, _ match: ([UInt8]) -> Bool) -> [UInt8]? {
            for _ in 0..<20 { guard let f = receive() else { break }; if match(f) { return f } }
            Issue.record("no \(what); log:\n\(router.log)")
            return nil
        }
        _ = expectFrame("IPCP Configure-Request") { $0.count > 2 && $0[0] == 0x80 && $0[1] == 0x21 && $0[2] == 1 }
        frame(0x80fd, [1, 1, 0, 4])  // CCP Configure-Request
        let ccp = expectFrame("Protocol-Reject of CCP") { $0.starts(with: [0xc0, 0x21, 8]) }
        #expect(ccp.map { Array($0[6...]) } == [0x80, 0xfd, 1, 1, 0, 4])
        frame(0x8057, [1, 1, 0, 4])  // IPv6CP, off on this port
        let v6 = expectFrame("Protocol-Reject of IPv6CP") { $0.starts(with: [0xc0, 0x21, 8]) }
        #expect(v6.map { Array($0[6..<8]) } == [0x80, 0x57])
        // linkd forwards the peer's Protocol-Reject of IPCP: IPCP stops, and
        // with no NCP running ncpd closes the channel (EOF here).
        frame(0xc021, [8, 5, 0, 10, 0x80, 0x21, 1, 1, 0, 4])
        var closed = false
        for _ in 0..<20 { if receive() == [] { closed = true; break } }
        #expect(closed, "ncpd kept the channel; log:\n\(router.log)")
        router.waitForNetwork("no session", { $0.isEmpty })
    }
}
