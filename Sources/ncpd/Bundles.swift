// ncpd's RFC 1990 bundles by rendezvous name (docs/design.md "Multilink
// (issue 17)"). A channel whose record says an MRRU was negotiated comes
// here instead of becoming a session of its own: the first link of a key
// creates the bundle and its session (addresses planned as for any
// session), later links join it. Each bundle is deposited in the fd store
// with its channels, so `kill -9 ncpd` resumes it.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

final class Bundles: BundleHost {
    private let runtime: DaemonRuntime
    unowned let channels: Channels
    private(set) var byName: [String: Bundle] = [:]
    /// Each bundle's rendezvous point, by name (BundleSocket.swift); a
    /// bundle without one (bind failed, another owner) is still found by
    /// name when its links come through ncpd's own rendezvous.
    private(set) var sockets: [String: BundleSocket] = [:]
    private(set) var created = 0, endedCount = 0, resumed = 0

    init(runtime: DaemonRuntime, channels: Channels) {
        self.runtime = runtime
        self.channels = channels
    }

    var loop: EventLoop { runtime.loop }
    var log: Log { runtime.log }

    /// RFC 1990 §5.1.3: the authenticated peer name ("" without
    /// authentication) and the peer's discriminator.
    static func key(_ record: ChannelRecord, _ m: ChannelMultilink) -> MultilinkBundleKey? {
        try? MultilinkBundleKey(peerName: record.bundlePeerName, discriminatorOption: m.peerDiscriminator)
    }

    /// A link with an MRRU arrived on the rendezvous.
    func arrived(_ offer: ChannelOffer, _ m: ChannelMultilink) {
        let record = offer.record
        guard let key = Self.key(record, m) else {
            channels.intake.refuse(offer.receiver, "\(record.session): unusable endpoint discriminator")
            return
        }
        let name = key.rendezvousName
        if let bundle = byName[name] {
            join(bundle, offer, m)
            return
        }
        // The first link. The bundle exists from now on, so a second link
        // that arrives before this one's ack joins it instead of making a
        // second bundle (ncpd's loop serialises the arrivals).
        guard let plan = channels.plan(offer) else { return }
        let pair: SocketPair
        do { pair = try Socket.seqpacketPair() } catch {
            channels.intake.refuse(offer.receiver, "\(record.session): no socketpair for a bundle: \(error)")
            channels.release(plan)
            return
        }
        var state = BundleRecord(peerName: key.peerName)
        state.discriminatorClass = key.discriminator.class.rawValue
        state.discriminatorAddress = key.discriminator.address
        state.localMRRU = m.localMRRU == 0 ? nil : m.localMRRU
        state.peerMRRU = m.peerMRRU == 0 ? nil : m.peerMRRU
        state.receiveShortSequence = m.receiveShortSequence
        state.transmitShortSequence = m.transmitShortSequence
        state.session = record.session
        let inner = pair.first, outer = pair.second
        let bundle = Bundle(name: name, state: state, inner: inner, host: self,
                            maximumFragment: Bundle.maximumFragment(state))
        byName[name] = bundle
        created += 1
        bindSocket(bundle)
        // The session sees the bundle as one link whose MRU is the peer's
        // MRRU (RFC 1990 §5.1.1: the largest packet we may send over it).
        var sessionRecord = record
        if m.peerMRRU != 0 { sessionRecord.peerMRU = m.peerMRRU }
        if m.localMRRU != 0 { sessionRecord.localMRU = m.localMRRU }
        let sessionEnd = SharedDescriptor(outer)
        channels.intake.accept(offer.receiver, record.session) { [unowned self] ok in
            guard ok, let fd = offer.channel.take(), !bundle.ended, let session = sessionEnd.take() else {
                self.channels.release(plan)
                bundle.end(reason: "the first link's handoff failed")
                return
            }
            do { try bundle.start() } catch {
                self.channels.release(plan)
                bundle.end(reason: "cannot watch the session's channel: \(error)")
                return
            }
            self.log.notice("\(name): bundle up, NCPs on \(record.session)")
            self.publish(.bundleUp(bundle: name, session: record.session))
            guard bundle.add(session: record.session, channel: fd, peerMRU: record.peerMRU, weight: m.speed) != nil else {
                self.channels.release(plan)
                bundle.end(reason: "cannot watch its first link")
                return
            }
            self.channels.adopt(sessionRecord, SessionChannel(dedicated: session), plan)
        }
    }

