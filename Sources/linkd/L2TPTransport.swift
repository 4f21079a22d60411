// An l2tp port (RFC 2661): one UDP socket carrying many tunnels, each a
// `Tunnel` value from Sources/L2TP keyed by our Tunnel ID, each call in a
// tunnel a linkd Session on a Circuit whose framing is the call. An LNS
// accepts tunnels (SCCRQ with Tunnel ID 0) and runs PPP on every call the
// LAC places (ICRQ/ICRP/ICCN, §7.4.2); a LAC opens a tunnel to its LNS on
// its first call and places one call per session it starts or is dialled
// for (bridging a subscriber, PortSessions+Bridge), failing over to the
// next LNS when one does not answer. Control datagrams go through the
// tunnel value; data messages are demultiplexed here without allocation.
// Each tunnel's record is deposited after every control exchange so a
// restarted linkd carries on (L2TPTransport+Resume).
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import L2TP

/// One call as its Session sees it: the ids that name it in data messages
/// (which a LAC's failover may change before the call is answered) and the
/// port that sends its frames.
final class L2TPCall {
    unowned let transport: L2TPTransport
    var tunnelID: UInt16
    var sessionID: UInt16
    /// LAC, bridged subscriber: the MRU frames to the subscriber may have
    /// (DialProxy.mru); the call's LCP asks the LNS for no more.
    var mruCeiling: UInt16?
    /// LAC: the proxy AVPs of the call, placed again on a failover.
    var proxy = ProxyInformation()
    /// LAC: the LNSs this call may go to, in order, and which it is at.
    var targets: [L2TPTarget] = []
    var targetIndex = 0
    /// RFC 2867: the subscriber, the call's Acct-Session-Id and when its
    /// Tunnel-Link-Start went out (nil: not yet).
    var user = ""
    var accountingID = ""
    var accountedSince: Instant?
    /// The peer's Session ID, kept past the call's end for its Tunnel-Link-Stop.
    var peerSessionID: UInt16?

    /// What the tunnel's record keeps of the call's accounting (TunnelDeposit).
    var accounting: TunnelDeposit.Accounting {
        var a = TunnelDeposit.Accounting()
        a.accountingID = accountingID
        a.user = user
        a.since = accountedSince?.nanoseconds ?? 0
        a.peerSessionID = peerSessionID ?? 0
        return a
    }

    /// After a restart: the call's accounting as the old linkd deposited it.
    func restore(_ a: TunnelDeposit.Accounting) {
        accountingID = a.accountingID
        if !a.user.isEmpty { user = a.user }
        accountedSince = a.since == 0 ? nil : Instant(nanoseconds: a.since)
        peerSessionID = a.peerSessionID == 0 ? nil : a.peerSessionID
    }

    init(transport: L2TPTransport, tunnelID: UInt16, sessionID: UInt16) {
        self.transport = transport
        self.tunnelID = tunnelID
        self.sessionID = sessionID
    }

    /// One PPP frame as a data message; the frame's octets sent or -1.
    func send(_ frame: [UInt8]) -> Int { transport.sendData(self, frame) }

    /// Issue 21: the frame as a data message into the port's batch (one
    /// sendmmsg per loop round); false when it cannot be held (no round
    /// being dispatched, no tunnel): `send` it.
    func enqueue(_ frame: [UInt8], from account: TransmitAccount) -> Bool {
        transport.enqueueData(self, frame, from: account)
    }
}

