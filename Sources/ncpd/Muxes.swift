// linkd's muxes in ncpd (issue 13 point 1; docs/design.md "Fewer
// descriptors per session"): one SEQPACKET socket per linkd carries all its
// sessions, each frame behind the handle linkd chose (IPC/MuxFrame.swift).
// A session-open is what a channel handoff was: the session's record; ncpd
// plans its addresses and answers accept (its pid, the handoff's step 3) or
// refuse (the reason; linkd terminates the session cleanly). From then on the
// session's frames arrive here and are handed to its NetworkSession; a frame
// for a handle not open here is dropped and counted. The mux is deposited
// once (key mux:PORT); a session on it deposits only its TUN unit.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

final class Muxes {
    /// One linkd's mux and the sessions on it.
    final class Mux {
        let port: String
        let endpoint: MuxEndpoint
        var sessions: [UInt32: NetworkSession] = [:]
        /// Frames for sessions accepted but not started yet (their unit's
        /// descriptor is on its way): held, a few, delivered at start.
        var early: [UInt32: [[UInt8]]] = [:]
        var droppedEarly = 0
        init(port: String, endpoint: MuxEndpoint) { self.port = port; self.endpoint = endpoint }
    }

    static let earlyLimit = 8
    /// The longest channel frame: a super-packet (issue 21).
    static let largestFrame = ChannelFrame.superPacketHeaderLength + ChannelFrame.superPacketMaximum

    private let runtime: DaemonRuntime
    private unowned let channels: Channels
    private(set) var byPort: [String: Mux] = [:]
    /// session-opens refused, muxes refused.
    private(set) var refusedOpens = 0, refusedMuxes = 0

    init(runtime: DaemonRuntime, channels: Channels) {
        self.runtime = runtime
        self.channels = channels
    }

    // MARK: a mux arrives

    /// muxHandedOver from linkd: descriptors [mux, R].
    func arrived(_ a: inout RendezvousArrival) {
        guard case let .muxHandedOver(bytes) = a.message, a.sender == .linkd, a.descriptors.count == 2 else {
            a.descriptors.closeAll()
            refusedMuxes += 1
            return
        }
        let fd = SharedDescriptor(a.descriptors.take(0))
        let receiver = HandoffReceiver(ack: a.descriptors.take(1), loop: runtime.loop)
        let handoff: MuxHandoff
        do { handoff = try MuxHandoff.decode(bytes) } catch {
            refusedMuxes += 1
            channels.intake.refuse(receiver, "bad mux record: \(error)")
            return
        }
        guard Socket.isUnixSeqpacket(fd.raw) else {
            refusedMuxes += 1
            channels.intake.refuse(receiver, "the mux is not a SEQPACKET socket")
            return
        }
        channels.intake.accept(receiver, "mux of \(handoff.port)") { [unowned self] ok in
            guard ok, let mux = fd.take() else { return }
            self.install(handoff.port, mux, deposit: true)
        }
    }

    @discardableResult
    private func install(_ port: String, _ fd: consuming FileDescriptor, deposit: Bool) -> Mux? {
        if let old = byPort.removeValue(forKey: port) {
            // linkd of this port started over without its old mux: the
            // sessions on the old one cannot be reached any more.
            endAll(old, reason: "linkd of \(port) replaced its mux")
        }
        let endpoint: MuxEndpoint
        do { endpoint = try MuxEndpoint(fd, loop: runtime.loop, largestFrame: Self.largestFrame) } catch {
            runtime.log.warning("mux of \(port): cannot watch it: \(error)")
            return nil
        }
        // Every session's burst shares this socket: as much room as the
        // kernel gives us (CAP_NET_ADMIN goes beyond net.core.wmem_max).
        Socket.setSendBuffer(endpoint.raw, bytes: Socket.channelSendBuffer * 4, force: true)
        let mux = Mux(port: port, endpoint: endpoint)
        endpoint.onFrame = { [unowned self, unowned mux] handle, frame in self.frame(mux, handle, frame) }
        endpoint.onControl = { [unowned self, unowned mux] c in self.control(mux, c) }
        endpoint.onClosed = { [unowned self, unowned mux] why in self.closed(mux, why) }
        byPort[port] = mux
        if deposit {
            do {
                try runtime.deposit(key: .mux(port), record: MuxHandoff(port: port).encoded(), descriptors: [endpoint.raw])
            } catch {
                runtime.log.warning("mux of \(port): fd store deposit failed (a restart would lose its sessions): \(error)")
            }
        }
        runtime.log.info("mux of \(port) held")
        return mux
    }

    /// After a restart: the muxes come back first, so the sessions deposited
    /// with a handle find theirs.
    func resume(_ entries: [RestoredEntry]) {
        for e in entries {
            guard case let .mux(port) = e.key else { continue }
            guard e.descriptors.count == 1, (try? MuxHandoff.decode(e.record))?.port == port,
                  let fd = e.descriptors[0].take() else {
                runtime.log.warning("\(e.key): unusable deposit; dropping it")
                try? runtime.withdraw(key: e.key)
                continue
            }
            install(port, fd, deposit: false)
        }
    }

