// Daemon-to-daemon wiring. authd, ncpd and bridged each own a named SOCK_DGRAM
// rendezvous point in the runtime dir (DIR/authd, …), bound by pppinit and
// inherited as fd 4, so it outlives restarts. Other daemons reach it in two
// ways: a conversation (`conversationOpened` carrying one end of a fresh
// SEQPACKET pair, on which calls and events then flow — linkd ↔ authd), or a
// handoff (`channelHandedOver` with a channel and R). The sender is named by
// the kernel's SCM_CREDENTIALS: its uid must be one of pppinit's daemon uids.
#if canImport(Glibc)
import Glibc
#endif

/// One datagram that arrived on our rendezvous point, validated.
public struct RendezvousArrival: ~Copyable {
    public let sender: Peer
    public let credentials: Credentials
    public let message: Message
    public var descriptors: Descriptors
}

extension DaemonRuntime {
    public static let rendezvousDescriptor = InheritedDescriptor.rendezvous.rawValue

    /// The runtime dir (pppinit's `runtime-dir`).
    public var runtimeDir: String { setup.runtimeDir }

    /// Which daemon runs under which uid, from pppinit.
    public var peerUIDs: [UInt32: Peer] { setup.peerUIDs }

    /// Serves fd 4. Datagrams from unknown uids, undecodable ones and
    /// message types not allowed from their sender are dropped and counted in
    /// `rendezvousDropped`; the rest go to `handler`.
    public func serveRendezvous(_ handler: @escaping (inout RendezvousArrival) -> Void) throws(IPCError) {
        guard inherited.contains(.rendezvous) else {
            throw .badDescriptor
        }
        let fd = Self.rendezvousDescriptor
        let uids = peerUIDs
        var buffer = [UInt8](repeating: 0, count: Wire.maxMessageSize + 1)
        // The point is 0666: any local user can send here, so one log line
        // per junk datagram would let them fill the disk.
        var junk = WarningLimiter()
        try loop.watch(fd) { [unowned self] _ in
            for _ in 0..<64 {
                let dg: Datagram?
                do { dg = try Socket.receive(fd, into: &buffer) } catch { self.rendezvousDropped += 1; continue }
                guard let dg else { return }
                guard let cred = dg.credentials, let sender = uids[cred.uid] else {
                    self.rendezvousDropped += 1
                    junk.warn(self.log, "rendezvous: dropped a datagram from uid \(dg.credentials?.uid ?? 0), not a daemon")
                    continue
                }
                do {
                    let (_, m) = try Codec.decode(buffer[0..<dg.count], from: sender, descriptorCount: dg.descriptors.count)
                    var arrival = RendezvousArrival(sender: sender, credentials: cred, message: m,
                                                    descriptors: dg.descriptors)
                    handler(&arrival)
                } catch {
                    self.rendezvousDropped += 1
                    junk.warn(self.log, "rendezvous: dropped a datagram from \(sender) pid \(cred.pid): \(error)")
                }
            }
        }
    }

    /// Opens a conversation with `peer`'s rendezvous point: returns our end
    /// as a Link (call `start()` after setting its handlers). Fails when
    /// nobody serves the name (the daemon is down and pppinit is gone).
    public func openConversation(with peer: Peer) throws(IPCError) -> Link {
        let pair = try Socket.seqpacketPair()
        let bytes = try Codec.encode(.conversationOpened(version: 1), flags: [], callID: 0)
        let s = try Socket.datagram()
        guard try Socket.send(s.raw, to: runtimeDir + "/" + peer.description, bytes, descriptors: [pair.second.raw]) else {
            throw .system(call: "sendmsg(\(peer))", errno: EAGAIN)
        }
        return Link(pair.first, remote: peer, loop: loop)
    }
}
