// Calls on an l2tp port (RFC 2661 §7.4): the LNS gives every call the LAC
// connects (ICCN) a linkd Session; the LAC places a call for each session
// it starts or is dialled for, in a tunnel to its first LNS that answers,
// and starts PPP when the LNS answers (ICRP, then our ICCN). A tunnel that
// never came up (no answer, §5.8, or a StopCCN) moves its waiting calls to
// a tunnel to the next LNS in `lns`.
import IPC
import L2TP
import PPP

extension L2TPTransport {
    func makeCircuit(_ slot: L2TPTunnelSlot, _ sessionID: UInt16) -> Circuit {
        let call = L2TPCall(transport: self, tunnelID: slot.id, sessionID: sessionID)
        let circuit = Circuit(shared: socket.descriptor, peer: "\(slot.peer)", framing: .l2tp(call))
        slot.circuits[sessionID] = circuit
        slot.idleSince = nil
        return circuit
    }

    /// LAC: a new call and its session (Establish, waiting for the call to
    /// connect); nil when no tunnel has room.
    func placeCall(for subscriber: String?, user: String, proxy: DialProxy?, targets: [L2TPTarget]) -> Session? {
        guard !targets.isEmpty else { return nil }
        let now = Self.now()
        let call = Self.incomingCall(for: subscriber, proxy: proxy)
        guard let (slot, id, index) = place(call, targets: targets, from: 0, now: now) else { return nil }
        let circuit = makeCircuit(slot, id)
        circuit.l2tp?.mruCeiling = proxy?.mru
        circuit.l2tp?.proxy = call.proxy
        circuit.l2tp?.targets = targets
        circuit.l2tp?.targetIndex = index
        circuit.l2tp?.user = user
        if slot.openedFor.isEmpty { slot.openedFor = user }
        let s = host.makeSession(on: circuit)
        s.circuitConnecting()
        host.rt.log.info("session \(s.id): L2TP call \(id) in tunnel \(slot.id) to \(slot.peer)")
        afterEvents()
        return s
    }

    /// §6.6/§6.8: what the ICRQ and ICCN say of a call. Calling Number
    /// (§4.4.4) is the caller: for a bridged subscriber its session id. The
    /// proxy AVPs (§4.4.5) carry the subscriber's LCP and PAP/CHAP as its
    /// linkd saw them, so an LNS may skip renegotiating them.
    static func incomingCall(for subscriber: String?, proxy: DialProxy?) -> IncomingCall {
        var call = IncomingCall()
        if let subscriber { call.callingNumber = Array(subscriber.utf8) }
        guard let proxy else { return call }
        call.proxy.initialReceivedConfReq = proxy.initialReceivedConfReq
        call.proxy.lastSentConfReq = proxy.lastSentConfReq
        call.proxy.lastReceivedConfReq = proxy.lastReceivedConfReq
        call.proxy.authenType = proxy.authenType
        call.proxy.authenName = proxy.authenName
        call.proxy.authenChallenge = proxy.authenChallenge
        call.proxy.authenID = proxy.authenID
        call.proxy.authenResponse = proxy.authenResponse
        return call
    }

    /// Places `call` in a tunnel to `targets[index]` or a later one: a
    /// tunnel already open (or opening) to one of them with room, first in
    /// order, else a new one to `targets[index]`. Returns the slot, the
    /// call's id and the index of the target it went to.
    private func place(_ call: IncomingCall, targets: [L2TPTarget], from index: Int, now: UInt64) -> (L2TPTunnelSlot, UInt16, Int)? {
        guard index < targets.count else { return nil }
        for i in index..<targets.count {
            let existing = slots.values.filter { $0.target.shares(targets[i]) && Self.open($0.tunnel.state) }.sorted { $0.id < $1.id }
            for slot in existing {
                let (id, actions) = slot.tunnel.placeCall(call, now: now)
                if let id {
                    perform(actions, on: slot, now: now)
                    return (slot, id, i)
                }
            }
        }
        guard slots.count < Self.maxTunnels else { return nil }
        let target = targets[index]
        var c = configuration(for: target)
        c.tieBreaker = Session.randomSeed()  // §4.4.3, from getrandom
        let slot = L2TPTunnelSlot(tunnel: Tunnel(configuration: c, origin: .initiator, localID: freeTunnelID(),
                                                 seed: Self.seed(), now: now), peer: target.endpoint, serverIndex: index, target: target)
        add(slot)
        host.rt.log.info("port \(settings.name): tunnel \(slot.id): opening to LNS \(slot.peer)\(target.assignmentID.isEmpty ? "" : " (Tunnel-Assignment-ID \(target.assignmentID))")")
        let (id, actions) = slot.tunnel.placeCall(call, now: now)
        perform(actions, on: slot, now: now)
        guard let id else { return nil }
        return (slot, id, index)
    }

