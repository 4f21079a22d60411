// One PPP session on a port: the RFC 1661 §3.2 phases around an LCP instance
// driven from the event loop (restart timer, Echo keepalive), framing that
// follows what LCP negotiated, the Authenticate phase through authd
// (Session+Auth), the Network phase through a channel held by ncpd
// (ChannelRelay), and the counters `pppctl sessions` shows. The session never
// owns its circuit's descriptor; its owner (PortSessions) and the port's
// Transport feed it and outlive it.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPP

/// What a session tells the port that runs it, and asks of it.
protocol SessionOwner: AnyObject {
    /// The Network phase began.
    func sessionUp(_ session: Session)
    /// authd's verdict, each time one comes.
    func sessionAuthenticated(_ session: Session, _ verdict: AuthVerdict)
    /// The session is over (phase dead), once.
    func sessionFinished(_ session: Session)
    /// At the Network phase: where the channel goes (Session+Bridge).
    func route(_ session: Session) -> NetworkRoute
    /// The channel is held by its owner (deposit the session), and it
    /// closed (withdraw it): DESIGN.md "Restart without losing sessions".
    func channelHeld(_ session: Session)
    func channelClosed(_ session: Session)
}

final class Session {
    typealias Phase = LinkPhases.Phase

    struct Counters {
        var framesIn = 0, framesOut = 0, bytesIn = 0, bytesOut = 0
        var echoRequestsSent = 0, echoRepliesReceived = 0
        /// Write failures, and frames a full send buffer could not take.
        var transmitErrors = 0, transmitDropped = 0
        /// Issue 17: frames a byte-stream line could not take at once (EAGAIN
        /// or a short write) that waited in `backlog` instead of being lost.
        var transmitHeld = 0
        /// RFC 1661 §3.4: non-LCP frames before the Network phase are discarded.
        var discardedBeforeNetwork = 0
        /// RFC 1661 §5.7: frames of protocols nobody here runs.
        var protocolRejectsSent = 0
        var protocolRejectsReceived = 0, codeRejectsReceived = 0
        /// RFC 1661 §5.8: Echo packets that carried our own Magic-Number.
        var loopbackSuspected = 0
        /// PAP/CHAP/EAP packets relayed to and from authd, and those that
        /// came when no authentication was under way (Protocol-Rejected).
        var authFramesIn = 0, authFramesOut = 0, authFramesDropped = 0
        /// Issue 21: super-packets from the owner segmented to the wire, and
        /// those that did not check out (dropped).
        var superPacketsOut = 0, superPacketsRefused = 0
    }

    /// What a session needs from its linkd besides the line.
    struct Context {
        let loop: EventLoop
        let log: Log
        let runtimeDir: String
        let auth: AuthClient
        /// The port's shared transmit and channel receive buffers.
        let scratch: FrameScratch
        /// Issue 21: the port's segmenting buffer when its `offload` is on.
        var segments: SegmentBatch? = nil
        var gro: GROPath? = nil
        /// Issue 13: the port's mux to ncpd (a PPPoE access concentrator).
        var mux: MuxLink? = nil
        /// Issue 21: the port's send batch on UDP and PPPoE ports.
        var transmits: TransmitBatch? = nil
    }

    let id: String
    /// The port's settings, one copy for all its sessions (issue 13).
    private let shared: SharedPortSettings
    var settings: PortSettings { shared.value }
    /// RFC 1661 §3.2: the phase, why the session ends, and whether it got
    /// as far as Network (LinkPhases decides; the session carries out).
    private(set) var phases = LinkPhases()
    var phase: Phase { phases.phase }
    var reason: String? { phases.reason }
    var endCause: EndCause? { phases.cause }
    var reachedNetwork: Bool { phases.reachedNetwork }
    private(set) var lcp: LCP
    var counters = Counters()
    /// The options LCP settled when it last opened.
    private(set) var negotiated: LCPNegotiatedOptions?
    let started = Instant.now()
    private(set) var upSince: Instant?

