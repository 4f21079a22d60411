// One RFC 1990 bundle in ncpd (docs/design.md "Multilink (issue 17)"): the
// member links' channels from linkd on one side, and on the other one end of
// a socketpair whose far end is the channel of the bundle's NetworkSession,
// which runs the NCPs once for the bundle and owns its unit (§5). The
// session neither knows nor cares that its "link" is a bundle: packets it
// writes are fragmented across the member links with the MP header (§3),
// and fragments from the members are reassembled (§4) and written to it.
// Links join and leave while the bundle runs; the last one leaving ends it.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

/// What a bundle needs from its owner.
protocol BundleHost: AnyObject {
    var loop: EventLoop { get }
    var log: Log { get }
    /// Membership or the transmit sequence moved: deposit again.
    func bundleChanged(_ bundle: Bundle)
    /// The bundle is over: forget it, end its session.
    func bundleEnded(_ bundle: Bundle, reason: String)
    /// For `pppctl watch` (link-joined, link-left, bundle-down).
    func publish(_ event: EventBody)
}

/// Bundle-wide counters beyond the reassembler's.
struct BundleCounters {
    var packetsOut = 0, fragmentsOut = 0, packetsIn = 0
    /// RFC 1990 §4.1 null fragments we sent on links gone quiet.
    var nullFragmentsOut = 0
    /// Packets the fragmenter refused (over the peer's MRRU, no usable link).
    var sendErrors = 0
    /// Frames from the session or a link shorter than a Protocol field.
    var malformed = 0
    /// Packets for the session dropped (its side full or gone).
    var toSession = ChannelDrops()
    /// Issue 17: times no member link had room, so the session's side was
    /// left unread until one drained (backpressure: the session's channel
    /// fills and it holds its TUN reads), and the packets read meanwhile.
    var backpressure = 0
}

final class Bundle {
    /// The rendezvous name (`bundle:<peer name>:<discriminator>`).
    let name: String
    /// What was negotiated for the bundle (its key, MRRUs, formats) and the
    /// deposit's other fields; `members` is filled at each snapshot.
    private(set) var state: BundleRecord
    unowned let host: BundleHost
    /// Our end of the session's channel.
    let inner: FileDescriptor
    private(set) var links: [BundleLink] = []
    private var nextLink: UInt32 = 1
    /// RFC 1990 §5.1.1: nil when the peer gave no MRRU (we may not send MP:
    /// whole packets go on one link).
    private var fragmenter: MultilinkFragmenter?
    /// nil when we gave no MRRU (the peer sends no MP).
    private(set) var reassembler: MultilinkReassembler?
    private(set) var counters = BundleCounters()
    private(set) var ended = false
    /// The transmit sequence step at the last deposit (see `depositStep`).
    private var depositedStep: UInt32 = 0
    private var idleTimer: TimerID?
    /// The idle tick's view of reassembly: packets delivered at the last
    /// tick, and whether it was stuck then.
    private var deliveredAtTick: UInt64 = 0
    private var stuckBefore = false

    // Buffers kept across packets so the data path allocates nothing once
    // they have grown.
    private var frame = [UInt8](repeating: 0, count: FrameBuffers.capacity)
    private var output: [UInt8] = []
    private var fragments: [MultilinkFragment] = []
    private var members: [MultilinkMember] = []
    private var packet: [UInt8] = []
    /// Issue 17: no link has room; the session's side is not watched.
    private(set) var innerPaused = false

    /// A new bundle (`state.nextTransmitSequence` 0, RFC 1990 §4.1) or one
    /// resumed from the fd store.
    init(name: String, state: BundleRecord, inner: consuming FileDescriptor, host: BundleHost,
         maximumFragment: Int, resumed: Bool = false) {
        self.name = name
        self.state = state
        self.inner = inner
        self.host = host
        if let mrru = state.peerMRRU {
            fragmenter = MultilinkFragmenter(format: state.transmitShortSequence ? .short : .long, peerMRRU: mrru,
                                             nextSequence: state.nextTransmitSequence)
        }
        if let mrru = state.localMRRU {
            // RFC 1990 §4.1: a new bundle's first sequence number is 0, so a
            // fragment that overtakes it on another link is not taken for
            // the start. The receive position is not resumed after a
            // restart (it was deposited up to a step ago): the first
            // fragment then sets it.
            reassembler = MultilinkReassembler(format: state.receiveShortSequence ? .short : .long, mrru: mrru,
                                               maximumFragment: maximumFragment,
                                               expecting: resumed ? nil : 0)
        }
        depositedStep = depositStepOf(state.nextTransmitSequence)
        output.reserveCapacity(FrameBuffers.capacity + 64 * 4)
        fragments.reserveCapacity(64)
        members.reserveCapacity(8)
        packet.reserveCapacity(Int(state.localMRRU ?? 1500) + 2)
        Socket.setSendBuffer(self.inner.raw, bytes: Socket.channelSendBuffer, force: true)
    }

