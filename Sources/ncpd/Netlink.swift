// rtnetlink, written out by hand (no ip(8), no libnl): one NETLINK_ROUTE
// socket, requests built as nlmsghdr + family header + rtattrs in host byte
// order, each sent with NLM_F_ACK and its NLMSG_ERROR answer checked.
#if canImport(Glibc)
import Glibc
#endif
import IPC

/// linux/netlink.h, linux/rtnetlink.h, linux/if_addr.h numbers we use.
enum RTNL {
    static let newLink: UInt16 = 16, newAddress: UInt16 = 20, deleteAddress: UInt16 = 21
    static let newRoute: UInt16 = 24, deleteRoute: UInt16 = 25
    static let error: UInt16 = 2
    static let request: UInt16 = 0x1, ack: UInt16 = 0x4, exclusive: UInt16 = 0x200, create: UInt16 = 0x400
    static let linkMTU: UInt16 = 4                              // IFLA_MTU
    static let linkAFSpec: UInt16 = 26                         // IFLA_AF_SPEC
    static let inet6AddressGenMode: UInt16 = 8                 // IFLA_INET6_ADDR_GEN_MODE
    static let addressGenNone: UInt8 = 1                       // IN6_ADDR_GEN_MODE_NONE
    static let addressAddress: UInt16 = 1, addressLocal: UInt16 = 2, addressFlags: UInt16 = 8  // IFA_*
    static let addressNoDAD: UInt32 = 0x02                     // IFA_F_NODAD
    static let addressNoPrefixRoute: UInt32 = 0x200            // IFA_F_NOPREFIXROUTE
    static let routeOutputInterface: UInt16 = 4                // RTA_OIF
    static let routeGateway: UInt16 = 5, routePriority: UInt16 = 6  // RTA_GATEWAY, RTA_PRIORITY
    static let tableMain: UInt8 = 254, protocolBoot: UInt8 = 3, scopeUniverse: UInt8 = 0, typeUnicast: UInt8 = 1
    static let interfaceUp: UInt32 = 0x1                       // IFF_UP
}

/// One rtnetlink request under construction (host byte order throughout,
/// rtattrs padded to 4 octets as RTA_ALIGN does).
struct NetlinkRequest {
    private(set) var bytes: [UInt8] = []

    init(type: UInt16, flags: UInt16, sequence: UInt32) {
        put(UInt32(0)); put(type); put(flags | RTNL.request | RTNL.ack); put(sequence); put(UInt32(0))
    }

    mutating func put<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    mutating func attribute(_ type: UInt16, _ payload: [UInt8]) {
        bytes += Self.attribute(type, payload)
    }

    /// One rtattr, padded; nested attributes are these bytes as a payload.
    static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt16(4 + payload.count)) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: type) { out.append(contentsOf: $0) }
        out += payload
        while out.count % 4 != 0 { out.append(0) }
        return out
    }

    mutating func attribute<T: FixedWidthInteger>(_ type: UInt16, value: T) {
        attribute(type, withUnsafeBytes(of: value) { Array($0) })
    }

    /// The finished message with nlmsg_len filled in.
    func finished() -> [UInt8] {
        var out = bytes
        withUnsafeBytes(of: UInt32(out.count)) { for i in 0..<4 { out[i] = $0[i] } }
        return out
    }
}

/// NETLINK_ROUTE socket; every request waits for its acknowledgement.
final class Netlink {
    let fd: FileDescriptor
    private var sequence: UInt32 = 1
    private var reply = [UInt8](repeating: 0, count: 8192)

