// This linkd's mux to ncpd (issue 13 point 1; docs/design.md "Fewer
// descriptors per session"): one SEQPACKET pair for all of the port's
// sessions that go to ncpd, instead of one per session, so a session holds
// no descriptor here. The pair is made on the first session that needs it
// and its far end handed to ncpd once with the handoff protocol
// (muxHandedOver); our end is deposited once (key mux:PORT). A session's
// handoff becomes a session-open record on the mux under a handle (the
// session's number on this port), answered by ncpd's accept or refuse;
// frames then go both ways behind the handle (IPC/MuxEndpoint: batched
// reads, a bounded queue per session, round-robin writes when full).
// Opens wait while the mux itself is being handed over; a busy or
// restarting ncpd costs a retry, never a session.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

final class MuxLink {
    enum State: String { case none, handingOver = "handing-over", ready }

    private(set) var state = State.none
    let port: String
    private let rt: DaemonRuntime
    private(set) var endpoint: MuxEndpoint?
    /// Our copy of the far end until ncpd acks.
    private var far: FileDescriptor?
    private var own: FileDescriptor?
    private var retry: TimerID?
    /// The sessions on the mux, by handle (opening or relaying).
    private var relays: [UInt32: ChannelRelay] = [:]
    /// Opens waiting for the mux to be ready.
    private var waiting: [UInt32] = []
    private(set) var handoffAttempts = 0, handoffRetries = 0

    static let largestFrame = ChannelFrame.superPacketHeaderLength + ChannelFrame.superPacketMaximum

    init(port: String, runtime: DaemonRuntime) {
        self.port = port
        rt = runtime
    }

    var sessionCount: Int { relays.count }

    // MARK: the mux itself

    private func handOver() {
        guard state == .none else { return }
        state = .handingOver
        handoffAttempts += 1
        let pair: SocketPair
        do { pair = try Socket.seqpacketPair() } catch {
            rt.log.warning("mux of \(port): no socketpair: \(error)")
            again(after: 1)
            return
        }
        Socket.setSendBuffer(pair.first.raw, bytes: Socket.channelSendBuffer * 4)
        Socket.setSendBuffer(pair.second.raw, bytes: Socket.channelSendBuffer * 4)
        let farRaw = pair.second.raw
        own = .some(pair.first)
        far = .some(pair.second)
        do {
            try HandoffSender.send(.muxHandedOver(record: MuxHandoff(port: port).encoded()), descriptors: [farRaw],
                                   to: rt.runtimeDir + "/" + Peer.ncpd.description, loop: rt.loop) { [weak self] outcome in
                self?.handedOver(outcome)
            }
        } catch {
            handedOver(.failed(error))
        }
    }

    private func handedOver(_ outcome: HandoffOutcome) {
        guard state == .handingOver else { return }
        switch outcome {
        case .accepted(let pid):
            far = nil
            guard let fd = own.take() else { return }
            guard install(fd) else { return }
            do {
                try rt.deposit(key: .mux(port), record: MuxHandoff(port: port).encoded(), descriptors: [endpoint!.raw])
            } catch {
                rt.log.warning("mux of \(port): fd store deposit failed (a restart would lose its sessions): \(error)")
            }
            rt.log.info("mux of \(port): held by ncpd (pid \(pid))")
            let opens = waiting
            waiting = []
            for h in opens { sendOpen(h) }
        case .refused(let reason):
            rt.log.warning("mux of \(port): ncpd refused it: \(reason)")
            own = nil; far = nil
            again(after: 1)
        case .failed(let error):
            own = nil; far = nil
            handoffRetries += 1
            if handoffRetries == 1 { rt.log.notice("mux of \(port): ncpd did not take it (\(error)); sending it again") }
            again(after: ChannelRelay.ownerIsBusy(error) ? ChannelRelay.busyRetryDelay : ChannelRelay.retryDelay)
        }
    }

    private func again(after seconds: Double) {
        state = .none
        retry = rt.loop.schedule(after: seconds) { [weak self] in
            guard let self else { return }
            self.retry = nil
            if !self.relays.isEmpty { self.handOver() }
        }
    }

