// What the bundle tests share: a BundleHost that records what the bundle
// tells it, and a bundle whose session side and links are socketpairs.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
@testable import ncpd

final class TestBundleHost: BundleHost {
    let loop: EventLoop
    let log = Log(prefix: "test", threshold: .error)
    var changes = 0
    var ended: [String] = []
    var events: [EventBody] = []
    init() throws { loop = try EventLoop() }
    func publish(_ event: EventBody) { events.append(event) }
    func bundleChanged(_ bundle: Bundle) { changes += 1 }
    func bundleEnded(_ bundle: Bundle, reason: String) { ended.append(reason) }
}

/// SOCK_SEQPACKET, non-blocking: a channel as linkd makes one.
func channelPair() -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    _ = socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
    return (fds[0], fds[1])
}

/// A bundle whose session side (`session`, the test's end) and links are
/// socketpairs; `far` are the linkd ends of its links, which the test reads
/// (or not). A host of its own unless given one.
struct BundleRig {
    let host: TestBundleHost
    let bundle: Bundle
    let session: Int32
    var far: [Int32] = []

    init(host: TestBundleHost? = nil, links: Int, mru: UInt16 = 600, weights: [UInt64]? = nil) throws {
        self.host = try host ?? TestBundleHost()
        var state = BundleRecord(peerName: "alice")
        state.localMRRU = 1500
        state.peerMRRU = 1500
        state.session = "t:1"
        let (inner, outer) = channelPair()
        session = outer
        bundle = Bundle(name: "bundle:alice:null", state: state, inner: FileDescriptor(adopting: inner), host: self.host,
                        maximumFragment: 1600)
        try bundle.start()
        for i in 0..<links {
            let (near, farEnd) = channelPair()
            far.append(farEnd)
            bundle.add(session: "t\(i):1", channel: FileDescriptor(adopting: near), peerMRU: mru, weight: weights?[i] ?? 1)
        }
    }

    func close() {
        _ = Glibc.close(session)
        far.forEach { _ = Glibc.close($0) }
    }
}