    let loop: EventLoop
    /// Where frames go and come from; its peer is the RADIUS Calling-Station-Id.
    let circuit: Circuit
    let log: Log
    let context: Context
    /// The Network phase's channel to ncpd (nil before, and after it closed).
    private(set) var channel: ChannelRelay?
    /// Issue 17: what a byte-stream line could not take yet (Session+Backlog).
    var backlog = WireBacklog()
    /// When the Network phase began (accounting's session time).
    private(set) var networkSince: Instant?
    /// The Authenticate phase (Session+Auth).
    var auth = AuthState()
    var sessionTimer: TimerID?
    var idleTimer: TimerID?
    var interimTimer: TimerID?
    private var encoder: FrameEncoder
    private var decoder: FrameDecoder
    /// A PPPoE session's 20 header octets (RFC 2516 §4), LENGTH left to
    /// each frame: the segments of a super-packet go out behind it.
    private(set) var wireHeader: [UInt8] = []
    private var restartTimer: TimerID?
    private var echoTimer: TimerID?
    /// pppd's lcp_echos_pending: reset by any received frame (adaptive).
    private var echoesOutstanding = 0
    /// Receive-side framing changes wait until the frame being fed is done
    /// (the deframer cannot be reconfigured from inside its own callback).
    private var feeding = false
    private var pendingReceiveOptions: LCPNegotiatedOptions?

    /// The port running the session: told of its phases, asked where its
    /// channel goes. Without one the channel goes to ncpd.
    weak var owner: SessionOwner?
    /// Bridging: the partner session and how far the bridge got.
    var bridge = BridgeState()
    /// The LCP and authentication an L2TP LAC may proxy (Session+Proxy).
    var proxyCapture = ProxyCapture()
    /// L2TP, RFC 2661 §18: an LNS's call that trusts its LAC's proxied
    /// PAP/CHAP, and our LAC's call standing in for its subscriber
    /// (Session+ProxiedStart).
    var proxiedAuthentication: ProxiedAuthentication?
    var standsInForCaller = false

    /// A PPPoE session: its id, the peer's MAC and the payload ceiling.
    let pppoe: PPPoEBinding?

    /// Frames are written to the circuit's descriptor (for PPPoE the port's
    /// session socket, each frame a whole Ethernet frame).
    init(id: String, settings shared: SharedPortSettings, circuit: Circuit, context: Context) {
        self.id = id
        self.shared = shared
        let settings = shared.value
        self.circuit = circuit
        self.context = context
        self.loop = context.loop
        self.log = context.log
        let async: Bool
        var ceiling: UInt16?
        switch circuit.framing {
        case .hdlc:
            async = true
            pppoe = nil
            encoder = FrameEncoder(async: true)
        case .datagram:
            async = false
            pppoe = nil
            encoder = FrameEncoder(async: false)
        case .l2tp(let call):
            async = false
            pppoe = nil
            encoder = FrameEncoder(async: false)
            ceiling = call.mruCeiling
        case .pppoe(let binding):
            async = false
            pppoe = binding
            encoder = FrameEncoder(pppoe: binding)
            wireHeader = FrameEncoder.header(binding)
        }
        decoder = FrameDecoder(async: async, mru: settings.mru)
        let c = LCPPolicy.configuration(for: settings, async: async, seed: Session.randomSeed(),
                                        pppoeMaximumPayload: pppoe?.maximumPayload, mruCeiling: ceiling)
        let limits = Automaton.Limits(maxConfigure: Int(settings.lcpMaxConfigure),
                                      restartInterval: .seconds(Int64(settings.lcpRestart)))
        lcp = LCP(negotiator: LCPNegotiator(configuration: c), limits: limits)
    }

    /// RFC 1661 §3.2 Dead → Establish: the lower layer is up at once on our
    /// ports (a bound UDP socket, an open tty), so open and signal Up.
    func start() { run(.circuitUp) }

