// The Network phase of one session (DESIGN.md "Channels", "The handoff"):
// hands one end of a fresh SEQPACKET pair to ncpd (or to bridged, to be
// spliced to the partner session the record names) with the session's
// description, then relays frames between the wire and that channel. Until
// the owner's ack the session is still ours alone; afterwards whoever holds
// the far end speaks for the session's network side. A channel may wait
// (`waiting`) for a bridge partner before it is handed over; its frames
// from the wire are dropped silently meanwhile, never Protocol-Rejected.
// Frames move through IPC's ChannelPump: one receive buffer, reads in
// batches, sends gathered without a copy; no per-frame heap allocation.
// A session of a PPPoE access concentrator goes to ncpd over the port's mux
// instead (MuxLink, issue 13 point 1): the handoff is a session-open under
// `handle`, ncpd's accept is the ack, and no descriptor is ours.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

final class ChannelRelay {
    enum State: String { case waiting, handingOver = "handing-over", relaying, closed }

    struct Counters {
        /// Frames and octets (Protocol + Information) wire → channel.
        var framesToChannel = 0, octetsToChannel = 0
        /// Frames and octets channel → wire (before HDLC/UDP framing).
        var framesFromChannel = 0, octetsFromChannel = 0
        /// Channel frames longer than the peer's MRU (RFC 1661 §6.1).
        var droppedOverMRU = 0
        /// Channel frames that are malformed or of a protocol the owner may not send.
        var droppedInvalid = 0
        /// Wire frames for the channel that came before ncpd's ack.
        var droppedBeforeHandoff = 0
        /// Wire frames the channel did not take: full (the owner is
        /// behind), or gone (the owner's end is closed; its hang-up follows).
        var toChannel = ChannelDrops()
        var handoffAttempts = 0
        /// Handoffs sent again because the owner was busy (its rendezvous
        /// queue full, or no answer in time): never a reason to end.
        var handoffBusyRetries = 0
        /// Issue 17 point 3: handoffs sent to the link's bundle's own
        /// rendezvous point, and attempts that found none there (no bundle
        /// yet, or a stale socket): those went to ncpd's rendezvous.
        var bundleTransfers = 0, bundleNotFound = 0
        /// Issue 21: super-packets the owner sent (segmented for the wire),
        /// and coalesced ones sent to it.
        var superPacketsFromChannel = 0, superPacketsToChannel = 0
    }

    private(set) var state = State.waiting
    /// Who gets the channel: ncpd, or bridged (record.bridgeWith set).
    private(set) var owner = Peer.ncpd
    private(set) var counters = Counters()
    /// ncpd's pid once it acked (bookkeeping moves to it, DESIGN.md step 3).
    private(set) var ownerPID: Int32?
    /// Activity for the Idle-Timeout: the last data frame either way.
    private(set) var lastData = Instant.now()

    private(set) var record: ChannelRecord
    private let loop: EventLoop
    private let log: Log
    private let runtimeDir: String
    private var own: FileDescriptor?
    /// Our copy of the far end until ncpd acks: it keeps the pair alive if
    /// the receiver dies, so nothing is lost before the ack.
    private var far: FileDescriptor?
    private var retryTimer: TimerID?
    /// Frames the peer sent while ncpd had not yet acked (its first IPCP
    /// Configure-Request usually): kept, a few, and delivered after the ack,
    /// so the NCPs do not wait a Restart timer for a retransmission.
    private var early: [(ProtocolNumber, [UInt8])] = []
    static let earlyLimit = 8
    /// Where received frames go: the port's buffer, shared by its channels
    /// (FrameScratch), `receiveLength` octets of it while in use.
    private let scratch: FrameScratch
    /// A super-packet's size once the owner says it sends them (issue 21),
    /// or after a restart of an offloading channel; else the peer's MRU +2
    /// for the Protocol field, +1 to notice a frame over the MRU (SEQPACKET
    /// truncates what does not fit).
    private var takesLargeFrames = false
    private var receiveLength: Int {
        takesLargeFrames ? Self.superPacketBuffer : Int(record.peerMRU) + ChannelFrame.headerLength + 1
    }
    /// Issue 21: what we offered the owner in the record, and what it said
    /// it does (its capability frame).
    var offered: ChannelOffload { ChannelOffload(rawValue: record.offload) }
    private(set) var ownerOffload: ChannelOffload = []
    /// The owner takes coalesced super-packets from us.
    var ownerTakesSuperPackets: Bool { offered.contains(.sendsSuperPackets) && ownerOffload.contains(.takesSuperPackets) }
    static let superPacketBuffer = ChannelFrame.superPacketHeaderLength + ChannelFrame.superPacketMaximum + 1

