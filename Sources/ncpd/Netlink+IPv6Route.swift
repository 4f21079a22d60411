// rtnetlink routes for IPv6 prefixes a session holds (issue 18): the /64 its
// RAs advertise and the prefixes DHCPv6 delegated to it, each out of the
// session's unit. A PPP link is point-to-point with no neighbour discovery,
// so the route names the interface only (RTA_OIF), not the peer's
// link-local address: every packet out of the unit reaches the one peer.
#if canImport(Glibc)
import Glibc
#endif
import IPC

extension RTNL {
    static let routeDestination: UInt16 = 1                    // RTA_DST
    static let replace: UInt16 = 0x100                         // NLM_F_REPLACE
    static let protocolStatic: UInt8 = 4                       // RTPROT_STATIC
}

extension Netlink {
    /// RTM_NEWROUTE (create or replace: a restarted ncpd may add a route the
    /// kernel still has) or RTM_DELROUTE of `prefix`/`length` via `index`.
    func prefixRoute(add: Bool, index: Int32, prefix: [UInt8], length: UInt8) throws(IPCError) {
        var r = NetlinkRequest(type: add ? RTNL.newRoute : RTNL.deleteRoute,
                               flags: add ? RTNL.create | RTNL.replace : 0, sequence: nextSequence())
        // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
        r.put(UInt8(AF_INET6)); r.put(length); r.put(UInt8(0)); r.put(UInt8(0))
        r.put(RTNL.tableMain); r.put(RTNL.protocolStatic); r.put(RTNL.scopeUniverse); r.put(RTNL.typeUnicast)
        r.put(UInt32(0))
        r.attribute(RTNL.routeDestination, prefix)
        r.attribute(RTNL.routeOutputInterface, value: index)
        try perform(r, what: add ? "add route" : "delete route")
    }
}

extension Netlink {
    /// RTM_NEWADDR (create or replace) / RTM_DELADDR of a global IPv6
    /// address with its prefix length: the CPE's SLAAC address on the unit
    /// and the LAN interface's address out of the delegated prefix. No DAD:
    /// the unit's identifier was negotiated unique (RFC 5072 §5), and the
    /// LAN address is in a prefix delegated to us alone (RFC 8415 §6.3).
    func globalAddress(add: Bool, index: Int32, address: [UInt8], prefixLength: UInt8) throws(IPCError) {
        var r = NetlinkRequest(type: add ? RTNL.newAddress : RTNL.deleteAddress,
                               flags: add ? RTNL.create | RTNL.replace : 0, sequence: nextSequence())
        // struct ifaddrmsg: family, prefixlen, flags, scope (universe), index.
        r.put(UInt8(AF_INET6)); r.put(prefixLength); r.put(UInt8(RTNL.addressNoDAD)); r.put(UInt8(0))
        r.put(UInt32(bitPattern: index))
        r.attribute(RTNL.addressLocal, address)
        r.attribute(RTNL.addressAddress, address)
        r.attribute(RTNL.addressFlags, value: RTNL.addressNoDAD)
        try perform(r, what: add ? "add address" : "delete address")
    }
}

extension LinuxUnits {
    func globalAddress(add: Bool, index: Int32, address: [UInt8], prefixLength: UInt8) throws(IPCError) {
        try netlink.globalAddress(add: add, index: index, address: address, prefixLength: prefixLength)
    }

    func addPrefixRoute(_ unit: Unit, prefix: [UInt8], length: UInt8) throws(IPCError) {
        try netlink.prefixRoute(add: true, index: unit.index, prefix: prefix, length: length)
    }

    func deletePrefixRoute(_ unit: Unit, prefix: [UInt8], length: UInt8) throws(IPCError) {
        try netlink.prefixRoute(add: false, index: unit.index, prefix: prefix, length: length)
    }
}
