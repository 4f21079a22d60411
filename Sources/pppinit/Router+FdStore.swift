// The fd store's side of the init link: deposits, withdrawals, and the
// restore a restarted daemon asks for at start-up (DESIGN.md "fd store").
import IPC

extension Router {
    func deposited(_ c: Component, _ link: Link, _ r: inout Received, key: String, record: [UInt8]) {
        var held: [SharedDescriptor] = []
        for i in 0..<r.descriptors.count { held.append(SharedDescriptor(r.descriptors.take(i))) }
        if store.deposit(c.name, key: key, record: record, descriptors: held) {
            try? link.reply(to: r.callID, .acknowledged)
        } else {
            try? link.replyError(to: r.callID, .busy, "fd store full for \(c.name)")
        }
    }

    func withdrawn(_ c: Component, _ link: Link, callID: UInt32, key: String) {
        if store.withdraw(c.name, key: key) {
            try? link.reply(to: callID, .acknowledged)
        } else {
            try? link.replyError(to: callID, .notFound, "no deposit '\(key)'")
        }
    }

    /// One reply part per deposit, then a final part with the counts, so
    /// the daemon can check that it got back everything it deposited
    /// (issue 13). The parts share the store's descriptors instead of
    /// duplicating them: with thousands of sessions a reply that waits in
    /// the queue must not need a dup(2) that can fail at the descriptor limit.
    func restore(_ c: Component, _ link: Link, callID: UInt32) {
        let entries = store.list(c.name)
        var sent = 0, descriptors = 0
        do {
            for (key, entry) in entries {
                try link.reply(to: callID, .descriptorsReturned(key: key, record: entry.record,
                                                               count: UInt8(entry.descriptors.count)),
                               final: false, shared: entry.descriptors)
                sent += 1
                descriptors += entry.descriptors.count
            }
            let counts: JSON = .object(["deposits": .int(Int64(sent)), "descriptors": .int(Int64(descriptors))])
            try link.reply(to: callID, .callReplied(json: counts.encoded()))
        } catch {
            // Only a closed link ends up here (the queue is unbounded on an
            // init link): the daemon is gone, its next instance asks again.
            log.error("\(c.name): fd store restore stopped after \(sent) of \(entries.count) deposits: \(error)")
        }
    }
}