    /// A resumed session's channel on the mux of `port`; nil when that mux
    /// did not come back.
    func channel(port: String, handle: UInt32) -> SessionChannel? {
        guard let mux = byPort[port], mux.sessions[handle] == nil else { return nil }
        return SessionChannel(mux: mux.endpoint, handle: handle)
    }

    // MARK: sessions

    private func mux(of session: NetworkSession) -> Mux? {
        guard let endpoint = session.channel.mux, let mux = byPort[session.record.port], mux.endpoint === endpoint else { return nil }
        return mux
    }

    /// Accepted (or resumed): frames for it are held until `begin`.
    func attach(_ session: NetworkSession) {
        guard let mux = mux(of: session) else { return }
        mux.sessions[session.channel.handle] = session
        if mux.early[session.channel.handle] == nil { mux.early[session.channel.handle] = [] }
    }

    /// Started: what was held is delivered, in order.
    func begin(_ session: NetworkSession) {
        attach(session)
        guard let mux = mux(of: session), let held = mux.early.removeValue(forKey: session.channel.handle) else { return }
        let buf = channels.buffers.frame
        for f in held where !session.ended {
            let frame = UnsafeMutableRawBufferPointer(rebasing: buf[FrameBuffers.receiveAt..<(FrameBuffers.receiveAt + f.count)])
            frame.copyBytes(from: f)
            session.channelFrame(frame, f.count)
        }
    }

    /// Ended (either side): its handle is free.
    func detach(_ session: NetworkSession) {
        guard let mux = mux(of: session), mux.sessions[session.channel.handle] === session else { return }
        mux.sessions[session.channel.handle] = nil
        mux.early[session.channel.handle] = nil
    }

    var sessionCount: Int { byPort.values.reduce(0) { $0 + $1.sessions.count } }

    // MARK: from linkd

    private func frame(_ mux: Mux, _ handle: UInt32, _ frame: UnsafeMutableRawBufferPointer) {
        guard let session = mux.sessions[handle] else { mux.endpoint.unknown(); return }
        if mux.early[handle] != nil {
            if mux.early[handle]!.count < Self.earlyLimit { mux.early[handle]!.append(Array(frame)) } else { mux.droppedEarly += 1 }
            return
        }
        session.channelFrame(frame, frame.count)
    }

    private func control(_ mux: Mux, _ c: MuxControl) {
        switch c {
        case let .open(handle, record): open(mux, handle, record)
        case let .close(handle, reason):
            guard let session = mux.sessions[handle] else { mux.endpoint.unknown(); return }
            session.channel.peerClosed()
            session.end(reason: "linkd closed the session: \(reason)")
        case .accept, .refuse:
            // linkd's answers are for ncpd's opens, and ncpd opens none.
            mux.endpoint.unknown()
        }
    }

    private func open(_ mux: Mux, _ handle: UInt32, _ record: ChannelRecord) {
        let refuse = { [unowned self] (why: String) in
            self.refusedOpens += 1
            mux.endpoint.send(.refuse(handle: handle, reason: why))
        }
        guard mux.sessions[handle] == nil else { return refuse("handle \(handle) is in use") }
        guard record.port == mux.port else { return refuse("session of port \(record.port) on the mux of \(mux.port)") }
        guard record.multilink == nil, record.bridgeWith.isEmpty else { return refuse("multilink and bridged sessions have channels of their own") }
        switch channels.plan(record: record) {
        case .failure(let why): refuse(why.reason)
        case .success(let plan):
            mux.endpoint.send(.accept(handle: handle, pid: getpid()))
            channels.adopt(record, SessionChannel(mux: mux.endpoint, handle: handle), plan)
        }
    }

    /// linkd's end is closed for good (the port went away and withdrew its
    /// deposit): every session on it ends.
    private func closed(_ mux: Mux, _ why: String) {
        runtime.log.notice("mux of \(mux.port): \(why)")
        guard byPort[mux.port] === mux else { return }
        byPort[mux.port] = nil
        try? runtime.withdraw(key: .mux(mux.port))
        endAll(mux, reason: "linkd's mux closed")
    }

    private func endAll(_ mux: Mux, reason: String) {
        for s in Array(mux.sessions.values) {
            s.channel.peerClosed()
            s.end(reason: reason)
        }
        mux.endpoint.close()
    }

    /// ncpd's `status` "mux" (issue 13): each port's mux with its
    /// sessions and the endpoint's counters, and the frames dropped
    /// because they came before their session was set up.
    var json: JSONObject {
        var o: JSONObject = [:]
        for port in byPort.keys.sorted() {
            guard let mux = byPort[port] else { continue }
            var m: JSONObject = ["sessions": .int(Int64(mux.sessions.count))]
            mux.endpoint.counters.add(to: &m)
            m["waiting"] = .int(Int64(mux.endpoint.waitingFrames))
            m["dropped_early"] = .int(Int64(mux.droppedEarly))
            o[port] = .object(m)
        }
        return o
    }
}
