// Issue 21: TUN offloads. A unit opened with IFF_VNET_HDR puts a 10-octet
// virtio-net header in front of every packet read or written; with
// TUNSETOFFLOAD the kernel may then hand us one TCP (TSO) or UDP (USO)
// super-packet of up to 64 KiB with a partial checksum instead of ~44
// MTU-sized packets, and take one back the same way (GRO). linkd segments
// and coalesces at the wire; ncpd only moves them. What the kernel refuses
// is stepped down one offload at a time (USO came with Linux 6.2, TSO needs
// the checksum offload); a kernel that refuses the header itself gets a
// plain unit. All of it is counted for ncpd's status.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPP

/// How a unit's descriptor was opened.
struct TunOffload: Equatable {
    /// IFF_VNET_HDR: every read and write carries a virtio-net header.
    var header = false
    /// The TUN_F_* flags the kernel took (0: none).
    var flags: UInt32 = 0

    static let plain = TunOffload()

    /// linux/if_tun.h.
    static let csum: UInt32 = 0x01, tso4: UInt32 = 0x02, tso6: UInt32 = 0x04
    static let uso4: UInt32 = 0x20, uso6: UInt32 = 0x40

    /// What is asked first, and each step down after EINVAL.
    static let ladder: [UInt32] = [csum | tso4 | tso6 | uso4 | uso6, csum | tso4 | tso6, csum]

    /// The kernel may hand us super-packets or partial checksums.
    var sendsSuperPackets: Bool { header && flags != 0 }

    var description: String {
        guard header else { return "plain" }
        var names: [String] = []
        if flags & Self.csum != 0 { names.append("csum") }
        if flags & Self.tso4 != 0 { names.append("tso4") }
        if flags & Self.tso6 != 0 { names.append("tso6") }
        if flags & Self.uso4 != 0 { names.append("uso4") }
        if flags & Self.uso6 != 0 { names.append("uso6") }
        return names.isEmpty ? "vnet-header" : names.joined(separator: ",")
    }
}

/// Units by how they came up (ncpd status).
struct OffloadCounts {
    var withOffloads = 0, headerOnly = 0, headerRefused = 0
    var lastFlags: UInt32 = 0
}

extension LinuxUnits {
    /// linux/if_tun.h: IFF_VNET_HDR, TUNSETOFFLOAD = _IOW('T', 208, unsigned
    /// int), TUNSETVNETHDRSZ = _IOW('T', 216, int), TUNGETIFF = _IOR('T', 210,
    /// unsigned int).
    static let vnetHeaderFlag: Int16 = 0x4000
    static let tunSetOffload: UInt = 0x4004_54d0
    static let tunSetVnetHeaderSize: UInt = 0x4004_54d8
    static let tunGetInterface: UInt = 0x8004_54d2

    /// After TUNSETIFF with IFF_VNET_HDR: the header size pinned to 10 (the
    /// channel's super-packet carries exactly that, and it is the kernel's
    /// default, so a refusal leaves it so), then the offloads down the ladder.
    func enableOffloads(_ fd: Int32) -> TunOffload {
        var size: Int32 = Int32(ChannelFrame.virtioHeaderLength)
        _ = ioctl(fd, Self.tunSetVnetHeaderSize, &size)
        for flags in TunOffload.ladder {
            if ppp_ioctl_value(fd, Self.tunSetOffload, UInt(flags)) == 0 { return TunOffload(header: true, flags: flags) }
            guard errno == EINVAL else { break }
        }
        _ = ppp_ioctl_value(fd, Self.tunSetOffload, 0)
        return TunOffload(header: true, flags: 0)
    }

    /// A unit back from the fd store after a restart: whether it was opened
    /// with the header (TUNGETIFF tells), and the offloads set again (the
    /// same ladder, so the same answer; setting them twice changes nothing).
    func offloadOfResumed(_ fd: Int32) -> TunOffload {
        var ifreq = [UInt8](repeating: 0, count: 40)
        let rc = ifreq.withUnsafeMutableBytes { ioctl(fd, Self.tunGetInterface, $0.baseAddress!) }
        guard rc == 0 else { return .plain }
        let flags = Int16(ifreq[16]) | Int16(ifreq[17]) << 8
        guard flags & Self.vnetHeaderFlag != 0 else { return .plain }
        return enableOffloads(fd)
    }

    func count(_ o: TunOffload, refused: Bool) {
        if refused { offloads.headerRefused += 1; return }
        guard o.header else { return }
        if o.flags != 0 { offloads.withOffloads += 1 } else { offloads.headerOnly += 1 }
        offloads.lastFlags = o.flags
    }
}
