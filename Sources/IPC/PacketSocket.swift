// AF_PACKET sockets for PPPoE (RFC 2516 §4: ETHER_TYPE 0x8863 for discovery,
// 0x8864 for sessions), thin over cshim's packet.c: one socket per
// ETHER_TYPE, bound to one interface, whole Ethernet frames in and out
// (no FCS). PacketBatch moves up to 64 frames per recvmmsg/sendmmsg through
// one buffer reused for the life of the port.
#if canImport(Glibc)
import Glibc
#endif
import CShim

/// What the interface a packet socket is bound to looks like.
public struct PacketInterface: Equatable, Sendable {
    public var name: String
    public var index: Int32
    /// The MAC address in the low 48 bits, first octet most significant.
    public var address: UInt64
    public var mtu: Int
}

/// An opened packet socket and its interface.
public struct OpenedPacketSocket: ~Copyable {
    public var descriptor: FileDescriptor
    public var interface: PacketInterface

    /// The descriptor alone, for an owner outside this module.
    public consuming func takeDescriptor() -> FileDescriptor { descriptor }
}

public enum PacketSocket {
    public static let discovery: UInt16 = 0x8863
    public static let session: UInt16 = 0x8864

    /// ppp_packet_open: socket(AF_PACKET, SOCK_RAW), bind to `interface`.
    /// Needs CAP_NET_RAW, so linkd calls it before dropping privileges.
    public static func open(interface: String, etherType: UInt16) throws(IPCError) -> OpenedPacketSocket {
        var mac = [UInt8](repeating: 0, count: 6)
        var index: Int32 = 0
        var mtu: Int32 = 0
        let fd = try Errno.check("AF_PACKET socket on \(interface)") {
            mac.withUnsafeMutableBufferPointer { ppp_packet_open(interface, etherType, $0.baseAddress, &index, &mtu) }
        }
        let address = mac.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return OpenedPacketSocket(descriptor: FileDescriptor(adopting: fd),
                                  interface: PacketInterface(name: interface, index: index, address: address, mtu: Int(mtu)))
    }

    /// ppp_packet_open_tagged: the ETH_P_ALL socket that sees VLAN-tagged
    /// PPPoE with the outermost tag in PACKET_AUXDATA (issue 13; packet.h
    /// says why no ETHER_TYPE-bound socket can). Needs CAP_NET_RAW.
    public static func openTagged(interface: String) throws(IPCError) -> OpenedPacketSocket {
        var mac = [UInt8](repeating: 0, count: 6)
        var index: Int32 = 0
        var mtu: Int32 = 0
        let fd = try Errno.check("AF_PACKET tagged socket on \(interface)") {
            mac.withUnsafeMutableBufferPointer { ppp_packet_open_tagged(interface, $0.baseAddress, &index, &mtu) }
        }
        let address = mac.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return OpenedPacketSocket(descriptor: FileDescriptor(adopting: fd),
                                  interface: PacketInterface(name: interface, index: index, address: address, mtu: Int(mtu)))
    }

    /// ppp_packet_drop_otherhost: an ETHER_TYPE-bound socket no longer gets
    /// frames for other stations, nor tagged frames the kernel untagged.
    public static func dropOtherHost(_ fd: Int32) throws(IPCError) {
        _ = try Errno.check("SO_ATTACH_FILTER") { ppp_packet_drop_otherhost(fd) }
    }

    /// ppp_packet_info: the interface a socket from `open` is bound to (for
    /// one that came back from the fd store). `name` is what the caller
    /// configured; the kernel reports only the index.
    public static func interface(of fd: Int32, name: String) throws(IPCError) -> PacketInterface {
        var mac = [UInt8](repeating: 0, count: 6)
        var index: Int32 = 0
        var mtu: Int32 = 0
        _ = try Errno.check("AF_PACKET socket info (\(name))") {
            mac.withUnsafeMutableBufferPointer { ppp_packet_info(fd, $0.baseAddress, &index, &mtu) }
        }
        let address = mac.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return PacketInterface(name: name, index: index, address: address, mtu: Int(mtu))
    }

