// One session's network side: the channel from linkd, IPCP and/or IPv6CP
// run over it per the port's NetworkSettings (RFC 1332, RFC 5072), the
// restart timers, Protocol-Reject of what we do not run (RFC 1661 §5.7), and
// closing the channel once every NCP has finished (pppd's "No network
// protocols running"). The unit and data path are in the +Unit/+Data files.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

/// What a session needs from ncpd: the loop, the kernel seam, hooks, logs.
protocol SessionHost: AnyObject {
    var loop: EventLoop { get }
    var units: UnitSystem? { get }
    var log: Log { get }
    var buffers: FrameBuffers { get }
    func hook(_ request: HookRequest)
    /// The session is over (channel closed by either side): forget it.
    func sessionEnded(_ session: NetworkSession)
    /// An NCP went up, down or finished: the saved state is stale.
    func sessionChanged(_ session: NetworkSession)
}

extension SessionHost {
    func sessionChanged(_ session: NetworkSession) {}
}

/// Per-session traffic and error counters (pppctl sessions).
struct NetworkCounters {
    var octetsIn = 0, octetsOut = 0, packetsIn = 0, packetsOut = 0
    /// IP packets whose NCP is not Opened (either direction).
    var dropped = 0
    /// Channel sends that would block or failed: dropped.
    var transmitDropped = 0
    var protocolRejectsSent = 0, protocolRejectsReceived = 0
    var malformedFrames = 0
}

final class NetworkSession {
    let record: ChannelRecord
    let channel: FileDescriptor
    let unitNumber: Int
    unowned let host: SessionHost
    var ipcp: IPCP?
    var ipv6cp: IPv6CP?
    var ipcpTimer: TimerID?
    var ipv6cpTimer: TimerID?
    /// pppd's num_np_open: NCPs started and not yet finished (tlf).
    var ipcpFinished = false
    var ipv6cpFinished = false
    var unit: Unit?
    var lease: (pool: String, address: UInt32)?
    /// What is configured on the unit now, to undo at tld.
    var ipv4Configured: IPCPNegotiated?
    var ipv6Configured: IPv6CPNegotiated?
    var counters = NetworkCounters()
    var started = Instant.now()
    /// The fd-store record this session was resumed from (after a restart).
    var resumedFrom: NetworkSessionState?
    var ended = false
    var closeReason = ""

    init(record: ChannelRecord, channel: consuming FileDescriptor, unitNumber: Int, host: SessionHost,
         ipcp: IPCPConfiguration?, lease: (pool: String, address: UInt32)?, seed: UInt64) {
        self.record = record
        self.channel = channel
        // Room for a burst of TUN packets towards linkd even where
        // net.core.wmem_max held linkd's setting down (CAP_NET_ADMIN goes beyond it).
        Socket.setSendBuffer(self.channel.raw, bytes: Socket.channelSendBuffer, force: true)
        self.unitNumber = unitNumber
        self.host = host
        self.lease = lease
        var limits = Automaton.Limits()
        limits.restartInterval = .seconds(3)
        if let ipcp, record.network.ipv4 {
            var cp = IPCP(negotiator: IPCPNegotiator(configuration: ipcp), limits: limits)
            // RFC 1661 §5.6: a Code-Reject carries at most what the peer's MRU allows.
            cp.maximumRejectedLength = Int(record.peerMRU) - ControlPacket.headerLength
            self.ipcp = cp
        } else {
            ipcpFinished = true
        }
        if record.network.ipv6 {
            var c = IPv6CPConfiguration()
            c.seed = seed
            var cp = IPv6CP(negotiator: IPv6CPNegotiator(configuration: c), limits: limits)
            cp.maximumRejectedLength = Int(record.peerMRU) - ControlPacket.headerLength
            ipv6cp = cp
        } else {
            ipv6cpFinished = true
        }
    }

    var id: String { record.session }
    var interfaceName: String { record.network.ifname.isEmpty ? "ppp\(unitNumber)" : record.network.ifname }

    /// The Network phase began: bring every NCP we run up and open it
    /// (RFC 1661 §3.6: NCPs start once LCP is Opened and auth is done).
    func start() {
        if ipcp != nil {
            run(ipv4: true) { $0.lowerUp() }
            run(ipv4: true) { $0.open() }
        }
        if ipv6cp != nil {
            run6 { $0.lowerUp() }
            run6 { $0.open() }
        }
        checkFinished()
    }

    // MARK: carrying out NCP actions

    func run(ipv4: Bool, _ step: (inout IPCP) -> [ControlAction]) {
        guard var cp = ipcp else { return }
        let actions = step(&cp)
        ipcp = cp
        perform(actions, proto: .ipcp)
    }

    func run6(_ step: (inout IPv6CP) -> [ControlAction]) {
        guard var cp = ipv6cp else { return }
        let actions = step(&cp)
        ipv6cp = cp
        perform(actions, proto: .ipv6cp)
    }

