// A message endpoint on one SOCK_SEQPACKET socket: typed sends with a queue
// for EAGAIN, validated receives (catalogue: type, sender, exact length,
// descriptor count), an error reply for every invalid message, and the
// caller's side of calls (ids, parts MORE … END, ABORT, BUSY, timeouts).

/// One validated message with the descriptors that came with it.
public struct Received: ~Copyable {
    public let header: Header
    public let message: Message
    public var descriptors: Descriptors
    public var callID: UInt32 { header.callID }
    public var flags: CallFlags { header.flags }
    /// True when this part ends its call (END, ERROR or ABORT).
    public var isFinal: Bool { !flags.isDisjoint(with: [.end, .error, .abort]) }
}

public struct LinkStats: Sendable, Equatable {
    public var sent = 0
    public var received = 0
    /// Invalid or unpermitted messages dropped (and answered with an error).
    public var rejected = 0
    /// Sends that hit EAGAIN and waited in the queue.
    public var queued = 0
    /// Replies for calls that had already ended (timed out or aborted).
    public var late = 0
    /// 1 when the link was closed because its queue passed `queueLimit`.
    public var overflowed = 0
}

public final class Link {
    public let remote: Peer
    private var socket: FileDescriptor?
    private let loop: EventLoop?
    private var queue: [(bytes: [UInt8], descriptors: [SharedDescriptor])] = []
    /// Bytes waiting in `queue`.
    public private(set) var queuedBytes = 0
    /// A peer that does not read must not grow our memory without end
    /// (issue 15: 12.6 → 55.6 MB in a minute): past this many queued bytes
    /// the link is closed. nil: unbounded, for links whose peer we trust
    /// and whose messages must never be lost (pppinit ↔ daemon).
    public var queueLimit: Int?
    private var buffer = [UInt8](repeating: 0, count: Wire.maxMessageSize + 1)
    public private(set) var stats = LinkStats()
    private var pending: [UInt32: PendingCall] = [:]
    private var nextCallID: UInt32 = 1

    /// A request or notification (anything that is not a reply to our call).
    public var onMessage: ((inout Received) -> Void)?
    /// An invalid message was dropped; the peer already got an error reply.
    public var onInvalid: ((IPCError) -> Void)?
    /// A reply that matches no call of ours (it ended, or was never made):
    /// counted as late, then shown here (e.g. an error answer to a notification).
    public var onUnmatchedReply: ((inout Received) -> Void)?
    /// The peer hung up (or the socket failed). Pending calls fail first.
    public var onClose: (() -> Void)?

    struct PendingCall {
        var onReply: (inout Received) -> Void
        var onFailure: (IPCError) -> Void
        var timer: TimerID?
    }

    public init(_ socket: consuming FileDescriptor, remote: Peer, loop: EventLoop?) {
        self.socket = .some(socket)
        self.remote = remote
        self.loop = loop
    }

    public var raw: Int32 { socket?.raw ?? -1 }
    public var isOpen: Bool { socket != nil }

    /// Starts receiving through the loop.
    public func start() throws(IPCError) {
        guard let loop, isOpen else { return }
        try loop.watch(raw) { [weak self] events in self?.handle(events) }
    }

    public func close() {
        guard isOpen else { return }
        loop?.unwatch(raw)
        socket = nil
        queue.removeAll()
        queuedBytes = 0
        let calls = pending
        pending.removeAll()
        for (_, call) in calls {
            if let t = call.timer { loop?.cancel(t) }
            call.onFailure(.peerClosed)
        }
        onClose?()
    }

    // MARK: sending

    /// Sends one message; descriptors are duplicated by the kernel, so the
    /// caller keeps its own. On EAGAIN the message waits in order.
    public func send(_ m: Message, flags: CallFlags = [], callID: UInt32 = 0, descriptors: [Int32] = []) throws(IPCError) {
        guard isOpen else { throw .peerClosed }
        precondition(descriptors.count == m.descriptorCount, "\(m.type) needs \(m.descriptorCount) descriptors")
        let bytes = try Codec.encode(m, flags: flags, callID: callID)
        try sendRaw(bytes, descriptors: descriptors)
    }

