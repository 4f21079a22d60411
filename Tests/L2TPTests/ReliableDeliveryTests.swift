// The reliable transport of RFC 2661 §5.8 and Appendix A on a deterministic
// clock: in-order delivery, delayed and piggybacked acks, duplicates acked
// and dropped, reordering held and released, the peer's window honoured,
// retransmission backing off to the cap and giving up after the limit.
import Testing
@testable import L2TP

let second: UInt64 = 1_000_000_000

func header(of datagram: [UInt8]) -> L2TPHeader { try! L2TPHeader(parsing: datagram) }

/// Hands `datagrams` to `to`, returning what it delivered and sent back.
func pass(_ datagrams: [[UInt8]], to r: inout ReliableDelivery, now: UInt64) -> ReliableDelivery.Receipt {
    var all = ReliableDelivery.Receipt()
    for d in datagrams {
        let h = header(of: d)
        let receipt = r.receive(h, body: d[h.payloadOffset...], now: now)
        all.delivered += receipt.delivered
        all.send += receipt.send
    }
    return all
}

@Suite struct ReliableDeliveryTests {
    func pair(window: UInt16 = 4) -> (ReliableDelivery, ReliableDelivery) {
        var config = ReliableDelivery.Configuration()
        config.receiveWindow = window
        var a = ReliableDelivery(configuration: config), b = ReliableDelivery(configuration: config)
        a.peerTunnelID = 2; b.peerTunnelID = 1
        a.peerWindow = window; b.peerWindow = window
        return (a, b)
    }

    @Test func inOrderDeliveryAndDelayedZLB() {
        var (a, b) = pair()
        let sent = a.send([1], sessionID: 0, now: 0)
        #expect(sent.count == 1 && header(of: sent[0]).ns == 0 && header(of: sent[0]).nr == 0)
        let r = pass(sent, to: &b, now: 0)
        #expect(r.delivered.map(\.body) == [[1]] && r.send.isEmpty && b.nextNr == 1)
        // Nothing to piggyback on: a ZLB after the delay, none before.
        #expect(b.tick(now: b.configuration.ackDelay - 1).send.isEmpty)
        let zlb = b.tick(now: b.configuration.ackDelay).send
        #expect(zlb.count == 1 && zlb[0].count == 12 && header(of: zlb[0]).nr == 1 && header(of: zlb[0]).ns == 0)
        #expect(pass(zlb, to: &a, now: 1).delivered.isEmpty && a.isIdle && a.retransmitDeadline == nil)
        // A ZLB takes no sequence slot (§5.8).
        #expect(b.nextNs == 0)
    }

    @Test func ackRidesOnAReply() {
        var (a, b) = pair()
        _ = pass(a.send([1], sessionID: 0, now: 0), to: &b, now: 0)
        let reply = b.send([2], sessionID: 0, now: 1)
        #expect(header(of: reply[0]).nr == 1 && b.ackDeadline == nil)
        #expect(b.tick(now: 10 * second).send.allSatisfy { header(of: $0).payloadLength > 0 })
        #expect(pass(reply, to: &a, now: 2).delivered.map(\.body) == [[2]] && a.unacknowledged.isEmpty)
    }

    @Test func duplicateIsAckedAtOnceAndDropped() {
        var (a, b) = pair()
        let sent = a.send([1], sessionID: 0, now: 0)
        _ = pass(sent, to: &b, now: 0)
        let again = pass(sent, to: &b, now: 1)
        #expect(again.delivered.isEmpty && again.send.count == 1 && header(of: again.send[0]).nr == 1)
        #expect(b.counters.duplicates == 1)
    }

    @Test func reorderedMessagesAreHeldAndDeliveredInOrder() {
        var (a, b) = pair()
        let m0 = a.send([0], sessionID: 0, now: 0), m1 = a.send([1], sessionID: 0, now: 0)
        // Slow start (Appendix A): one in flight until the first ack.
        #expect(m1.isEmpty && a.queued.count == 1)
        _ = pass(m0, to: &b, now: 0)
        let ack = b.tick(now: second).send
        let m1sent = pass(ack, to: &a, now: second).send
        let m2 = a.send([2], sessionID: 0, now: second)
        #expect(m1sent.count == 1 && m2.count == 1)
        let early = pass(m2, to: &b, now: second)
        #expect(early.delivered.isEmpty && b.counters.outOfOrder == 1)
        let both = pass(m1sent, to: &b, now: second)
        #expect(both.delivered.map(\.body) == [[1], [2]] && b.nextNr == 3)
    }