    /// A frame the owner sent, to go out on the wire (a slice of our buffer,
    /// valid only during the call).
    var onTransmit: ((ProtocolNumber, ArraySlice<UInt8>) -> Void)?
    /// Issue 21: a super-packet the owner sent: its Protocol and its virtio
    /// header with the packet (valid only during the call), to segment.
    var onSuperPacket: ((ProtocolNumber, UnsafeRawBufferPointer) -> Void)?
    /// Issue 21: the port's coalescer, for an owner that takes super-packets.
    var gro: GROPath?
    /// The owner asked for an LCP Protocol-Reject of this protocol and data.
    var onProtocolReject: ((ProtocolNumber, ArraySlice<UInt8>) -> Void)?
    /// The handoff failed for good, or the owner hung up: the reason.
    var onEnd: ((String) -> Void)?
    /// ncpd acked: the channel is relaying (time to deposit the session).
    var onHeld: (() -> Void)?
    /// Our end is closed (time to withdraw the deposit).
    var onClosed: (() -> Void)?

    /// ncpd restarting: one more attempt after this many seconds (its
    /// rendezvous point is bound by pppinit, so the new ncpd reads it).
    static let retryDelay = 1.0
    /// A busy owner: the next attempt after this pause (HandoffSender has
    /// already retried a full queue for its own timeout before this).
    static let busyRetryDelay = 0.25

    /// The owner is alive but behind: its queue stayed full (EAGAIN), or it
    /// did not answer on R in time. Anything else (refused, hung up, no
    /// such socket) means it is gone or said no.
    static func ownerIsBusy(_ error: IPCError) -> Bool {
        switch error {
        case .timeout: return true
        case .system(_, let errno): return errno == EAGAIN
        default: return false
        }
    }

    init(record: ChannelRecord, runtimeDir: String, loop: EventLoop, log: Log, scratch: FrameScratch) {
        self.record = record
        self.loop = loop
        self.log = log
        self.runtimeDir = runtimeDir
        self.scratch = scratch
    }

    /// After a restart of linkd: our end of a channel ncpd (`owner`) still
    /// holds, back from the fd store; relaying resumes at once.
    convenience init(resuming record: ChannelRecord, channel: consuming FileDescriptor, owner: Int32,
         loop: EventLoop, log: Log, scratch: FrameScratch) throws(IPCError) {
        self.init(record: record, runtimeDir: "", loop: loop, log: log, scratch: scratch)
        let raw = channel.raw
        own = .some(channel)
        ownerPID = owner
        if !record.bridgeWith.isEmpty { self.owner = .bridged }
        try loop.watch(raw) { [unowned self] events in self.readable(events) }
        state = .relaying
        if record.offload != 0 {
            // We offered super-packets before the restart and do not know
            // what the owner answered: room for one, and ask again.
            takesLargeFrames = true
            sendCapability(offered.union(.replyRequested))
        }
    }

    /// Issue 21: offers the owner super-packets both ways (before `start`;
    /// linkd segments what it takes and coalesces what it sends).
    func offerOffload(_ offer: ChannelOffload) {
        guard state == .waiting else { return }
        record.offload = offer.rawValue
    }

    private func sendCapability(_ flags: ChannelOffload) {
        let frame = ChannelFrame.capability(flags)
        if let mux {
            counters.toChannel.count(frame.withUnsafeBytes { mux.send(handle, $0, UnsafeRawBufferPointer(start: nil, count: 0)) })
            return
        }
        guard let raw = own?.raw else { return }
        counters.toChannel.count(frame.withUnsafeBytes { ChannelPump.send(raw, $0) })
    }

