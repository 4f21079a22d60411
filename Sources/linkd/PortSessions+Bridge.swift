// Bridging on a port (DESIGN.md "bridged"). A subscriber port's bridging
// rules pick, after LCP and authentication, an upstream port by the peer's
// authenticated name or realm; this linkd then asks the upstream port's
// linkd (through pppinit's daemon-call table) to `dial` a session, and hands
// its own channel to bridged naming that session as partner. The upstream
// linkd brings its session up (LCP, and authentication as a client with the
// port's `user` if the far end asks) and at its Network phase hands its
// channel to bridged naming the subscriber. A `bridge = "manual"` port holds
// its sessions until the operator's `pppctl bridge A B`.
import IPC

extension PortSessions {
    /// SessionOwner.route: where this session's channel goes.
    func route(_ s: Session) -> NetworkRoute {
        switch bridging.role {
        case .upstream:
            guard let partner = s.bridge.partner else { return .hold }
            s.bridge.stage = .handed
            publishBridge(s)
            return .bridged(partner: partner)
        case .manual:
            s.bridge.stage = .held
            publishBridge(s)
            return .hold
        case .none:
            let name = s.auth.verdict.flatMap { $0.peerName.isEmpty ? nil : $0.peerName }
            // RFC 2868: tunnels in the Access-Accept choose the LAC port
            // (and its LNSs) before any rule does.
            let tunnelled = !(s.auth.verdict?.tunnels.isEmpty ?? true) && !bridging.tunnelUpstream.isEmpty
            guard let upstream = tunnelled ? bridging.tunnelUpstream : bridging.upstream(peerName: name) else { return .ncpd }
            s.bridge.upstream = upstream
            s.bridge.stage = .dialing
            publishBridge(s)
            dialUpstream(upstream, for: s)
            return .hold
        }
    }

    /// Asks linkd@UPSTREAM for a session; its id becomes our partner.
    private func dialUpstream(_ upstream: String, for s: Session) {
        let target = ComponentName.linkd(port: upstream).description
        var args = DialArguments(subscriber: s.id, peerName: s.auth.verdict?.peerName, proxy: s.dialProxy)
        if upstream == bridging.tunnelUpstream { args.tunnels = s.auth.verdict?.tunnels ?? [] }
        rt.log.info("session \(s.id): bridging rule → upstream \(upstream); dialling")
        do {
            try rt.link.call(.daemonCallRequested(target: target, method: DaemonMethod.dial.name, arguments: args.json.encoded()),
                             timeout: 10, onReply: { [weak self, weak s] r in
                guard let self, let s, s.phase == .network, s.bridge.stage == .dialing else { return }
                switch r.message {
                case let .callReplied(json):
                    guard let parsed = try? JSON.parse(json), let id = try? DialReply(json: parsed).session else {
                        s.close(reason: "upstream \(upstream): dial answered without a session")
                        return
                    }
                    self.rt.log.info("session \(s.id): upstream session \(id); handing the channel to bridged")
                    s.bridge(with: id)
                    self.publishBridge(s)
                case let .errorReplied(_, reason):
                    s.close(reason: "upstream \(upstream): \(reason)")
                default:
                    break
                }
            }, onFailure: { [weak s] e in
                s?.close(reason: "upstream \(upstream) did not answer the dial: \(e)")
            })
        } catch {
            s.close(reason: "cannot ask \(target) to dial: \(error)")
        }
    }

    /// `dial {for: SESSION}` on an upstream port: starts a session whose
    /// channel goes to bridged spliced to SESSION. Answers its id at once;
    /// bridged waits for both halves (and closes a half left alone).
    func dial(_ args: JSON) throws(MethodError) -> JSON {
        let asked = try DialArguments(json: args)
        guard bridging.role == .upstream else {
            throw MethodError(.notPermitted, "port \(settings.name) is not an upstream port")
        }
        return DialReply(session: try transport.dial(asked)).json
    }