    @Test func aMessageBeyondOurWindowIsDropped() {
        var (_, b) = pair(window: 2)
        var far: [UInt8] = []
        L2TPHeader.control(tunnelID: 1, sessionID: 0, ns: 5, nr: 0, length: 13).append(to: &far)
        far.append(1)
        #expect(pass([far], to: &b, now: 0).delivered.isEmpty && b.counters.outsideWindow == 1)
    }

    @Test func theWindowLimitsWhatIsInFlight() {
        var (a, b) = pair(window: 2)
        a.congestionWindow = 4  // past slow start: the peer's window is the limit
        var sent: [[UInt8]] = []
        for i in 0..<5 { sent += a.send([UInt8(i)], sessionID: 0, now: 0) }
        #expect(sent.count == 2 && a.unacknowledged.count == 2 && a.queued.count == 3)
        _ = pass(sent, to: &b, now: 0)
        let more = pass(b.tick(now: second).send, to: &a, now: second).send
        #expect(more.count == 2 && more.map { header(of: $0).ns } == [2, 3])
    }

    @Test func retransmissionBacksOffToTheCapAndGivesUp() {
        var (a, _) = pair()
        let first = a.send([1], sessionID: 0, now: 0)
        var now: UInt64 = 0
        var intervals: [UInt64] = []
        var last: UInt64 = 0
        for _ in 0..<a.configuration.maximumRetransmissions {
            now = a.retransmitDeadline!
            let (out, failed) = a.tick(now: now)
            #expect(!failed && out == first)
            intervals.append(now - last)
            last = now
        }
        // §5.8: 1, 2, 4, 8, 8 seconds (cap 8 s).
        #expect(intervals == [1, 2, 4, 8, 8].map { $0 * second })
        let (out, failed) = a.tick(now: a.retransmitDeadline!)
        #expect(out.isEmpty && failed && a.counters.retransmitted == 5)
    }

    @Test func aRetransmissionCarriesTheCurrentNrAndAnAckResetsTheBackoff() {
        var (a, b) = pair()
        let m = a.send([1], sessionID: 0, now: 0)
        _ = pass(b.send([9], sessionID: 0, now: 0), to: &a, now: 0)  // a now expects Ns 1
        let (again, _) = a.tick(now: second)
        #expect(header(of: again[0]).ns == 0 && header(of: again[0]).nr == 1 && again[0].suffix(1) == m[0].suffix(1))
        _ = pass(again, to: &b, now: second)
        _ = pass(b.tick(now: 2 * second).send, to: &a, now: 2 * second)
        #expect(a.isIdle && a.retransmissions == 0 && a.currentTimeout == second)
    }

    @Test func anAckForAMessageNeverSentIsIgnored() {
        var (a, _) = pair()
        _ = a.send([1], sessionID: 0, now: 0)
        var bogus: [UInt8] = []
        L2TPHeader.control(tunnelID: 1, sessionID: 0, ns: 0, nr: 7, length: 12).append(to: &bogus)
        _ = pass([bogus], to: &a, now: 0)
        #expect(a.unacknowledged.count == 1 && a.counters.badNr == 1)
    }

    @Test func sequenceNumbersWrap() {
        #expect(ReliableDelivery.precedes(65535, 0) && ReliableDelivery.precedes(15, 16) && !ReliableDelivery.precedes(16, 16))
        #expect(ReliableDelivery.precedes(32784, 15) && !ReliableDelivery.precedes(32783, 15))  // §5.8's example
    }

    @Test func fullCycleIsThirtyOneSecondsWithTheDefaults() {
        #expect(ReliableDelivery.Configuration().fullCycle == 31 * second)
    }
}