final class L2TPTransport: Transport {
    struct Counters {
        var datagramsIn = 0
        /// Headers that do not parse (§3.1), dropped.
        var malformed = 0
        /// Datagrams for a tunnel we do not have, or from another address.
        var unknownTunnel = 0
        /// Data for a call we do not carry, or out of order (§5.4).
        var dataDropped = 0
        /// SCCRQs refused: not an LNS, a peer not in `peers`, or full.
        var refused = 0
        var receiveErrors = 0
        var sendErrors = 0
        /// LAC: calls moved to the next LNS.
        var failovers = 0
        var linkInfo = 0
        var wanErrors = 0
        /// LNS: calls whose proxy LCP and authentication AVPs (§4.4.5)
        /// were consistent, or were not (then ignored: we negotiate).
        var proxyAccepted = 0
        var proxyMalformed = 0
        /// LNS, RFC 2661 §18: calls started in the proxied LCP state, and
        /// those whose proxy LCP this port would not agree to (renegotiated).
        var proxyTrusted = 0
        var proxyRenegotiated = 0
        /// Issue 21: messages that were coalesced runs (UDP_GRO), and the
        /// datagrams they held.
        var groMessages = 0, groSegments = 0
        /// recvmmsg calls that brought messages.
        var receiveBatches = 0
    }

    unowned let host: PortSessions
    let socket: L2TPSocket
    let l2tp: L2TPSettings
    /// LAC: the LNSs in failover order.
    let servers: [L2TPEndpoint]
    /// LNS: the addresses allowed to open tunnels (empty: any).
    let peers: Set<UInt32>
    /// `secrets`: a peer's own tunnel secret, by IPv4 address.
    let peerSecrets: [UInt32: String]
    private(set) var slots: [UInt16: L2TPTunnelSlot] = [:]
    /// LNS: our tunnel for (peer address, peer port, peer's Tunnel ID), so
    /// a retransmitted SCCRQ reaches the tunnel it created.
    var byPeer: [PeerTunnel: UInt16] = [:]
    var counters = Counters()
    /// Issue 21: datagrams in by recvmmsg (with their senders), data
    /// messages out by sendmmsg (L2TPDatagrams, TransmitBatch).
    /// With the port's `offload` on: UDP_GRO on the socket (coalesced runs
    /// in, cut back by UDPSegments) and UDP_SEGMENT runs out (TransmitBatch).
    private var inbound: L2TPDatagrams
    var inboundGRO: Bool { inbound.gro }
    private(set) lazy var transmits: TransmitBatch = {
        let t = TransmitBatch(loop: host.rt.loop, slotSize: L2TPHeader.maximumDataLength + Int(max(settings.mru, 1500)) + 64)
        t.udpSegmentation = host.bridging.offload
        return t
    }()
    /// The data header is written here (room for Ns/Nr), then sent with the frame.
    private var headerBuffer = [UInt8](repeating: 0, count: L2TPHeader.maximumDataLength)
    private var timer: TimerID?
    private var timerDeadline: UInt64?
    /// Tunnels touched by the current event, whose records may have changed.
    private var dirty: Set<UInt16> = []
    /// The session whose end is clearing its call (its circuit is gone by
    /// then), named in the call-down event.
    private var endingSession: String?
    /// Its circuit and itself, for the call's accounting (RFC 2867).
    private var endingCircuit: Circuit?
    private var endingSessionObject: Session?

    /// Tunnels on one port at most (each holds up to max-sessions calls).
    static let maxTunnels = 4096

    struct PeerTunnel: Hashable {
        var peer: L2TPEndpoint
        var tunnelID: UInt16
    }

    init(host: PortSessions, descriptor: Int32) {
        self.host = host
        socket = L2TPSocket(descriptor: descriptor)
        // man 7 udp: a kernel without UDP_GRO refuses it; then one datagram a
        // message. Off explicitly without offload: a socket from the fd store
        // may have it on, and its runs would not fit plain slots.
        let gro = host.bridging.offload && ppp_udp_set_gro(descriptor, 1) == 0
        if !gro { _ = ppp_udp_set_gro(descriptor, 0) }
        inbound = L2TPDatagrams(gro: gro)
        l2tp = host.settings.l2tp
        servers = l2tp.servers.compactMap { L2TPEndpoint($0, defaultPort: 1701) }
        peers = Set(l2tp.peers.compactMap { L2TPEndpoint($0, defaultPort: 1701)?.address })
        var secrets: [UInt32: String] = [:]
        for p in l2tp.peerSecrets {
            if let a = L2TPEndpoint(p.peer, defaultPort: 1701)?.address { secrets[a] = p.secret }
        }
        peerSecrets = secrets
    }