    /// SIOCGIFMTU: the interface's MTU now (RFC 4638 needs 1508 for a 1500-octet PPP payload).
    public static func mtu(of interface: String) throws(IPCError) -> Int {
        Int(try Errno.check("SIOCGIFMTU \(interface)") { ppp_interface_mtu(interface) })
    }

    /// send(2) of one whole frame, the first `count` octets of `frame`.
    /// false: the socket's queue is full (EAGAIN); the frame was not sent.
    public static func send(_ fd: Int32, _ frame: [UInt8], count: Int? = nil) throws(IPCError) -> Bool {
        let n = count ?? frame.count
        precondition(n <= frame.count)
        return try Errno.retrying("send") {
            frame.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, n, Int32(MSG_DONTWAIT)) }
        } != nil
    }

    /// recv(2) of one frame into `buffer`. nil: nothing waiting. A frame longer
    /// than the buffer returns 0 (MSG_TRUNC) for the caller to drop and count.
    public static func receive(_ fd: Int32, into buffer: inout [UInt8]) throws(IPCError) -> Int? {
        let n = try Errno.retrying("recv") {
            buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_TRUNC)) }
        }
        guard let n else { return nil }
        return n > buffer.count ? 0 : n
    }
}

/// Up to 64 frames per system call through one reusable buffer of slots.
public struct PacketBatch {
    public let slotSize: Int
    public let capacity: Int
    /// `capacity` slots of `slotSize` octets; slot i starts at i * slotSize.
    public private(set) var storage: [UInt8]
    public private(set) var lengths: [Int]
    /// Where each frame starts in its slot (past tags taken out in place).
    private var starts: [Int]
    /// Per slot: `controlSize` octets of control messages and how many
    /// the kernel wrote (receiveWithControl only).
    public let controlSize: Int
    private var control: [UInt8]
    private var controlLengths: [Int]
    /// Frames held: received by the last `receive`, or queued for `flush`.
    public private(set) var count = 0

    /// Slots of 1536 octets hold any frame of a 1518-octet MTU interface.
    public init(slotSize: Int = 1536, capacity: Int = 32, controlSize: Int = 0) {
        precondition(capacity > 0 && capacity <= Int(PPP_PACKET_BATCH_MAX))
        self.slotSize = slotSize
        self.capacity = capacity
        storage = [UInt8](repeating: 0, count: slotSize * capacity)
        lengths = [Int](repeating: 0, count: capacity)
        starts = [Int](repeating: 0, count: capacity)
        self.controlSize = controlSize
        control = [UInt8](repeating: 0, count: controlSize * capacity)
        controlLengths = [Int](repeating: 0, count: capacity)
    }

    /// recvmmsg with a control buffer per slot (PACKET_AUXDATA).
    public mutating func receiveWithControl(from fd: Int32) throws(IPCError) -> Int {
        precondition(controlSize > 0)
        return try receive(from: fd, withControl: true)
    }

    /// Frame i's control messages; empty when truncated (MSG_CTRUNC).
    public func controlMessages(_ i: Int) -> ArraySlice<UInt8> {
        precondition(i < count)
        return control[(i * controlSize)..<(i * controlSize + controlLengths[i])]
    }

    /// Takes `octets` out of frame i at `offset` (from the frame's start)
    /// in place, by moving what is before them forward: a VLAN tag between
    /// the addresses and the ETHER_TYPE. false when the frame is too short.
    public mutating func remove(_ octets: Int, at offset: Int, inFrame i: Int) -> Bool {
        precondition(i < count)
        guard lengths[i] - starts[i] >= offset + octets else { return false }
        let base = i * slotSize + starts[i]
        storage.withUnsafeMutableBufferPointer { s in
            var k = offset - 1
            while k >= 0 { s[base + k + octets] = s[base + k]; k -= 1 }
        }
        starts[i] += octets
        return true
    }

