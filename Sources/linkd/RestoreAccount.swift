// After a restart, what came back from pppinit's fd store against what
// pppinit said it held, and what became of the session deposits (issue 13
// point 3: "linkd checks that it got every deposited session back; a
// mismatch is an error with numbers"). A session whose deposit is missing
// cannot be resumed: its peer still counts it established and ncpd keeps its
// unit until the channel closes, so the shortfall is said and counted, never
// silent.
import IPC

struct RestoreAccount: Equatable {
    /// pppinit's count (its final restore part); nil from a pppinit that
    /// does not send it.
    var expectedDeposits: Int?
    var expectedDescriptors: Int?
    var receivedDeposits = 0
    var receivedDescriptors = 0
    /// Session deposits of this port that came back, and what became of them.
    var sessionsResumed = 0
    var sessionsDropped = 0

    init(expected: (deposits: Int, descriptors: Int)?, received: (deposits: Int, descriptors: Int)) {
        expectedDeposits = expected?.deposits
        expectedDescriptors = expected?.descriptors
        receivedDeposits = received.deposits
        receivedDescriptors = received.descriptors
    }

    /// Deposits pppinit held that did not reach us.
    var missingDeposits: Int { max(0, (expectedDeposits ?? receivedDeposits) - receivedDeposits) }
    var missingDescriptors: Int { max(0, (expectedDescriptors ?? receivedDescriptors) - receivedDescriptors) }

    /// The error line when something is missing, nil when all came back.
    var shortfall: String? {
        guard missingDeposits > 0 || missingDescriptors > 0, let d = expectedDeposits, let n = expectedDescriptors else { return nil }
        return "fd store restore short: \(receivedDeposits) of \(d) deposits, \(receivedDescriptors) of \(n) descriptors came back; "
            + "up to \(missingDeposits) session(s) cannot be resumed (their peers and ncpd still hold them)"
    }

    /// The notice line after the sessions were resumed; nil after a start
    /// with nothing to resume.
    var summary: String? {
        guard sessionsResumed + sessionsDropped > 0 || missingDeposits > 0 else { return nil }
        return "\(sessionsResumed) session(s) resumed from the fd store, \(sessionsDropped) dropped, \(missingDeposits) deposit(s) missing"
    }

    var json: JSONObject {
        var o: JSONObject = ["received_deposits": .int(Int64(receivedDeposits)),
                             "received_descriptors": .int(Int64(receivedDescriptors)),
                             "missing_deposits": .int(Int64(missingDeposits)),
                             "missing_descriptors": .int(Int64(missingDescriptors)),
                             "sessions_resumed": .int(Int64(sessionsResumed)),
                             "sessions_dropped": .int(Int64(sessionsDropped))]
        if let d = expectedDeposits { o["expected_deposits"] = .int(Int64(d)) }
        if let n = expectedDescriptors { o["expected_descriptors"] = .int(Int64(n)) }
        return o
    }
}
