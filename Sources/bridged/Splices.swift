// bridged's table: channels waiting for their partner, and live splices.
// A channel arrives from linkd (channelHandedOver) naming in its record the
// session it is to be spliced to; when both halves are here the splice
// starts, and both descriptors plus the pair's record go to pppinit's fd
// store, so that a restarted bridged resumes forwarding with no
// renegotiation on either side (DESIGN.md "Restart without losing sessions").
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class Splices {
    private let runtime: DaemonRuntime
    private(set) var live: [StoreKey: Splice] = [:]    // by key
    private var waiting: [String: (leg: Splice.Leg, timer: TimerID)] = [:]
    private let intake: ChannelIntake
    var refused: Int { intake.refused }
    /// Frames read from a channel still waiting for its partner: dropped,
    /// as the subscriber's NCP frames are until the splice is up.
    private(set) var droppedWaiting = 0
    private let buffer = FrameBuffer()
    /// How long a channel waits for its partner before it is closed (its
    /// linkd then terminates the session).
    static let partnerTimeout = 15.0

    init(runtime: DaemonRuntime) {
        self.runtime = runtime
        intake = ChannelIntake(runtime: runtime)
    }

    // MARK: arrivals

    /// channelHandedOver: descriptors [channel, R]; channelPairHandedOver
    /// (both halves from one linkd): [channel, channel, R].
    func arrived(_ a: inout RendezvousArrival) {
        if case let .channelPairHandedOver(bytes) = a.message, a.sender == .linkd {
            pairArrived(bytes, &a)
            return
        }
        guard let offer = intake.offer(&a, from: [.linkd, .ncpd]) else { return }
        let record = offer.record
        guard !record.bridgeWith.isEmpty, record.bridgeWith != record.session else {
            intake.refuse(offer.receiver, "\(record.session): no partner session named")
            return
        }
        guard waiting[record.session] == nil, session(record.session) == nil else {
            intake.refuse(offer.receiver, "\(record.session) is already here")
            return
        }
        intake.accept(offer.receiver, record.session) { [unowned self] ok in
            guard ok, let fd = offer.channel.take() else { return }
            self.adopt(Splice.Leg(record: record, fd: fd))
        }
    }

    /// Both halves in one transfer: the pair is taken whole or refused whole.
    private func pairArrived(_ bytes: [UInt8], _ a: inout RendezvousArrival) {
        let first = SharedDescriptor(a.descriptors.take(0)), second = SharedDescriptor(a.descriptors.take(1))
        let receiver = HandoffReceiver(ack: a.descriptors.take(2), loop: runtime.loop)
        let ra: ChannelRecord, rb: ChannelRecord
        do {
            var r = ByteReader(bytes)
            try r.version(1, "channel pair")
            ra = try ChannelRecord.decode(try r.blob())
            rb = try ChannelRecord.decode(try r.blob())
            try r.finish()
        } catch {
            intake.refuse(receiver, "bad channel pair record: \(error)")
            return
        }
        guard ra.bridgeWith == rb.session, rb.bridgeWith == ra.session, ra.session != rb.session else {
            intake.refuse(receiver, "\(ra.session) and \(rb.session) do not name each other")
            return
        }
        for id in [ra.session, rb.session] where waiting[id] != nil || session(id) != nil {
            intake.refuse(receiver, "\(id) is already here")
            return
        }
        intake.accept(receiver, "\(ra.session) ⇄ \(rb.session)") { [unowned self] ok in
            guard ok, let fa = first.take(), let fb = second.take() else { return }
            self.start(Splice(Splice.Leg(record: ra, fd: fa), Splice.Leg(record: rb, fd: fb),
                              loop: self.runtime.loop, buffer: self.buffer), deposit: true)
        }
    }

    private func adopt(_ leg: Splice.Leg) {
        let id = leg.record.session
        if let partner = waiting[leg.record.bridgeWith], partner.leg.record.bridgeWith == id {
            runtime.loop.cancel(partner.timer)
            runtime.loop.unwatch(partner.leg.raw)
            waiting[leg.record.bridgeWith] = nil
            start(Splice(partner.leg, leg, loop: runtime.loop, buffer: buffer), deposit: true)
            return
        }
        runtime.log.info("\(id): waiting up to \(Self.partnerTimeout) s for \(leg.record.bridgeWith)")
        // Read and drop what arrives meanwhile (NCP Configure-Requests the
        // far side would only see stale), and notice the session ending.
        do {
            try runtime.loop.watch(leg.raw) { [unowned self] _ in self.drainWaiting(id) }
        } catch {
            runtime.log.warning("\(id): cannot watch the waiting channel: \(error)")
        }
        let timer = runtime.loop.schedule(after: Self.partnerTimeout) { [unowned self] in
            guard let w = self.waiting[id] else { return }
            self.runtime.loop.unwatch(w.leg.raw)
            self.waiting[id] = nil  // closes the channel: linkd terminates the session
            self.runtime.log.notice("\(id): \(leg.record.bridgeWith) never came; channel closed")
            self.runtime.publish(.bridgeFailed(session: id, reason: "partner \(leg.record.bridgeWith) did not arrive"))
        }
        waiting[id] = (leg, timer)
    }

    private func drainWaiting(_ id: String) {
        guard let w = waiting[id] else { return }
        for _ in 0..<64 {
            let n = buffer.bytes.withUnsafeMutableBytes { recv(w.leg.raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { droppedWaiting += 1; continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
            runtime.loop.cancel(w.timer)
            runtime.loop.unwatch(w.leg.raw)
            waiting[id] = nil
            runtime.log.notice("\(id): closed its channel before \(w.leg.record.bridgeWith) came")
            runtime.publish(.bridgeFailed(session: id, reason: "\(id) went down while waiting for \(w.leg.record.bridgeWith)"))
            return
        }
    }

    private func start(_ s: Splice, deposit: Bool) {
        s.onEnd = { [unowned self] s, reason in self.ended(s, reason) }
        do { try s.start() } catch {
            runtime.log.warning("\(s.key): \(error)")
            s.end("cannot watch: \(error)")
            return
        }
        live[s.key] = s
        if deposit {
            let record = Self.spliceRecord(s.legs[0].record, s.legs[1].record)
            do { try runtime.deposit(key: s.key, record: record, descriptors: s.legs.map(\.raw)) } catch {
                runtime.log.warning("\(s.key): fd store deposit failed (a restart would lose it): \(error)")
            }
        }
        runtime.log.info("\(s.legs[0].record.session) ⇄ \(s.legs[1].record.session): bridged")
        runtime.publish(.bridgeUp(a: s.legs[0].record.session, b: s.legs[1].record.session, resumed: !deposit))
    }

    private func ended(_ s: Splice, _ reason: String) {
        live[s.key] = nil
        try? runtime.withdraw(key: s.key)
        runtime.log.info("\(s.key) ended: \(reason)")
        runtime.publish(.bridgeDown(a: s.legs[0].record.session, b: s.legs[1].record.session, reason: reason))
    }

    // MARK: restart

    /// A splice's record in the fd store: version 1, both legs' channel
    /// records (Tests/Fixtures/records holds one the previous release wrote).
    static func spliceRecord(_ a: ChannelRecord, _ b: ChannelRecord) -> [UInt8] {
        var w = ByteWriter()
        w.u8(1)
        w.blob(a.encoded()); w.blob(b.encoded())
        return w.bytes
    }

    static func decodeSpliceRecord(_ bytes: [UInt8]) throws(IPCError) -> (ChannelRecord, ChannelRecord) {
        var r = ByteReader(bytes)
        try r.version(1, "splice record")
        let a = try ChannelRecord.decode(try r.blob()), b = try ChannelRecord.decode(try r.blob())
        try r.finish()
        return (a, b)
    }

    /// Rebuilds the splices the fd store gave back after a restart.
    func resume(_ entries: [RestoredEntry]) {
        for e in entries where e.key.isSplice {
            do {
                guard e.descriptors.count == 2 else { throw IPCError.invalid(callID: 0, reason: "\(e.descriptors.count) descriptors") }
                let (a, b) = try Self.decodeSpliceRecord(e.record)
                guard let fa = e.descriptors[0].take(), let fb = e.descriptors[1].take() else { throw IPCError.badDescriptor }
                start(Splice(Splice.Leg(record: a, fd: fa), Splice.Leg(record: b, fd: fb), loop: runtime.loop, buffer: buffer), deposit: false)
            } catch {
                runtime.log.warning("\(e.key): cannot resume: \(error)")
                try? runtime.withdraw(key: e.key)
            }
        }
    }

    // MARK: methods

    var waitingCount: Int { waiting.count }

    func session(_ id: String) -> Splice? {
        live.values.first { $0.legs.contains { $0.record.session == id } }
    }

    /// `unbridge {session}`: ends the splice holding that session.
    func unbridge(_ args: JSON) throws(MethodError) -> JSON {
        guard case let .string(id)? = args["session"] else {
            throw MethodError(.badArguments, "unbridge needs {\"session\": \"PORT:N\"}")
        }
        if let w = waiting[id] {
            runtime.loop.cancel(w.timer)
            runtime.loop.unwatch(w.leg.raw)
            waiting[id] = nil
            return .object(["session": .string(id), "ended": .string("waiting channel closed")])
        }
        guard let s = session(id) else { throw MethodError(.notFound, "no splice holds \(id)") }
        s.end("unbridged by the operator")
        return s.json
    }

    func json() -> JSON {
        var list = live.keys.sorted().map { live[$0]!.json }
        for id in waiting.keys.sorted() {
            list.append(.object(["a": .string(id), "b": .string(waiting[id]!.leg.record.bridgeWith), "waiting": .bool(true)]))
        }
        return .array(list)
    }
}