    /// RFC 2661 §18: LCP Opened at once with what a LAC's proxy LCP
    /// settled (ProxiedLCP), nothing sent; then as after any tlu.
    func startOpened(_ o: LCPNegotiatedOptions) {
        _ = phases.handle(.circuitConnecting)
        var negotiator = lcp.negotiator
        negotiator.restore(o)
        lcp = LCP.resumed(negotiator: negotiator, limits: lcp.automaton.limits, nextIdentifier: 1)
        layerUp()
    }

    /// Administrative close (pppctl session kill): RFC 1661 §5.5 Terminate.
    func close(reason: String) { run(.closeRequested(reason: reason)) }

    /// The circuit never came up (a TCP connect failed): over before LCP began.
    func circuitFailed(reason: String) { run(.circuitFailed(reason: reason)) }

    /// RFC 1661 §3.2: a TCP connect under way is already Establish (LCP
    /// waits in Initial for the lower layer).
    func circuitConnecting() { run(.circuitConnecting) }

    /// The port went away (hang-up, read error): RFC 1661 §4.3 Down event.
    func lowerDown(reason: String) { run(.circuitDown(reason: reason)) }

    /// Feeds the phase machine and carries out what it returns, in order.
    func run(_ event: LinkPhases.Event) {
        for action in phases.handle(event) {
            switch action {
            case .openLCP:
                perform(lcp.open())
                perform(lcp.lowerUp())
            case .closeLCP(let why):
                perform(lcp.close(reason: why))
            case .lowerLCP:
                perform(lcp.lowerDown())
            case .beginAuthentication:
                beginAuthentication(negotiated ?? LCPNegotiatedOptions())
            case .enterNetwork:
                enterNetwork()
            case .deliver(let frames):
                // The channel queues them until its owner acks (ChannelRelay).
                for f in frames where phase == .network { channel?.deliver(f.proto, f.information[...]) }
            case .leaveNetwork:
                leaveNetwork()
            case .finished:
                if phases.finish() { finish() }
            }
        }
    }

    // MARK: Receive

    /// What one read of the port returned (a datagram or a chunk of a stream).
    func receive(_ bytes: ArraySlice<UInt8>) {
        counters.bytesIn += bytes.count
        feeding = true
        // Options a frame settled (LCP up or down) apply from the next
        // octet of this very read (FrameDecoder.feed).
        decoder.feed(bytes) { proto, information in
            self.frameReceived(proto, information)
            defer { self.pendingReceiveOptions = nil }
            return self.pendingReceiveOptions
        }
        feeding = false
    }

    private func frameReceived(_ proto: ProtocolNumber, _ information: ArraySlice<UInt8>) {
        counters.framesIn += 1
        // Adaptive keepalive: any frame from the peer proves it alive.
        echoesOutstanding = 0
        if proto == .lcp {
            if phase != .network { proxyCapture.lcpReceived(information) }
            perform(lcp.receive(information))
            forwardProtocolReject(information)
            return
        }
        if proto == .pap || proto == .chap || proto == .eap {
            // RFC 1661 §3.5: authentication packets, to authd while it runs
            // (also in the Network phase: periodic re-challenge).
            authFrameFromPeer(proto, information)
            return
        }
        // Our LAC's stand-in call: the LNS's first network or NCP frame
        // while we wait for its Challenge says it took the proxied state.
        if standsInForCaller, phase == .authenticate, !proto.isLinkControl { peerTookTheProxy() }
        switch phases.destination(of: proto) {
        case .lcp, .authentication:
            return  // taken above
        case .held:
            // For the channel once the Network phase begins (LinkPhases).
            if !phases.hold(proto, information) { counters.discardedBeforeNetwork += 1 }
            return
        case .discarded:
            // RFC 1661 §3.4-§3.5: only LCP (and authentication, link quality)
            // may pass before the Network phase.
            counters.discardedBeforeNetwork += 1
            return
        case .channel, .rejected:
            break
        }
        if !proto.isLinkControl, let channel {
            // DESIGN.md "Channels": every network and NCP frame goes to the
            // owner, who Protocol-Rejects what it does not run.
            if proto == .ipcp { watchIPCP(information, fromOwner: false) }
            channel.deliver(proto, information)
            return
        }
        protocolReject(proto, information)
    }