    /// Issue 17: the line is full (Session+Backlog): no frame is read from
    /// the owner until it drains, so the owner's side of the channel fills
    /// and it sees EAGAIN. Only for a channel of our own (a mux carries
    /// PPPoE sessions, whose datagrams never wait).
    private(set) var paused = false

    func pauseReading() {
        guard !paused, state == .relaying, mux == nil, let raw = own?.raw else { return }
        paused = true
        loop.unwatch(raw)
    }

    func resumeReading() {
        guard paused else { return }
        paused = false
        guard state == .relaying, let raw = own?.raw else { return }
        do { try loop.watch(raw) { [unowned self] events in self.readable(events) } } catch {
            end("cannot watch the channel: \(error)")
        }
    }

    /// Our end of the channel while relaying (deposited in the fd store).
    var descriptor: Int32? { state == .relaying ? own?.raw : nil }

    /// Issue 13: the port's mux, when the session goes to ncpd over it, and
    /// the session's handle there (its number on the port).
    private(set) var mux: MuxLink?
    private(set) var handle: UInt32 = 0

    /// Goes to ncpd over `mux` under `handle` (before `start`).
    func useMux(_ mux: MuxLink, handle: UInt32) {
        guard state == .waiting, handle != 0 else { return }
        self.mux = mux
        self.handle = handle
    }

    /// Relaying on the mux (deposited: its handle, no descriptor).
    var onMux: Bool { mux != nil && state == .relaying }

    /// After a restart of linkd: a session ncpd holds on the mux.
    convenience init(resuming record: ChannelRecord, mux: MuxLink, handle: UInt32, owner: Int32,
                     loop: EventLoop, log: Log, scratch: FrameScratch) {
        self.init(record: record, runtimeDir: "", loop: loop, log: log, scratch: scratch)
        self.mux = mux
        self.handle = handle
        ownerPID = owner
        state = .relaying
        mux.adopt(self)
        if record.offload != 0 {
            takesLargeFrames = true
            sendCapability(offered.union(.replyRequested))
        }
    }

    /// Hands the channel to bridged, to be spliced to `partner`'s.
    func start(bridgeWith partner: String) {
        guard state == .waiting else { return }
        owner = .bridged
        record.bridgeWith = partner
        start()
    }

    /// The first half of a pair transfer (channelPairHandedOver: both
    /// channels of one linkd in one datagram): creates the pair and returns
    /// the far end for the caller to send; the caller reports the outcome
    /// through `handedOver`. A failure falls back to a transfer of its own.
    func preparePair(bridgeWith partner: String) -> Int32? {
        guard state == .waiting else { return nil }
        owner = .bridged
        record.bridgeWith = partner
        state = .handingOver
        counters.handoffAttempts += 1
        do {
            let pair = try Self.channelPair()
            let raw = pair.second.raw
            own = .some(pair.first)
            far = .some(pair.second)
            return raw
        } catch {
            end("cannot create the channel: \(error)")
            return nil
        }
    }

    /// A fresh channel socketpair with room for bursts both ways
    /// (Socket.channelSendBuffer; without CAP_NET_ADMIN linkd gets at most
    /// net.core.wmem_max, and ncpd, which has it, enlarges its end again).
    static func channelPair() throws(IPCError) -> SocketPair {
        let pair = try Socket.seqpacketPair()
        Socket.setSendBuffer(pair.first.raw, bytes: Socket.channelSendBuffer)
        Socket.setSendBuffer(pair.second.raw, bytes: Socket.channelSendBuffer)
        return pair
    }

    /// Issue 17 point 3: the rendezvous point of the bundle this link
    /// belongs to (IPC's BundleRendezvous), for a link with an MRRU going
    /// to ncpd; nil otherwise, or once its owner refused the link.
    private var bundlePath: String? {
        guard owner == .ncpd, !bundleRefused, let m = record.multilink,
              let key = try? MultilinkBundleKey(peerName: record.bundlePeerName, discriminatorOption: m.peerDiscriminator)
        else { return nil }
        return BundleRendezvous.path(runtimeDir: runtimeDir, name: key.rendezvousName)
    }
    /// The current attempt went to the bundle's socket.
    private var viaBundle = false
    private var bundleRefused = false

