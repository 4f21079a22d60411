// This linkd's conversation with authd (Catalogue 50-56): opened on the first
// session that needs it, reopened lazily after authd hangs up (a restart),
// and shared by every session on the port. Messages from authd are routed
// to the session they name; sessions that wait on authd hear of a hang-up.
import IPC

/// What a session in the Authenticate phase hears from authd.
protocol AuthParticipant: AnyObject {
    var id: String { get }
    func authFrameFromAuthd(_ proto: UInt16, _ packet: [UInt8])
    func authFinished(_ verdict: AuthVerdict)
    func authChanged(_ change: AuthChange)
    func authdHungUp()
}

final class AuthClient {
    private let runtime: DaemonRuntime
    private var link: Link?
    private var participants: [String: AuthParticipant] = [:]
    /// Messages for sessions we do not know (ended), or undecodable.
    private(set) var unrouted = 0
    private(set) var opened = 0, hangups = 0, sendFailures = 0

    init(runtime: DaemonRuntime) { self.runtime = runtime }

    /// Registers `p` for authd's answers and sends authStarted.
    func start(_ p: AuthParticipant, _ start: AuthStart) throws(IPCError) {
        try register(p, .authStarted(start))
    }

    /// Registers `p` again after a restart (ours or authd's) and hands authd
    /// its verdict, for accounting.
    func resume(_ p: AuthParticipant, _ start: AuthStart, _ verdict: AuthVerdict) throws(IPCError) {
        try register(p, .accountingResumed(start, verdict))
    }

    private func register(_ p: AuthParticipant, _ m: Message) throws(IPCError) {
        participants[p.id] = p
        do {
            try send(m)
        } catch {
            participants[p.id] = nil
            throw error
        }
    }

    /// The session is over for authd: no more routing to it.
    func forget(_ id: String) { participants[id] = nil }

    /// Sends one message, opening the conversation when there is none.
    func send(_ m: Message) throws(IPCError) {
        let l = try conversation()
        do {
            try l.send(m)
        } catch {
            sendFailures += 1
            throw error
        }
    }

    private func conversation() throws(IPCError) -> Link {
        if let link, link.isOpen { return link }
        let l = try runtime.openConversation(with: .authd)
        l.onMessage = { [unowned self] r in self.received(r.message) }
        l.onInvalid = { [unowned self] e in
            self.unrouted += 1
            self.runtime.log.warning("authd conversation: \(e)")
        }
        l.onClose = { [unowned self, unowned l] in self.closed(l) }
        try l.start()
        link = l
        opened += 1
        return l
    }

    private func received(_ m: Message) {
        switch m {
        case let .authFrameSent(session, proto, packet):
            guard let p = participants[session] else { unrouted += 1; return }
            p.authFrameFromAuthd(proto, packet)
        case let .authFinished(verdict):
            guard let p = participants[verdict.session] else { unrouted += 1; return }
            p.authFinished(verdict)
        case let .authChanged(change):
            guard let p = participants[change.session] else { unrouted += 1; return }
            p.authChanged(change)
        default:
            // The catalogue lets authd send only the three above on this link.
            unrouted += 1
        }
    }

    private func closed(_ l: Link) {
        guard link === l else { return }
        link = nil
        hangups += 1
        runtime.log.notice("authd closed the conversation")
        for p in Array(participants.values) { p.authdHungUp() }
    }

    var json: JSONObject {
        ["connected": .bool(link?.isOpen ?? false), "opened": .int(Int64(opened)), "hangups": .int(Int64(hangups)),
         "unrouted": .int(Int64(unrouted)), "send_failures": .int(Int64(sendFailures)),
         "waiting_sessions": .int(Int64(participants.count))]
    }
}
