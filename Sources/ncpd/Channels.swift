// The channels ncpd holds: one per session handed over by linkd (DESIGN.md
// "Channels"). A channel arrives with its session description; ncpd accepts
// it with the handoff protocol, decides the session's addresses (pools,
// authd's Framed-IP-Address, static, client role) and runs its NCPs until
// the channel closes. This is every session's SessionHost.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPP

final class Channels: SessionHost {
    private let runtime: DaemonRuntime
    private(set) var sessions: [String: NetworkSession] = [:] {
        didSet { listingOrder = nil }
    }
    /// The sessions' ids in listing order, sorted once and kept while no
    /// session comes or goes: `sessions` is read in pages ({"from": N}),
    /// and sorting every id for every page made listing 10,000 sessions
    /// quadratic (issue 13, point 4).
    private var listingOrder: [String]?
    var sessionIDsInOrder: [String] {
        if let o = listingOrder { return o }
        let o = sessions.keys.sorted()
        listingOrder = o
        return o
    }
    let intake: ChannelIntake
    var refused: Int { intake.refused }
    private(set) var ended = 0
    /// Sessions picked up from the fd store after a restart.
    private(set) var resumed = 0
    var pools: AddressPools
    let settings: NcpdSettings
    let units: UnitSystem?
    let buffers = FrameBuffers()
    /// [pool6.NAME] and [ipv6.PORT] (issue 18); nil when none is configured.
    let ipv6: IPv6Router?
    /// RFC 1990 bundles (Bundles.swift): links with an MRRU go there.
    private(set) lazy var bundles = Bundles(runtime: runtime, channels: self)
    /// linkd's muxes (issue 13 point 1): sessions on them have no channel
    /// descriptor of their own.
    private(set) lazy var muxes = Muxes(runtime: runtime, channels: self)

    /// A session's addresses, settled before its channel is accepted.
    struct Plan {
        var ipcp: IPCPConfiguration?
        var lease: (pool: String, address: UInt32)?
    }

    init(runtime: DaemonRuntime, settings: NcpdSettings, units: UnitSystem?) {
        self.runtime = runtime
        self.settings = settings
        self.units = units
        intake = ChannelIntake(runtime: runtime)
        pools = AddressPools(settings.pools)
        ipv6 = IPv6Router.make(settings)
    }

    var loop: EventLoop { runtime.loop }
    var log: Log { runtime.log }

    /// A channelHandedOver from linkd: descriptors are [channel, R].
    func arrived(_ a: inout RendezvousArrival) {
        if case .muxHandedOver = a.message {
            muxes.arrived(&a)
            return
        }
        guard let offer = intake.offer(&a, from: [.linkd]) else { return }
        let record = offer.record
        if let m = record.multilink {
            bundles.arrived(offer, m)
            return
        }
        guard let plan = plan(offer) else { return }
        intake.accept(offer.receiver, record.session) { [unowned self] ok in
            guard ok, let fd = offer.channel.take() else {
                self.release(plan)
                return
            }
            self.adopt(record, SessionChannel(dedicated: fd), plan)
        }
    }

    /// Addresses are settled before we accept, so a session we cannot
    /// address stays with linkd (which then terminates it cleanly); nil when
    /// the offer was refused.
    func plan(_ offer: ChannelOffer) -> Plan? {
        switch plan(record: offer.record) {
        case .success(let plan): return plan
        case .failure(let why):
            intake.refuse(offer.receiver, why.reason)
            return nil
        }
    }

    struct Refusal: Error { let reason: String }

    /// The same for a session-open on a mux (Muxes).
    func plan(record: ChannelRecord) -> Result<Plan, Refusal> {
        if sessions[record.session] != nil {
            return .failure(Refusal(reason: "session \(record.session) already has a channel here"))
        }
        if !record.network.ifname.isEmpty,
           sessions.values.contains(where: { $0.interfaceName == record.network.ifname }) {
            return .failure(Refusal(reason: "interface \(record.network.ifname) is in use by another session"))
        }
        var plan = Plan()
        if record.network.ipv4 {
            do {
                let p = try pools.plan(for: record)
                plan.ipcp = p.0
                plan.lease = p.lease
            } catch {
                runtime.log.warning("\(record.session): refused: \(error)")
                return .failure(Refusal(reason: "\(record.session): \(error)"))
            }
        }
        return .success(plan)
    }

