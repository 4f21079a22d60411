// One session's place on its port: the port's own descriptor (a tty or a UDP
// socket, shared by the port's successive sessions), a TCP connection of the
// session's own (closed when the session ends), or a PPPoE session (peer MAC,
// SESSION_ID) on the port's shared session socket. A Transport reads circuits
// from the event loop and feeds their sessions; a session writes its frames
// to its circuit's descriptor, laid out as the circuit's framing says.
import IPC
import PPPoE

final class Circuit {
    /// How PPP frames are laid out on the circuit.
    enum Framing {
        /// RFC 1662 §4 octet-stuffed HDLC on a byte stream (tty, pty, TCP).
        case hdlc
        /// One frame per datagram (UDP: RFC 1662 §3 fields without FCS).
        case datagram
        /// RFC 2516 §6: one Ethernet frame per PPP frame, for this session.
        case pppoe(PPPoEBinding)
        /// RFC 2661 §5.3: one data message per PPP frame (Address/Control
        /// and Protocol, no FCS), for one call in a tunnel.
        case l2tp(L2TPCall)
    }

    let raw: Int32
    /// Set for a connection the session owns; nil for the port's descriptor.
    private var owned: FileDescriptor?
    /// The far end as the port sees it (Calling-Station-Id); an L2TP call
    /// that fails over to another LNS before it connects changes it.
    var peer: String
    let framing: Framing
    var session: Session?
    /// A PPPoE session's VLAN tags, kept apart from the binding so the
    /// receive path compares them without copying it (issue 13).
    let vlan: VLANTags

    init(shared raw: Int32, peer: String, framing: Framing) {
        self.raw = raw
        self.peer = peer
        self.framing = framing
        if case .pppoe(let b) = framing { vlan = b.vlan } else { vlan = .untagged }
    }

    init(owning fd: consuming FileDescriptor, peer: String) {
        raw = fd.raw
        owned = .some(fd)
        self.peer = peer
        framing = .hdlc
        vlan = .untagged
    }

    /// A PPPoE session's addresses and id.
    var pppoe: PPPoEBinding? {
        if case .pppoe(let binding) = framing { binding } else { nil }
    }

    /// An L2TP call's tunnel and session ids and the port that sends for it.
    var l2tp: L2TPCall? {
        if case .l2tp(let call) = framing { call } else { nil }
    }

    var ownsDescriptor: Bool { owned != nil }

    /// Closes an owned connection (the peer sees FIN) after the loop stops
    /// watching it; no-op when shared.
    func release(from loop: EventLoop) {
        guard owned != nil else { return }
        loop.unwatch(raw)
        owned = nil
    }
}
