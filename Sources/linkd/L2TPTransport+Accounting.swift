// RFC 2867 tunnel accounting on an l2tp port, LAC and LNS alike: each
// tunnel's start and end (Tunnel-Start when the control connection is
// established, Tunnel-Stop when an established one closes, Tunnel-Reject
// when it never came up) and each call's (Tunnel-Link-Start when the call
// connects, Tunnel-Link-Stop when a connected call ends, Tunnel-Link-Reject
// when the LNS refuses a call in an established tunnel), told to authd
// (tunnelAccounted), which sends them when RADIUS accounting is configured.
// §1 puts it at the LAC (compulsory tunnelling is the NAS's service), but
// RFC 2867's records are for "the tunnel's" accounting wherever it ends, and
// an LNS operator bills by tunnel too (accel-ppp's LNS sends them): the LNS
// names the same tunnel with the ends swapped (RFC 2868 §3.3/§3.4: the
// client is the initiator, the LAC). Its sessions are also accounted as
// every other session is (RFC 2866, by authd).
// The ids (Acct-Session-Id per tunnel and per call, their Starts' times)
// live in the tunnel's deposited record, so a Stop after a kill -9 of linkd
// pairs with the Start sent before it (L2TPTunnelSlot.accounting).
import IPC
import L2TP

extension L2TPTransport {
    /// RFC 2866 §5.10 Acct-Terminate-Cause values used here.
    enum Cause {
        static let userRequest: UInt32 = 1, lostService: UInt32 = 3, idleTimeout: UInt32 = 4, adminReset: UInt32 = 6
        static let nasRequest: UInt32 = 10, nasReboot: UInt32 = 11, serviceUnavailable: UInt32 = 15, hostRequest: UInt32 = 18
    }

    /// Our own address on this port, "a.b.c.d" (RFC 2868 §3.3/§3.4).
    private var ourEndpoint: String {
        guard let e = L2TPEndpoint(settings.local) else { return settings.local }
        return IPv4.format(e.address)
    }

    private func tunnelRecord(_ slot: L2TPTunnelSlot, _ status: TunnelAccounting.Status) -> TunnelAccounting {
        let t = slot.tunnel
        if slot.accountingID.isEmpty {
            slot.accountingID = "\(settings.name)-t\(slot.id)-\(String(Session.randomSeed() & 0xffff_ffff, radix: 16))"
        }
        let ours = String(decoding: t.configuration.hostName, as: UTF8.self), theirs = String(decoding: t.peerHostName, as: UTF8.self)
        let lac = l2tp.role == .lac
        let names = slot.accountedNames ?? (slot.target.assignmentID, lac ? ours : theirs, lac ? theirs : ours)
        // §3.3 Tunnel-Client-Endpoint is the LAC's (the initiator's), §3.4
        // the LNS's; an LNS's peer is "a.b.c.d:port" unless port 1701, as
        // a LAC writes its LNS (the LAC's source port is usually 1701).
        return TunnelAccounting(status: status, accountingID: slot.accountingID, user: slot.openedFor,
                                clientEndpoint: lac ? ourEndpoint : Self.endpoint(slot.peer),
                                serverEndpoint: lac ? Self.endpoint(slot.peer) : ourEndpoint,
                                connection: "\(t.localID)/\(t.peerTunnelID)", assignmentID: names.0,
                                clientAuthID: names.1, serverAuthID: names.2)
    }

    /// RFC 2868 §3.4's form, as an Access-Accept names it: "a.b.c.d", with
    /// ":port" when not §8.1's 1701 (as we read Tunnel-Server-Endpoint).
    static func endpoint(_ e: L2TPEndpoint) -> String {
        e.port == 1701 ? IPv4.format(e.address) : "\(IPv4.format(e.address)):\(e.port)"
    }

    private func send(_ t: TunnelAccounting) {
        do { try host.auth.send(.tunnelAccounted(t)) } catch {
            host.rt.log.warning("port \(settings.name): \(t.status) \(t.accountingID) not told to authd: \(error)")
        }
    }

    /// §2.1 Tunnel-Start: the control connection is established.
    func accountTunnelUp(_ slot: L2TPTunnelSlot) {
        guard slot.accountedSince == nil else { return }
        slot.accountedSince = Instant.now()
        let r = tunnelRecord(slot, .tunnelStart)
        slot.accountedNames = (r.assignmentID, r.clientAuthID, r.serverAuthID)
        send(r)
    }

