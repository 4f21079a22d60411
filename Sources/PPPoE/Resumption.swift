// Sessions that outlive the process that discovered them. linkd deposits each
// PPPoE session (SESSION_ID, peer MAC, payload) in pppinit's fd store; after
// a restart the machines are told about them again, so the AC neither hands
// out a live SESSION_ID twice nor ignores its peer's PADT (RFC 2516 §5.5),
// and the Host's machine is Established and answers a PADT or sends its own
// — with the relay agent's Relay-Session-Id, if discovery carried one.

extension AccessConcentrator {
    /// Takes back a session opened before a restart. False (nothing changes)
    /// for a reserved id, an id in use or a full table.
    public mutating func adopt(sessionID id: UInt16, peer: EthernetAddress, serviceName: [UInt8],
                               relaySessionID: [UInt8]? = nil, maximumPayload: Int) -> Bool {
        guard id != 0, id != PPPoEHeader.reservedSessionID, sessions[id] == nil,
              sessions.count < configuration.maxSessions, peer.isUnicast else { return false }
        // No cookie: a repeated PADR can never match this session.
        sessions[id] = Session(id: id, peer: peer, serviceName: serviceName, hostUniq: nil, relaySessionID: relaySessionID,
                               maximumPayload: maximumPayload, cookie: [], opened: 0)
        byPeer[peer, default: []].append(id)
        return true
    }
}

extension DiscoveryClient {
    /// A machine Established with a session discovered before a restart.
    public init(configuration: Configuration, resuming session: Session) {
        self.init(configuration: configuration)
        state = .established(session)
    }
}
