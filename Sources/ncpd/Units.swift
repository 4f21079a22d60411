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
    init(fd: consuming FileDescriptor, name: String, index: Int32) {
        self.fd = fd; self.name = name; self.index = index
    }
}

/// What ncpd asks of the kernel for a unit.
protocol UnitSystem: AnyObject {
    func create(name: String, mtu: UInt32) throws(IPCError) -> Unit
    func addIPv4(_ unit: Unit, local: UInt32, remote: UInt32) throws(IPCError)
    func deleteIPv4(_ unit: Unit, local: UInt32, remote: UInt32) throws(IPCError)
    func addIPv6(_ unit: Unit, local: UInt64, remote: UInt64) throws(IPCError)
    func deleteIPv6(_ unit: Unit, local: UInt64, remote: UInt64) throws(IPCError)
    func addDefaultRoute(_ unit: Unit, ipv6: Bool) throws(IPCError)
}

/// The real thing: /dev/net/tun and rtnetlink (needs CAP_NET_ADMIN).
final class LinuxUnits: UnitSystem {
    let netlink: Netlink
    /// Descriptors of /dev/net/tun opened by pppinit, for systems where the
    /// node is 0600 and our uid cannot open it (kept topped up to `stockSize`).
    private var stock: [SharedDescriptor] = []
    private var requested = 0
    static let stockSize = 8
    /// Asks pppinit for one more descriptor; the answer comes to `stocked`.
    var requestDescriptor: (() -> Void)?

    init() throws(IPCError) { netlink = try Netlink() }

    func stocked(_ fd: consuming FileDescriptor) {
        requested = max(0, requested - 1)
        stock.append(SharedDescriptor(fd))
    }

    func requestFailed() { requested = max(0, requested - 1) }

    func topUp() {
        guard let request = requestDescriptor else { return }
        while stock.count + requested < Self.stockSize {
            requested += 1
            request()
        }
    }

    /// Our own open where the node allows it (0666 on most systems), else one
    /// from pppinit's stock.
    private func openTun() throws(IPCError) -> FileDescriptor {
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

    /// linux/if_tun.h TUNSETIFF = _IOW('T', 202, int).
    static let tunSetInterface: UInt = 0x4004_54ca
    static let tunFlags: Int16 = 0x0001 | 0x1000  // IFF_TUN | IFF_NO_PI

    func create(name: String, mtu: UInt32) throws(IPCError) -> Unit {
        let fd = try openTun()
        let raw = fd.raw
        // struct ifreq: 16 octets of name, then the union (flags: short).
        var ifreq = [UInt8](repeating: 0, count: 40)
        for (i, b) in name.utf8.prefix(15).enumerated() { ifreq[i] = b }
        withUnsafeBytes(of: Self.tunFlags) { ifreq[16] = $0[0]; ifreq[17] = $0[1] }
        let rc = ifreq.withUnsafeMutableBytes { ioctl(raw, Self.tunSetInterface, $0.baseAddress!) }
        guard rc == 0 else { throw .system(call: "ioctl(TUNSETIFF \(name))", errno: errno) }
        let actual = String(decoding: ifreq[0..<16].prefix(while: { $0 != 0 }), as: UTF8.self)
        let index = Int32(bitPattern: if_nametoindex(actual))
        guard index > 0 else { throw .system(call: "if_nametoindex(\(actual))", errno: errno) }
        let unit = Unit(fd: fd, name: actual, index: index)
        try netlink.setUp(index: index, mtu: mtu)
        return unit
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
}
