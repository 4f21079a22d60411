// The channels ncpd holds: one per session handed over by linkd (DESIGN.md
// "Channels"). A channel arrives with its session description; ncpd accepts
// it with the handoff protocol and from then on owns the session's network
// side. When linkd closes its end (the session ended) the channel is gone.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class HeldChannel {
    let record: ChannelRecord
    let fd: FileDescriptor
    var framesIn = 0
    var octetsIn = 0
    init(record: ChannelRecord, fd: consuming FileDescriptor) { self.record = record; self.fd = fd }
}

final class Channels {
    private let runtime: DaemonRuntime
    private(set) var held: [String: HeldChannel] = [:]
    private(set) var refused = 0
    private var pending: [HandoffReceiver] = []
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(runtime: DaemonRuntime) { self.runtime = runtime }

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
        if held[record.session] != nil {
            refused += 1
            receiver.refuse("session \(record.session) already has a channel here")
            return
        }
        let box = SharedDescriptor(channel)
        pending.append(receiver)
        do {
            try receiver.accept { [unowned self, unowned receiver] ok in
                self.pending.removeAll { $0 === receiver }
                guard ok, let fd = box.take() else { return }
                self.adopt(record, fd)
            }
        } catch {
            pending.removeAll { $0 === receiver }
            runtime.log.warning("handoff of \(record.session): \(error)")
        }
    }

    private func adopt(_ record: ChannelRecord, _ fd: consuming FileDescriptor) {
        let channel = HeldChannel(record: record, fd: fd)
        held[record.session] = channel
        runtime.log.info("\(record.session): channel accepted (peer MRU \(record.peerMRU))")
        do {
            try runtime.loop.watch(channel.fd.raw) { [unowned self, unowned channel] _ in self.readable(channel) }
        } catch {
            runtime.log.warning("\(record.session): cannot watch the channel: \(error)")
            held[record.session] = nil
        }
    }

    private func readable(_ c: HeldChannel) {
        for _ in 0..<64 {
            let n = buffer.withUnsafeMutableBytes { recv(c.fd.raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
            guard n > 0 else {
                runtime.loop.unwatch(c.fd.raw)
                held[c.record.session] = nil
                runtime.log.info("\(c.record.session): channel closed by linkd")
                return
            }
            c.framesIn += 1
            c.octetsIn += n
        }
    }

    func json() -> JSON {
        .array(held.keys.sorted().map { id in
            let c = held[id]!
            return .object(["id": .string(id), "port": .string(c.record.port),
                            "frames_in": .int(Int64(c.framesIn)), "octets_in": .int(Int64(c.octetsIn))])
        })
    }
}