    static func open(_ state: Tunnel.State) -> Bool {
        switch state {
        case .idle, .waitCtlReply, .waitCtlConn, .established: true
        case .stopping, .closed: false
        }
    }

    /// §7.4.2 ICCN received (LNS): a new session runs PPP on the call.
    /// §7.4.1 ICRP answered (LAC): the waiting session starts LCP.
    func callEstablished(_ call: L2TP.Session, on slot: L2TPTunnelSlot) {
        switch l2tp.role {
        case .lns:
            let circuit = makeCircuit(slot, call.localID)
            let s = host.makeSession(on: circuit)
            host.rt.log.info("session \(s.id): L2TP call \(call.localID) (its \(call.peerID)) in tunnel \(slot.id) from \(slot.peer)\(call.sequencing ? ", sequenced" : "")")
            let checked = noteProxy(call.call.proxy, session: s)
            host.rt.publish(.callUp(port: settings.name, tunnel: Int(slot.id), call: Int(call.localID), peerCall: Int(call.peerID), session: s.id))
            if let c = circuit.l2tp {
                // RFC 2867 §2.1 names the user in a Tunnel-Link-Start: at the
                // ICCN an LNS knows only what the LAC proxied (§4.4.5).
                if let name = call.call.proxy.authenName { c.user = String(decoding: name.prefix(253), as: UTF8.self) }
                accountCallUp(c, on: slot, session: s)
            }
            if checked, let o = trustedProxy(call.call.proxy, from: slot, session: s) { s.startOpened(o) } else { s.start() }
        case .lac:
            guard let s = slot.circuits[call.localID]?.session, s.phase != .dead else { return }
            host.rt.log.info("session \(s.id): L2TP call \(call.localID) connected (LNS's id \(call.peerID))")
            host.rt.publish(.callUp(port: settings.name, tunnel: Int(slot.id), call: Int(call.localID), peerCall: Int(call.peerID), session: s.id))
            guard let c = slot.circuits[call.localID]?.l2tp else { return s.start() }
            accountCallUp(c, on: slot, session: s)
            // RFC 2661 §18: a call carrying a subscriber's proxy LCP starts in
            // that state (Session+ProxiedStart); the LNS chooses whether to keep it.
            if !c.proxy.isEmpty, let o = try? ProxiedLCP.negotiated(c.proxy, role: .caller, configuration: s.lcp.negotiator.configuration) {
                s.standsInForCaller = true
                s.startOpened(o)
            } else {
                s.start()
            }
        }
    }

    /// The peer's CDN, or the tunnel went with its calls. A LAC's call in a
    /// tunnel that never came up moves to the next LNS instead of ending.
    func callClosed(_ id: UInt16, _ result: ResultCode, byPeer: Bool, on slot: L2TPTunnelSlot, now: UInt64) {
        guard let circuit = slot.circuits.removeValue(forKey: id) else { return }
        if slot.circuits.isEmpty { slot.idleSince = now }
        guard let s = circuit.session, s.phase != .dead else { return }
        if l2tp.role == .lac, !slot.everEstablished, let call = circuit.l2tp {
            var placed = Self.incomingCall(for: s.bridge.dialledFor, proxy: nil)
            placed.proxy = call.proxy
            let targets = call.targets.isEmpty ? configuredTargets : call.targets
            let from = call.targets.isEmpty ? slot.serverIndex + 1 : call.targetIndex + 1
            if let (next, newID, index) = place(placed, targets: targets, from: from, now: now) {
                counters.failovers += 1
                call.targetIndex = index
                call.tunnelID = next.id
                call.sessionID = newID
                next.circuits[newID] = circuit
                circuit.peer = "\(next.peer)"
                next.idleSince = nil
                if next.openedFor.isEmpty { next.openedFor = call.user }
                host.rt.log.notice("session \(s.id): LNS \(slot.peer) did not take the tunnel (\(Self.describe(result))); trying \(next.peer)")
                return
            }
        }
        s.lowerDown(reason: "L2TP call cleared\(byPeer ? " by the peer" : ""): \(Self.describe(result))")
    }