    /// Creates the pair and sends one end to the owner: a link of a bundle
    /// that exists goes to the bundle's own rendezvous point, as FreeBSD
    /// ppp hands a link to its bundle's owner; no bundle there yet (ENOENT,
    /// ECONNREFUSED: no socket, or a stale one) means ncpd's rendezvous,
    /// where the first link creates it.
    func start() {
        guard state == .waiting || state == .handingOver else { return }
        state = .handingOver
        counters.handoffAttempts += 1
        if let mux, owner == .ncpd {
            mux.open(self)
            return
        }
        let pair: SocketPair
        do { pair = try Self.channelPair() } catch {
            end("cannot create the channel: \(error)")
            return
        }
        let farRaw = pair.second.raw
        own = .some(pair.first)
        far = .some(pair.second)
        let message = Message.channelHandedOver(record: record.encoded())
        if let path = bundlePath {
            do {
                try HandoffSender.send(message, descriptors: [farRaw], to: path, loop: loop) { [weak self] outcome in
                    self?.handedOver(outcome)
                }
                viaBundle = true
                counters.bundleTransfers += 1
                return
            } catch {
                // Nobody owns the bundle (yet): ncpd's rendezvous below.
                counters.bundleNotFound += 1
            }
        }
        viaBundle = false
        do {
            try HandoffSender.send(message, descriptors: [farRaw], to: runtimeDir + "/" + owner.description,
                                   loop: loop) { [weak self] outcome in self?.handedOver(outcome) }
        } catch {
            handedOver(.failed(error))
        }
    }

    func handedOver(_ outcome: HandoffOutcome) {
        guard state == .handingOver else { return }
        switch outcome {
        case .accepted(let pid):
            ownerPID = pid
            far = nil  // the owner holds it now; its hang-up will reach us as EOF
            if mux == nil {
                guard let raw = own?.raw else { return }
                do {
                    try loop.watch(raw) { [unowned self] events in self.readable(events) }
                } catch {
                    end("cannot watch the channel: \(error)")
                    return
                }
            }
            state = .relaying
            lastData = Instant.now()
            log.info("session \(record.session): channel held by \(owner) (pid \(pid))\(record.bridgeWith.isEmpty ? "" : " for a bridge to \(record.bridgeWith)")")
            let queued = early
            early = []
            for (proto, information) in queued where state == .relaying { deliver(proto, information[...]) }
            // Held by ncpd or bridged: deposited, so it resumes after a restart.
            onHeld?()
        case .refused(let reason) where viaBundle:
            // The bundle's owner said no (it ended meanwhile, or the link
            // does not fit it): ncpd's rendezvous decides, as for a link
            // of no bundle yet. The refusal cost nothing: we still own it.
            log.notice("session \(record.session): the bundle's owner refused the link (\(reason)); trying ncpd's rendezvous")
            bundleRefused = true
            own = nil
            far = nil
            counters.handoffAttempts -= 1
            start()
        case .refused(let reason):
            mux?.close(handle, reason: reason, tell: false)
            end("\(owner) refused the channel: \(reason)")
        case .failed(let error):
            own = nil
            far = nil
            // A busy owner (its rendezvous queue stayed full, or it took the
            // datagram but did not answer in time) is alive: DESIGN.md says
            // EAGAIN means queue and retry, never drop, so that costs no
            // attempt (issue 13). A hung owner is the watchdog's to restart;
            // the peer's own timers end a session that waits too long.
            if Self.ownerIsBusy(error) {
                counters.handoffAttempts -= 1
                counters.handoffBusyRetries += 1
                if counters.handoffBusyRetries == 1 {
                    log.notice("session \(record.session): \(owner) is busy (\(error)); sending the channel again")
                }
                retryTimer = loop.schedule(after: Self.busyRetryDelay) { [weak self] in
                    self?.retryTimer = nil
                    self?.start()
                }
                return
            }
            // One retry: a restarting ncpd gets the next datagram; a stale
            // first attempt in its queue finds R closed and is dropped there.
            if counters.handoffAttempts < 2 {
                log.notice("session \(record.session): handoff to \(owner) failed (\(error)); retrying in \(Self.retryDelay) s")
                retryTimer = loop.schedule(after: Self.retryDelay) { [weak self] in
                    self?.retryTimer = nil
                    self?.start()
                }
            } else {
                end("\(owner) did not take the channel: \(error)")
            }
        }
    }

