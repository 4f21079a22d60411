// RFC 2867 tunnel accounting on a LAC port: each tunnel's start and end
// (Tunnel-Start when the control connection is established, Tunnel-Stop
// when an established one closes, Tunnel-Reject when it never came up) and
// each call's (Tunnel-Link-Start when the call connects, Tunnel-Link-Stop
// when a connected call ends, Tunnel-Link-Reject when the LNS refuses a
// call in an established tunnel), told to authd (tunnelAccounted), which
// sends them when RADIUS accounting is configured. The LAC is where RFC
// 2867 puts it (§1: compulsory tunnelling is the NAS's service); an LNS's
// sessions are accounted as every other session is.
import IPC
import L2TP

extension L2TPTransport {
    /// RFC 2866 §5.10 Acct-Terminate-Cause values used here.
    enum Cause {
        static let userRequest: UInt32 = 1, lostService: UInt32 = 3, idleTimeout: UInt32 = 4, adminReset: UInt32 = 6
        static let nasRequest: UInt32 = 10, nasReboot: UInt32 = 11, serviceUnavailable: UInt32 = 15, hostRequest: UInt32 = 18
    }

    private var accounts: Bool { l2tp.role == .lac }

    /// Our side of every tunnel: the port's address (§3.3 Tunnel-Client-Endpoint).
    private var clientEndpoint: String {
        guard let e = L2TPEndpoint(settings.local) else { return settings.local }
        return IPv4.format(e.address)
    }

    private func tunnelRecord(_ slot: L2TPTunnelSlot, _ status: TunnelAccounting.Status) -> TunnelAccounting {
        let t = slot.tunnel
        if slot.accountingID.isEmpty {
            slot.accountingID = "\(settings.name)-t\(slot.id)-\(String(Session.randomSeed() & 0xffff_ffff, radix: 16))"
        }
        return TunnelAccounting(status: status, accountingID: slot.accountingID, user: slot.openedFor,
                                clientEndpoint: clientEndpoint, serverEndpoint: Self.endpoint(slot.peer),
                                connection: "\(t.localID)/\(t.peerTunnelID)", assignmentID: slot.target.assignmentID,
                                clientAuthID: String(decoding: t.configuration.hostName, as: UTF8.self),
                                serverAuthID: String(decoding: t.peerHostName, as: UTF8.self))
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
        guard accounts, slot.accountedSince == nil else { return }
        slot.accountedSince = Instant.now()
        send(tunnelRecord(slot, .tunnelStart))
    }

    /// §2.1 Tunnel-Stop (it was established) or Tunnel-Reject (it never was).
    func accountTunnelDown(_ slot: L2TPTunnelSlot, _ result: ResultCode, byPeer: Bool) {
        guard accounts, !slot.accountingEnded else { return }
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

    /// §2.1 Tunnel-Link-Start: the LNS answered the call (ICRP; our ICCN sent).
    func accountCallUp(_ call: L2TPCall, on slot: L2TPTunnelSlot, session: Session) {
        guard accounts else { return }
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
        guard accounts, let circuit, let call = circuit.l2tp else { return }
        let lost = UInt32(clamping: data?.lost ?? 0)
        if let since = call.accountedSince {
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
