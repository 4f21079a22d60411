// The receiving side of channel handoffs, for every daemon that takes
// channels (ncpd, bridged): decoding an offer, refusing it with a reason
// (counted), and keeping each HandoffReceiver alive until the sender's '!'.
// The daemon only decides whether it wants the session.

/// A channel offered through channelHandedOver: its record, the channel
/// (ours only once accepted and acked), and R to answer on.
public struct ChannelOffer {
    public let record: ChannelRecord
    public let channel: SharedDescriptor
    public let receiver: HandoffReceiver
}

public final class ChannelIntake {
    private let runtime: DaemonRuntime
    private var pending: [HandoffReceiver] = []
    /// Offers refused or dropped, whatever the reason.
    public private(set) var refused = 0

    public init(runtime: DaemonRuntime) { self.runtime = runtime }

    /// channelHandedOver ([channel, R]) from one of `senders`. Anything else
    /// is closed and counted; a record that does not decode is refused.
    public func offer(_ a: inout RendezvousArrival, from senders: Set<Peer>) -> ChannelOffer? {
        guard case let .channelHandedOver(bytes) = a.message, senders.contains(a.sender) else {
            a.descriptors.closeAll()
            refused += 1
            runtime.log.warning("rendezvous: \(a.message.type) from \(a.sender) is not for \(runtime.setup.name)")
            return nil
        }
        let channel = SharedDescriptor(a.descriptors.take(0))
        let receiver = HandoffReceiver(ack: a.descriptors.take(1), loop: runtime.loop)
        do {
            return ChannelOffer(record: try ChannelRecord.decode(bytes), channel: channel, receiver: receiver)
        } catch {
            refuse(receiver, "bad channel record: \(error)")
            return nil
        }
    }

    /// An offer that came another way than the daemon's own rendezvous (a
    /// bundle's socket, issue 17): `record` already checked, `descriptors`
    /// exactly [channel, R]. nil (everything closed, counted) when either
    /// is not a Unix SEQPACKET socket, the one kind a channel and R are.
    public func offer(_ record: ChannelRecord, _ descriptors: inout Descriptors) -> ChannelOffer? {
        guard descriptors.count == 2, let c = descriptors.raw(0), let r = descriptors.raw(1),
              Socket.isUnixSeqpacket(c), Socket.isUnixSeqpacket(r) else {
            descriptors.closeAll()
            refused += 1
            return nil
        }
        let channel = SharedDescriptor(descriptors.take(0))
        return ChannelOffer(record: record, channel: channel,
                            receiver: HandoffReceiver(ack: descriptors.take(1), loop: runtime.loop))
    }

    /// Says no: the sender keeps the session (and terminates it cleanly).
    public func refuse(_ receiver: HandoffReceiver, _ reason: String) {
        refused += 1
        receiver.refuse(reason)
    }

    /// Accepts; `done(true)` once the sender acked (the descriptors are
    /// ours), `done(false)` if it did not (close them). `what` names the
    /// transfer in the log should the accept itself fail.
    public func accept(_ receiver: HandoffReceiver, _ what: String, _ done: @escaping (Bool) -> Void) {
        pending.append(receiver)
        do {
            try receiver.accept { [unowned self, unowned receiver] ok in
                self.pending.removeAll { $0 === receiver }
                done(ok)
            }
        } catch {
            pending.removeAll { $0 === receiver }
            runtime.log.warning("handoff of \(what): \(error)")
            done(false)
        }
    }
}