    /// Our side is done: close our end (the owner sees hang-up).
    func close() {
        guard state != .closed else { return }
        let wasRelaying = state == .relaying
        state = .closed
        if let t = retryTimer { loop.cancel(t) }
        retryTimer = nil
        if let raw = own?.raw {
            loop.unwatch(raw)
            // The owner sees the hang-up now, even while pppinit's fd store
            // still holds a copy of our end (withdrawn by onClosed).
            _ = shutdown(raw, Int32(SHUT_RDWR))
        }
        // On the mux: ncpd hears session-close, unless it closed first.
        mux?.close(handle, reason: "linkd ended the session", tell: !closedByOwner)
        own = nil
        far = nil
        early = []
        if wasRelaying { onClosed?() }
    }

    private func end(_ reason: String) {
        guard state != .closed else { return }
        close()
        onEnd?(reason)
    }

    /// ncpd said session-close on the mux (or the mux closed).
    private var closedByOwner = false

    func muxClosed(_ reason: String) {
        closedByOwner = true
        end("ncpd closed the channel: \(reason)")
    }

    /// A frame from ncpd on the mux: into the port's receive buffer
    /// (FrameScratch; a copy, no allocation), then the same checks as a
    /// frame of our own channel.
    func muxFrame(_ datagram: UnsafeMutableRawBufferPointer) {
        guard state == .relaying else { counters.droppedInvalid += 1; return }
        let limit = receiveLength
        // Cut at `limit`, as a SEQPACKET read of `limit` octets of our own
        // channel would be: the checks below then refuse it as too long.
        let n = min(datagram.count, limit)
        scratch.withReceive(count: limit) { buffer in
            buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: datagram.baseAddress!, byteCount: n) }
            switch buffer.withUnsafeBytes({ ChannelFrame.kind(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
            case .superPacket: superPacket(n, buffer, limit: limit)
            case .capability: capability(n, &buffer)
            case .ppp, .invalid: frame(n, buffer, limit: limit)
            }
        }
    }

    // MARK: wire → channel

    /// A frame from the peer for the channel owner (network, NCP, or a
    /// Protocol-Reject of one as 0xc021). Dropped and counted until the ack.
    func deliver(_ proto: ProtocolNumber, _ information: ArraySlice<UInt8>) {
        guard state == .relaying, mux != nil || own != nil else {
            // Before the ack: a copy (this is not the data path yet) of the
            // first few frames; after a failed handoff, or past the limit, dropped.
            if state == .handingOver && early.count < Self.earlyLimit {
                early.append((proto, Array(information)))
            } else {
                counters.droppedBeforeHandoff += 1
            }
            return
        }
        if let gro, (proto == .ipv4 || proto == .ipv6), ownerTakesSuperPackets {
            // Issue 21: through the port's coalescer (GROPath), which hands
            // it back to deliverPacket or deliverSuperPacket.
            information.withUnsafeBytes { gro.push($0, for: self) }
            return
        }
        let result = information.withUnsafeBytes { toOwner(proto, $0) }
        delivered(result, proto, ChannelFrame.headerLength + information.count)
    }

    /// Full: the owner is behind, and PPP recovers from loss. Gone: the
    /// hang-up event follows.
    private func delivered(_ result: ChannelSend, _ proto: ProtocolNumber, _ octets: Int) {
        guard counters.toChannel.count(result) else { return }
        counters.framesToChannel += 1
        counters.octetsToChannel += octets
        if !proto.isNetworkControl && !proto.isLinkControl { lastData = Instant.now() }
    }