    /// RFC 1661 §5.7: a protocol nobody here runs.
    func protocolReject(_ proto: ProtocolNumber, _ information: ArraySlice<UInt8>) {
        let actions = lcp.protocolReject(proto, information: information)
        if !actions.isEmpty { counters.protocolRejectsSent += 1 }
        perform(actions)
    }

    /// DESIGN.md "Channels": the peer's Protocol-Reject of a network or NCP
    /// protocol goes to the owner, as an LCP frame (after LCP counted it).
    private func forwardProtocolReject(_ p: ArraySlice<UInt8>) {
        guard let channel, lcp.state == .opened, p.count >= 6, p[p.startIndex] == 8 else { return }
        let rejected = ProtocolNumber(UInt16(p[p.startIndex + 4]) << 8 | UInt16(p[p.startIndex + 5]))
        if !rejected.isLinkControl { channel.deliver(.lcp, p) }
    }

    // MARK: Carrying out LCP's actions

    func perform(_ actions: [ControlAction]) {
        for action in actions {
            switch action {
            case .send(let packet):
                if phase != .network { proxyCapture.lcpSent(packet) }
                transmit(.lcp, packet)
            case .startTimer(let d):
                if let t = restartTimer { loop.cancel(t) }
                restartTimer = loop.schedule(after: Self.seconds(d)) { [weak self] in
                    guard let self else { return }
                    self.restartTimer = nil
                    self.perform(self.lcp.timeout())
                }
            case .stopTimer:
                if let t = restartTimer { loop.cancel(t) }
                restartTimer = nil
            case .thisLayerUp:
                layerUp()
            case .thisLayerDown:
                standsInForCaller = false  // RFC 2661 §18: the LNS renegotiates
                switch lcp.state {
                case .closing, .stopping, .closed, .stopped: run(.lcpDown(terminating: true))
                default: run(.lcpDown(terminating: false))
                }
            case .thisLayerStarted:
                break  // our lower layers are always available (RFC 1661 §4.4 tls)
            case .thisLayerFinished:
                run(.lcpFinished(stopped: lcp.state == .stopped))
            case .negotiationFailed(let failure):
                run(.lcpFailed(reason: Self.describe(failure)))
            case .protocolRejected(let p):
                counters.protocolRejectsReceived += 1
                log.info("session \(id): peer rejects protocol \(p)")
            case .codeRejected(let code):
                counters.codeRejectsReceived += 1
                log.info("session \(id): peer rejects LCP code \(code.rawValue)")
            case .echoReplyReceived:
                counters.echoRepliesReceived += 1
            case .loopbackSuspected:
                counters.loopbackSuspected += 1
            case .terminateRequested(let data):
                let text = String(decoding: data.prefix(200), as: UTF8.self)
                run(.peerTerminated(reason: "peer terminated" + (text.isEmpty ? "" : ": \(text)")))
            case .identificationReceived, .timeRemainingReceived:
                break  // RFC 1570: advisory only
            }
        }
    }