    /// LNS: the LAC's proxy LCP and authentication (§4.4.5), checked and
    /// logged; true when there are some and they are consistent. Malformed
    /// ones are counted and ignored, never a reason to refuse the call.
    @discardableResult
    func noteProxy(_ proxy: ProxyInformation, session s: Session) -> Bool {
        guard !proxy.isEmpty else { return false }
        do {
            try proxy.check()
            counters.proxyAccepted += 1
            host.rt.log.info("session \(s.id): \(proxy.summary)")
            return true
        } catch {
            counters.proxyMalformed += 1
            host.rt.log.notice("session \(s.id): proxy AVPs ignored (\(error)); negotiating with the caller")
            return false
        }
    }

    /// LNS, RFC 2661 §18: the LCP state to start the call in, when the port
    /// trusts this peer's proxy LCP (`proxy-lcp`, `proxy-peers`) and the
    /// state is one this port would have agreed to; nil: negotiate with
    /// the caller, as xl2tpd and accel-ppp do unless told to trust the LAC.
    /// With `proxy-auth`, a proxied PAP or CHAP-MD5 of the method LCP
    /// settled goes to authd to check instead of a new exchange.
    func trustedProxy(_ proxy: ProxyInformation, from slot: L2TPTunnelSlot, session s: Session) -> LCPNegotiatedOptions? {
        guard l2tp.role == .lns, l2tp.proxyLCP, trustsProxy(of: slot.peer.address) else { return nil }
        let o: LCPNegotiatedOptions
        do { o = try ProxiedLCP.negotiated(proxy, role: .lns, configuration: s.lcp.negotiator.configuration) } catch {
            counters.proxyRenegotiated += 1
            host.rt.log.notice("session \(s.id): proxy LCP not taken (\(error)); negotiating with the caller")
            return nil
        }
        counters.proxyTrusted += 1
        if l2tp.proxyAuth, let a = proxiedAuthentication(proxy, settled: o.weAuthenticatePeerWith) {
            s.proxiedAuthentication = a
            host.rt.log.info("session \(s.id): LCP as the LAC proxied it; checking its proxied \(a.method) for '\(String(decoding: a.name.prefix(64), as: UTF8.self))'")
        } else {
            host.rt.log.info("session \(s.id): LCP as the LAC proxied it\(o.weAuthenticatePeerWith == nil ? "" : "; authenticating the caller again")")
        }
        return o
    }

    private func trustsProxy(of peer: UInt32) -> Bool {
        l2tp.proxyPeers.isEmpty || l2tp.proxyPeers.contains { L2TPEndpoint($0, defaultPort: 1701)?.address == peer }
    }

    /// §4.4.5 Proxy Authen Type 3 (PAP) or 2 (CHAP) when it is the method
    /// LCP settled (a proxied PAP proves nothing to a port requiring CHAP).
    private func proxiedAuthentication(_ p: ProxyInformation, settled: AuthenticationProtocol?) -> ProxiedAuthentication? {
        guard let type = p.authenType, let name = p.authenName, let response = p.authenResponse,
              name.count <= 255, response.count <= 255 else { return nil }
        switch (type, settled) {
        case (ProxyInformation.pap, .pap?):
            return ProxiedAuthentication(method: .pap, name: name, identifier: p.authenID ?? 0, response: response)
        case (ProxyInformation.chap, .chapMD5?):
            guard let challenge = p.authenChallenge, let id = p.authenID, !challenge.isEmpty, challenge.count <= 255 else { return nil }
            return ProxiedAuthentication(method: .chapMD5, name: name, identifier: id, challenge: challenge, response: response)
        default:
            return nil
        }
    }
}