    var session: String { state.session }

    /// Starts reading the session's side and the idle timer.
    func start() throws(IPCError) {
        try host.loop.watch(inner.raw) { [weak self] _ in self?.innerReadable() }
        scheduleIdle()
    }

    // MARK: membership

    /// A link joins (RFC 1990 §5: its LCP options matched the bundle's key).
    /// `id` is given when resuming a deposited member.
    @discardableResult
    func add(session: String, channel: consuming FileDescriptor, peerMRU: UInt16, weight: UInt64,
             id: UInt32? = nil) -> BundleLink? {
        let link = BundleLink(session: session, id: id ?? nextLink, channel: channel, peerMRU: peerMRU,
                              weight: weight, heldLimit: heldLimit)
        nextLink = max(nextLink, link.id &+ 1)
        Socket.setSendBuffer(link.channel.raw, bytes: Socket.channelSendBuffer, force: true)
        do {
            try host.loop.watch(link.channel.raw) { [weak self, weak link] events in
                guard let self, let link else { return }
                if events.contains(.writable) { self.linkWritable(link) }
                if events != .writable { self.linkReadable(link, events) }
            }
        } catch {
            host.log.warning("\(name): cannot watch \(session)'s channel: \(error)")
            return nil
        }
        links.append(link)
        reassembler?.join(link: link.id)
        host.log.info("\(name): \(session) joined (link \(link.id), MRU \(peerMRU), \(links.count) link(s))")
        // A member put back after a restart did not join anew.
        if id == nil { host.publish(.linkJoined(bundle: name, session: session, links: links.count)) }
        host.bundleChanged(self)
        return link
    }

    /// A link left (linkd closed its channel, or its session ended): the
    /// bundle carries on over the others; with none left it ends.
    func remove(_ link: BundleLink, reason: String) {
        guard let i = links.firstIndex(where: { $0 === link }) else { return }
        links.remove(at: i)
        host.loop.unwatch(link.channel.raw)
        _ = shutdown(link.channel.raw, Int32(SHUT_RDWR))
        // §4.1: a link that is gone must not hold M back.
        reassembler?.leave(link: link.id)
        host.log.info("\(name): \(link.session) left (\(reason)); \(links.count) link(s) remain")
        host.publish(.linkLeft(bundle: name, session: link.session, links: links.count, reason: reason))
        if links.isEmpty { end(reason: "its last link left") } else {
            host.bundleChanged(self)
            if links.contains(where: { $0.hasRoom }) { resumeInner() }
        }
    }

    /// Ends the bundle: every member channel is closed (linkd closes each
    /// link's LCP) and so is the session's, if it is still there.
    func end(reason: String) {
        guard !ended else { return }
        ended = true
        if let idleTimer { host.loop.cancel(idleTimer) }
        idleTimer = nil
        host.loop.unwatch(inner.raw)
        _ = shutdown(inner.raw, Int32(SHUT_RDWR))
        for l in links {
            host.loop.unwatch(l.channel.raw)
            _ = shutdown(l.channel.raw, Int32(SHUT_RDWR))
        }
        host.log.info("\(name): bundle ended: \(reason)")
        host.publish(.bundleDown(bundle: name, session: session, reason: reason))
        host.bundleEnded(self, reason: reason)
    }

    /// The deposit: the record and, in order, our end of the session's
    /// channel and each member's channel.
    func snapshot() -> (record: BundleRecord, descriptors: [Int32]) {
        var s = state
        if let fragmenter { s.nextTransmitSequence = fragmenter.nextSequence }
        s.expectedReceiveSequence = reassembler?.expected
        s.members = links.map {
            BundleMemberRecord(session: $0.session, link: $0.id, peerMRU: $0.peerMRU, weight: $0.weight)
        }
        depositedStep = depositStepOf(s.nextTransmitSequence)
        return (s, [inner.raw] + links.map { $0.channel.raw })
    }

    /// RFC 1990 §4.1 sequence numbers must not go back after a restart: the
    /// bundle is deposited again whenever the transmit sequence crosses an
    /// eighth of its space, and a resumed bundle starts a quarter ahead of
    /// what was deposited (`resumedSequence`), which is past anything sent
    /// and, for the peer, ahead within half the space (§4.1 "modulo").
    private func depositStepOf(_ sequence: UInt32) -> UInt32 {
        let format: MultilinkSequenceFormat = state.transmitShortSequence ? .short : .long
        return sequence / ((format.sequenceMask + 1) / 8)
    }