    /// recvmmsg: replaces the batch with what is waiting (0 when nothing).
    public mutating func receive(from fd: Int32) throws(IPCError) -> Int {
        try receive(from: fd, withControl: false)
    }

    /// CShim's ppp_recv_batch, shared with the mux (MuxEndpoint): slot i
    /// at i * slotSize, the whole slot its room.
    private mutating func receive(from fd: Int32, withControl: Bool) throws(IPCError) -> Int {
        let slot = slotSize, cap = capacity, cs = controlSize
        let got = try Errno.retrying("recvmmsg") {
            storage.withUnsafeMutableBufferPointer { s in
                lengths.withUnsafeMutableBufferPointer { l in
                    control.withUnsafeMutableBufferPointer { c in
                        controlLengths.withUnsafeMutableBufferPointer { cl in
                            ppp_recv_batch(fd, s.baseAddress, slot, slot, UInt32(cap), l.baseAddress,
                                           withControl ? c.baseAddress : nil, cs, cl.baseAddress)
                        }
                    }
                }
            }
        }
        count = Int(got ?? 0)
        for i in 0..<count {
            starts[i] = 0
            // PPP_RECV_TRUNCATED (longer than a slot) reads as 0 here: an
            // empty frame, dropped by the caller.
            if lengths[i] < 0 { lengths[i] = 0 }
        }
        return count
    }

    /// Frame i of the batch; empty when it was truncated (longer than a slot).
    public func frame(_ i: Int) -> ArraySlice<UInt8> {
        precondition(i < count)
        guard lengths[i] > 0 else { return storage[(i * slotSize)..<(i * slotSize)] }
        return storage[(i * slotSize + starts[i])..<(i * slotSize + lengths[i])]
    }

    /// Queues a frame for `flush`. false: the batch is full, or the frame
    /// does not fit a slot.
    public mutating func enqueue<C: Collection<UInt8>>(_ frame: C) -> Bool {
        guard count < capacity, frame.count <= slotSize else { return false }
        let start = count * slotSize, length = frame.count
        // Called from linkd this generic runs unspecialised, where
        // replaceSubrange with C goes octet by octet: contiguous frames are
        // copied with one memcpy.
        let copied: Void? = frame.withContiguousStorageIfAvailable { source in
            storage.withUnsafeMutableBytes { slots in
                UnsafeMutableRawBufferPointer(rebasing: slots[start..<(start + length)])
                    .copyMemory(from: UnsafeRawBufferPointer(source))
            }
        }
        if copied == nil { storage.replaceSubrange(start..<(start + length), with: frame) }
        lengths[count] = length
        starts[count] = 0
        count += 1
        return true
    }

    /// sendmmsg of the queued frames. Returns how many went out; those that
    /// did not (EAGAIN, a full queue) stay queued, first in line.
    public mutating func flush(to fd: Int32) throws(IPCError) -> Int {
        guard count > 0 else { return 0 }
        let slot = slotSize, n = count
        let sent = Int(try Errno.retrying("sendmmsg") {
            storage.withUnsafeBufferPointer { s in
                lengths.withUnsafeBufferPointer { l in
                    ppp_packet_send_batch(fd, s.baseAddress, slot, UInt32(n), l.baseAddress)
                }
            }
        } ?? 0)
        if sent > 0 && sent < count {
            for i in sent..<count {
                let from = i * slotSize, to = (i - sent) * slotSize
                storage.withUnsafeMutableBufferPointer { s in
                    for k in 0..<lengths[i] { s[to + k] = s[from + k] }
                }
                lengths[i - sent] = lengths[i]
            }
        }
        count -= sent
        return sent
    }

    /// Drops everything held.
    public mutating func removeAll() { count = 0 }
}