    /// A plan whose channel never came: its lease goes back.
    func release(_ plan: Plan) {
        if let lease = plan.lease { pools.release(pool: lease.pool, address: lease.address) }
    }

    /// Unit numbers of the sessions here, and none below `lowestFree` is
    /// free: no walk over thousands of sessions per new one.
    private var unitsInUse = Set<Int>()
    private var lowestFree = 0

    /// The smallest ppp<N> not used by a session here.
    private func freeUnitNumber() -> Int {
        var n = lowestFree
        while unitsInUse.contains(n) { n += 1 }
        lowestFree = n
        return n
    }

    private func unitTaken(_ n: Int) { unitsInUse.insert(n) }

    /// Issue 13: unit names the kernel found busy (each tried once more
    /// under another number, up to `unitNameTries` per session), and
    /// sessions that ended because every name they tried was busy.
    private(set) var unitNamesBusy = 0, unitsFailedBusy = 0
    static let unitNameTries = 8
    /// How long a busy number stays out of use: the interface it names is
    /// on its way out (its deletion waits for pppinit's withdraw of the
    /// deposit or an RCU grace period), and the next new session would
    /// otherwise pick the lowest free number, that one, again.
    static let busyUnitQuarantine = 5.0

    func unitNameBusy(_ session: NetworkSession, attempt: Int) -> Int? {
        unitNamesBusy += 1
        guard attempt < Self.unitNameTries, sessions[session.id] === session else {
            unitsFailedBusy += 1
            return nil
        }
        // The busy number stays taken until the quarantine ends.
        let busy = session.unitNumber
        runtime.loop.schedule(after: Self.busyUnitQuarantine) { [weak self] in self?.unitFreed(busy) }
        let next = freeUnitNumber()
        unitTaken(next)
        return next
    }

    private func unitFreed(_ n: Int) {
        unitsInUse.remove(n)
        lowestFree = min(lowestFree, n)
    }

    func adopt(_ record: ChannelRecord, _ channel: SessionChannel, _ plan: Plan) {
        let ipcp = plan.ipcp, lease = plan.lease
        var seed: UInt64 = 0
        let got = withUnsafeMutableBytes(of: &seed) { ppp_getrandom($0.baseAddress, 8) }
        if got != 8 { seed = Instant.now().nanoseconds ^ UInt64(getpid()) << 32 }
        let session = NetworkSession(record: record, channel: channel, unitNumber: freeUnitNumber(), host: self,
                                     ipcp: ipcp, lease: lease, seed: seed)
        sessions[record.session] = session
        unitTaken(session.unitNumber)
        muxes.attach(session)
        // Debug: the unit's and the NCPs' lines follow (issue 13: fewer lines per setup).
        runtime.log.debug("\(record.session): channel accepted (peer MRU \(record.peerMRU)"
                         + (lease.map { ", \(IPv4.format($0.address)) from pool \($0.pool)" } ?? "") + ")")
        // Its unit's descriptor first (LinuxUnits.reserve): then it starts.
        guard let units else { begin(session); return }
        units.reserve(session.interfaceName) { [weak self, weak session] in
            guard let self, let session, self.sessions[session.id] === session else { return }
            self.begin(session)
        }
    }

    private func begin(_ session: NetworkSession) {
        guard watch(session) else {
            runtime.log.warning("\(session.id): cannot watch the channel")
            session.end(reason: "cannot watch the channel")
            return
        }
        session.start()
        // Issue 13: what the peer sent while the session waited for its
        // unit's descriptor goes to NCPs that have started now (RFC 1661
        // §4.1: Req-Sent takes a Configure-Request; the Initial state the
        // frames met before start() discards it). Delivered first, 38% of
        // 1,000 sessions set up at 1,000/s lost their first IPCP
        // Configure-Request this way and opened only on the peer's
        // retransmission, 2-3 s later.
        muxes.begin(session)
        save(session)
    }

    // MARK: the fd store (DESIGN.md "Restart without losing sessions")

    /// Sessions whose deposit waits for the end of the round.
    private var depositsQueued: [NetworkSession] = []
    /// Made once, so queueing allocates nothing (EventLoop.atRoundEnd).
    private lazy var depositQueuedAtRoundEnd: () -> Void = { [unowned self] in self.depositQueued() }