    /// Sends bytes as they are: for tests that must produce invalid messages.
    public func sendRaw(_ bytes: [UInt8], descriptors: [Int32] = []) throws(IPCError) {
        guard isOpen else { throw .peerClosed }
        if queue.isEmpty, try Socket.send(raw, bytes, descriptors: descriptors) {
            stats.sent += 1
            return
        }
        // Hold our own duplicates: the caller may close its descriptors now.
        var held: [SharedDescriptor] = []
        for d in descriptors {
            let dup = try FileDescriptor(adopting: d).duplicateAndRelease()
            held.append(SharedDescriptor(dup))
        }
        try enqueue(bytes, held)
    }

    /// Sends one message whose descriptors the caller holds shared (the fd
    /// store's): on EAGAIN the queue keeps references, not duplicates, so a
    /// process near its descriptor limit cannot lose the message to a
    /// failed dup(2) (issue 13: restore replies dropped at 6,000 sessions).
    public func send(_ m: Message, flags: CallFlags = [], callID: UInt32 = 0, shared: [SharedDescriptor]) throws(IPCError) {
        guard isOpen else { throw .peerClosed }
        precondition(shared.count == m.descriptorCount, "\(m.type) needs \(m.descriptorCount) descriptors")
        let bytes = try Codec.encode(m, flags: flags, callID: callID)
        if queue.isEmpty, try Socket.send(raw, bytes, descriptors: shared.map(\.raw)) {
            stats.sent += 1
            return
        }
        try enqueue(bytes, shared)
    }

    private func enqueue(_ bytes: [UInt8], _ held: [SharedDescriptor]) throws(IPCError) {
        if let queueLimit, queuedBytes + bytes.count > queueLimit {
            stats.overflowed = 1
            close()
            throw .peerClosed
        }
        queue.append((bytes, held))
        queuedBytes += bytes.count
        stats.queued += 1
        try loop?.modify(raw, [.readable, .writable])
    }

    private func flush() {
        while let first = queue.first {
            do {
                guard try Socket.send(raw, first.bytes, descriptors: first.descriptors.map(\.raw)) else { return }
            } catch {
                close()
                return
            }
            stats.sent += 1
            queuedBytes -= first.bytes.count
            queue.removeFirst()
        }
        try? loop?.modify(raw, .readable)
    }

    public func reply(to callID: UInt32, _ m: Message, final: Bool = true, descriptors: [Int32] = []) throws(IPCError) {
        try send(m, flags: final ? .end : .more, callID: callID, descriptors: descriptors)
    }

    public func reply(to callID: UInt32, _ m: Message, final: Bool = true, shared: [SharedDescriptor]) throws(IPCError) {
        try send(m, flags: final ? .end : .more, callID: callID, shared: shared)
    }

    public func replyError(to callID: UInt32, _ code: ErrorCode, _ reason: String) throws(IPCError) {
        try send(.errorReplied(code: code, reason: reason), flags: [.error, .end], callID: callID)
    }

    /// BUSY: the call was not taken; the caller may try again later.
    public func replyBusy(to callID: UInt32, _ reason: String) throws(IPCError) {
        try send(.errorReplied(code: .busy, reason: reason), flags: [.busy, .error, .end], callID: callID)
    }

    // MARK: calls (caller side)

    /// Starts a call; `onReply` sees every part (MORE … END), `onFailure`
    /// a timeout, a hang-up or an abort of ours. Returns the call id.
    @discardableResult
    public func call(_ m: Message, descriptors: [Int32] = [], timeout: Double? = 5,
                     onReply: @escaping (inout Received) -> Void,
                     onFailure: @escaping (IPCError) -> Void) throws(IPCError) -> UInt32 {
        let id = nextCallID
        nextCallID = nextCallID == UInt32.max ? 1 : nextCallID + 1
        var timer: TimerID?
        if let timeout, let loop {
            timer = loop.schedule(after: timeout) { [weak self] in self?.expire(id) }
        }
        pending[id] = PendingCall(onReply: onReply, onFailure: onFailure, timer: timer)
        do {
            try send(m, callID: id, descriptors: descriptors)
        } catch {
            if let timer { loop?.cancel(timer) }
            pending[id] = nil
            throw error
        }
        return id
    }