    /// A fragment's data is at most a link's MRU less the header; links'
    /// MRUs beyond the MRRU are not expected, and 1600 covers the default.
    static func maximumFragment(_ state: BundleRecord) -> Int { max(1600, Int(state.localMRRU ?? 1500) + 4) }

    static func resumedSequence(_ deposited: UInt32, short: Bool) -> UInt32 {
        let format: MultilinkSequenceFormat = short ? .short : .long
        return (deposited &+ (format.sequenceMask + 1) / 4) & format.sequenceMask
    }

    /// What may wait for one link: a packet of the peer's MRRU cut into
    /// fragments (each with its header), or a whole frame on a link without
    /// MP, twice over.
    private var heldLimit: Int { 2 * (max(Int(state.peerMRRU ?? 0), 1500) + 2 + BundleLink.heldFramesLimit * 6) }

    // MARK: session → links

    private func innerReadable() {
        guard links.contains(where: { $0.hasRoom }) else {
            pauseInner()
            return
        }
        // Issue 17: each link's real backlog, once per wake-up.
        for l in links { l.readBacklog() }
        let end = ChannelPump.drain(inner.raw, into: &frame) { n, buf in
            self.transmit(buf, n)
            // Read on only while some link has room: otherwise the frame
            // stays in the session's channel (backpressure).
            guard self.links.contains(where: { $0.hasRoom }) else {
                self.pauseInner()
                return false
            }
            return !self.ended
        }
        switch end {
        case .drained, .budget, .stopped: break
        case .closed, .failed: self.end(reason: "its session's channel closed")
        }
    }

    /// Issue 17: no link has room. The session's side stays unread until
    /// one drains; its channel fills and the session holds its TUN reads.
    private func pauseInner() {
        guard !innerPaused, !ended else { return }
        innerPaused = true
        counters.backpressure += 1
        host.loop.unwatch(inner.raw)
    }

    private func resumeInner() {
        guard innerPaused, !ended else { return }
        innerPaused = false
        do { try host.loop.watch(inner.raw) { [weak self] _ in self?.innerReadable() } } catch {
            end(reason: "cannot watch the session's channel: \(error)")
        }
    }

    /// A link's channel takes frames again: what waited goes, in order;
    /// once nothing waits the link has room and the session's side is read.
    private func linkWritable(_ link: BundleLink) {
        guard link.flushHeld() else { return }
        watch(link)
        resumeInner()
    }

    /// The loop reports what the link waits for (BundleLink.interest).
    private func watch(_ link: BundleLink) {
        try? host.loop.modify(link.channel.raw, link.interest)
    }

    /// One frame from the session (Protocol then Information).
    private func transmit(_ buf: [UInt8], _ n: Int) {
        guard n >= ChannelFrame.headerLength else { counters.malformed += 1; return }
        guard !links.isEmpty else { return }
        let proto = UInt16(buf[0]) << 8 | UInt16(buf[1])
        // LCP (a Protocol-Reject the session asks for) is per link, never
        // MP (RFC 1990 §5.1); without the peer's MRRU nothing may be MP.
        guard proto != ProtocolNumber.lcp.rawValue, fragmenter != nil else {
            // Whole, on the link with room and the least queued.
            guard let link = links.filter({ $0.hasRoom }).min(by: { $0.queuedOctets < $1.queuedOctets }) else {
                counters.sendErrors += 1
                return
            }
            _ = buf.withUnsafeBytes {
                link.send(protocol: proto, information: UnsafeRawBufferPointer(rebasing: $0[2..<n]))
            }
            watch(link)
            return
        }
        members.removeAll(keepingCapacity: true)
        // A link of unknown speed (not a tty) counts as fast as the fastest
        // known one: mixed with a 115200 bit/s tty, a UDP link of weight 1
        // would otherwise get nothing; all unknown, the shares are equal.
        var fastest: UInt64 = 1
        for l in links { fastest = max(fastest, l.weight) }
        // Issue 17: only links with room take part (a link whose channel
        // was full has frames waiting and gets nothing new until they go).
        for l in links where l.hasRoom {
            members.append(MultilinkMember(link: l.id, mru: Int(l.peerMRU), weight: l.weight == 0 ? fastest : l.weight,
                                           queuedOctets: l.queuedOctets))
        }
        do {
            try fragmenter!.fragment(buf[0..<n], across: members, into: &output, fragments: &fragments)
        } catch {
            counters.sendErrors += 1
            return
        }
        counters.packetsOut += 1
        for f in fragments {
            guard let link = links.first(where: { $0.id == f.link }) else { continue }
            let offer = output.withUnsafeBytes {
                link.send(protocol: ProtocolNumber.multilink.rawValue, information: UnsafeRawBufferPointer(rebasing: $0[f.range]))
            }
            if offer != .lost {
                link.fragmentsOut += 1
                counters.fragmentsOut += 1
            }
            link.sentSinceTick += 1
            link.nullAfterLast = false
        }
        for l in links where !l.hasRoom { watch(l) }
        if let fragmenter, depositStepOf(fragmenter.nextSequence) != depositedStep { host.bundleChanged(self) }
    }