    init() throws(IPCError) {
        let raw = try Errno.check("socket(AF_NETLINK)") {
            socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */)
        }
        fd = FileDescriptor(adopting: raw)
    }

    func nextSequence() -> UInt32 {
        defer { sequence &+= 1 }
        return sequence
    }

    /// Sends and waits (at most a second) for the NLMSG_ERROR carrying our
    /// sequence number; a negative error code is thrown as that errno.
    func perform(_ request: NetlinkRequest, what: String) throws(IPCError) {
        let code = try perform([request], what: what)[0]
        if code != 0 { throw .system(call: "rtnetlink \(what)", errno: code) }
    }

    /// Issue 13: several requests in one datagram (one sendto; rtnetlink
    /// handles them in order, each acknowledged on its own), then every
    /// acknowledgement read: the errno of each request, 0 for success. A
    /// refused request does not stop the ones after it; the caller decides
    /// what each refusal means.
    func perform(_ requests: [NetlinkRequest], what: String) throws(IPCError) -> [Int32] {
        var bytes: [UInt8] = []
        for r in requests { bytes += r.finished() }
        var pending: [UInt32] = []
        var offset = 0
        for r in requests {
            pending.append(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self) })
            offset += r.bytes.count
        }
        var codes = [Int32](repeating: 0, count: requests.count)
        var answered = 0
        // struct sockaddr_nl {family, pad, pid 0 = the kernel, groups}.
        var address = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: UInt16(AF_NETLINK)) { address[0] = $0[0]; address[1] = $0[1] }
        let sent = bytes.withUnsafeBytes { b in
            address.withUnsafeBytes {
                sendto(fd.raw, b.baseAddress, b.count, 0, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), 12)
            }
        }
        guard sent == bytes.count else { throw .system(call: "sendto(netlink \(what))", errno: errno) }
        var waited = false
        for _ in 0..<(16 + requests.count) {
            // Issue 13: rtnetlink handles a request inside our sendto, so
            // its acknowledgement is normally queued before sendto returns:
            // read first, and wait in poll only when it is not there yet
            // (one syscall less per request, two or three per setup).
            if waited {
                guard try Socket.waitReadable(fd.raw, milliseconds: 1000) else { throw .timeout }
            }
            let n = reply.withUnsafeMutableBytes { recv(fd.raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { waited = true; continue }
            waited = false
            guard n >= 16 else { throw .system(call: "recv(netlink \(what))", errno: n < 0 ? errno : EPROTO) }
            for (i, seq) in pending.enumerated() where seq != 0 {
                let answer = reply.withUnsafeBytes {
                    NetlinkAcknowledgement.find(in: UnsafeRawBufferPointer(rebasing: $0[0..<n]), sequence: seq)
                }
                guard case let .answered(code) = answer else { continue }
                codes[i] = code
                pending[i] = 0  // sequence numbers start at 1: 0 is never ours
                answered += 1
            }
            if answered == requests.count { return codes }
        }
        throw .timeout
    }

    // MARK: the requests ncpd makes

    /// RTM_NEWLINK: MTU and IFF_UP on an existing interface.
    /// `kernelLinkLocal` false: first (in the same datagram) the kernel is
    /// told to make no link-local address of its own for the interface
    /// (IFLA_INET6_ADDR_GEN_MODE none), which must happen while it is
    /// down. Returns false when only that was refused (a kernel without
    /// IPv6): the link is up all the same.
    @discardableResult
    func setUp(index: Int32, mtu: UInt32, kernelLinkLocal: Bool = true) throws(IPCError) -> Bool {
        func link() -> NetlinkRequest {
            var r = NetlinkRequest(type: RTNL.newLink, flags: 0, sequence: nextSequence())
            // struct ifinfomsg: family, pad, type, index, flags, change.
            r.put(UInt8(AF_UNSPEC)); r.put(UInt8(0)); r.put(UInt16(0)); r.put(index)
            return r
        }
        var requests: [NetlinkRequest] = []
        if !kernelLinkLocal {
            var r = link()
            r.put(UInt32(0)); r.put(UInt32(0))  // no flag changes
            let mode = NetlinkRequest.attribute(RTNL.inet6AddressGenMode, [RTNL.addressGenNone])
            r.attribute(RTNL.linkAFSpec, NetlinkRequest.attribute(UInt16(AF_INET6), mode))
            requests.append(r)
        }
        var up = link()
        up.put(RTNL.interfaceUp); up.put(RTNL.interfaceUp)
        up.attribute(RTNL.linkMTU, value: mtu)
        requests.append(up)
        let codes = try perform(requests, what: "set link up, mtu \(mtu)")
        if let code = codes.last, code != 0 { throw .system(call: "rtnetlink set link up, mtu \(mtu)", errno: code) }
        return codes.first == 0
    }

    /// RTM_NEWADDR / RTM_DELADDR of a point-to-point pair: IFA_LOCAL is ours,
    /// IFA_ADDRESS the peer's, prefix the full length (a host route to the
    /// peer comes with it).
    func address(add: Bool, index: Int32, family: Int32, local: [UInt8], peer: [UInt8]) throws(IPCError) {
        var r = NetlinkRequest(type: add ? RTNL.newAddress : RTNL.deleteAddress,
                               flags: add ? RTNL.create | RTNL.exclusive : 0, sequence: nextSequence())
        // struct ifaddrmsg: family, prefixlen, flags, scope, index.
        let linkLocal = family == AF_INET6
        r.put(UInt8(family)); r.put(UInt8(local.count * 8))
        // Duplicate Address Detection means nothing on a point-to-point
        // link whose identifiers were just negotiated unique (RFC 5072 §5).
        r.put(UInt8(linkLocal ? RTNL.addressNoDAD : 0)); r.put(UInt8(linkLocal ? 253 : 0)); r.put(UInt32(bitPattern: index))
        r.attribute(RTNL.addressLocal, local)
        r.attribute(RTNL.addressAddress, peer)
        // Issue 13: no route to our own link-local /128 in the main table
        // (the local table's route delivers it; the route to the peer comes
        // from IFA_ADDRESS all the same): one IPv6 route less per unit in
        // the table the kernel walks whole when any unit comes up or
        // changes its MTU.
        if linkLocal { r.attribute(RTNL.addressFlags, value: add ? RTNL.addressNoDAD | RTNL.addressNoPrefixRoute : RTNL.addressNoDAD) }
        try perform(r, what: add ? "add address" : "delete address")
    }

    /// RTM_NEWROUTE: a default route out of the interface (pppd defaultroute,
    /// defaultroute6). Exclusive: an existing default route is not replaced.
    func defaultRoute(index: Int32, family: Int32) throws(IPCError) {
        try route(index: index, family: family, destination: [], prefixLength: 0, what: "add default route")
    }

    /// RTM_NEWROUTE: `destination`/`prefixLength` out of the interface, via
    /// `gateway` when given, with `metric` as its priority when not 0
    /// (RADIUS Framed-Route, Framed-IP-Netmask). Exclusive, like the default.
    func route(index: Int32, family: Int32, destination: [UInt8], prefixLength: UInt8, gateway: [UInt8] = [],
               metric: UInt32 = 0, what: String) throws(IPCError) {
        var r = NetlinkRequest(type: RTNL.newRoute, flags: RTNL.create | RTNL.exclusive, sequence: nextSequence())
        // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
        r.put(UInt8(family)); r.put(prefixLength); r.put(UInt8(0)); r.put(UInt8(0))
        r.put(RTNL.tableMain); r.put(RTNL.protocolBoot); r.put(RTNL.scopeUniverse); r.put(RTNL.typeUnicast)
        r.put(UInt32(0))
        if prefixLength > 0 { r.attribute(RTNL.routeDestination, destination) }
        if !gateway.isEmpty { r.attribute(RTNL.routeGateway, gateway) }
        if metric != 0 { r.attribute(RTNL.routePriority, value: metric) }
        r.attribute(RTNL.routeOutputInterface, value: index)
        try perform(r, what: what)
    }
}

extension UInt32 {
    /// Network byte order octets of a host-order IPv4 address.
    var octets: [UInt8] { [UInt8(self >> 24), UInt8(self >> 16 & 0xff), UInt8(self >> 8 & 0xff), UInt8(self & 0xff)] }
}

/// fe80::/64 plus a negotiated interface identifier (RFC 5072 §5).
func linkLocal(_ id: UInt64) -> [UInt8] {
    [0xfe, 0x80, 0, 0, 0, 0, 0, 0] + (0..<8).map { UInt8(truncatingIfNeeded: id >> (56 - 8 * UInt64($0))) }
}
