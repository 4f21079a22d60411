// Data messages of a session (RFC 2661 §5.3, §5.4): the header fields to
// send with (Ns when sequencing), and the check of a received one (Ns order,
// the LNS's choice of sequencing followed by the LAC). No allocation: linkd
// calls these for every PPP frame.

extension Tunnel {
    /// The header fields of the next data message of session `localID`
    /// (use with `L2TPHeader.writeData`), or nil when it cannot carry data.
    public mutating func nextDataHeader(for localID: UInt16) -> (tunnelID: UInt16, sessionID: UInt16, ns: UInt16?)? {
        guard state == .established, var session = sessions[localID], session.state == .established else { return nil }
        var ns: UInt16?
        if session.sequencing {
            ns = session.dataNs
            session.dataNs &+= 1
            sessions[localID] = session
        }
        return (peerTunnelID, session.peerID, ns)
    }

    /// A data message whose header was parsed: the local session its
    /// payload belongs to, or nil to drop it (unknown session, or an Ns
    /// older than one already passed on, §5.4).
    public mutating func receiveData(_ header: L2TPHeader, now: UInt64) -> UInt16? {
        guard !header.isControl, var session = sessions[header.sessionID], session.state == .established else {
            counters.dataWithoutSession += 1
            return nil
        }
        lastHeard = now
        // §5.4: without Sequencing Required, the LNS turns Ns on and off and the LAC follows.
        if configuration.role == .lac && !session.sequencingRequired { session.sequencing = header.ns != nil }
        if let ns = header.ns {
            if ReliableDelivery.precedes(ns, session.dataNr) {
                session.dataCounters.outOfOrder += 1
                sessions[header.sessionID] = session
                return nil
            }
            session.dataCounters.lost += Int(ns &- session.dataNr)
            session.dataNr = ns &+ 1
        }
        session.dataCounters.received += 1
        sessions[header.sessionID] = session
        return session.localID
    }

    /// A whole data datagram for `payload` (tests and low-rate paths; linkd
    /// writes in place with `L2TPHeader.writeData`).
    public mutating func dataMessage(for localID: UInt16, payload: [UInt8]) -> [UInt8]? {
        guard let fields = nextDataHeader(for: localID) else { return nil }
        let headroom = fields.ns == nil ? 8 : 12
        var buffer = [UInt8](repeating: 0, count: headroom) + payload
        let start = L2TPHeader.writeData(into: &buffer, payloadStart: headroom, payloadLength: payload.count,
                                         tunnelID: fields.tunnelID, sessionID: fields.sessionID, ns: fields.ns)
        return Array(buffer[start...])
    }
}
