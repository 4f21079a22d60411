// The PPP unit: one TUN interface per session (IFF_TUN | IFF_NO_PI), named
// from the config or ppp<unit>, configured through rtnetlink. Behind a
// protocol so session logic is testable without the kernel (STYLE.md seam).
#if canImport(Glibc)
import Glibc
#endif
import IPC

/// An interface created for a session. Closing `fd` destroys it, with its
/// addresses and routes (a non-persistent TUN).
final class Unit {
    let fd: FileDescriptor
    let name: String
    let index: Int32
    /// Issue 21: the virtio-net header and TUN offloads (Units+Offload.swift).
    var offload: TunOffload
    init(fd: consuming FileDescriptor, name: String, index: Int32, offload: TunOffload = .plain) {
        self.fd = fd; self.name = name; self.index = index; self.offload = offload
    }
}

/// What ncpd asks of the kernel for a unit.
protocol UnitSystem: AnyObject {
    /// `ipv6`: whether IPv6CP may run on it; when not, the kernel is told
    /// to do no IPv6 work for the unit.
    func create(name: String, mtu: UInt32, ipv6: Bool) throws(IPCError) -> Unit
    /// Issue 21: the same with the virtio-net header and TUN offloads where
    /// the kernel allows (`offload`); by default a plain unit.
    func create(name: String, mtu: UInt32, ipv6: Bool, offload: Bool) throws(IPCError) -> Unit
    /// A unit back from the fd store: how it was opened.
    func resumedOffload(_ unit: Unit) -> TunOffload
    func addIPv4(_ unit: Unit, local: UInt32, remote: UInt32) throws(IPCError)
    func deleteIPv4(_ unit: Unit, local: UInt32, remote: UInt32) throws(IPCError)
    func addIPv6(_ unit: Unit, local: UInt64, remote: UInt64) throws(IPCError)
    func deleteIPv6(_ unit: Unit, local: UInt64, remote: UInt64) throws(IPCError)
    func addDefaultRoute(_ unit: Unit, ipv6: Bool) throws(IPCError)
    /// An IPv4 route out of the unit (RADIUS Framed-Route); gateway 0 = the peer.
    func addRoute(_ unit: Unit, _ route: FramedRoute, peer: UInt32) throws(IPCError)
    /// An IPv6 prefix routed out of the unit (issue 18: a session's /64 and
    /// delegated prefixes; Netlink+IPv6Route.swift).
    func addPrefixRoute(_ unit: Unit, prefix: [UInt8], length: UInt8) throws(IPCError)
    func deletePrefixRoute(_ unit: Unit, prefix: [UInt8], length: UInt8) throws(IPCError)
    /// A global IPv6 address on the interface of `index` (the CPE role's
    /// SLAAC address on the unit, its LAN address out of a delegated prefix).
    func globalAddress(add: Bool, index: Int32, address: [UInt8], prefixLength: UInt8) throws(IPCError)
    /// Calls `then` once a unit named `name` can be created (LinuxUnits
    /// may have to wait for pppinit); by default at once.
    func reserve(_ name: String, then: @escaping () -> Void)
    /// The session of `name` ended: what was set aside for it goes.
    func release(_ name: String)
    /// The session of `unit` ended: its interface goes (closing its
    /// descriptor does that; LinuxUnits batches it).
    func retire(_ unit: Unit)
}

extension UnitSystem {
    func create(name: String, mtu: UInt32, ipv6: Bool, offload: Bool) throws(IPCError) -> Unit {
        try create(name: name, mtu: mtu, ipv6: ipv6)
    }
    func resumedOffload(_ unit: Unit) -> TunOffload { .plain }
    func reserve(_ name: String, then: @escaping () -> Void) { then() }
    func release(_ name: String) {}
    func retire(_ unit: Unit) {}
    func addPrefixRoute(_ unit: Unit, prefix: [UInt8], length: UInt8) throws(IPCError) {}
    func deletePrefixRoute(_ unit: Unit, prefix: [UInt8], length: UInt8) throws(IPCError) {}
    func globalAddress(add: Bool, index: Int32, address: [UInt8], prefixLength: UInt8) throws(IPCError) {}
}

