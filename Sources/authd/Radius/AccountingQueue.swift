// Accounting-Requests that no server answered are not forgotten: RFC 2866
// §2 ("the client SHOULD continue attempting to send the accounting packet
// until it receives an acknowledgement") within a bounded queue. A request
// that timed out at every server waits here and is sent again, oldest
// first, every `retryAfter` seconds, with Acct-Delay-Time (§5.2) grown by
// the wait. When the queue is full the oldest Interim-Update goes first (a
// later Interim or the Stop carries the same counters further), then the
// oldest request of any kind; every drop is counted and logged.
import IPC

final class AccountingQueue {
    struct Entry {
        var status: RadiusRequests.AccountingStatus
        var record: RadiusRequests.AccountingRecord
        var context: RadiusContext
        /// When the event happened, for Acct-Delay-Time.
        var event: Instant
    }

    private let radius: RadiusClient
    private let loop: EventLoop
    let capacity: Int
    let retryAfter: Double
    private var log: Log
    private var waiting: [Entry] = []
    private var retryTimer: TimerID?
    private(set) var counts = (submitted: 0, answered: 0, queued: 0, resent: 0, dropped: 0, refused: 0)

    init(radius: RadiusClient, loop: EventLoop, capacity: Int = 4096, retryAfter: Double = 10, log: Log) {
        self.radius = radius; self.loop = loop; self.capacity = max(1, capacity); self.retryAfter = retryAfter; self.log = log
    }

    var waitingCount: Int { waiting.count }
    private var inFlight = 0
    /// Nothing waiting and nothing sent unanswered.
    var idle: Bool { waiting.isEmpty && inFlight == 0 }

    /// Sends one Accounting-Request now; it is queued if nobody answers.
    func submit(_ status: RadiusRequests.AccountingStatus, _ record: RadiusRequests.AccountingRecord, _ ctx: RadiusContext) {
        counts.submitted += 1
        send(Entry(status: status, record: record, context: ctx, event: Instant.now()))
    }

    private func send(_ e: Entry) {
        inFlight += 1
        radius.send(.accounting, randomAuthenticator: false,
                    build: RadiusRequests.accountingRequest(e.status, e.record, e.context, since: e.event)) { [weak self] outcome in
            guard let self else { return }
            self.inFlight -= 1
            switch outcome {
            case let .answered(p, _, _, _) where p.code == RadiusPacket.accountingResponse:
                self.counts.answered += 1
            case let .answered(p, _, _, _):
                // Not an Accounting-Response: a server that refuses it will refuse it again.
                self.counts.refused += 1
                self.log.warning("RADIUS accounting \(e.status) for \(e.record.sessionID): answered with code \(p.code)")
            case let .timedOut(tried):
                self.log.warning("RADIUS accounting \(e.status) for \(e.record.sessionID): no server answered (\(tried) tried); queued")
                self.enqueue(e)
            }
        }
    }

    private func enqueue(_ e: Entry) {
        if waiting.count >= capacity {
            let victim = waiting.firstIndex { $0.status == .interimUpdate } ?? 0
            let lost = waiting.remove(at: victim)
            counts.dropped += 1
            log.error("RADIUS accounting queue full (\(capacity)): dropped \(lost.status) for \(lost.record.sessionID)")
        }
        waiting.append(e)
        counts.queued += 1
        scheduleRetry()
    }

    private func scheduleRetry() {
        guard retryTimer == nil, !waiting.isEmpty else { return }
        retryTimer = loop.schedule(after: retryAfter) { [weak self] in
            guard let self else { return }
            self.retryTimer = nil
            // At most 128 a round: 256 Identifiers per socket (RFC 2865 §3).
            let batch = self.waiting.prefix(128)
            self.waiting.removeFirst(batch.count)
            self.counts.resent += batch.count
            for e in batch { self.send(e) }
            self.scheduleRetry()
        }
    }

    var status: JSONObject {
        ["waiting": .int(Int64(waiting.count)), "capacity": .int(Int64(capacity)),
         "submitted": .int(Int64(counts.submitted)), "answered": .int(Int64(counts.answered)),
         "queued": .int(Int64(counts.queued)), "resent": .int(Int64(counts.resent)),
         "dropped": .int(Int64(counts.dropped)), "refused": .int(Int64(counts.refused))]
    }
}
