// A bundle's named rendezvous point (issue 17 point 3; docs/design.md
// "Multilink (issue 17)", "The transfer"): DIR/bundle/<digest of the
// bundle's name>, bound when the bundle is created or resumed (DESIGN.md's
// bind-or-connect: a refused connect is a stale file from a dead ncpd,
// taken over), unlinked when it ends. A linkd whose link belongs to the
// bundle hands the link's channel here, as FreeBSD ppp hands a link to the
// process that owns its bundle; anything else that arrives is dropped and
// counted (IPC's BundleRendezvous.admit says what may).
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class BundleSocket {
    let path: String
    private var socket: FileDescriptor?
    private let loop: EventLoop
    /// Datagrams dropped: not from linkd, undecodable, not a multilink
    /// link's channel, descriptors of the wrong kind.
    private(set) var dropped = 0
    /// Links that arrived here (accepted or refused by the bundle).
    private(set) var arrivals = 0
    private(set) var lastRefusal: BundleRendezvous.Refusal?
    private var buffer = [UInt8](repeating: 0, count: Wire.maxMessageSize + 1)

    /// Binds `path`; nil when a live process already owns the name (no
    /// second owner: links then reach the bundle through ncpd's own
    /// rendezvous, where it is found by name).
    static func bind(_ path: String, loop: EventLoop) throws(IPCError) -> BundleSocket? {
        switch try Rendezvous.open(path) {
        case let .owner(fd): return BundleSocket(path: path, socket: fd, loop: loop)
        case .client: return nil
        }
    }

    private init(path: String, socket: consuming FileDescriptor, loop: EventLoop) {
        self.path = path
        self.socket = .some(socket)
        self.loop = loop
    }

    /// Serves the socket: each admitted link's record and its descriptors
    /// ([channel, R]) go to `handler`, which owns them from then on.
    func serve(peers: [UInt32: Peer],
               _ handler: @escaping (ChannelRecord, ChannelMultilink, inout Descriptors) -> Void) throws(IPCError) {
        guard let raw = socket?.raw else { throw .badDescriptor }
        try loop.watch(raw) { [unowned self] _ in
            // Bounded per wake-up, as every rendezvous is: the rest waits.
            for _ in 0..<16 {
                let dg: Datagram?
                do { dg = try Socket.receive(raw, into: &self.buffer) } catch { self.dropped += 1; continue }
                guard var dg else { return }
                switch BundleRendezvous.admit(self.buffer[0..<dg.count], credentials: dg.credentials,
                                              descriptorCount: dg.descriptors.count, peers: peers) {
                case let .success((record, m)):
                    self.arrivals += 1
                    handler(record, m, &dg.descriptors)
                case let .failure(why):
                    dg.descriptors.closeAll()
                    self.dropped += 1
                    self.lastRefusal = why
                }
            }
        }
    }

    /// The bundle ended (or ncpd stops): nobody may find it any more.
    func close() {
        guard let raw = socket?.raw else { return }
        loop.unwatch(raw)
        // Unlink first: a linkd that connects now gets ENOENT and goes to
        // ncpd's rendezvous instead of a socket about to close.
        _ = unlink(path)
        socket = nil
    }

    var json: JSONObject {
        ["path": .string(path), "arrivals": .int(Int64(arrivals)), "dropped": .int(Int64(dropped)),
         "last_refusal": lastRefusal.map { .string("\($0)") } ?? .null]
    }
}