    /// RFC 1661 §4.4 tlu: frame as negotiated, then Authenticate or Network.
    private func layerUp() {
        var o = lcp.negotiator.negotiated
        if let pppoe {
            // RFC 2516 §7 / RFC 4638: nothing larger than the session's
            // payload fits the Ethernet frame, whatever MRU the peer named
            // (or the 1500 it defaults to); pppd clamps the same way.
            o.peerMRU = UInt16(min(Int(o.peerMRU), pppoe.maximumPayload))
            o.localMRU = UInt16(min(Int(o.localMRU), pppoe.maximumPayload))
        }
        negotiated = o
        encoder.apply(o)
        if feeding { pendingReceiveOptions = o } else { decoder.apply(o) }
        // RFC 1661 §5.6/§5.7: Rejected-Packet/Information fit the peer's MRU.
        lcp.maximumRejectedLength = Int(o.peerMRU) - ControlPacket.headerLength - 2
        scheduleEcho()
        // RFC 1661 §3.5: with an Auth-Protocol either way, authd carries the
        // phase out (Session+Auth); without, straight to Network.
        run(.lcpUp(authenticate: o.weAuthenticatePeerWith != nil || o.peerAuthenticatesUsWith != nil))
    }

    /// RFC 1661 §3.6 Network phase (LinkPhases entered it): hand the channel
    /// to ncpd and relay.
    private func enterNetwork() {
        let o = negotiated ?? LCPNegotiatedOptions()
        upSince = Instant.now()
        networkSince = upSince
        var record = ChannelRecord(session: id, port: settings.name)
        record.localMRU = o.localMRU
        record.peerMRU = o.peerMRU
        record.localMagic = o.localMagicNumber
        record.peerMagic = o.peerMagicNumber
        record.verdict = auth.verdict
        record.network = settings.network
        record.multilink = Self.multilink(o)
        // RFC 1990 §3: fragments in proportion to the links' speeds; a tty
        // knows its line speed, other transports leave it to ncpd (0).
        if settings.kind == .tty { record.multilink?.speed = UInt64(settings.speed) }
        let relay = ChannelRelay(record: record, runtimeDir: context.runtimeDir, loop: loop, log: log,
                                 scratch: context.scratch)
        attach(relay)
        switch owner?.route(self) ?? .ncpd {
        case .ncpd:
            relay.offerOffload(offloadOffer(multilink: record.multilink != nil))
            // Issue 13: over the port's mux, under the session's number;
            // a multilink link keeps a channel of its own (ncpd's bundles
            // splice channels).
            if let mux = context.mux, record.multilink == nil, let n = muxHandle { relay.useMux(mux, handle: n) }
            relay.start()
        case .bridged(let partner): relay.start(bridgeWith: partner)
        case .hold: log.info("session \(id): channel held for a bridge (\(bridge.stage.rawValue))")
        }
        // The route is chosen and any dial has read the proxy values: they
        // are kept until the Network phase only (Session+Proxy), which
        // frees a few small arrays per session (issue 13, point 5).
        proxyCapture = ProxyCapture()
        startAccounting()
        owner?.sessionUp(self)
    }

    /// RFC 1990 §5.1: what ncpd needs to put the link in its bundle; nil
    /// when no MRRU was agreed (an ordinary session).
    static func multilink(_ o: LCPNegotiatedOptions) -> ChannelMultilink? {
        guard o.isMultilink else { return nil }
        var m = ChannelMultilink()
        m.localMRRU = o.localMRRU ?? 0
        m.peerMRRU = o.peerMRRU ?? 0
        m.receiveShortSequence = o.receiveShortSequence
        m.transmitShortSequence = o.transmitShortSequence
        m.peerDiscriminator = o.bundleDiscriminator.encoded
        return m
    }

    private func attach(_ relay: ChannelRelay) {
        relay.onTransmit = { [unowned self] proto, information in
            if proto == .ipcp { self.watchIPCP(information, fromOwner: true) }
            self.transmit(proto, information)
        }
        relay.onProtocolReject = { [unowned self] proto, information in self.protocolReject(proto, information) }
        relay.onSuperPacket = { [unowned self] proto, datagram in self.transmitSuperPacket(proto, datagram) }
        relay.gro = context.gro
        relay.onEnd = { [unowned self] reason in
            self.log.notice("session \(self.id): \(reason)")
            self.close(reason: reason)
        }
        relay.onHeld = { [unowned self] in self.owner?.channelHeld(self) }
        relay.onClosed = { [unowned self] in self.owner?.channelClosed(self) }
        channel = relay
    }

