// What linkd deposits for a session (LinkSessionState) once ncpd holds its
// channel, read off the live session; for a TCP session also its
// connection's far end and deframer settings.
import IPC
import PPP
import PPPoE

extension Session {
    /// The session as it stands, or nil when it is not relaying a channel.
    func snapshot() -> (state: LinkSessionState, channel: Int32?)? {
        guard let relay = channel, relay.descriptor != nil || relay.onMux, let o = negotiated else { return nil }
        var s = LinkSessionState(id: id, record: relay.record)
        // Issue 13: on the mux, the handle instead of a descriptor.
        if relay.onMux { s.muxHandle = relay.handle }
        let fd = relay.descriptor
        s.negotiated = o
        s.lcpIdentifier = lcp.identifierToSave
        s.verdict = auth.verdict
        s.ownerPID = relay.ownerPID ?? 0
        s.networkSince = (networkSince ?? Instant.now()).nanoseconds
        s.counters = accountingCounters
        s.pppoe = pppoe.map {
            PPPoESessionRecord(sessionID: $0.sessionID, peer: $0.peer.rawValue, local: $0.local.rawValue,
                               maximumPayload: UInt16(clamping: $0.maximumPayload), serviceName: $0.serviceName,
                               acName: $0.acName, relaySessionID: $0.relaySessionID,
                               vlanOuter: $0.vlan.outer ?? 0, vlanOuterTPID: $0.vlan.outerTPID, vlanInner: $0.vlan.inner ?? 0)
        }
        // A TCP connection of the session's own goes in the fd store too.
        if circuit.ownsDescriptor, let d = deframerSettings { s.stream = StreamRecord(peer: circuit.peer, deframer: d) }
        return (s, fd)
    }
}

extension PPPoEBinding {
    /// The binding a deposited PPPoE session had.
    init(_ r: PPPoESessionRecord) {
        self.init(sessionID: r.sessionID, peer: EthernetAddress(rawValue: r.peer), local: EthernetAddress(rawValue: r.local),
                  maximumPayload: Int(r.maximumPayload), serviceName: r.serviceName, acName: r.acName,
                  relaySessionID: r.relaySessionID, vlan: r.vlan)
    }
}

extension PPPoESessionRecord {
    /// The deposited VLAN tags (issue 13).
    var vlan: VLANTags {
        VLANTags(outer: vlanOuter == 0 ? nil : vlanOuter, outerTPID: vlanOuterTPID, inner: vlanInner == 0 ? nil : vlanInner)
    }
}
