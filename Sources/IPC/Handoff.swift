// The race-free descriptor handoff of DESIGN.md (after FreeBSD ppp's
// multilink link transfer). The sender makes a fresh socketpair R and sends
// the transfer record + descriptors + one end of R in one sendmsg; the
// receiver writes its pid on R ('P' + pid) or refuses ('N' + reason); the
// sender moves its bookkeeping to that pid and writes the ack '!'. Until the
// ack the sender owns the session: if the receiver dies or refuses, nothing
// is lost. Both sides live here so they cannot drift apart.
#if canImport(Glibc)
import Glibc
#endif

public enum HandoffOutcome: Equatable, Sendable {
    /// The receiver took the descriptors: the sender may close its copies.
    case accepted(pid: Int32)
    /// The receiver said no; the sender still owns everything.
    case refused(reason: String)
    /// The receiver died, hung up or timed out; the sender still owns everything.
    case failed(IPCError)
}

/// The sending side: one instance per transfer.
public final class HandoffSender {
    private var ack: FileDescriptor?
    private let loop: EventLoop
    private var timer: TimerID?
    private var completion: ((HandoffOutcome) -> Void)?

    private init(ack: consuming FileDescriptor, loop: EventLoop) {
        self.ack = .some(ack)
        self.loop = loop
    }

    /// Sends `message` with `descriptors` plus R's far end over `link`.
    /// `completion` runs exactly once, from the loop.
    @discardableResult
    public static func send(_ message: Message, descriptors: [Int32], over link: Link, loop: EventLoop,
                            timeout: Double = 5, completion: @escaping (HandoffOutcome) -> Void) throws(IPCError) -> HandoffSender {
        let pair = try Socket.seqpacketPair()
        let sender = HandoffSender(ack: pair.first, loop: loop)
        try link.send(message, descriptors: descriptors + [pair.second.raw])
        try sender.arm(timeout: timeout, completion: completion)
        return sender
    }

    /// The same over a named SOCK_DGRAM rendezvous point. The receiver's
    /// queue holds only net.unix.max_dgram_qlen datagrams (10 by default):
    /// when thousands of sessions reach the Network phase together it is
    /// full (EAGAIN), and we send again after a short, growing pause until
    /// `timeout`. The caller keeps `descriptors` open until the completion,
    /// as it does anyway (they are its until `.accepted`).
    @discardableResult
    public static func send(_ message: Message, descriptors: [Int32], to path: String, loop: EventLoop,
                            timeout: Double = 5, completion: @escaping (HandoffOutcome) -> Void) throws(IPCError) -> HandoffSender {
        let pair = try Socket.seqpacketPair()
        let sender = HandoffSender(ack: pair.first, loop: loop)
        let bytes = try Codec.encode(message, flags: [], callID: 0)
        let s = try Socket.datagram()
        if try Socket.send(s.raw, to: path, bytes, descriptors: descriptors + [pair.second.raw]) {
            try sender.arm(timeout: timeout, completion: completion)
            return sender
        }
        // R's far end stays with us until the datagram is queued; then ours closes.
        sender.pending = Pending(path: path, bytes: bytes, descriptors: descriptors, socket: s, far: pair.second,
                                 deadline: Instant.now().nanoseconds + UInt64(timeout * 1e9))
        sender.completion = completion
        sender.timeout = timeout
        sender.resend(after: Self.firstPause)
        return sender
    }

    /// A datagram the receiver's full queue has not taken yet.
    private struct Pending: ~Copyable {
        let path: String
        let bytes: [UInt8]
        let descriptors: [Int32]
        let socket: FileDescriptor
        let far: FileDescriptor
        let deadline: UInt64
    }
    private var pending: Pending?
    private var timeout = 5.0
    static let firstPause = 0.002
    static let longestPause = 0.1

    private func resend(after pause: Double) {
        timer = loop.schedule(after: pause) { [self] in
            self.timer = nil
            guard let p = self.pending.take() else { return }
            let sent: Bool
            do throws(IPCError) {
                sent = try Socket.send(p.socket.raw, to: p.path, p.bytes, descriptors: p.descriptors + [p.far.raw])
            } catch {
                self.finish(.failed(error))
                return
            }
            if sent {
                guard let completion = self.completion else { return }
                do throws(IPCError) { try self.arm(timeout: self.timeout, completion: completion) } catch { self.finish(.failed(error)) }
                return
            }
            guard Instant.now().nanoseconds < p.deadline else {
                self.finish(.failed(.system(call: "sendmsg(\(p.path))", errno: EAGAIN)))
                return
            }
            self.pending = consume p
            self.resend(after: min(pause * 2, Self.longestPause))
        }
    }