    private func perform(_ actions: [ControlAction], proto: ProtocolNumber) {
        let v4 = proto == .ipcp
        var changed = false
        defer { if changed && !ended { host.sessionChanged(self) } }
        for action in actions {
            switch action {
            case .send(let packet):
                sendControl(proto, packet)
            case .startTimer(let interval):
                cancelTimer(v4)
                let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
                let timer = host.loop.schedule(after: seconds) { [weak self] in
                    guard let self, !self.ended else { return }
                    if v4 { self.ipcpTimer = nil; self.run(ipv4: true) { $0.timeout() } } else { self.ipv6cpTimer = nil; self.run6 { $0.timeout() } }
                    self.checkFinished()
                }
                if v4 { ipcpTimer = timer } else { ipv6cpTimer = timer }
            case .stopTimer:
                cancelTimer(v4)
            case .thisLayerUp:
                changed = true
                if v4 { ipcpUp() } else { ipv6cpUp() }
            case .thisLayerDown:
                changed = true
                if v4 { ipcpDown() } else { ipv6cpDown() }
            case .thisLayerStarted:
                break
            case .thisLayerFinished:
                changed = true
                if v4 { ipcpFinished = true } else { ipv6cpFinished = true }
            case .negotiationFailed(let failure):
                host.log.notice("\(id): \(proto) negotiation failed: \(failure)")
            case .terminateRequested(let reason):
                host.log.info("\(id): peer terminates \(proto): \(String(decoding: reason, as: UTF8.self))")
            case .codeRejected(let code):
                host.log.notice("\(id): peer rejected \(proto) code \(code)")
            case .protocolRejected, .echoReplyReceived, .loopbackSuspected, .identificationReceived, .timeRemainingReceived:
                break  // LCP-only actions; an NCP never produces them
            }
        }
    }

    private func cancelTimer(_ v4: Bool) {
        if let t = v4 ? ipcpTimer : ipv6cpTimer { host.loop.cancel(t) }
        if v4 { ipcpTimer = nil } else { ipv6cpTimer = nil }
    }

    /// pppd np_finished: when no NCP is left the channel is closed, and linkd
    /// closes LCP ("ncpd closed the channel").
    func checkFinished() {
        guard !ended, ipcpFinished && ipv6cpFinished else { return }
        end(reason: "no network protocols running")
    }

    // MARK: frames from the channel

    /// One control or rejectable frame (the data path handles 0x0021/0x0057).
    func controlFrame(_ proto: ProtocolNumber, _ information: ArraySlice<UInt8>) {
        switch proto {
        case .ipcp where ipcp != nil:
            run(ipv4: true) { $0.receive(information) }
        case .ipv6cp where ipv6cp != nil:
            run6 { $0.receive(information) }
        case .lcp:
            peerProtocolReject(information)
        default:
            protocolReject(proto, information)
        }
        checkFinished()
    }

    /// RFC 1661 §5.7: linkd forwards the peer's LCP Protocol-Reject of a
    /// network or NCP protocol. Rejecting an NCP or its network protocol
    /// stops that NCP (RXJ-).
    private func peerProtocolReject(_ information: ArraySlice<UInt8>) {
        guard let packet = try? ControlPacket(parsing: information), packet.code == .protocolReject,
              packet.data.count >= 2 else {
            counters.malformedFrames += 1
            return
        }
        counters.protocolRejectsReceived += 1
        let rejected = ProtocolNumber(UInt16(packet.data[0]) << 8 | UInt16(packet.data[1]))
        host.log.notice("\(id): peer rejected protocol \(rejected)")
        switch rejected {
        case .ipcp, .ipv4: run(ipv4: true) { $0.rejectedByPeer() }
        case .ipv6cp, .ipv6: run6 { $0.rejectedByPeer() }
        default: break
        }
    }

    /// RFC 1661 §5.7: a protocol we do not run (CCP, a disabled NCP, an
    /// unknown network protocol) gets an LCP Protocol-Reject; linkd assigns
    /// the Identifier, so ours is 0.
    func protocolReject(_ proto: ProtocolNumber, _ information: ArraySlice<UInt8>) {
        // Our frame: LCP protocol (2) + header (4) + rejected protocol (2) + data,
        // within the peer's MRU (§5.7 "MUST be truncated").
        let room = max(0, Int(record.peerMRU) - ControlPacket.headerLength - 2)
        var data: [UInt8] = [UInt8(proto.rawValue >> 8), UInt8(proto.rawValue & 0xff)]
        data += information.prefix(room)
        let packet = ControlPacket(code: .protocolReject, identifier: 0, data: data)
        counters.protocolRejectsSent += 1
        sendControl(.lcp, packet.encoded())
    }

    func sendControl(_ proto: ProtocolNumber, _ packet: [UInt8]) {
        var frame: [UInt8] = [UInt8(proto.rawValue >> 8), UInt8(proto.rawValue & 0xff)]
        frame += packet
        let n = frame.withUnsafeBytes { send(channel.raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) }
        if n != frame.count { counters.transmitDropped += 1 }
    }

    // MARK: the end

    /// Tears the session down: NCPs see the lower layer go (tld runs the
    /// down hooks), the unit goes (with its addresses and routes), the lease
    /// is freed by the host, the channel is closed (linkd then closes LCP).
    func end(reason: String) {
        guard !ended else { return }
        closeReason = reason
        if ipcp != nil { run(ipv4: true) { $0.lowerDown() } }
        if ipv6cp != nil { run6 { $0.lowerDown() } }
        ended = true
        cancelTimer(true)
        cancelTimer(false)
        destroyUnit()
        host.loop.unwatch(channel.raw)
        // linkd sees the hang-up now, whoever still holds this object.
        _ = shutdown(channel.raw, Int32(SHUT_RDWR))
        host.log.info("\(id): network side ended: \(reason)")
        host.sessionEnded(self)
    }
}
