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
    /// IPv6 pools and per-port RA/DHCPv6 settings (issue 18); nil = none.
    var ipv6: IPv6Router? { get }
    /// An event for pppctl watch (prefix-delegated, prefix-released).
    func publish(_ event: EventBody)
    /// The IPv6 prefixes a session holds from our pools, for authd's
    /// accounting (issue 18).
    func accountPrefixes(_ prefixes: SessionPrefixesArguments)
    /// Issue 13: the kernel refused the session's unit name with EBUSY (an
    /// interface of that name, an earlier session's, is still there): a
    /// new unit number to try, or nil to give up (`attempt` names tried).
    func unitNameBusy(_ session: NetworkSession, attempt: Int) -> Int?
}

extension SessionHost {
    func sessionChanged(_ session: NetworkSession) {}
    var ipv6: IPv6Router? { nil }
    func publish(_ event: EventBody) {}
    func accountPrefixes(_ prefixes: SessionPrefixesArguments) {}
    func unitNameBusy(_ session: NetworkSession, attempt: Int) -> Int? { nil }
}

/// Per-session traffic and error counters (pppctl sessions).
struct NetworkCounters {
    var octetsIn = 0, octetsOut = 0, packetsIn = 0, packetsOut = 0
    /// IP packets whose NCP is not Opened (either direction).
    var dropped = 0
    /// Channel sends dropped: the channel was full (linkd is behind), or
    /// linkd's end was gone.
    var transmit = ChannelDrops()
    var protocolRejectsSent = 0, protocolRejectsReceived = 0
    var malformedFrames = 0
    /// Issue 21: TUN reads sent to linkd as super-packets (TSO/USO or a
    /// partial checksum), and super-packets from linkd written with their
    /// virtio header (coalesced by linkd's GRO).
    var superPacketsOut = 0, superPacketsIn = 0
    /// Issue 17: TUN packets that waited for room in the channel (the TUN
    /// was not read meanwhile) instead of being dropped.
    var heldForChannel = 0
}

final class NetworkSession {
    let record: ChannelRecord
    /// To linkd: a channel of its own, or linkd's mux under a handle.
    let channel: SessionChannel
    /// ppp<unitNumber> when the config names no interface; another number
    /// when the kernel says that name is busy (set only by renumberIfBusy,
    /// NetworkSession+Unit.swift, with SessionHost.unitNameBusy's number).
    var unitNumber: Int
    /// Names tried that the kernel found busy, for this session.
    var busyUnitNames = 0
    unowned let host: SessionHost
    /// IPCP (RFC 1332) and IPv6CP (RFC 5072).
    var ipv4: NCPSlot<IPCPNegotiator>
    var ipv6: NCPSlot<IPv6CPNegotiator>
    var unit: Unit?
    /// Issue 17: the TUN packet waiting for room in the channel
    /// (NetworkSession+Backpressure); empty when none.
    var heldForChannel: [UInt8] = []
    var lease: (pool: String, address: UInt32)?
    var counters = NetworkCounters()
    var started = Instant.now()
    /// The fd-store record this session was resumed from (after a restart),
    /// until `resume()` has used it.
    var resumedFrom: ResumedState?
    /// RAs and DHCPv6 while IPv6CP is Opened (NetworkSession+IPv6.swift).
    var ipv6Services: IPv6ServerSide?
    var ipv6Client: IPv6ClientSide?
    var ended = false
    /// Issue 13: the session is ending and its unit goes with it: the NCPs'
    /// addresses are not deleted one by one (NetworkSession+Unit.swift).
    var unitGoing = false
    /// Issue 13: a deposit of this session waits for the end of the
    /// event-loop round (Channels.save).
    var depositQueued = false
    var closeReason = ""

    init(record: ChannelRecord, channel: SessionChannel, unitNumber: Int, host: SessionHost,
         ipcp: IPCPConfiguration?, lease: (pool: String, address: UInt32)?, seed: UInt64) {
        self.record = record
        self.channel = channel
        self.unitNumber = unitNumber
        self.host = host
        self.lease = lease
        let v4 = record.network.ipv4 ? ipcp.map { IPCPNegotiator(configuration: $0) } : nil
        ipv4 = NCPSlot(v4, settings: record.network, peerMRU: record.peerMRU)
        var v6: IPv6CPNegotiator?
        if record.network.ipv6 {
            var c = IPv6CPConfiguration()
            c.seed = seed
            v6 = IPv6CPNegotiator(configuration: c)
        }
        ipv6 = NCPSlot(v6, settings: record.network, peerMRU: record.peerMRU)
    }

    /// A session on a channel of its own.
    convenience init(record: ChannelRecord, channel: consuming FileDescriptor, unitNumber: Int, host: SessionHost,
                     ipcp: IPCPConfiguration?, lease: (pool: String, address: UInt32)?, seed: UInt64) {
        self.init(record: record, channel: SessionChannel(dedicated: channel), unitNumber: unitNumber, host: host,
                  ipcp: ipcp, lease: lease, seed: seed)
    }

