// The channels ncpd holds: one per session handed over by linkd (DESIGN.md
// "Channels"). A channel arrives with its session description; ncpd accepts
// it with the handoff protocol, decides the session's addresses (pools,
// authd's Framed-IP-Address, static, client role) and runs its NCPs until
// the channel closes. This is every session's SessionHost.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPP

final class Channels: SessionHost {
    private let runtime: DaemonRuntime
    private(set) var sessions: [String: NetworkSession] = [:]
    private(set) var refused = 0
    private(set) var ended = 0
    private var pending: [HandoffReceiver] = []
    var pools: AddressPools
    let settings: NcpdSettings
    let units: UnitSystem?
    let buffers = FrameBuffers()

    init(runtime: DaemonRuntime, settings: NcpdSettings, units: UnitSystem?) {
        self.runtime = runtime
        self.settings = settings
        self.units = units
        pools = AddressPools(settings.pools)
    }

    var loop: EventLoop { runtime.loop }
    var log: Log { runtime.log }

    /// A channelHandedOver from linkd: descriptors are [channel, R].
    func arrived(_ a: inout RendezvousArrival) {
        guard case let .channelHandedOver(bytes) = a.message, a.sender == .linkd else {
            a.descriptors.closeAll()
            refused += 1
            runtime.log.warning("rendezvous: \(a.message.type) from \(a.sender) is not for ncpd")
            return
        }
        let channel = a.descriptors.take(0)
        let receiver = HandoffReceiver(ack: a.descriptors.take(1), loop: runtime.loop)
        let record: ChannelRecord
        do { record = try ChannelRecord.decode(bytes) } catch {
            refused += 1
            receiver.refuse("bad channel record: \(error)")
            return
        }
        if sessions[record.session] != nil {
            refused += 1
            receiver.refuse("session \(record.session) already has a channel here")
            return
        }
        if !record.network.ifname.isEmpty,
           sessions.values.contains(where: { $0.interfaceName == record.network.ifname }) {
            refused += 1
            receiver.refuse("interface \(record.network.ifname) is in use by another session")
            return
        }
        // Addresses are settled before we accept, so a session we cannot
        // address stays with linkd (which then terminates it cleanly).
        var plan: IPCPConfiguration?
        var lease: (pool: String, address: UInt32)?
        if record.network.ipv4 {
            do {
                let p = try pools.plan(for: record)
                plan = p.0
                lease = p.lease
            } catch {
                refused += 1
                receiver.refuse("\(record.session): \(error)")
                runtime.log.warning("\(record.session): refused: \(error)")
                return
            }
        }
        let box = SharedDescriptor(channel)
        pending.append(receiver)
        do {
            try receiver.accept { [unowned self, unowned receiver] ok in
                self.pending.removeAll { $0 === receiver }
                guard ok, let fd = box.take() else {
                    if let lease { self.pools.release(pool: lease.pool, address: lease.address) }
                    return
                }
                self.adopt(record, fd, ipcp: plan, lease: lease)
            }
        } catch {
            pending.removeAll { $0 === receiver }
            if let lease { pools.release(pool: lease.pool, address: lease.address) }
            runtime.log.warning("handoff of \(record.session): \(error)")
        }
    }

    /// The smallest ppp<N> not used by a session here.
    private func freeUnitNumber() -> Int {
        let used = Set(sessions.values.map(\.unitNumber))
        var n = 0
        while used.contains(n) { n += 1 }
        return n
    }

    private func adopt(_ record: ChannelRecord, _ fd: consuming FileDescriptor, ipcp: IPCPConfiguration?,
                       lease: (pool: String, address: UInt32)?) {
        var seed: UInt64 = 0
        let got = withUnsafeMutableBytes(of: &seed) { ppp_getrandom($0.baseAddress, 8) }
        if got != 8 { seed = Instant.now().nanoseconds ^ UInt64(getpid()) << 32 }
        let session = NetworkSession(record: record, channel: fd, unitNumber: freeUnitNumber(), host: self,
                                     ipcp: ipcp, lease: lease, seed: seed)
        sessions[record.session] = session
        runtime.log.info("\(record.session): channel accepted (peer MRU \(record.peerMRU)"
                         + (lease.map { ", \(IPv4.format($0.address)) from pool \($0.pool)" } ?? "") + ")")
        do {
            try runtime.loop.watch(session.channel.raw) { [weak self, weak session] _ in
                guard let self, let session else { return }
                if !session.channelReadable() { session.end(reason: "channel closed by linkd") }
                _ = self
            }
        } catch {
            runtime.log.warning("\(record.session): cannot watch the channel: \(error)")
            session.end(reason: "cannot watch the channel")
            return
        }
        session.start()
    }

    // MARK: SessionHost

    func sessionEnded(_ session: NetworkSession) {
        guard sessions[session.id] === session else { return }
        if let lease = session.lease {
            pools.release(pool: lease.pool, address: lease.address)
            session.lease = nil
        }
        // Dropping the last reference closes the channel: linkd closes LCP.
        sessions[session.id] = nil
        ended += 1
    }

    func hook(_ request: HookRequest) {
        guard settings.hooks else { return }
        do { try runtime.link.send(.hookRequested(request)) } catch {
            runtime.log.warning("\(request.session): \(request.event.name) not sent to pppinit: \(error)")
        }
    }

    /// Ends every session (shutdown): interfaces, routes and leases go.
    func endAll(reason: String) {
        for s in Array(sessions.values) { s.end(reason: reason) }
    }

    func json() -> JSON {
        .array(sessions.keys.sorted().map { sessions[$0]!.json() })
    }
}