    /// Issue 21: an IP packet the coalescer passed through as it came.
    func deliverPacket(_ proto: ProtocolNumber, _ packet: UnsafeRawBufferPointer) {
        guard state == .relaying else { counters.droppedBeforeHandoff += 1; return }
        delivered(toOwner(proto, packet), proto, ChannelFrame.headerLength + packet.count)
    }

    /// One PPP frame to the owner: on our channel, or on the mux.
    private func toOwner(_ proto: ProtocolNumber, _ information: UnsafeRawBufferPointer) -> ChannelSend {
        if let mux { return mux.send(handle, protocol: proto.rawValue, information: information) }
        guard let raw = own?.raw else { return .gone(EBADF) }
        return ChannelPump.send(raw, protocol: proto.rawValue, information: information)
    }

    /// Issue 21: a coalesced super-packet: `header` (marker, Protocol,
    /// virtio header) and the packet, one datagram.
    func deliverSuperPacket(_ header: UnsafeRawBufferPointer, _ packet: UnsafeRawBufferPointer) {
        guard state == .relaying else { counters.droppedBeforeHandoff += 1; return }
        let result: ChannelSend
        if let mux { result = mux.send(handle, header, packet) } else if let raw = own?.raw {
            result = ChannelPump.send(raw, header: header, body: packet)
        } else { result = .gone(EBADF) }
        if case .sent = result { counters.superPacketsToChannel += 1 }
        delivered(result, .ipv4, header.count + packet.count)
    }

    // MARK: channel → wire

    private func readable(_ events: IOEvents) {
        guard let raw = own?.raw else { return }
        // The port's buffer (FrameScratch), at least `receiveLength` octets;
        // each receive is offered exactly `receiveLength` of it, so that a
        // frame over the MRU is truncated and noticed. The buffer never
        // shrinks: sessions that take super-packets and sessions that do not
        // share it without a 64 KiB zero-fill each time they alternate.
        var end = ChannelReceive.empty
        scratch.withReceive(count: receiveLength) { buffer in
            for _ in 0..<ChannelPump.batch {
                let limit = receiveLength  // grows after a capability frame
                end = buffer.withUnsafeMutableBytes {
                    ChannelPump.receive(raw, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<limit]))
                }
                guard case .frame(let n) = end else { return }
                switch buffer.withUnsafeBytes({ ChannelFrame.kind(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
                case .superPacket: superPacket(n, buffer, limit: limit)
                case .capability: capability(n, &buffer)
                case .ppp, .invalid: frame(n, buffer, limit: limit)
                }
                guard state == .relaying, !paused else { return }
            }
        }
        switch end {
        case .frame, .empty:
            return
        case .closed, .failed:
            // The owner closed its end (SEQPACKET EOF), or a socket error.
            // bridged closes a spliced channel when the partner's closed
            // (its session ended) or the operator unbridged it, which
            // linkd does by closing this session's own channel first.
            let closed = owner == .bridged ? "bridged partner \(record.bridgeWith) went down" : "ncpd closed the channel"
            if case .failed(let e) = end { self.end("channel error: \(Errno.describe(e))") } else { self.end(closed) }
        }
    }

    /// One datagram of `n` octets from the owner (the start of `buffer`,
    /// received into `limit` octets of it), checked against the channel
    /// conventions before it reaches the wire.
    private func frame(_ n: Int, _ buffer: [UInt8], limit: Int) {
        let proto: ProtocolNumber, information: ArraySlice<UInt8>
        do { (proto, information) = try ChannelFrame.decode(buffer[0..<n]) } catch {
            counters.droppedInvalid += 1
            return
        }
        if proto == .lcp {
            // Only RFC 1661 §5.7 Protocol-Reject, Length consistent, of a
            // protocol that is not link control. The owner's identifier is
            // ignored: ours goes on the wire.
            guard let (rejected, rejectedInformation) = ChannelFrame.protocolReject(information),
                  !rejected.isLinkControl else {
                counters.droppedInvalid += 1
                return
            }
            counters.framesFromChannel += 1
            counters.octetsFromChannel += n
            onProtocolReject?(rejected, rejectedInformation)
            return
        }
        // LCP is ours and the auth protocols are authd's: the owner may send
        // network and NCP frames only.
        guard !proto.isLinkControl else { counters.droppedInvalid += 1; return }
        guard n < limit, information.count <= Int(record.peerMRU) else {
            counters.droppedOverMRU += 1
            return
        }
        counters.framesFromChannel += 1
        counters.octetsFromChannel += n
        if !proto.isNetworkControl { lastData = Instant.now() }
        onTransmit?(proto, information)
    }