    // MARK: links → session

    private func linkReadable(_ link: BundleLink, _ events: IOEvents) {
        guard !link.isParked else {
            // Held back (a parked fragment): only its hang-up matters now.
            if !events.isDisjoint(with: [.hangup, .error]) { remove(link, reason: "channel closed by linkd") }
            return
        }
        let end = ChannelPump.drain(link.channel.raw, into: &frame) { n, buf in
            self.received(buf, n, on: link) && !self.ended
        }
        switch end {
        case .drained, .budget, .stopped: break
        case .closed: remove(link, reason: "channel closed by linkd")
        case .failed(let e): remove(link, reason: "channel error: \(Errno.describe(e))")
        }
    }

    /// One frame from a member link; false to stop reading that link.
    private func received(_ buf: [UInt8], _ n: Int, on link: BundleLink) -> Bool {
        guard n >= ChannelFrame.headerLength else { counters.malformed += 1; return true }
        link.heard = true
        let proto = UInt16(buf[0]) << 8 | UInt16(buf[1])
        guard proto == ProtocolNumber.multilink.rawValue, reassembler != nil else {
            // Not MP: the bundle's protocols straight on a member link, or
            // LCP that linkd forwards (a Protocol-Reject): the session's.
            link.framesIn += 1
            counters.toSession.count(buf.withUnsafeBytes { ChannelPump.send(inner.raw, UnsafeRawBufferPointer(rebasing: $0[0..<n])) })
            return true
        }
        link.fragmentsIn += 1
        let fragment = buf[ChannelFrame.headerLength..<n]
        guard reassembler!.admits(fragment, on: link.id) else {
            // Issue 17: too far ahead of a slower link for the ring. Kept,
            // and the link is not read until the ring has moved.
            link.park(fragment)
            watch(link)
            return false
        }
        reassembler!.receive(fragment, on: link.id)
        deliverReassembled()
        return true
    }

    /// Every packet the reassembler has complete goes to the session; a
    /// parked fragment that fits now goes in, its link is read again, and
    /// so on until nothing moves.
    private func deliverReassembled() {
        var moved = true
        while moved {
            deliverComplete()
            moved = false
            for l in links where l.isParked && reassembler!.admits(l.parked[...], on: l.id) {
                reassembler!.receive(l.parked[...], on: l.id)
                l.unpark()
                watch(l)
                moved = true
            }
        }
    }

    private func deliverComplete() {
        while reassembler?.nextPacket(into: &packet) == true {
            guard !packet.isEmpty else { continue }
            // RFC 1661 §6.5: the Protocol field inside MP may be compressed
            // (one odd octet) when the peer negotiated PFC.
            let compressed = packet[0] & 1 == 1
            guard compressed || packet.count >= 2 else { counters.malformed += 1; continue }
            let proto = compressed ? UInt16(packet[0]) : UInt16(packet[0]) << 8 | UInt16(packet[1])
            let start = compressed ? 1 : 2
            let sent = packet.withUnsafeBytes {
                ChannelPump.send(inner.raw, protocol: proto, information: UnsafeRawBufferPointer(rebasing: $0[start...]))
            }
            if counters.toSession.count(sent) { counters.packetsIn += 1 }
        }
    }

    // MARK: the idle timer