    /// Transport.dial on a port that runs one session at a time on its
    /// descriptor (udp, tty) or one connection at a time (tcp connect).
    func dialOneAtATime(for subscriber: String) throws(MethodError) -> String {
        if let busy = live.first {
            throw MethodError(.busy, "upstream \(settings.name) carries \(busy.id) already (one session at a time on a \(settings.kind.name) port)")
        }
        startSession()
        guard let s = live.last else {
            throw MethodError(.failed, "upstream \(settings.name): the session did not start")
        }
        markDialled(s, for: subscriber)
        return s.id
    }

    /// An upstream session started for `subscriber`: at its Network phase
    /// its channel goes to bridged spliced to the subscriber's.
    func markDialled(_ s: Session, for subscriber: String) {
        s.bridge.partner = subscriber
        s.bridge.dialledFor = subscriber
        s.bridge.upstream = settings.name
        s.bridge.stage = .dialing
        rt.log.info("session \(s.id): dialled for \(subscriber)")
        publishBridge(s)
    }

    /// `bridge {id, with}`: a held session's channel goes to bridged,
    /// spliced to `with` (pppctl bridge calls both sides).
    func bridgeHeld(_ args: JSON) throws(MethodError) -> JSON {
        let asked = try BridgeArguments(json: args)
        let id = asked.id, partner = asked.with
        guard let s = liveSession(id: id) else {
            throw MethodError(.notFound, "no live session '\(id)' on port \(settings.name)")
        }
        if s.bridge.stage == .held, let p = liveSession(id: partner), p.bridge.stage == .held {
            try bridgePair(s, p)
            return BridgeReply(id: id, with: partner, transfers: 1).json
        }
        guard s.bridge.stage == .held, s.bridge(with: partner) else {
            throw MethodError(.failed, "\(id) is not waiting for a bridge (port \(settings.name) needs bridge = \"manual\"; state \(s.bridge.stage.rawValue))")
        }
        publishBridge(s)
        return BridgeReply(id: id, with: partner).json
    }

    /// Both sessions are ours: both channels go to bridged in one datagram
    /// (channelPairHandedOver: two channels + R), so bridged gets the pair
    /// whole or not at all.
    private func bridgePair(_ a: Session, _ b: Session) throws(MethodError) {
        guard let fa = a.prepareBridgePair(with: b.id) else {
            throw MethodError(.failed, "\(a.id) is not holding its channel")
        }
        guard let fb = b.prepareBridgePair(with: a.id), let ca = a.channel, let cb = b.channel else {
            a.close(reason: "bridge with \(b.id) failed: \(b.id) is not holding its channel")
            throw MethodError(.failed, "\(b.id) is not holding its channel")
        }
        var w = ByteWriter()
        w.u8(1)
        w.blob(ca.record.encoded()); w.blob(cb.record.encoded())
        do {
            try HandoffSender.send(.channelPairHandedOver(record: w.bytes), descriptors: [fa, fb],
                                   to: rt.runtimeDir + "/bridged", loop: rt.loop) { [weak ca, weak cb] outcome in
                ca?.handedOver(outcome)
                cb?.handedOver(outcome)
            }
        } catch {
            ca.handedOver(.failed(error))
            cb.handedOver(.failed(error))
        }
        rt.log.info("sessions \(a.id) and \(b.id): both channels to bridged in one transfer")
        publishBridge(a)
        publishBridge(b)
    }

    /// `unbridge {id}`: ends the session; bridged sees its channel close and
    /// closes the partner's, whose linkd terminates it too.
    func unbridge(_ args: JSON) throws(MethodError) -> JSON {
        let id = try SessionArguments(json: args).id
        guard let s = liveSession(id: id), s.bridge.stage != .none else {
            throw MethodError(.notFound, "no bridged session '\(id)' on port \(settings.name)")
        }
        let partner = s.bridge.partner
        s.close(reason: "unbridged by the operator")
        return UnbridgeReply(id: id, partner: partner).json
    }

    func publishBridge(_ s: Session, reason: String? = nil) {
        rt.publish(.sessionBridge(session: s.id, port: settings.name, state: s.bridge.stage.rawValue,
                                  partner: s.bridge.partner, reason: reason))
    }
}
