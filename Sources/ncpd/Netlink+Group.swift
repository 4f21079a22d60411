// Deleting many units in one go. Closing a TUN descriptor unregisters its
// interface alone, and every unregistration waits for an RCU grace period
// (about 18 ms each on the test machine, in ncpd's loop): 4,000 sessions
// ending together would stall ncpd for over a minute. RTM_DELLINK with no
// index and IFLA_GROUP deletes every interface of that group in one
// unregister_netdevice_many, one grace period for the lot (rtnetlink.c
// rtnl_group_dellink). So a retiring unit is moved to a group of its own
// first (RTM_NEWLINK with IFLA_GROUP), and the group is deleted in batches.
#if canImport(Glibc)
import Glibc
#endif
import IPC

extension RTNL {
    static let deleteLink: UInt16 = 17  // RTM_DELLINK
    static let linkGroup: UInt16 = 27   // IFLA_GROUP
}

extension Netlink {
    /// RTM_NEWLINK: puts the interface in `group`.
    func setGroup(index: Int32, group: UInt32) throws(IPCError) {
        var r = NetlinkRequest(type: RTNL.newLink, flags: 0, sequence: nextSequence())
        // struct ifinfomsg: family, pad, type, index, flags, change (none).
        r.put(UInt8(AF_UNSPEC)); r.put(UInt8(0)); r.put(UInt16(0)); r.put(index)
        r.put(UInt32(0)); r.put(UInt32(0))
        r.attribute(RTNL.linkGroup, value: group)
        try perform(r, what: "set link group \(group)")
    }

    /// RTM_DELLINK of every interface in `group` (index 0: by group).
    func deleteGroup(_ group: UInt32) throws(IPCError) {
        var r = NetlinkRequest(type: RTNL.deleteLink, flags: 0, sequence: nextSequence())
        r.put(UInt8(AF_UNSPEC)); r.put(UInt8(0)); r.put(UInt16(0)); r.put(Int32(0))
        r.put(UInt32(0)); r.put(UInt32(0))
        r.attribute(RTNL.linkGroup, value: group)
        try perform(r, what: "delete link group \(group)")
    }
}