    /// §2.1 Tunnel-Stop (it was established) or Tunnel-Reject (it never was).
    func accountTunnelDown(_ slot: L2TPTunnelSlot, _ result: ResultCode, byPeer: Bool) {
        guard !slot.accountingEnded else { return }
        slot.accountingEnded = true
        // A tunnel restored after a linkd restart was established before it
        // (its Tunnel-Start went out then): it ends with a Tunnel-Stop.
        let established = slot.accountedSince != nil || slot.everEstablished
        var r = tunnelRecord(slot, established ? .tunnelStop : .tunnelReject)
        r.terminateCause = slot.closeCause != 0 ? slot.closeCause
            : !established ? Cause.serviceUnavailable
            : byPeer ? Cause.hostRequest
            : Cause.lostService  // §5.8: retransmissions exhausted
        if let since = slot.accountedSince {
            r.counters = slot.callTotals
            r.counters.sessionSeconds = UInt32(clamping: Int(Instant.now().seconds(since: since)))
            r.packetsLost = slot.packetsLost
        }
        send(r)
    }

    /// §2.1 Tunnel-Link-Start: the call connected (a LAC: the LNS's ICRP
    /// answered, our ICCN sent; an LNS: the LAC's ICCN came).
    func accountCallUp(_ call: L2TPCall, on slot: L2TPTunnelSlot, session: Session) {
        call.accountingID = "\(session.id)-\(String(Session.randomSeed() & 0xffff_ffff, radix: 16))"
        call.accountedSince = Instant.now()
        call.peerSessionID = slot.tunnel.sessions[call.sessionID]?.peerID
        send(linkRecord(call, slot, .linkStart, session: session.id))
    }

    /// §2.1 Tunnel-Link-Stop (it connected) or Tunnel-Link-Reject (the LNS
    /// cleared it in an established tunnel before it connected). A call
    /// whose tunnel never came up is in that tunnel's Tunnel-Reject (and
    /// fails over), not rejected on its own. The call's L2TP counters are
    /// taken here whatever the role, so none are left behind.
    func accountCallDown(_ id: UInt16, _ result: ResultCode, byPeer: Bool, on slot: L2TPTunnelSlot, circuit: Circuit?, session: Session?) {
        let data = slot.tunnel.takeEndedCounters(id)
        guard let circuit, let call = circuit.l2tp else { return }
        let lost = UInt32(clamping: data?.lost ?? 0)
        if let since = call.accountedSince {
            // An LNS learns the user only from authentication (or a proxied one).
            if call.user.isEmpty, let name = session?.auth.verdict?.peerName { call.user = name }
            var r = linkRecord(call, slot, .linkStop, session: session?.id ?? "")
            var c = session?.accountingCounters ?? SessionCounters()
            c.sessionSeconds = UInt32(clamping: Int(Instant.now().seconds(since: since)))
            r.counters = c
            r.packetsLost = lost
            r.terminateCause = slot.closeCause != 0 ? slot.closeCause : byPeer ? Cause.hostRequest : Self.cause(session?.reason)
            slot.callTotals.inputOctets &+= c.inputOctets; slot.callTotals.outputOctets &+= c.outputOctets
            slot.callTotals.inputPackets &+= c.inputPackets; slot.callTotals.outputPackets &+= c.outputPackets
            slot.packetsLost &+= lost
            call.accountedSince = nil
            send(r)
        } else if slot.accountedSince != nil, !slot.accountingEnded, byPeer {
            if call.accountingID.isEmpty {
                call.accountingID = "\(session?.id ?? settings.name)-\(String(Session.randomSeed() & 0xffff_ffff, radix: 16))"
            }
            var r = linkRecord(call, slot, .linkReject, session: session?.id ?? "")
            r.terminateCause = Cause.serviceUnavailable
            send(r)
        }
    }

    private func linkRecord(_ call: L2TPCall, _ slot: L2TPTunnelSlot, _ status: TunnelAccounting.Status, session: String) -> TunnelAccounting {
        var r = tunnelRecord(slot, status)
        r.accountingID = call.accountingID
        r.user = call.user
        r.session = session
        let peerCall = slot.tunnel.sessions[call.sessionID]?.peerID ?? call.peerSessionID
        r.connection = "\(slot.tunnel.localID)/\(slot.tunnel.peerTunnelID) \(call.sessionID)/\(peerCall.map { "\($0)" } ?? "-")"
        return r
    }

    /// Why our side cleared a call, from its session's reason (the
    /// subscriber hung up, or the router or operator ended it).
    static func cause(_ reason: String?) -> UInt32 {
        let r = (reason ?? "").lowercased()
        if r.hasPrefix("linkd stopping") { return Cause.nasReboot }
        if r.hasPrefix("killed by the operator") || r.hasPrefix("admin reset") { return Cause.adminReset }
        if r.hasPrefix("peer terminated") || r.contains("partner") || r.hasPrefix("upstream") { return Cause.userRequest }
        return Cause.nasRequest
    }
}