    var settings: PortSettings { host.settings }

    /// The port's `lns`, as targets (the port's secrets, no Assignment-ID).
    var configuredTargets: [L2TPTarget] { servers.map { L2TPTarget(endpoint: $0) } }

    /// A LAC tunnel's configuration for `t`: RADIUS's secret and Host
    /// Name when it gave them (RFC 2868 §3.5, §3.9), else the port's.
    func configuration(for t: L2TPTarget) -> Tunnel.Configuration {
        var c = configuration(for: t.endpoint.address)
        if let secret = t.secret {
            c.secret = secret.isEmpty ? nil : Array(secret.utf8)
            c.hiddenAttributes = c.secret == nil ? [] : [.proxyAuthenResponse]
        }
        if !t.clientAuthID.isEmpty { c.hostName = Array(t.clientAuthID.utf8) }
        return c
    }

    /// A tunnel's configuration with `peer`: the port's, with the peer's
    /// own secret when `secrets` names it (§5.1.1), else the port's.
    func configuration(for peer: UInt32) -> Tunnel.Configuration {
        let name = l2tp.hostName.isEmpty ? "ppprouter" : l2tp.hostName
        var c = Tunnel.Configuration(role: l2tp.role == .lac ? .lac : .lns, hostName: Array(name.utf8))
        let secret = peerSecrets[peer] ?? l2tp.secret
        c.secret = secret.isEmpty ? nil : Array(secret.utf8)
        // §4.3: hiding is for "sensitive data, such as user passwords": a
        // PAP password or CHAP response proxied in an ICCN (§4.4.5) goes
        // hidden whenever there is a secret to hide it with.
        if c.secret != nil { c.hiddenAttributes = [.proxyAuthenResponse] }
        c.helloInterval = UInt64(l2tp.helloInterval) * 1_000_000_000
        c.sequenceData = l2tp.sequenceData
        c.maximumSessions = Int(l2tp.maxSessions)
        return c
    }

    static func now() -> UInt64 { Instant.now().nanoseconds }

    static func seed() -> [UInt8] {
        withUnsafeBytes(of: (Session.randomSeed(), Session.randomSeed())) { Array($0) }
    }

    // MARK: Transport

    func start() {
        do {
            try host.rt.loop.watch(socket.descriptor) { [unowned self] _ in self.readable() }
        } catch {
            host.rt.log.warning("port \(settings.name): \(error)")
            return
        }
        host.rt.log.info("port \(settings.name): l2tp \(l2tp.role.name) on \(settings.local)")
        resume()
        afterEvents()
        if l2tp.role == .lac && host.bridging.role != .upstream && host.liveCount == 0 { startSession() }
    }

    /// A LAC that is no bridging upstream runs its own PPP session in a
    /// call (as xl2tpd with pppd does); an LNS waits for its LACs.
    func startSession() {
        guard l2tp.role == .lac else { return }
        if placeCall(for: nil, user: settings.user, proxy: nil, targets: configuredTargets) == nil { host.rt.log.warning("port \(settings.name): no room for a call") }
    }

    var isServing: Bool { l2tp.role == .lns }
    var holdoff: Double { Double(max(settings.holdoff, 1)) }

    func dial(for subscriber: String) throws(MethodError) -> String { try dial(DialArguments(subscriber: subscriber)) }

    func dial(_ asked: DialArguments) throws(MethodError) -> String {
        let subscriber = asked.subscriber
        guard l2tp.role == .lac else {
            throw MethodError(.unavailable, "port \(settings.name) is an LNS: its LACs place its calls")
        }
        // RFC 2868: RADIUS's tunnels, best first, instead of `lns`.
        let targets = asked.tunnels.isEmpty ? configuredTargets : asked.tunnels.compactMap(L2TPTarget.init)
        if !asked.tunnels.isEmpty {
            host.rt.log.info("port \(settings.name): \(subscriber)'s call goes to RADIUS's LNSs \(targets.map { "\($0.endpoint)" }.joined(separator: ", "))")
        }
        guard let s = placeCall(for: subscriber, user: asked.peerName ?? "", proxy: asked.proxy, targets: targets) else {
            throw MethodError(.busy, "port \(settings.name): no tunnel has room for another call")
        }
        host.markDialled(s, for: subscriber)
        return s.id
    }