    /// Abandons a call: tells the server (ABORT) and forgets it.
    public func abort(_ callID: UInt32, code: ErrorCode = .cancelled) {
        guard let call = pending.removeValue(forKey: callID) else { return }
        if let t = call.timer { loop?.cancel(t) }
        try? send(.callAborted(code: code), flags: [.abort], callID: callID)
    }

    public var pendingCalls: Int { pending.count }

    private func expire(_ id: UInt32) {
        // In a busy round the timer can fire before the socket's handler
        // although the answer is already queued: read what is waiting (in
        // bounded batches) before calling the call dead, or a watchdog would
        // kill a daemon that did answer.
        for _ in 0..<16 where isOpen && pending[id] != nil {
            guard (try? Socket.waitReadable(raw, milliseconds: 0)) == true else { break }
            handle(.readable)
        }
        guard let call = pending.removeValue(forKey: id) else { return }
        try? send(.callAborted(code: .timeout), flags: [.abort], callID: id)
        call.onFailure(.timeout)
    }

    // MARK: receiving

    /// Receives and validates one message; nil when nothing is waiting.
    /// Throws .peerClosed at EOF and the validation error for a bad message
    /// (its descriptors are already closed).
    public func receive(blocking: Bool = false) throws(IPCError) -> Received? {
        guard isOpen else { throw .peerClosed }
        guard var dg = try Socket.receive(raw, into: &buffer, blocking: blocking) else { return nil }
        let (h, m): (Header, Message)
        do {
            (h, m) = try Codec.decode(buffer[0..<dg.count], from: remote, descriptorCount: dg.descriptors.count)
        } catch {
            dg.descriptors.closeAll()
            throw error
        }
        stats.received += 1
        return Received(header: h, message: m, descriptors: dg.descriptors)
    }

    private func handle(_ events: IOEvents) {
        if events.contains(.writable) { flush() }
        guard isOpen else { return }
        // Drain a bounded batch so one chatty peer cannot starve the loop.
        for _ in 0..<64 {
            do {
                guard var r = try receive() else { break }
                dispatch(&r)
            } catch .peerClosed {
                close()
                return
            } catch .system {
                // Not the peer's message but the socket itself failing
                // (ENOTSOCK, EBADF, ENOMEM …): it will fail again on every
                // wake-up, so answering it would spin (issue 15). Hang up.
                close()
                return
            } catch {
                reject(error)
            }
            guard isOpen else { return }
        }
        if events.contains(.hangup) || events.contains(.error) {
            // Anything still readable was drained above; the peer is gone.
            if (try? Socket.waitReadable(raw, milliseconds: 0)) != true { close() }
        }
    }

    private func dispatch(_ r: inout Received) {
        let isReplyShaped = !r.flags.isDisjoint(with: [.more, .end, .error, .abort, .busy])
        if isReplyShaped, let call = pending[r.callID] {
            if r.isFinal {
                pending[r.callID] = nil
                if let t = call.timer { loop?.cancel(t) }
            }
            call.onReply(&r)
            return
        }
        if isReplyShaped, r.message.type == .callReplied || r.message.type == .acknowledged
            || r.message.type == .errorReplied || r.message.type == .descriptorsReturned {
            stats.late += 1
            onUnmatchedReply?(&r)
            return
        }
        onMessage?(&r)
    }

    private func reject(_ error: IPCError) {
        stats.rejected += 1
        onInvalid?(error)
        let code: ErrorCode = if case .notPermitted = error { .notPermitted } else { .invalidMessage }
        try? replyError(to: error.callID ?? 0, code, error.description)
    }
}

extension FileDescriptor {
    /// Duplicates a descriptor we do not own, without closing the original.
    consuming func duplicateAndRelease() throws(IPCError) -> FileDescriptor {
        let dup: FileDescriptor
        do { dup = try duplicate() } catch { _ = release(); throw error }
        _ = release()
        return dup
    }
}