    private func arm(timeout: Double, completion: @escaping (HandoffOutcome) -> Void) throws(IPCError) {
        self.completion = completion
        // Our copy of R's far end was closed when `pair` went out of scope,
        // so a receiver that dies shows up here as EOF.
        try loop.watch(ack?.raw ?? -1) { [self] _ in self.readAnswer() }
        timer = loop.schedule(after: timeout) { [self] in
            self.timer = nil
            // In a busy round the timer can come before R's handler although
            // the answer already waits: read it first (as Link.expire does).
            if let raw = self.ack?.raw, (try? Socket.waitReadable(raw, milliseconds: 0)) == true { self.readAnswer() }
            self.finish(.failed(.timeout))
        }
    }

    private func readAnswer() {
        guard let raw = ack?.raw else { return }
        var buf = [UInt8](repeating: 0, count: 512)
        let n = buf.withUnsafeMutableBytes { recv(raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
        guard n > 0 else { finish(.failed(.peerClosed)); return }
        switch buf[0] {
        case UInt8(ascii: "P") where n == 5:
            let pid = Int32(bitPattern: UInt32(buf[1]) << 24 | UInt32(buf[2]) << 16 | UInt32(buf[3]) << 8 | UInt32(buf[4]))
            // Bookkeeping moves to `pid` in the completion; then the ack.
            let ackByte: [UInt8] = [UInt8(ascii: "!")]
            if (try? Socket.send(raw, ackByte)) == true {
                finish(.accepted(pid: pid))
            } else {
                finish(.failed(.peerClosed))
            }
        case UInt8(ascii: "N"):
            let reason = String(decoding: buf[1..<n], as: UTF8.self)
            finish(.refused(reason: reason))
        default:
            finish(.failed(.invalid(callID: 0, reason: "handoff answer of \(n) bytes starting \(buf[0])")))
        }
    }

    private func finish(_ outcome: HandoffOutcome) {
        guard let completion else { return }
        self.completion = nil
        if let timer { loop.cancel(timer) }
        if let raw = ack?.raw { loop.unwatch(raw) }
        pending = nil
        ack = nil
        completion(outcome)
    }
}

/// The receiving side, built from R (the last descriptor of the transfer).
public final class HandoffReceiver {
    private var ack: FileDescriptor?
    private let loop: EventLoop
    private var timer: TimerID?
    private var completion: ((Bool) -> Void)?

    public init(ack: consuming FileDescriptor, loop: EventLoop) {
        self.ack = .some(ack)
        self.loop = loop
    }

    /// Writes our pid and waits for '!'. `completion(true)`: the descriptors
    /// are ours. `completion(false)`: the sender kept them; close ours.
    public func accept(pid: Int32 = getpid(), timeout: Double = 5, completion: @escaping (Bool) -> Void) throws(IPCError) {
        guard let raw = ack?.raw else { throw .badDescriptor }
        let p = UInt32(bitPattern: pid)
        let msg: [UInt8] = [UInt8(ascii: "P"), UInt8(p >> 24), UInt8(p >> 16 & 0xff), UInt8(p >> 8 & 0xff), UInt8(p & 0xff)]
        guard try Socket.send(raw, msg) else { throw .system(call: "send(handoff)", errno: EAGAIN) }
        self.completion = completion
        try loop.watch(raw) { [self] _ in self.readAck() }
        timer = loop.schedule(after: timeout) { [self] in
            self.timer = nil
            // The sender's '!' may already wait behind this timer in a busy
            // round: closing now would end a session the sender has handed
            // over (it sees ECONNRESET on the channel). Read it first.
            if let raw = self.ack?.raw, (try? Socket.waitReadable(raw, milliseconds: 0)) == true { self.readAck() }
            self.finish(false)
        }
    }

    /// Says no; the sender keeps the session.
    public func refuse(_ reason: String) {
        if let raw = ack?.raw { _ = try? Socket.send(raw, [UInt8(ascii: "N")] + Array(reason.utf8.prefix(400))) }
        ack = nil
    }

    private func readAck() {
        guard let raw = ack?.raw else { return }
        var b: UInt8 = 0
        let n = recv(raw, &b, 1, Int32(MSG_DONTWAIT))
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
        finish(n == 1 && b == UInt8(ascii: "!"))
    }

    private func finish(_ ok: Bool) {
        guard let completion else { return }
        self.completion = nil
        if let timer { loop.cancel(timer) }
        if let raw = ack?.raw { loop.unwatch(raw) }
        ack = nil
        completion(ok)
    }
}