/// The real thing: /dev/net/tun and rtnetlink (needs CAP_NET_ADMIN).
final class LinuxUnits: UnitSystem {
    let netlink: Netlink
    /// Descriptors of /dev/net/tun opened by pppinit, for systems where the
    /// node is 0600 and our uid cannot open it (kept topped up to `stockSize`
    /// in batches, TunStock).
    private var stock: [SharedDescriptor] = []
    private(set) var requested = 0
    static let stockSize = TunStock.size
    /// Asks pppinit for that many descriptors (1 to TunStock.batch) in one
    /// request; each comes to `stocked`, then `answered` closes the request.
    var requestDescriptors: ((Int) -> Void)?
    /// Requests sent and descriptors they asked for (issue 13: batches).
    private(set) var tunRequests = 0, tunRequested = 0
    var stockCount: Int { stock.count }
    /// Descriptors one request asks for: NcpdSettings.tunBatch, what our
    /// pppinit answers one tun-requested with (1 from a pppinit before it).
    var batch = 1

    /// Where a refusal the kernel gives every unit alike is said once.
    var log: Log?

    /// Ended sessions' units, deleted in batches.
    let retirement: UnitRetirement
    /// Units by offload mode (issue 21).
    var offloads = OffloadCounts()

    init(loop: EventLoop? = nil) throws(IPCError) {
        netlink = try Netlink()
        retirement = UnitRetirement(netlink: netlink, loop: loop)
    }

    func retire(_ unit: Unit) { retirement.retire(unit) }

    /// Descriptors set aside for sessions by unit name, and the sessions
    /// waiting for one, first come first served.
    private var held: [String: SharedDescriptor] = [:]
    private var waiting: [(name: String, then: () -> Void)] = []
    private var waitingFrom = 0
    /// Sessions that had to wait for a descriptor, and how many wait now.
    private(set) var waits = 0
    var waitingNow: Int { waiting.count - waitingFrom }
    /// Whether our uid can open /dev/net/tun itself (probed once; a test
    /// sets it to play a 0600 node).
    lazy var openByOurselves: Bool = {
        let probe = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
        if probe >= 0 { _ = close(probe) }
        return probe >= 0
    }()

    /// One descriptor of a reply; `answered` follows the reply's last.
    func stocked(_ fd: consuming FileDescriptor) {
        if let next = nextWaiting() {
            held[next.name] = SharedDescriptor(fd)
            next.then()
        } else if stock.count < Self.stockSize {
            stock.append(SharedDescriptor(fd))
        }
        // Else it closes here: it was asked for a session that has gone
        // since, and keeping every such answer grew the stock to thousands
        // of descriptors after a burst (2,417 left in ncpd after a swarm
        // ended, with two CPU hogs beside it).
    }

    /// A request for `asked` brought `got` (0 when pppinit refused).
    func answered(asked: Int, got: Int) {
        requested = max(0, requested - asked)
        // pppinit could not open them all: as many waiting sessions start
        // anyway and fail at their unit as they would have without the wait.
        for _ in got..<max(got, asked) { nextWaiting()?.then() }
        topUp()
    }

    private func nextWaiting() -> (name: String, then: () -> Void)? {
        guard waitingFrom < waiting.count else { return nil }
        let next = waiting[waitingFrom]
        waitingFrom += 1
        if waitingFrom == waiting.count { waiting.removeAll(keepingCapacity: true); waitingFrom = 0 }
        return next
    }

    /// Issue 13: refills by whole batches once half the stock is used (or
    /// a session waits), so a steady stream of setups costs one request
    /// per TunStock.batch units, not one each, and so does a burst (a
    /// batch asked for one waiting session serves the next seven; what
    /// comes for sessions gone since fills the stock or is closed).
    func topUp() {
        guard let request = requestDescriptors else { return }
        let want = Self.stockSize + waitingNow
        guard waitingNow > 0 || stock.count + requested <= Self.stockSize - batch else { return }
        while stock.count + requested < want {
            let n = batch
            requested += n
            tunRequests += 1
            tunRequested += n
            request(n)
        }
    }

    /// Where pppinit opens the descriptors (/dev/net/tun 0600), a session
    /// starts only once one is set aside for its unit: when thousands of
    /// sessions arrive together they outrun the stock of `stockSize`, and
    /// the unit is created synchronously when the first NCP opens. The
    /// session waits meanwhile, its peer's frames queued in its channel.
    func reserve(_ name: String, then: @escaping () -> Void) {
        if openByOurselves || held[name] != nil { then(); return }
        while let next = stock.popLast() {
            if let fd = next.take() {
                held[name] = SharedDescriptor(fd)
                topUp()
                then()
                return
            }
        }
        waiting.append((name, then))
        topUp()
        waits += 1
    }