    /// Deposits the session's channel, its TUN and its state record; the
    /// deposit under the same key replaces the last one.
    /// Issue 13: inside an event-loop round the deposit waits for the
    /// round's end, so what one round changes in a session (IPCP and
    /// IPv6CP opening on frames read together, a resume and its held
    /// frames) costs one deposit, one pppinit round trip, not one each.
    /// The deposit still leaves before the loop waits again.
    func save(_ session: NetworkSession) {
        guard !session.ended, !session.depositQueued else { return }
        if depositsQueued.isEmpty, !runtime.loop.atRoundEnd(depositQueuedAtRoundEnd) {
            deposit(session)  // outside a round: at once
            return
        }
        session.depositQueued = true
        depositsQueued.append(session)
    }

    private func depositQueued() {
        let queued = depositsQueued
        depositsQueued.removeAll(keepingCapacity: true)
        for session in queued {
            session.depositQueued = false
            // A session that ended in the round was withdrawn; one replaced
            // under its id is not this one.
            if sessions[session.id] === session { deposit(session) }
        }
    }

    private func deposit(_ session: NetworkSession) {
        guard !session.ended else { return }
        let state = session.snapshot()
        // On the mux the unit is the session's only descriptor: the mux
        // itself is deposited once, by linkd's port (Muxes.swift).
        var fds: [Int32] = session.channel.dedicated.map { [$0] } ?? []
        if let u = session.unit { fds.append(u.fd.raw) }
        do { try runtime.deposit(key: .session(session.id), record: state.encoded(), descriptors: fds) } catch {
            runtime.log.warning("\(session.id): fd store deposit failed (a restart would lose it): \(error)")
        }
    }

    /// At start-up: the sessions a previous ncpd deposited come back with
    /// their channels and units, Opened NCPs as they were.
    func resume(_ entries: [RestoredEntry]) {
        muxes.resume(entries)
        for e in entries where e.key.session != nil {
            let state: NetworkSessionState
            do { state = try NetworkSessionState.decode(e.record) } catch {
                runtime.log.warning("\(e.key): unusable state record (\(error)); dropping the session")
                try? runtime.withdraw(key: e.key)
                continue
            }
            guard e.descriptors.count == state.descriptorCount, let channel = resumedChannel(state, e.descriptors) else {
                runtime.log.warning("\(e.key): \(e.descriptors.count) descriptors, expected \(state.descriptorCount)"
                                    + (state.muxHandle != 0 ? " (or no mux from \(state.record.port))" : "") + "; dropping")
                try? runtime.withdraw(key: e.key)
                continue
            }
            let tun = state.interface.isEmpty ? nil : e.descriptors[e.descriptors.count - 1].take()
            let hasUnit = tun != nil
            let record = state.record
            var plan: IPCPConfiguration?
            var lease: (pool: String, address: UInt32)?
            if record.network.ipv4 {
                let old = state.leasePool.isEmpty ? nil : (pool: state.leasePool, address: state.leaseAddress)
                if let p = try? pools.plan(for: record, resuming: old) {
                    plan = p.0
                    lease = p.lease
                }
            }
            let session = NetworkSession(record: record, channel: channel, unitNumber: Int(state.unitNumber),
                                         host: self, ipcp: plan, lease: lease, seed: UInt64(state.started) ^ 0x5eed)
            session.restore(state, tun: tun)
            sessions[record.session] = session
            unitTaken(session.unitNumber)
            guard watch(session) else {
                session.end(reason: "cannot watch the channel after a restart")
                continue
            }
            resumed += 1
            runtime.log.notice("\(record.session): resumed after a restart (IPCP: \(state.ipcp.phase), IPv6CP: \(state.ipv6cp.phase)"
                               + (state.interface.isEmpty ? "" : ", unit \(state.interface)") + ")")
            let go = { [weak self, weak session] in
                guard let self, let session, self.sessions[session.id] === session else { return }
                session.resume()
                self.muxes.begin(session)  // held frames, as for a new session
                if !session.ended { self.save(session) }
            }
            // A session still negotiating has no unit yet: like a new one
            // it needs its unit's descriptor set aside first (where pppinit
            // opens them), or its unit fails when the NCP opens (seen after
            // ncpd was restarted with 580 sessions negotiating).
            let negotiating = state.ipcp.phase == .negotiating || state.ipv6cp.phase == .negotiating
            if !hasUnit, negotiating, let units { units.reserve(session.interfaceName, then: go) } else { go() }
        }
        bundles.resume(entries)
    }