    /// The session's handle on the mux: its number on the port.
    var muxHandle: UInt32? {
        guard let n = id.split(separator: ":").last.flatMap({ UInt32($0) }), n != 0 else { return nil }
        return n
    }

    /// After a restart of linkd (DESIGN.md "Restart without losing
    /// sessions"): LCP Opened as `state` says, framing as negotiated, the
    /// Network phase relaying on the channel back from the fd store (or on
    /// the port's mux, `channel` nil). Nothing goes to the peer: it must not
    /// see a renegotiation.
    func resume(_ state: LinkSessionState, channel fd: consuming FileDescriptor?) throws(IPCError) {
        let o = state.negotiated
        var negotiator = lcp.negotiator
        negotiator.restore(o)
        lcp = LCP.resumed(negotiator: negotiator, limits: lcp.automaton.limits, nextIdentifier: state.lcpIdentifier)
        lcp.maximumRejectedLength = Int(o.peerMRU) - ControlPacket.headerLength - 2
        negotiated = o
        encoder.apply(o)
        decoder.apply(o)
        // A TCP connection: read on from the next Flag with the deposited
        // deframer settings (DESIGN.md "Issue 20").
        if let c = state.stream { decoder.resume(c.deframer) }
        _ = phases.handle(.resumed)
        upSince = Instant(nanoseconds: state.networkSince)
        networkSince = upSince
        auth.verdict = state.verdict
        auth.counterBase = state.counters
        let relay: ChannelRelay
        if state.muxHandle != 0 {
            guard let mux = context.mux, mux.isReady else { throw .invalid(callID: 0, reason: "the port's mux did not come back") }
            relay = ChannelRelay(resuming: state.record, mux: mux, handle: state.muxHandle, owner: state.ownerPID,
                                 loop: loop, log: log, scratch: context.scratch)
        } else {
            guard let fd = fd.take() else { throw .badDescriptor }
            relay = try ChannelRelay(resuming: state.record, channel: fd, owner: state.ownerPID,
                                     loop: loop, log: log, scratch: context.scratch)
        }
        attach(relay)
        if !state.record.bridgeWith.isEmpty {
            bridge.partner = state.record.bridgeWith
            bridge.stage = .handed
        }
        scheduleEcho()
        resumeAuthorization()
    }

    /// RFC 1661 §4.4 tld: leaving Opened, to renegotiate or to terminate.
    /// The NCPs go down with LCP (their owner sees the channel hang up) and
    /// a renegotiated link authenticates again, as pppd does.
    private func leaveNetwork() {
        stopEcho()
        upSince = nil
        endNetwork()
        endAuthentication(reason: reason ?? "LCP renegotiation")
        encoder.apply(LCPNegotiatedOptions())
        if feeding { pendingReceiveOptions = LCPNegotiatedOptions() } else { decoder.reset() }
    }

    private func endNetwork() {
        channel?.close()
        for t in [sessionTimer, idleTimer, interimTimer] { if let t { loop.cancel(t) } }
        sessionTimer = nil
        idleTimer = nil
        interimTimer = nil
    }

    /// The phase is Dead (LinkPhases.finish said so, once).
    private func finish() {
        stopEcho()
        endNetwork()
        discardBacklog()
        endAuthentication(reason: reason ?? "ended")
        if let t = restartTimer { loop.cancel(t) }
        restartTimer = nil
        owner?.sessionFinished(self)
    }

    // MARK: Keepalive (pppd lcp-echo-interval / lcp-echo-failure)

    private func scheduleEcho() {
        guard settings.echoInterval > 0 else { return }
        echoTimer = loop.schedule(after: Double(settings.echoInterval)) { [weak self] in self?.echoTick() }
    }

