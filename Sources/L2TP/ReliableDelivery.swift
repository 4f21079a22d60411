// The reliable transport under a control connection (RFC 2661 §5.8 and
// Appendix A): Ns/Nr, ZLB acknowledgements after a short delay unless a
// message carries the ack first, retransmission with exponential backoff up
// to a cap and a retry limit, the peer's Receive Window honoured with slow
// start, duplicates acknowledged and dropped, and messages that arrive
// early held (up to our own window) and delivered in order.

public struct ReliableDelivery: Equatable, Sendable {
    public struct Configuration: Equatable, Sendable {
        /// §5.8: "a recommended default is 1 second".
        public var initialTimeout: UInt64 = 1_000_000_000
        /// §5.8: a cap "MUST be no less than 8 seconds per retransmission".
        public var maximumTimeout: UInt64 = 8_000_000_000
        /// §5.8: "a recommended default is 5, but SHOULD be configurable".
        public var maximumRetransmissions = 5
        /// How long an ack waits for a message to ride on before a ZLB goes
        /// alone (§5.8 lets it be "piggybacked on a message in queue").
        public var ackDelay: UInt64 = 100_000_000
        /// Our Receive Window Size AVP (§4.4.3); also bounds the messages
        /// held out of order.
        public var receiveWindow: UInt16 = 8
        public init() {}

        /// §5.7, §5.8: one full retransmission cycle, how long state is kept
        /// after the last exchange (31 s with the defaults of §5.8).
        public var fullCycle: UInt64 {
            var total: UInt64 = 0
            var timeout = initialTimeout
            for _ in 0...maximumRetransmissions {
                total += timeout
                timeout = min(timeout * 2, maximumTimeout)
            }
            return total
        }
    }

    /// A control message to send: its session (0 for the tunnel) and AVPs.
    public struct Outgoing: Equatable, Sendable {
        public var ns: UInt16
        public var sessionID: UInt16
        public var body: [UInt8]
    }

    public struct Counters: Equatable, Sendable {
        public var sent = 0
        public var retransmitted = 0
        public var zlbSent = 0
        public var received = 0
        public var duplicates = 0
        public var outOfOrder = 0
        public var outsideWindow = 0
        public var badNr = 0
    }

    public let configuration: Configuration
    /// Tunnel ID of the peer: 0 until its Assigned Tunnel ID arrives (§4.4.3).
    public var peerTunnelID: UInt16 = 0
    /// Ns of the next new message (§5.8: starts at 0; a ZLB takes no slot).
    public internal(set) var nextNs: UInt16 = 0
    /// Nr: the Ns expected next from the peer.
    public internal(set) var nextNr: UInt16 = 0
    /// Sent and not acknowledged, oldest first.
    public internal(set) var unacknowledged: [Outgoing] = []
    /// Waiting for room in the window; Ns is given when each goes out.
    public internal(set) var queued: [Outgoing] = []
    /// §5.8: the peer's Receive Window Size (4 when it sends none).
    public var peerWindow: UInt16 = 4 { didSet { slowStartThreshold = Int(peerWindow) } }
    /// Appendix A: congestion window and slow-start threshold, in messages.
    public internal(set) var congestionWindow = 1
    var slowStartThreshold = 4
    var acksSinceGrowth = 0
    /// Messages that arrived ahead of Nr, by Ns.
    var held: [UInt16: Outgoing] = [:]
    public internal(set) var retransmitDeadline: UInt64?
    public internal(set) var retransmissions = 0
    var currentTimeout: UInt64
    public internal(set) var ackDeadline: UInt64?
    public internal(set) var counters = Counters()

    public init(configuration: Configuration) {
        self.configuration = configuration
        currentTimeout = configuration.initialTimeout
    }

    /// §5.8: a is "less than" b when it lies in the 32767 values before b.
    static func precedes(_ a: UInt16, _ b: UInt16) -> Bool {
        let distance = b &- a
        return distance >= 1 && distance <= 32767
    }

    /// Nothing waiting for an ack or for room in the window.
    public var isIdle: Bool { unacknowledged.isEmpty && queued.isEmpty }

    /// The earliest time `tick` has something to do.
    public var nextDeadline: UInt64? {
        switch (retransmitDeadline, ackDeadline) {
        case let (r?, a?): min(r, a)
        case let (r?, nil): r
        case let (nil, a?): a
        case (nil, nil): nil
        }
    }

    /// Queues a control message; returns the datagrams that may go now.
    public mutating func send(_ body: [UInt8], sessionID: UInt16, now: UInt64) -> [[UInt8]] {
        queued.append(Outgoing(ns: 0, sessionID: sessionID, body: body))
        return transmitQueued(now: now)
    }

    /// What a received control message gave: messages now in order for the
    /// layer above, and datagrams to send (ZLBs, messages the ack made room for).
    public struct Receipt: Equatable, Sendable {
        public var delivered: [Outgoing] = []
        public var send: [[UInt8]] = []
    }

