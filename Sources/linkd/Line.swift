// The descriptor one session runs on: the port's own (a tty or a UDP socket,
// shared by the port's successive sessions), or a TCP connection of the
// session's own, closed when the session ends. PortLink reads lines from the
// event loop and feeds their sessions.
import IPC

final class Line {
    let raw: Int32
    /// Set for a connection the session owns; nil for the port's descriptor.
    private var owned: FileDescriptor?
    /// The far end as the port sees it (Calling-Station-Id).
    let peer: String
    var session: Session?
    /// A TCP connect still under way.
    var connecting = false
    /// A PPPoE session's addresses and id (the line is the port's session socket).
    var pppoe: PPPoEBinding?

    init(shared raw: Int32, peer: String, pppoe: PPPoEBinding? = nil) {
        self.raw = raw
        self.peer = peer
        self.pppoe = pppoe
    }

    init(owning fd: consuming FileDescriptor, peer: String) {
        raw = fd.raw
        owned = .some(fd)
        self.peer = peer
    }

    var ownsDescriptor: Bool { owned != nil }

    /// Closes an owned connection (the peer sees FIN); no-op when shared.
    func close() { owned = nil }
}