    /// A dedicated channel is watched here; a session on the mux is
    /// reached through its handle (Muxes), its frames held until the
    /// session has started (`muxes.begin`).
    private func watch(_ session: NetworkSession) -> Bool {
        guard let raw = session.channel.dedicated else {
            muxes.attach(session)
            return true
        }
        do {
            try runtime.loop.watch(raw) { [weak session] events in
                guard let session else { return }
                // Issue 17: EPOLLOUT while a TUN packet waits for room.
                if events.contains(.writable) { session.channelWritable() }
                if events != .writable, !session.channelReadable() { session.end(reason: "channel closed by linkd") }
            }
            return true
        } catch {
            return false
        }
    }

    /// The channel of a resumed session: its own (the first descriptor),
    /// or linkd's mux under the deposited handle.
    private func resumedChannel(_ state: NetworkSessionState, _ descriptors: [SharedDescriptor]) -> SessionChannel? {
        if state.muxHandle == 0 {
            guard descriptors.count > 0, let fd = descriptors[0].take() else { return nil }
            return SessionChannel(dedicated: fd)
        }
        return muxes.channel(port: state.record.port, handle: state.muxHandle)
    }

    func sessionChanged(_ session: NetworkSession) {
        guard sessions[session.id] === session else { return }
        save(session)
    }

    // MARK: SessionHost

    func sessionEnded(_ session: NetworkSession) {
        guard sessions[session.id] === session else { return }
        if let lease = session.lease {
            pools.release(pool: lease.pool, address: lease.address)
            session.lease = nil
        }
        // Dropping the last reference closes the channel: linkd closes LCP
        // (pppinit's copies go with the deposit).
        try? runtime.withdraw(key: .session(session.id))
        units?.release(session.interfaceName)
        unitFreed(session.unitNumber)
        sessions[session.id] = nil
        muxes.detach(session)
        ended += 1
        bundles.sessionEnded(session.id)
    }

    func publish(_ event: EventBody) { runtime.publish(event) }

    /// authd's session-prefixes through pppinit's daemon-call table. Best
    /// effort: a router without authd, or an authd that does not hold the
    /// session (not authenticated), answers no; both are logged, never fatal.
    func accountPrefixes(_ prefixes: SessionPrefixesArguments) {
        let session = prefixes.session
        do {
            try runtime.link.call(.daemonCallRequested(target: "authd", method: DaemonMethod.sessionPrefixes.name,
                                                       arguments: prefixes.json.encoded()),
                                  timeout: 10, onReply: { [weak self] r in
                switch r.message {
                case let .callReplied(json):
                    let answer = (try? JSON.parse(json)).flatMap { try? SessionPrefixesReply(json: $0) }
                    if answer?.known != true { self?.runtime.log.debug("\(session): authd holds no accounting for it") }
                case let .errorReplied(code, reason):
                    self?.runtime.log.notice("\(session): authd not told of its IPv6 prefixes: \(code): \(reason)")
                default: break
                }
            }, onFailure: { [weak self] e in
                self?.runtime.log.notice("\(session): authd not told of its IPv6 prefixes: \(e)")
            })
        } catch {
            runtime.log.notice("\(session): authd not told of its IPv6 prefixes: \(error)")
        }
    }

    /// ncpd's `session-prefixes`: what authd is to account for a session
    /// (NetworkSession.prefixReport), asked by an authd that resumed its
    /// accounting after its own restart or linkd's.
    func prefixes(_ arguments: JSON) throws(MethodError) -> JSON {
        let id = try SessionArguments(json: arguments).id
        guard let s = sessions[id] else {
            return NcpdSessionPrefixesReply(known: false, prefixes: SessionPrefixesArguments(session: id, prefix: nil, delegated: nil)).json
        }
        return NcpdSessionPrefixesReply(known: true, prefixes: s.answerPrefixes()).json
    }

    func hook(_ request: HookRequest) {
        guard settings.hooks else { return }
        do { try runtime.link.send(.hookRequested(request)) } catch {
            runtime.log.warning("\(request.session): \(request.event.name) not sent to pppinit: \(error)")
        }
    }

    /// Ends every session (shutdown): interfaces, routes and leases go.
    func endAll(reason: String) {
        for s in Array(sessions.values) { s.end(reason: reason) }
    }

    /// `sessions`: every session, by id.
    var listing: SessionListing {
        SessionListing(sessions: sessionIDsInOrder.map { sessions[$0]!.json() })
    }
}