    private func stopEcho() {
        if let t = echoTimer { loop.cancel(t) }
        echoTimer = nil
        echoesOutstanding = 0
    }

    private func echoTick() {
        echoTimer = nil
        guard lcp.state == .opened else { return }
        if settings.echoFailure > 0 && echoesOutstanding >= Int(settings.echoFailure) {
            log.notice("session \(id): no frame for \(echoesOutstanding) echo intervals; peer is dead")
            close(reason: "peer not responding: \(echoesOutstanding) LCP echo requests unanswered")
            return
        }
        if let (_, actions) = lcp.echoRequest() {
            echoesOutstanding += 1
            counters.echoRequestsSent += 1
            perform(actions)
        }
        scheduleEcho()
    }

    // MARK: Transmit

    /// One frame out: a datagram, or one write of an HDLC frame. A datagram
    /// is expendable (PPP recovers from loss): a full buffer drops it and
    /// counts. On a byte stream the rest waits for the line (Session+Backlog).
    func transmit<C: Collection<UInt8>>(_ proto: ProtocolNumber, _ information: C) {
        // The port's buffer, not one per session: it grows once to the
        // longest frame any session sent and is reused (FrameScratch).
        var transmitBuffer = context.scratch.takeTransmit()
        defer { context.scratch.giveTransmit(transmitBuffer) }
        encoder.encode(proto, information, into: &transmitBuffer)
        // Issue 21: on a UDP or PPPoE port the frame joins the port's batch
        // (one sendmmsg per loop round); one that cannot goes out here,
        // after what the batch holds, so frames keep their order. An L2TP
        // call's joins its port's batch as a data message to its peer.
        if let call = circuit.l2tp {
            if call.enqueue(transmitBuffer, from: self) { return }
            call.transport.transmits.flush()
        } else if let batch = context.transmits {
            if transmitBuffer.withUnsafeBytes({ batch.add($0, fd: circuit.raw, from: self) }) { return }
            batch.flush()
        }
        if case .hdlc = circuit.framing {
            // A tty or TCP line: a frame that does not fit now waits.
            transmitBuffer.withUnsafeBytes { transmitOnStream($0) }
            return
        }
        let n = if let call = circuit.l2tp {
            call.send(transmitBuffer)
        } else {
            transmitBuffer.withUnsafeBytes { write(circuit.raw, $0.baseAddress, $0.count) }
        }
        if n == transmitBuffer.count {
            counters.framesOut += 1
            counters.bytesOut += n
        } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
            counters.transmitDropped += 1
        } else {
            // A short write on a stream leaves a fragment the peer's deframer
            // drops at our next Flag (RFC 1662 §4.3 bad FCS); UDP errors are
            // ICMP reports of an absent peer.
            counters.transmitErrors += 1
        }
    }

    // MARK: Helpers

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// RFC 1661 §6.4 wants Magic-Numbers as unique as possible: seed from
    /// the kernel's entropy pool (getrandom is in the base allowlist).
    static func randomSeed() -> UInt64 {
        var seed: UInt64 = 0
        let n = withUnsafeMutableBytes(of: &seed) { ppp_getrandom($0.baseAddress, UInt($0.count)) }
        if n != 8 { seed = Instant.now().nanoseconds ^ UInt64(getpid()) << 32 }
        return seed
    }

    static func describe(_ failure: NegotiationFailure) -> String {
        switch failure {
        case .loopedBack: "loopback detected: our Magic-Number came back (RFC 1661 §6.4)"
        case .authenticationRefused: "peer refused every authentication protocol we require"
        case .requiredOptionRejected(let type): "peer rejected required LCP option \(type)"
        }
    }

    var wireErrors: WireErrors { decoder.errors }

    /// The RFC 1662 deframer's settings on a byte stream (nil otherwise).
    var deframerSettings: AsyncDeframer.Settings? { decoder.streamSettings }
}