    /// A control message from the peer whose header has been parsed; `body`
    /// is its AVPs (empty: a ZLB).
    public mutating func receive(_ header: L2TPHeader, body: ArraySlice<UInt8>, now: UInt64) -> Receipt {
        var receipt = Receipt()
        guard let ns = header.ns, let nr = header.nr else { return receipt }
        acknowledge(upTo: nr, now: now)
        if !body.isEmpty {
            if ns == nextNr {
                counters.received += 1
                receipt.delivered.append(Outgoing(ns: ns, sessionID: header.sessionID, body: Array(body)))
                nextNr &+= 1
                while let next = held.removeValue(forKey: nextNr) {
                    receipt.delivered.append(next)
                    nextNr &+= 1
                }
                if ackDeadline == nil { ackDeadline = now + configuration.ackDelay }
            } else if Self.precedes(ns, nextNr) {
                // §5.8: a duplicate "MUST be acknowledged"; at once, its ack may have been lost.
                counters.duplicates += 1
                receipt.send.append(zlb())
            } else if ns &- nextNr < configuration.receiveWindow {
                counters.outOfOrder += 1
                held[ns] = Outgoing(ns: ns, sessionID: header.sessionID, body: Array(body))
            } else {
                counters.outsideWindow += 1
            }
        }
        receipt.send += transmitQueued(now: now)
        return receipt
    }

    /// Timers: the delayed ack and retransmission of the oldest message.
    /// `failed` is true when the retry limit is reached (§5.8: "the tunnel
    /// and all sessions within MUST be cleared").
    public mutating func tick(now: UInt64) -> (send: [[UInt8]], failed: Bool) {
        var out: [[UInt8]] = []
        if let deadline = retransmitDeadline, deadline <= now, let oldest = unacknowledged.first {
            guard retransmissions < configuration.maximumRetransmissions else {
                retransmitDeadline = nil
                return (out, true)
            }
            retransmissions += 1
            counters.retransmitted += 1
            // Appendix A: half the window becomes the threshold; slow start again.
            slowStartThreshold = max(congestionWindow / 2, 1)
            congestionWindow = 1
            acksSinceGrowth = 0
            currentTimeout = min(currentTimeout * 2, configuration.maximumTimeout)
            retransmitDeadline = now + currentTimeout
            // §5.8: "the Nr value MUST be updated with the sequence number of the next expected message."
            out.append(datagram(oldest))
            ackDeadline = nil
        }
        if let deadline = ackDeadline, deadline <= now {
            out.append(zlb())
        }
        return (out, false)
    }

    /// A ZLB acknowledging everything in order so far (§5.8).
    public mutating func zlb() -> [UInt8] {
        ackDeadline = nil
        counters.zlbSent += 1
        var bytes: [UInt8] = []
        L2TPHeader.control(tunnelID: peerTunnelID, sessionID: 0, ns: nextNs, nr: nextNr,
                           length: L2TPHeader.controlLength).append(to: &bytes)
        return bytes
    }

    /// Drops everything outstanding (the tunnel is gone).
    public mutating func reset() {
        unacknowledged.removeAll()
        queued.removeAll()
        held.removeAll()
        retransmitDeadline = nil
        ackDeadline = nil
    }

    /// After a restart: timers start again from `now`, as if the messages
    /// outstanding had just been sent (their ack may come any moment).
    public mutating func restartTimers(now: UInt64) {
        retransmitDeadline = unacknowledged.isEmpty ? nil : now + currentTimeout
        ackDeadline = nil
    }

    private mutating func acknowledge(upTo nr: UInt16, now: UInt64) {
        let oldest = unacknowledged.first?.ns ?? nextNs
        let count = Int(nr &- oldest)
        // An Nr acknowledging a message we never sent is ignored, not trusted.
        guard count <= unacknowledged.count else {
            counters.badNr += 1
            return
        }
        guard count > 0 else { return }
        unacknowledged.removeFirst(count)
        retransmissions = 0
        currentTimeout = configuration.initialTimeout
        retransmitDeadline = unacknowledged.isEmpty ? nil : now + currentTimeout
        for _ in 0..<count { growWindow() }
    }

    /// Appendix A: one more per ack in slow start, one more per window's
    /// worth of acks in congestion avoidance, never past the peer's window.
    private mutating func growWindow() {
        if congestionWindow < slowStartThreshold {
            congestionWindow += 1
        } else {
            acksSinceGrowth += 1
            if acksSinceGrowth >= congestionWindow {
                congestionWindow += 1
                acksSinceGrowth = 0
            }
        }
        congestionWindow = min(congestionWindow, Int(peerWindow))
    }

    private mutating func transmitQueued(now: UInt64) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while !queued.isEmpty, unacknowledged.count < min(congestionWindow, Int(peerWindow)) {
            var message = queued.removeFirst()
            message.ns = nextNs
            nextNs &+= 1
            unacknowledged.append(message)
            counters.sent += 1
            out.append(datagram(message))
            ackDeadline = nil
            if retransmitDeadline == nil { retransmitDeadline = now + currentTimeout }
        }
        return out
    }

    private func datagram(_ message: Outgoing) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(L2TPHeader.controlLength + message.body.count)
        L2TPHeader.control(tunnelID: peerTunnelID, sessionID: message.sessionID, ns: message.ns, nr: nextNr,
                           length: L2TPHeader.controlLength + message.body.count).append(to: &bytes)
        bytes += message.body
        return bytes
    }
}