    @discardableResult
    private func install(_ fd: consuming FileDescriptor) -> Bool {
        do { endpoint = try MuxEndpoint(fd, loop: rt.loop, largestFrame: Self.largestFrame) } catch {
            rt.log.warning("mux of \(port): cannot watch it: \(error)")
            state = .none
            return false
        }
        endpoint!.onFrame = { [unowned self] handle, frame in
            guard let relay = self.relays[handle] else { self.endpoint?.unknown(); return }
            relay.muxFrame(frame)
        }
        endpoint!.onControl = { [unowned self] c in self.control(c) }
        endpoint!.onClosed = { [unowned self] why in self.closed(why) }
        state = .ready
        return true
    }

    /// After a restart of linkd: our end back from the fd store, before the
    /// sessions on it resume.
    func resume(_ entries: [RestoredEntry]) {
        for e in entries {
            guard case let .mux(p) = e.key else { continue }
            guard p == port, e.descriptors.count == 1, (try? MuxHandoff.decode(e.record))?.port == port,
                  let fd = e.descriptors[0].take() else {
                rt.log.warning("\(e.key): unusable deposit; dropping it")
                try? rt.withdraw(key: e.key)
                continue
            }
            if install(fd) { rt.log.notice("mux of \(port): resumed after a restart") }
        }
    }

    var isReady: Bool { state == .ready }

    // MARK: sessions

    /// A session's handoff: a session-open now, or once the mux is held.
    func open(_ relay: ChannelRelay) {
        relays[relay.handle] = relay
        if state == .ready { sendOpen(relay.handle) } else {
            waiting.append(relay.handle)
            if state == .none && retry == nil { handOver() }
        }
    }

    private func sendOpen(_ handle: UInt32) {
        guard let relay = relays[handle], let endpoint else { return }
        endpoint.send(.open(handle: handle, record: relay.record))
    }

    /// A session resumed after a restart on the mux.
    func adopt(_ relay: ChannelRelay) { relays[relay.handle] = relay }

    /// Our side of a session is done: ncpd hears session-close (unless it
    /// said so first).
    func close(_ handle: UInt32, reason: String, tell: Bool) {
        guard relays.removeValue(forKey: handle) != nil else { return }
        waiting.removeAll { $0 == handle }
        guard let endpoint else { return }
        endpoint.forget(handle)
        if tell { endpoint.send(.close(handle: handle, reason: reason)) }
    }

    private func control(_ c: MuxControl) {
        guard let relay = relays[c.handle] else { endpoint?.unknown(); return }
        switch c {
        case .accept(_, let pid): relay.handedOver(.accepted(pid: pid))
        case .refuse(_, let reason): relay.handedOver(.refused(reason: reason))
        case .close(_, let reason): relay.muxClosed(reason)
        case .open: endpoint?.unknown()
        }
    }

    /// ncpd's end closed for good: every session on it ends, and the next
    /// one makes a new mux.
    private func closed(_ why: String) {
        rt.log.notice("mux of \(port): \(why)")
        try? rt.withdraw(key: .mux(port))
        endpoint = nil
        state = .none
        for relay in Array(relays.values) { relay.muxClosed("ncpd closed the mux") }
        relays = [:]
    }

    // MARK: sending

    @discardableResult
    func send(_ handle: UInt32, protocol proto: UInt16, information: UnsafeRawBufferPointer) -> ChannelSend {
        guard let endpoint else { return .gone(EPIPE) }
        return Self.result(endpoint.send(handle: handle, protocol: proto, information: information))
    }

    @discardableResult
    func send(_ handle: UInt32, _ header: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) -> ChannelSend {
        guard let endpoint else { return .gone(EPIPE) }
        return Self.result(endpoint.send(handle: handle, header, body))
    }

    static func result(_ r: MuxSend) -> ChannelSend {
        switch r {
        case .sent, .queued: return .sent
        case .full: return .full
        case .gone(let e): return .gone(e)
        }
    }

    /// linkd's `status` "mux" (issue 13): the mux's state, its sessions
    /// and handoffs, and the endpoint's counters since it was made (none
    /// before the first session needs it).
    var json: JSONObject {
        var o: JSONObject = ["state": .string(state.rawValue), "sessions": .int(Int64(relays.count)),
                             "handoff_attempts": .int(Int64(handoffAttempts)), "handoff_retries": .int(Int64(handoffRetries))]
        if let endpoint {
            endpoint.counters.add(to: &o)
            o["waiting"] = .int(Int64(endpoint.waitingFrames))
        }
        return o
    }
}