    func release(_ name: String) {
        held[name] = nil
        // A session that ended while it waited gives up its place, so the
        // next descriptor goes to a session that still wants one.
        if let i = waiting[waitingFrom...].firstIndex(where: { $0.name == name }) {
            waiting.remove(at: i)
            if waitingFrom == waiting.count { waiting.removeAll(keepingCapacity: true); waitingFrom = 0 }
        }
    }

    /// Our own open where the node allows it (0666 on most systems), else one
    /// from pppinit's stock.
    private func openTun(for name: String) throws(IPCError) -> FileDescriptor {
        if let fd = held.removeValue(forKey: name)?.take() { return fd }
        let raw = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)
        if raw >= 0 { return FileDescriptor(adopting: raw) }
        let e = errno
        guard e == EACCES || e == EPERM else { throw .system(call: "open(/dev/net/tun)", errno: e) }
        defer { topUp() }
        while let next = stock.popLast() {
            if let fd = next.take() { return fd }
        }
        throw .system(call: "open(/dev/net/tun) (none stocked by pppinit)", errno: e)
    }

    /// A descriptor whose TUNSETIFF was refused: where pppinit opens them it
    /// goes back to the stock, first out, so the retry under another name
    /// needs no new request; where we open them ourselves it closes.
    private func giveBack(_ fd: consuming FileDescriptor) {
        guard !openByOurselves, stock.count < Self.stockSize + 1 else { return }
        stock.append(SharedDescriptor(fd))
    }

    /// linux/if_tun.h TUNSETIFF = _IOW('T', 202, int).
    static let tunSetInterface: UInt = 0x4004_54ca
    static let tunFlags: Int16 = 0x0001 | 0x1000  // IFF_TUN | IFF_NO_PI
    /// linux/sockios.h SIOCGIFINDEX (the seccomp grant names it too).
    static let getInterfaceIndex = UInt(SyscallArgument.siocGifIndex)

    func create(name: String, mtu: UInt32, ipv6: Bool) throws(IPCError) -> Unit {
        try create(name: name, mtu: mtu, ipv6: ipv6, offload: false)
    }

    func resumedOffload(_ unit: Unit) -> TunOffload { offloadOfResumed(unit.fd.raw) }

    func create(name: String, mtu: UInt32, ipv6: Bool, offload: Bool) throws(IPCError) -> Unit {
        // The interface of an ended session of that name must be gone first.
        if retirement.holds(name) { retirement.flush() }
        let fd = try openTun(for: name)
        let raw = fd.raw
        // struct ifreq: 16 octets of name, then the union (flags: short).
        var ifreq = [UInt8](repeating: 0, count: 40)
        func setInterface(_ flags: Int16) -> Int32 {
            for i in 0..<ifreq.count { ifreq[i] = 0 }
            for (i, b) in name.utf8.prefix(15).enumerated() { ifreq[i] = b }
            withUnsafeBytes(of: flags) { ifreq[16] = $0[0]; ifreq[17] = $0[1] }
            return ifreq.withUnsafeMutableBytes { ioctl(raw, Self.tunSetInterface, $0.baseAddress!) }
        }
        var mode = TunOffload.plain
        var rc = setInterface(offload ? Self.tunFlags | Self.vnetHeaderFlag : Self.tunFlags)
        if offload && rc != 0 && errno == EINVAL {
            // A kernel without the header: a plain unit, counted.
            count(mode, refused: true)
            rc = setInterface(Self.tunFlags)
        } else if offload && rc == 0 {
            mode = enableOffloads(raw)
            count(mode, refused: false)
        }
        guard rc == 0 else {
            let e = errno
            // Issue 13: the name is busy (an interface of that name still
            // attached elsewhere); the descriptor is still unattached and
            // serves the session's next name (openTun takes it back).
            if e == EBUSY { giveBack(fd) }
            throw .system(call: "ioctl(TUNSETIFF \(name))", errno: e)
        }
        let actual = String(decoding: ifreq[0..<16].prefix(while: { $0 != 0 }), as: UTF8.self)
        // SIOCGIFINDEX on the netlink socket we hold, with the name the
        // kernel wrote back: if_nametoindex(3) opens and closes a socket of
        // its own for each call, two more syscalls per unit (issue 13).
        for i in 16..<ifreq.count { ifreq[i] = 0 }
        let indexed = ifreq.withUnsafeMutableBytes { ioctl(netlink.fd.raw, Self.getInterfaceIndex, $0.baseAddress!) }
        let index = indexed == 0 ? ifreq.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: Int32.self) } : 0
        guard index > 0 else { throw .system(call: "ioctl(SIOCGIFINDEX \(actual))", errno: errno) }
        let unit = Unit(fd: fd, name: actual, index: index, offload: mode)
        if !ipv6 { disableIPv6(actual) }
        // Issue 13: with IPv6CP the link-local address is the negotiated
        // one (RFC 5072 §5), added when IPv6CP opens; the kernel's own
        // (and its fe80::/64 route, inserted beside that of every other
        // unit) is work that grew with the number of units. Told in the
        // datagram that brings the unit up, before IFF_UP.
        if try !netlink.setUp(index: index, mtu: mtu, kernelLinkLocal: !ipv6) {
            // Every unit gets the same answer from this kernel: said once.
            if linkLocalOffFailed == 0 {
                log?.warning("\(actual): the kernel keeps its own link-local address (IFLA_INET6_ADDR_GEN_MODE refused)")
            }
            linkLocalOffFailed += 1
        }
        return unit
    }

    /// Units created with the kernel's IPv6 off, and those where that failed.
    private(set) var ipv6Off = 0, ipv6OffFailed = 0
    /// IPv6 units whose kernel link-local address could not be turned off.
    private(set) var linkLocalOffFailed = 0

    /// Issue 13: a unit that comes up with IPv6 on gets a multicast route
    /// (ff00::/8) and a link-local address with its fe80::/64 route, and
    /// the kernel inserts each beside the same routes of every other unit,
    /// a cost that grew with the number of units (ncpd's CPU per new session
    /// from 1.0 ms at 1,000 units to 4.9 ms at 6,000, 91% of it there). A
    /// port without IPv6CP needs none of it, so the unit's
    /// `disable_ipv6` is set while it is still down: addrconf then skips the
    /// device when it comes up. rtnetlink's IFLA_INET6_ADDR_GEN_MODE (none)
    /// would spare only the link-local address, not the multicast route.
    /// With CAP_NET_ADMIN in the namespace the file is writable by our uid.
    /// A kernel without IPv6 has no such file and nothing to spare.
    private func disableIPv6(_ name: String) {
        let fd = open("/proc/sys/net/ipv6/conf/\(name)/disable_ipv6", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { ipv6OffFailed += 1; return }
        let one: [UInt8] = [0x31, 0x0a]
        let n = one.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        _ = close(fd)
        if n == one.count { ipv6Off += 1 } else { ipv6OffFailed += 1 }
    }

    func addIPv4(_ unit: Unit, local: UInt32, remote: UInt32) throws(IPCError) {
        try netlink.address(add: true, index: unit.index, family: AF_INET, local: local.octets, peer: remote.octets)
    }

    func deleteIPv4(_ unit: Unit, local: UInt32, remote: UInt32) throws(IPCError) {
        try netlink.address(add: false, index: unit.index, family: AF_INET, local: local.octets, peer: remote.octets)
    }

    func addIPv6(_ unit: Unit, local: UInt64, remote: UInt64) throws(IPCError) {
        try netlink.address(add: true, index: unit.index, family: AF_INET6, local: linkLocal(local), peer: linkLocal(remote))
    }

    func deleteIPv6(_ unit: Unit, local: UInt64, remote: UInt64) throws(IPCError) {
        try netlink.address(add: false, index: unit.index, family: AF_INET6, local: linkLocal(local), peer: linkLocal(remote))
    }

    func addDefaultRoute(_ unit: Unit, ipv6: Bool) throws(IPCError) {
        try netlink.defaultRoute(index: unit.index, family: ipv6 ? AF_INET6 : AF_INET)
    }

    /// RFC 2865 §5.22: gateway 0.0.0.0 is the user's address, the one
    /// neighbour of a point-to-point link: out of the interface, no gateway.
    func addRoute(_ unit: Unit, _ route: FramedRoute, peer: UInt32) throws(IPCError) {
        let gateway = route.gateway == 0 || route.gateway == peer ? [] : route.gateway.octets
        try netlink.route(index: unit.index, family: AF_INET, destination: route.destination.octets,
                          prefixLength: route.prefixLength, gateway: gateway, metric: route.metric,
                          what: "add route \(route.description)")
    }
}
