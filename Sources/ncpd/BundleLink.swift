// One member link of a bundle as ncpd sees it: its channel from linkd, what
// the fragmenter weighs (speed, MRU, backlog) and, issue 17, the frames its
// channel could not take. A SEQPACKET send that would block means linkd is
// behind (its line is full: linkd stops reading the channel while its own
// write waits, Session+Backlog). Such a frame is not dropped: it waits here,
// whole and in order, and goes on EPOLLOUT. While anything waits the link
// takes no new fragment (the bundle sends to links with room, and stops
// reading its session's side when none has any), so what waits is never
// more than one packet's fragments: `heldLimit` is a bound never reached in
// normal operation, counted (`transmit.full`) if it ever is.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

final class BundleLink {
    let session: String
    let id: UInt32
    let channel: FileDescriptor
    /// RFC 1661 §6.1: the peer's MRU on this link bounds each fragment.
    let peerMRU: UInt16
    /// The link's speed (bit/s) from linkd; 0: not known (see Bundle.transmit).
    let weight: UInt64
    var fragmentsOut = 0, fragmentsIn = 0
    /// Frames that came without an MP header (RFC 1990 §3: a member link
    /// may carry the bundle's protocols directly): passed to the session.
    var framesIn = 0
    /// The channel's backlog at the bundle's last wake-up (SIOCOUTQ: what
    /// linkd has not read yet, in the kernel's accounting, which counts each
    /// datagram's buffer and so over-states octets alike on every link), and
    /// the octets given to the link since: the queue depth the fragmenter
    /// balances.
    var backlog = 0
    var recent = 0
    /// Something arrived since the last idle tick.
    var heard = false
    /// Fragments sent on this link since the last idle tick, and whether a
    /// null fragment already followed its last data (see `sendNullFragments`).
    var sentSinceTick = 0
    var nullAfterLast = true
    var nullFragmentsOut = 0
    /// Frames lost towards linkd: `gone` (its end closed), `full` (only
    /// past `heldLimit`, which the bundle never lets happen).
    var transmit = ChannelDrops()
    /// Frames that waited for room in the channel, and how often the link
    /// was found full.
    var heldFrames = 0, blocked = 0

    /// Issue 17, receiving: a fragment read from the channel that the
    /// reassembly ring could not take yet (this link is ahead of a slower
    /// one by more than the ring holds). The channel is not read until it
    /// fits, so linkd's side fills and the link is held back instead of
    /// the ring giving up fragments still on their way. Its buffer keeps
    /// its capacity.
    private(set) var parked: [UInt8] = []
    private(set) var isParked = false
    /// Times the link was held back so.
    var parkings = 0

    func park(_ fragment: ArraySlice<UInt8>) {
        parked.removeAll(keepingCapacity: true)
        parked.append(contentsOf: fragment)
        isParked = true
        parkings += 1
    }

    func unpark() { isParked = false }

    /// What the loop should report for the channel: readable unless a
    /// fragment is parked, writable while frames wait.
    var interest: IOEvents {
        var events: IOEvents = isParked ? [] : .readable
        if !hasRoom { events.insert(.writable) }
        return events
    }

    /// Whole channel frames (Protocol then Information) waiting, in order,
    /// at `heldRanges[heldNext...]` of `held`.
    private var held: [UInt8] = []
    private var heldRanges: [Range<Int>] = []
    private var heldNext = 0
    let heldLimit: Int
    static let heldFramesLimit = 64

    init(session: String, id: UInt32, channel: consuming FileDescriptor, peerMRU: UInt16, weight: UInt64,
         heldLimit: Int) {
        self.session = session
        self.id = id
        self.channel = channel
        self.peerMRU = peerMRU
        self.weight = weight
        self.heldLimit = heldLimit
        held.reserveCapacity(heldLimit)
        heldRanges.reserveCapacity(Self.heldFramesLimit)
    }

    /// Nothing waits: the link may take new frames.
    var hasRoom: Bool { heldNext == heldRanges.count }
    /// Octets waiting here.
    var heldOctets: Int { hasRoom ? 0 : held.count - heldRanges[heldNext].lowerBound }

    /// SIOCOUTQ on our end of the channel: what linkd has not read yet.
    func readBacklog() {
        var octets: Int32 = 0
        backlog = ioctl(channel.raw, UInt(SyscallArgument.siocOutq), &octets) == 0 ? Int(octets) : 0
        recent = heldOctets
    }

    /// The queue depth the fragmenter weighs.
    var queuedOctets: Int { backlog + recent }

    /// What became of a frame offered to the link.
    enum Offer: Equatable {
        case sent, held, lost
    }

    /// Sends one frame, or holds it when the channel is full (or frames
    /// already wait, to keep the order).
    func send(protocol proto: UInt16, information: UnsafeRawBufferPointer) -> Offer {
        if hasRoom {
            let result = ChannelPump.send(channel.raw, protocol: proto, information: information)
            if case .full = result {
                blocked += 1
            } else {
                recent += 2 + information.count
                return transmit.count(result) ? .sent : .lost
            }
        }
        if hasRoom {
            held.removeAll(keepingCapacity: true)
            heldRanges.removeAll(keepingCapacity: true)
            heldNext = 0
        }
        guard heldOctets + 2 + information.count <= heldLimit, heldRanges.count < Self.heldFramesLimit else {
            transmit.full += 1
            return .lost
        }
        let start = held.count
        held.append(UInt8(proto >> 8))
        held.append(UInt8(proto & 0xff))
        held.append(contentsOf: information)
        heldRanges.append(start..<held.count)
        heldFrames += 1
        recent += 2 + information.count
        return .held
    }

    /// EPOLLOUT: sends what waits, in order, until the channel is full
    /// again. True when nothing waits any more.
    func flushHeld() -> Bool {
        while heldNext < heldRanges.count {
            let range = heldRanges[heldNext]
            let result = held.withUnsafeBytes { ChannelPump.send(channel.raw, UnsafeRawBufferPointer(rebasing: $0[range])) }
            if case .full = result { return false }
            // Gone: linkd's end closed; its hang-up removes the link next.
            transmit.count(result)
            heldNext += 1
        }
        held.removeAll(keepingCapacity: true)
        heldRanges.removeAll(keepingCapacity: true)
        heldNext = 0
        return true
    }
}