    var id: String { record.session }
    var interfaceName: String { record.network.ifname.isEmpty ? "ppp\(unitNumber)" : record.network.ifname }

    /// The Network phase began: bring every NCP we run up and open it
    /// (RFC 1661 §3.6: NCPs start once LCP is Opened and auth is done).
    func start() {
        begin(IPCPNegotiator.self)
        begin(IPv6CPNegotiator.self)
        checkFinished()
    }

    func begin<N: NetworkNegotiator>(_: N.Type) {
        guard self[keyPath: N.slot].cp != nil else { return }
        run(N.self) { $0.lowerUp() }
        run(N.self) { $0.open() }
    }

    // MARK: carrying out NCP actions

    /// One step of an NCP's automaton, then its actions.
    func run<N: NetworkNegotiator>(_: N.Type, _ step: (inout ControlProtocol<N>) -> [ControlAction]) {
        guard var cp = self[keyPath: N.slot].cp else { return }
        let actions = step(&cp)
        self[keyPath: N.slot].cp = cp
        perform(actions, N.self)
    }

    private func perform<N: NetworkNegotiator>(_ actions: [ControlAction], _: N.Type) {
        let proto = N.controlProtocol
        var changed = false
        defer { if changed && !ended { host.sessionChanged(self) } }
        for action in actions {
            switch action {
            case .send(let packet):
                sendControl(proto, packet)
            case .startTimer(let interval):
                cancelTimer(N.self)
                let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
                self[keyPath: N.slot].timer = host.loop.schedule(after: seconds) { [weak self] in
                    guard let self, !self.ended else { return }
                    self[keyPath: N.slot].timer = nil
                    self.run(N.self) { $0.timeout() }
                    self.checkFinished()
                }
            case .stopTimer:
                cancelTimer(N.self)
            case .thisLayerUp:
                changed = true
                if let n = self[keyPath: N.slot].cp?.negotiator.negotiated, n.configure(on: self) {
                    self[keyPath: N.slot].configured = n
                }
            case .thisLayerDown:
                changed = true
                if let n = self[keyPath: N.slot].configured {
                    self[keyPath: N.slot].configured = nil
                    n.unconfigure(on: self)
                }
            case .thisLayerStarted:
                break
            case .thisLayerFinished:
                changed = true
                self[keyPath: N.slot].finished = true
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

    private func cancelTimer<N: NetworkNegotiator>(_: N.Type) {
        if let t = self[keyPath: N.slot].timer { host.loop.cancel(t) }
        self[keyPath: N.slot].timer = nil
    }

    /// pppd np_finished: when no NCP is left the channel is closed, and linkd
    /// closes LCP ("ncpd closed the channel").
    func checkFinished() {
        guard !ended, ipv4.finished && ipv6.finished else { return }
        end(reason: "no network protocols running")
    }

    // MARK: frames from the channel

    /// One control or rejectable frame (the data path handles IPv4 and IPv6).
    func controlFrame(_ proto: ProtocolNumber, _ information: ArraySlice<UInt8>) {
        switch proto {
        case .ipcp where ipv4.cp != nil:
            run(IPCPNegotiator.self) { $0.receive(information) }
        case .ipv6cp where ipv6.cp != nil:
            run(IPv6CPNegotiator.self) { $0.receive(information) }
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
        guard let (rejected, _) = ChannelFrame.protocolReject(information) else {
            counters.malformedFrames += 1
            return
        }
        counters.protocolRejectsReceived += 1
        host.log.notice("\(id): peer rejected protocol \(rejected)")
        switch rejected {
        case IPCPNegotiator.controlProtocol, IPCPNegotiator.networkProtocol: run(IPCPNegotiator.self) { $0.rejectedByPeer() }
        case IPv6CPNegotiator.controlProtocol, IPv6CPNegotiator.networkProtocol: run(IPv6CPNegotiator.self) { $0.rejectedByPeer() }
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
        counters.transmit.count(packet.withUnsafeBytes { channel.send(protocol: proto.rawValue, information: $0) })
    }

    // MARK: the end

    /// Tears the session down: NCPs see the lower layer go (tld runs the
    /// down hooks), the unit goes (with its addresses and routes), the lease
    /// is freed by the host, the channel is closed (linkd then closes LCP).
    func end(reason: String) {
        guard !ended else { return }
        closeReason = reason
        unitGoing = true
        run(IPCPNegotiator.self) { $0.lowerDown() }
        run(IPv6CPNegotiator.self) { $0.lowerDown() }
        ended = true
        cancelTimer(IPCPNegotiator.self)
        cancelTimer(IPv6CPNegotiator.self)
        destroyUnit()
        channel.close(loop: host.loop, reason: reason)
        host.log.info("\(id): network side ended: \(reason)")
        host.sessionEnded(self)
    }
}