    /// Issue 21: a super-packet for the wire, only if we offered to take
    /// them, whole (not cut by a short buffer) and well-formed.
    private func superPacket(_ n: Int, _ buffer: [UInt8], limit: Int) {
        guard offered.contains(.takesSuperPackets), n < limit else { counters.droppedInvalid += 1; return }
        buffer.withUnsafeBytes { b in
            let frame = UnsafeRawBufferPointer(rebasing: b[0..<n])
            guard let proto = try? ChannelFrame.superPacket(frame) else { counters.droppedInvalid += 1; return }
            counters.framesFromChannel += 1
            counters.octetsFromChannel += n
            counters.superPacketsFromChannel += 1
            lastData = Instant.now()
            onSuperPacket?(proto, UnsafeRawBufferPointer(rebasing: frame[4...]))
        }
    }

    /// Issue 21: the owner says what it does; a receive buffer big enough
    /// for its super-packets from the next frame on (frames keep their order).
    private func capability(_ n: Int, _ buffer: inout [UInt8]) {
        guard record.offload != 0,
              let flags = try? buffer.withUnsafeBytes({ b throws(PPPError) in try ChannelFrame.capability(UnsafeRawBufferPointer(rebasing: b[0..<n])) })
        else { counters.droppedInvalid += 1; return }
        ownerOffload = flags.subtracting(.replyRequested)
        if ownerOffload.contains(.sendsSuperPackets) {
            takesLargeFrames = true
            // Once per port: the shared buffer keeps the larger capacity.
            if buffer.count < Self.superPacketBuffer {
                buffer += [UInt8](repeating: 0, count: Self.superPacketBuffer - buffer.count)
            }
        }
        if flags.contains(.replyRequested) { sendCapability(offered) }
        log.info("session \(record.session): the channel owner \(ownerOffload.isEmpty ? "takes no super-packets" : "does super-packets (\(ownerOffload.rawValue))")")
    }

    var json: JSONObject {
        let c = counters
        var o: JSONObject = [
            "state": .string(state.rawValue),
            "owner": .string(owner.description),
            "frames_to_channel": .int(Int64(c.framesToChannel)), "octets_to_channel": .int(Int64(c.octetsToChannel)),
            "frames_from_channel": .int(Int64(c.framesFromChannel)),
            "octets_from_channel": .int(Int64(c.octetsFromChannel)),
            "dropped_over_mru": .int(Int64(c.droppedOverMRU)), "dropped_invalid": .int(Int64(c.droppedInvalid)),
            "dropped_before_handoff": .int(Int64(c.droppedBeforeHandoff)),
            "dropped_channel_full": .int(Int64(c.toChannel.full)),
            "dropped_owner_gone": .int(Int64(c.toChannel.gone)),
            "handoff_attempts": .int(Int64(c.handoffAttempts)),
            "handoff_busy_retries": .int(Int64(c.handoffBusyRetries)),
            "bundle_transfers": .int(Int64(c.bundleTransfers)), "bundle_not_found": .int(Int64(c.bundleNotFound)),
            "offload_offered": .int(Int64(record.offload)), "owner_offload": .int(Int64(ownerOffload.rawValue)),
            "super_packets_from_channel": .int(Int64(c.superPacketsFromChannel)),
            "super_packets_to_channel": .int(Int64(c.superPacketsToChannel)),
        ]
        o["owner_pid"] = ownerPID.map { .int(Int64($0)) } ?? .null
        if mux != nil { o["mux_handle"] = .int(Int64(handle)) }
        return o
    }
}
