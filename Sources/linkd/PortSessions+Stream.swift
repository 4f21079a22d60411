// After a restart: TCP sessions a previous linkd deposited, each with its
// connection beside its channel end (DESIGN.md "Issue 20"). The connection
// never closed (the fd store held a copy), so the peer saw nothing; the
// session resumes Opened on it and reads on from the next Flag.
import IPC

extension PortSessions {
    /// Resumes up to `limit` deposited TCP sessions; `watch` starts reading
    /// a connection (false: it could not). The others are dropped. Returns
    /// how many resumed.
    @discardableResult
    func resumeConnections(limit: Int, watch: (Circuit) -> Bool) -> Int {
        var resumed = 0
        for (e, state) in depositedSessions() {
            guard resumed < limit, e.descriptors.count == 2, let stream = state.stream,
                  let connection = e.descriptors[1].take() else {
                dropDeposited(e, state)
                continue
            }
            let circuit = Circuit(owning: connection, peer: stream.peer)
            guard let s = resume(e, state, on: circuit) else { continue }
            if watch(circuit) {
                resumed += 1
            } else {
                s.lowerDown(reason: "cannot watch the connection to \(stream.peer) after a restart")
            }
        }
        return resumed
    }
}