    /// The session on `circuit` ended: its call is cleared with a CDN
    /// (§7.4.1/§7.4.2 local close), unless the peer cleared it already.
    func sessionEnded(_ session: Session, on circuit: Circuit) {
        guard let call = circuit.l2tp, let slot = slots[call.tunnelID], slot.circuits[call.sessionID] === circuit else { return }
        let now = Self.now()
        slot.circuits[call.sessionID] = nil
        let reason = session.reason ?? "ended"
        endingSession = session.id
        endingCircuit = circuit
        endingSessionObject = session
        perform(slot.tunnel.disconnect(call.sessionID, ResultCode(ResultCode.administrative, error: 0, message: String(reason.prefix(200))), now: now),
                on: slot, now: now)
        endingSession = nil
        endingCircuit = nil
        endingSessionObject = nil
        if slot.circuits.isEmpty { slot.idleSince = now }
        afterEvents()
    }

    /// linkd stopping: every call's PPP says goodbye, then each tunnel
    /// sends its StopCCN (§5.7: the sessions go with it).
    func shutdown() {
        let now = Self.now()
        for slot in Array(slots.values) {
            slot.closeCause = Cause.nasReboot
            for circuit in Array(slot.circuits.values) { circuit.session?.close(reason: "linkd stopping") }
            perform(slot.tunnel.close(ResultCode(ResultCode.shuttingDown), now: now), on: slot, now: now)
        }
        transmits.flush()
        afterEvents()
    }

    /// `tunnel-kill`: StopCCN (§5.7, result 1 general clear); its calls and
    /// their sessions end with it. False when no open tunnel has that id.
    func kill(tunnel id: UInt16) -> Bool {
        guard let slot = slots[id], Self.open(slot.tunnel.state) else { return false }
        let now = Self.now()
        host.rt.log.notice("port \(settings.name): tunnel \(id) closed by the operator")
        slot.closeCause = Cause.adminReset
        perform(slot.tunnel.close(ResultCode(ResultCode.generalClear, message: "closed by the operator"), now: now), on: slot, now: now)
        afterEvents()
        return true
    }

    // MARK: Receiving

    private func readable() {
        let now = Self.now()
        // At most 64 messages per wake-up (two batches of 32, four of 16
        // with GRO), so the channels get their turn.
        for _ in 0..<(64 / inbound.capacity) {
            guard let got = inbound.receive(from: socket.descriptor) else {
                counters.receiveErrors += 1
                break
            }
            if got > 0 { counters.receiveBatches += 1 }
            for i in 0..<got {
                guard let (bytes, from, segmentSize) = inbound.message(i) else {
                    // Longer than a slot, or not IPv4.
                    counters.malformed += 1
                    continue
                }
                if segmentSize > 0 {
                    counters.groMessages += 1
                    counters.groSegments += UDPSegments(bytes, segmentSize: segmentSize).count
                }
                for d in UDPSegments(bytes, segmentSize: segmentSize) {
                    counters.datagramsIn += 1
                    datagram(d, from: from, now: now)
                }
            }
            if got < inbound.capacity { break }
        }
        afterEvents()
    }

    private func datagram(_ bytes: ArraySlice<UInt8>, from: L2TPEndpoint, now: UInt64) {
        let header: L2TPHeader
        do { header = try L2TPHeader(parsing: bytes) } catch {
            counters.malformed += 1
            return
        }
        guard header.isControl else {
            data(bytes, header, from: from, now: now)
            return
        }
        if header.tunnelID == 0 {
            newTunnel(bytes, header, from: from, now: now)
            return
        }
        guard let slot = slots[header.tunnelID], slot.peer.address == from.address else {
            counters.unknownTunnel += 1
            return
        }
        if slot.peer.port != from.port {
            // §8.1: the LNS may answer our SCCRQ from another port; after
            // that the pair of ports is fixed.
            guard slot.tunnel.state == .waitCtlReply else {
                counters.unknownTunnel += 1
                return
            }
            slot.peer.port = from.port
        }
        perform(slot.tunnel.receiveControl(bytes, now: now), on: slot, now: now)
    }