    /// Binds the bundle's rendezvous point and serves it. Without one the
    /// bundle works as before: linkd finds no socket (ENOENT) and sends
    /// the link to ncpd's rendezvous, and `arrived` finds it by name.
    private func bindSocket(_ bundle: Bundle) {
        let path = BundleRendezvous.path(runtimeDir: runtime.runtimeDir, name: bundle.name)
        do {
            guard let socket = try BundleSocket.bind(path, loop: loop) else {
                log.warning("\(bundle.name): \(path) is held by a live process; links will come through ncpd's rendezvous")
                return
            }
            try socket.serve(peers: runtime.peerUIDs) { [unowned self, unowned bundle] record, m, descriptors in
                self.transferred(bundle, record, m, &descriptors)
            }
            sockets[bundle.name] = socket
        } catch {
            log.warning("\(bundle.name): cannot bind \(path) (\(error)); links will come through ncpd's rendezvous")
        }
    }

    /// A link handed to the bundle's own socket: it must be this bundle's
    /// (the socket is named by a digest; the full key decides), and then
    /// joins as any later link does. Until our accept is acked the link
    /// stays linkd's.
    private func transferred(_ bundle: Bundle, _ record: ChannelRecord, _ m: ChannelMultilink,
                             _ descriptors: inout Descriptors) {
        guard let offer = channels.intake.offer(record, &descriptors) else {
            log.warning("\(bundle.name): a transfer of \(record.session) carried descriptors of the wrong kind")
            return
        }
        guard let key = Self.key(record, m), key.rendezvousName == bundle.name else {
            channels.intake.refuse(offer.receiver, "\(record.session) does not belong to \(bundle.name)")
            return
        }
        guard !bundle.ended, byName[bundle.name] === bundle else {
            channels.intake.refuse(offer.receiver, "\(bundle.name) has ended")
            return
        }
        join(bundle, offer, m, bySocket: true)
    }

    /// RFC 1990 §5.1.3: a later link whose key matches joins the bundle.
    private func join(_ bundle: Bundle, _ offer: ChannelOffer, _ m: ChannelMultilink, bySocket: Bool = false) {
        let record = offer.record
        // §5.1.1/§5.1.2: the options are per link, but one bundle has one
        // MRRU and one sequence format each way; a link that differs cannot
        // take part in its fragments.
        let s = bundle.state
        guard (s.localMRRU ?? 0) == m.localMRRU, (s.peerMRRU ?? 0) == m.peerMRRU,
              s.receiveShortSequence == m.receiveShortSequence, s.transmitShortSequence == m.transmitShortSequence else {
            channels.intake.refuse(offer.receiver, "\(record.session): MRRU or sequence format differ from \(bundle.name)'s")
            return
        }
        guard bundle.links.count < BundleRecord.maximumMembers else {
            channels.intake.refuse(offer.receiver, "\(record.session): \(bundle.name) has \(bundle.links.count) links")
            return
        }
        channels.intake.accept(offer.receiver, record.session) { [unowned self] ok in
            guard ok, let fd = offer.channel.take() else { return }
            guard !bundle.ended, self.byName[bundle.name] === bundle else {
                // Ended while the handoff was in flight: closing the channel
                // makes linkd close this link's LCP.
                _ = fd
                return
            }
            self.log.notice("\(record.session) joins \(bundle.name) through \(bySocket ? "the bundle's socket" : "ncpd's rendezvous")")
            bundle.add(session: record.session, channel: fd, peerMRU: record.peerMRU, weight: m.speed)
        }
    }