    /// RFC 1990 §4.1 "The receiver SHOULD implement some type of link idle
    /// timer": when reassembly has been stuck for a whole tick (fragments
    /// buffered, nothing delivered), the links that received nothing in it
    /// stop holding M, so a fragment lost on a busy link is detected
    /// although another is quiet. Only then: a link marked idle while all
    /// is quiet would let the first fragment after a pause, arriving on
    /// another link, declare lost the lower numbers still on their way over
    /// it (seen with pings between two of our routers).
    private func scheduleIdle() {
        idleTimer = host.loop.schedule(after: 1) { [weak self] in
            guard let self, !self.ended else { return }
            if let r = self.reassembler {
                let stuck = r.counters.packetsReassembled == self.deliveredAtTick && r.bufferedFragments > 0
                if stuck && self.stuckBefore {
                    // A link held back (parked) is not idle: its next
                    // number is known and counts towards M.
                    for l in self.links where !l.heard && !l.isParked { self.reassembler?.linkIdle(l.id) }
                }
                self.stuckBefore = stuck
                self.deliveredAtTick = r.counters.packetsReassembled
            }
            for l in self.links { l.heard = false }
            self.sendNullFragments()
            for l in self.links { l.sentSinceTick = 0 }
            self.deliverReassembled()
            self.scheduleIdle()
        }
    }

    /// RFC 1990 §4.1: "the value of M is not incremented on idle links",
    /// and a lost final fragment stalls the receiver "until new packets
    /// arrive"; a null fragment (B and E, no data, the next sequence number)
    /// on each link that would otherwise stay idle after its last fragment
    /// moves the peer's M past it. We take the RFC's deferred variant ("may
    /// elect to defer sending them until a timer expires"): at the idle
    /// tick, once per quiet spell, on each link that carried fragments
    /// before and none during the whole tick, so a busy bundle sends none.
    private func sendNullFragments() {
        guard fragmenter != nil else { return }
        for l in links where l.sentSinceTick == 0 && !l.nullAfterLast && l.hasRoom {
            fragmenter!.nullFragment(into: &output)
            let offer = output.withUnsafeBytes { l.send(protocol: ProtocolNumber.multilink.rawValue, information: $0) }
            watch(l)
            if offer != .lost {
                l.nullFragmentsOut += 1
                counters.nullFragmentsOut += 1
            }
            l.nullAfterLast = true
        }
    }

    // MARK: pppctl bundles

    func json(interface: String?) -> JSON {
        let r = reassembler?.counters ?? MultilinkReassembler.Counters()
        let o: JSONObject = [
            "name": .string(name),
            "peer_name": .string(state.peerName),
            "session": .string(state.session),
            "interface": interface.map { .string($0) } ?? .null,
            "local_mrru": .int(Int64(state.localMRRU ?? 0)),
            "peer_mrru": .int(Int64(state.peerMRRU ?? 0)),
            "receive_short_sequence": .bool(state.receiveShortSequence),
            "transmit_short_sequence": .bool(state.transmitShortSequence),
            "next_transmit_sequence": .int(Int64(fragmenter?.nextSequence ?? 0)),
            "links": .array(links.map { l in
                .object([
                    "session": .string(l.session), "link": .int(Int64(l.id)), "mru": .int(Int64(l.peerMRU)),
                    "weight": .int(Int64(l.weight)), "fragments_out": .int(Int64(l.fragmentsOut)),
                    "fragments_in": .int(Int64(l.fragmentsIn)), "frames_in": .int(Int64(l.framesIn)),
                    "transmit_dropped": .int(Int64(l.transmit.total)),
                    "transmit_full": .int(Int64(l.transmit.full)), "held": .int(Int64(l.heldFrames)),
                    "blocked": .int(Int64(l.blocked)), "waiting_octets": .int(Int64(l.heldOctets)),
                    "held_back": .int(Int64(l.parkings)),
                    "null_fragments_out": .int(Int64(l.nullFragmentsOut)),
                ])
            }),
            "counters": .object([
                "packets_out": .int(Int64(counters.packetsOut)), "fragments_out": .int(Int64(counters.fragmentsOut)),
                "null_fragments_out": .int(Int64(counters.nullFragmentsOut)),
                "packets_in": .int(Int64(counters.packetsIn)), "send_errors": .int(Int64(counters.sendErrors)),
                "malformed": .int(Int64(counters.malformed)), "to_session_dropped": .int(Int64(counters.toSession.total)),
                "backpressure": .int(Int64(counters.backpressure)),
                "fragments_received": .int(Int64(r.fragmentsReceived)), "reassembled": .int(Int64(r.packetsReassembled)),
                "lost": .int(Int64(r.fragmentsLost)), "out_of_order": .int(Int64(r.fragmentsOutOfOrder)),
                "discarded": .int(Int64(r.fragmentsDiscarded)), "buffer_overflows": .int(Int64(r.bufferOverflows)),
                "too_long": .int(Int64(r.packetsTooLong)), "header_errors": .int(Int64(r.headerErrors)),
                "null_fragments": .int(Int64(r.nullFragments)),
            ]),
        ]
        return .object(o)
    }
}