    /// §5.3 data message: to its call's session, no copy and no allocation.
    private func data(_ bytes: ArraySlice<UInt8>, _ header: L2TPHeader, from: L2TPEndpoint, now: UInt64) {
        guard let slot = slots[header.tunnelID], slot.peer == from else {
            counters.unknownTunnel += 1
            return
        }
        guard let id = slot.tunnel.receiveData(header, now: now), let s = slot.circuits[id]?.session, s.phase != .dead else {
            counters.dataDropped += 1
            return
        }
        s.receive(bytes[(bytes.startIndex + header.payloadOffset)...])
    }

    /// Tunnel ID 0: only an SCCRQ (§5.1), only on an LNS, only from an
    /// allowed peer. A retransmitted one goes to the tunnel it made.
    private func newTunnel(_ bytes: ArraySlice<UInt8>, _ header: L2TPHeader, from: L2TPEndpoint, now: UInt64) {
        let body = bytes[(bytes.startIndex + header.payloadOffset)...]
        guard !body.isEmpty, let m = try? ControlMessage(decoding: body, secret: configuration(for: from.address).secret),
              m.type == .sccrq, let peerTunnel = m.assignedTunnelID, peerTunnel != 0 else {
            counters.unknownTunnel += 1
            return
        }
        guard l2tp.role == .lns, peers.isEmpty || peers.contains(from.address), slots.count < Self.maxTunnels else {
            counters.refused += 1
            host.rt.log.notice("port \(settings.name): SCCRQ from \(from) refused (\(l2tp.role == .lns ? (slots.count < Self.maxTunnels ? "not in 'peers'" : "\(Self.maxTunnels) tunnels already") : "a LAC accepts no tunnels"))")
            return
        }
        let key = PeerTunnel(peer: from, tunnelID: peerTunnel)
        if let id = byPeer[key], let slot = slots[id] {
            perform(slot.tunnel.receiveControl(bytes, now: now), on: slot, now: now)
            return
        }
        let slot = L2TPTunnelSlot(tunnel: Tunnel(configuration: configuration(for: from.address), origin: .responder, localID: freeTunnelID(),
                                                 seed: Self.seed(), now: now), peer: from)
        add(slot)
        // The tunnel learns the peer's id from this SCCRQ: until now `add`
        // could not key it, and a retransmitted SCCRQ would make another.
        byPeer[key] = slot.id
        host.rt.log.info("port \(settings.name): tunnel \(slot.id): SCCRQ from \(from) (its tunnel \(peerTunnel))")
        perform(slot.tunnel.receiveControl(bytes, now: now), on: slot, now: now)
    }

    func add(_ slot: L2TPTunnelSlot) {
        slots[slot.id] = slot
        if l2tp.role == .lns { byPeer[PeerTunnel(peer: slot.peer, tunnelID: slot.tunnel.peerTunnelID)] = slot.id }
        dirty.insert(slot.id)
    }

    /// A non-zero id not in use, from a random start (§4.4.3 Assigned
    /// Tunnel ID; ids differ across restarts so a peer's stale one misses).
    func freeTunnelID() -> UInt16 {
        var id = UInt16(truncatingIfNeeded: Session.randomSeed())
        while id == 0 || slots[id] != nil { id &+= 1 }
        return id
    }

    // MARK: Sending

    /// Session.transmit for an L2TP call: the data header into the port's
    /// header buffer, then header and frame in one sendmsg.
    func sendData(_ call: L2TPCall, _ frame: [UInt8]) -> Int {
        guard let slot = slots[call.tunnelID], let fields = slot.tunnel.nextDataHeader(for: call.sessionID) else {
            errno = ENOTCONN
            return -1
        }
        let start = L2TPHeader.writeData(into: &headerBuffer, payloadStart: headerBuffer.count, payloadLength: frame.count,
                                         tunnelID: fields.tunnelID, sessionID: fields.sessionID, ns: fields.ns)
        return socket.send(header: headerBuffer, from: start, payload: frame, to: slot.peer)
    }