    /// The bundle's session ended (NCPs finished, `pppctl session kill`):
    /// so does the bundle.
    func sessionEnded(_ id: String) {
        for b in byName.values where b.session == id { b.end(reason: "its session \(id) ended") }
    }

    // MARK: BundleHost

    func bundleChanged(_ bundle: Bundle) {
        guard !bundle.ended, byName[bundle.name] === bundle else { return }
        let (record, fds) = bundle.snapshot()
        do { try runtime.deposit(key: .bundle(bundle.name), record: record.encoded(), descriptors: fds) } catch {
            log.warning("\(bundle.name): fd store deposit failed (a restart would lose it): \(error)")
        }
    }

    func publish(_ event: EventBody) { runtime.publish(event) }

    func bundleEnded(_ bundle: Bundle, reason: String) {
        guard byName[bundle.name] === bundle else { return }
        byName[bundle.name] = nil
        sockets.removeValue(forKey: bundle.name)?.close()
        endedCount += 1
        try? runtime.withdraw(key: .bundle(bundle.name))
        channels.sessions[bundle.session]?.end(reason: "bundle \(bundle.name) ended: \(reason)")
    }

    // MARK: restart

    /// After `kill -9 ncpd`: the bundles deposited come back with their
    /// session's channel end and every member's channel. The session itself
    /// was resumed by Channels from its own deposit.
    func resume(_ entries: [RestoredEntry]) {
        for e in entries {
            guard case let .bundle(name) = e.key else { continue }
            var state: BundleRecord
            do { state = try BundleRecord.decode(e.record) } catch {
                log.warning("\(name): unusable bundle record (\(error)); dropping the bundle")
                try? runtime.withdraw(key: e.key)
                continue
            }
            guard e.descriptors.count == state.members.count + 1, let inner = e.descriptors[0].take() else {
                log.warning("\(name): \(e.descriptors.count) descriptors for \(state.members.count) links; dropping")
                try? runtime.withdraw(key: e.key)
                continue
            }
            state.nextTransmitSequence = Bundle.resumedSequence(state.nextTransmitSequence,
                                                                short: state.transmitShortSequence)
            let bundle = Bundle(name: name, state: state, inner: inner, host: self,
                                maximumFragment: Bundle.maximumFragment(state), resumed: true)
            byName[name] = bundle
            // The previous ncpd's socket closed with it: its file is stale
            // (bind-or-connect takes it over).
            bindSocket(bundle)
            do { try bundle.start() } catch {
                bundle.end(reason: "cannot watch the session's channel after a restart")
                continue
            }
            for (i, m) in state.members.enumerated() {
                guard let fd = e.descriptors[i + 1].take() else { continue }
                bundle.add(session: m.session, channel: fd, peerMRU: m.peerMRU, weight: m.weight, id: m.link)
            }
            guard !bundle.links.isEmpty else {
                bundle.end(reason: "no link came back")
                continue
            }
            resumed += 1
            log.notice("\(name): bundle resumed after a restart (\(bundle.links.count) link(s), session \(state.session))")
        }
    }

    /// ncpd's `status` fields for bundles.
    /// ncpd's status counts the bundles.
    func count(into s: inout NcpdStatus) {
        (s.bundles, s.bundlesCreated, s.bundlesEnded, s.bundlesResumed) = (byName.count, created, endedCount, resumed)
    }

    /// `bundles`: each bundle by name.
    var reply: BundlesReply {
        BundlesReply(bundles: byName.keys.sorted().compactMap { n in
            let b = byName[n]!
            var o = b.json(interface: channels.sessions[b.session]?.unit?.name).object ?? [:]
            o["rendezvous"] = sockets[n].map { .object($0.json) } ?? .null
            return o
        })
    }
}
