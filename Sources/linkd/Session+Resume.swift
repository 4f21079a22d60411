// What linkd deposits for a session (LinkSessionState) once ncpd holds its
// channel, read off the live session.
import IPC
import PPP

extension Session {
    /// The session as it stands, or nil when it is not relaying a channel.
    func snapshot() -> (state: LinkSessionState, channel: Int32)? {
        guard let relay = channel, let fd = relay.descriptor, let o = negotiated else { return nil }
        var s = LinkSessionState(id: id, record: relay.record)
        s.negotiated = o
        s.lcpIdentifier = lcp.identifierToSave
        s.verdict = auth.verdict
        s.ownerPID = relay.ownerPID ?? 0
        s.networkSince = (networkSince ?? Instant.now()).nanoseconds
        return (s, fd)
    }
}