    /// Issue 21: `sendData` into the port's batch, behind the data header
    /// (RFC 2661 §5.3), to the tunnel's peer; false when it cannot be held.
    func enqueueData(_ call: L2TPCall, _ frame: [UInt8], from account: TransmitAccount) -> Bool {
        guard L2TPHeader.maximumDataLength + frame.count <= transmits.slotSize, let slot = slots[call.tunnelID],
              let out = transmits.reserve(fd: socket.descriptor, to: slot.peer) else { return false }
        // Reserved before the header takes its Ns (sendData takes it otherwise).
        guard let fields = slot.tunnel.nextDataHeader(for: call.sessionID) else { return false }
        let start = L2TPHeader.writeData(into: &headerBuffer, payloadStart: headerBuffer.count, payloadLength: frame.count,
                                         tunnelID: fields.tunnelID, sessionID: fields.sessionID, ns: fields.ns)
        let headerLength = headerBuffer.count - start
        headerBuffer.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: headerLength) }
        frame.withUnsafeBytes { f in
            if f.count > 0 { (out.baseAddress! + headerLength).copyMemory(from: f.baseAddress!, byteCount: f.count) }
        }
        // The session counts its frame's octets, as sendData's callers do.
        transmits.commit(headerLength + frame.count, counting: frame.count, from: account)
        return true
    }

    // MARK: Actions

    func perform(_ actions: [Tunnel.Action], on slot: L2TPTunnelSlot, now: UInt64) {
        dirty.insert(slot.id)
        for a in actions {
            switch a {
            case .send(let datagram):
                // Data messages held in the batch go first.
                transmits.flush()
                if socket.send(datagram, to: slot.peer) < 0 { counters.sendErrors += 1 }
            case .tunnelEstablished:
                let name = String(decoding: slot.tunnel.peerHostName, as: UTF8.self)
                if !slot.target.serverAuthID.isEmpty, name != slot.target.serverAuthID {
                    // RFC 2868 §3.10: not the LNS RADIUS meant; its calls fail over.
                    host.rt.log.notice("port \(settings.name): tunnel \(slot.id): LNS \(slot.peer) says it is '\(name)', not Tunnel-Server-Auth-ID '\(slot.target.serverAuthID)'; closing it")
                    perform(slot.tunnel.close(ResultCode(ResultCode.seeErrorCode, error: 0, message: "not the expected LNS"), now: now), on: slot, now: now)
                    continue
                }
                slot.everEstablished = true
                accountTunnelUp(slot)
                host.rt.log.notice("port \(settings.name): tunnel \(slot.id) with \(slot.peer) (\(name), its id \(slot.tunnel.peerTunnelID)) established")
                host.rt.publish(.tunnelUp(port: settings.name, tunnel: Int(slot.id), peer: "\(slot.peer)",
                                          peerTunnel: Int(slot.tunnel.peerTunnelID), hostName: name))
            case let .tunnelClosed(result, byPeer):
                host.rt.log.notice("port \(settings.name): tunnel \(slot.id) with \(slot.peer) closed \(byPeer ? "by the peer" : "by us"): \(Self.describe(result))")
                host.rt.publish(.tunnelDown(port: settings.name, tunnel: Int(slot.id), peer: "\(slot.peer)", result: Int(result.result),
                                            error: Int(result.error ?? 0), message: result.text, byPeer: byPeer))
                accountTunnelDown(slot, result, byPeer: byPeer)
            case .tunnelReleased:
                release(slot)
            case .sessionEstablished(let call):
                callEstablished(call, on: slot)
            case let .sessionClosed(id, result, byPeer):
                host.rt.publish(.callDown(port: settings.name, tunnel: Int(slot.id), call: Int(id),
                                          session: slot.circuits[id]?.session?.id ?? endingSession, result: Int(result.result),
                                          error: Int(result.error ?? 0), byPeer: byPeer))
                let circuit = slot.circuits[id] ?? endingCircuit
                accountCallDown(id, result, byPeer: byPeer, on: slot, circuit: circuit, session: circuit?.session ?? endingSessionObject)
                callClosed(id, result, byPeer: byPeer, on: slot, now: now)
            case .sessionLinkInfo:
                // §6.14: the ACCM applies to async framing at the LAC; our
                // calls are synchronous (RFC 1662 §4 is not in use here).
                counters.linkInfo += 1
            case .sessionWANError:
                counters.wanErrors += 1
            }
        }
    }

    /// The hold after StopCCN is over, or the peer never answered.
    private func release(_ slot: L2TPTunnelSlot) {
        guard slots[slot.id] === slot else { return }
        slots[slot.id] = nil
        byPeer = byPeer.filter { $0.value != slot.id }
        dirty.remove(slot.id)
        if !slot.deposited.isEmpty { try? host.rt.withdraw(key: .tunnel(slot.id)) }
        host.rt.log.info("port \(settings.name): tunnel \(slot.id) released")
    }

    static func describe(_ r: ResultCode) -> String {
        var s = "result \(r.result)"
        if let e = r.error, e != 0 { s += " error \(e)" }
        if !r.message.isEmpty { s += " (\(r.text))" }
        return s
    }

    /// After each event: deposit the records that changed, re-arm the timer.
    func afterEvents() {
        for id in dirty {
            guard let slot = slots[id] else { continue }
            let record = slot.record
            guard record != slot.deposited else { continue }
            slot.deposited = record
            do { try host.rt.deposit(key: .tunnel(id), record: record, descriptors: []) } catch {
                host.rt.log.warning("tunnel \(id): fd store deposit failed (a restart would lose it): \(error)")
            }
        }
        dirty.removeAll(keepingCapacity: true)
        rearm()
    }

    /// One timer for the port: the earliest tunnel deadline (§5.8
    /// retransmission, delayed ack, §5.5 HELLO, §5.7 hold) or idle hold.
    private func rearm() {
        var earliest: UInt64?
        for slot in slots.values {
            var d = slot.tunnel.nextDeadline
            if let idle = idleDeadline(slot) { d = min(d ?? idle, idle) }
            if let d { earliest = min(earliest ?? d, d) }
        }
        guard let earliest else {
            if let t = timer { host.rt.loop.cancel(t) }
            timer = nil
            timerDeadline = nil
            return
        }
        if timer != nil, let current = timerDeadline, current <= earliest { return }
        if let t = timer { host.rt.loop.cancel(t) }
        let now = Self.now()
        // At least a millisecond: a deadline already due runs on the next turn.
        let wait = max(earliest > now ? Double(earliest - now) / 1e9 : 0, 0.001)
        timerDeadline = earliest
        timer = host.rt.loop.schedule(after: wait) { [unowned self] in self.tick() }
    }

    private func tick() {
        timer = nil
        timerDeadline = nil
        let now = Self.now()
        for slot in Array(slots.values) {
            perform(slot.tunnel.tick(now: now), on: slot, now: now)
            if let idle = idleDeadline(slot), now >= idle, slots[slot.id] === slot {
                host.rt.log.info("port \(settings.name): tunnel \(slot.id) idle for \(l2tp.idleHold) s; closing it")
                slot.idleSince = nil
                slot.closeCause = Cause.idleTimeout
                perform(slot.tunnel.close(ResultCode(ResultCode.generalClear), now: now), on: slot, now: now)
            }
        }
        afterEvents()
    }

    /// LAC: a tunnel with no calls is closed after the idle hold.
    private func idleDeadline(_ slot: L2TPTunnelSlot) -> UInt64? {
        guard l2tp.role == .lac, slot.circuits.isEmpty, slot.tunnel.sessions.isEmpty,
              slot.tunnel.state == .established, let since = slot.idleSince else { return nil }
        return since + UInt64(l2tp.idleHold) * 1_000_000_000
    }
}
