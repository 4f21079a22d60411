// RFC 1990 §3-§4: the bundle's send side. A packet is split across the
// member links in proportion to their speed, taking account of what each
// already has queued, each fragment sized to its link's MRU; sequence
// numbers run on across packets (§4.1). Output goes into caller buffers.

/// A member link as the sender sees it when a packet is to go out.
public struct MultilinkMember: Equatable, Sendable {
    /// The owner's identifier for the link (echoed in each fragment).
    public var link: UInt32
    /// RFC 1661 §6.1: the peer's MRU on this link, which bounds the MP
    /// header plus fragment data.
    public var mru: Int
    /// Relative speed (bit/s, say); 0 leaves the link out.
    public var weight: UInt64
    /// Octets already waiting to be sent on the link (queue depth).
    public var queuedOctets: Int

    public init(link: UInt32, mru: Int, weight: UInt64, queuedOctets: Int = 0) {
        self.link = link
        self.mru = mru
        self.weight = weight
        self.queuedOctets = queuedOctets
    }
}

/// One fragment written by the fragmenter: header and data at `range` of
/// the output buffer, to be sent as protocol 0x003d on `link`.
public struct MultilinkFragment: Equatable, Sendable {
    public var link: UInt32
    public var range: Range<Int>
}

/// Why a packet could not be fragmented (dropped and counted by the owner).
public enum MultilinkSendError: Error, Equatable, Sendable {
    /// No member link has a weight and an MRU above the header.
    case noUsableLink
    /// RFC 1990 §5.1.1: longer than the MRRU the peer offered.
    case exceedsMRRU(length: Int, mrru: Int)
}

/// The sending half of a bundle, a value holding the next sequence number.
public struct MultilinkFragmenter: Sendable {
    public let format: MultilinkSequenceFormat
    /// RFC 1990 §4.1: zero on a new bundle; carried over a restart.
    public private(set) var nextSequence: UInt32
    /// RFC 1990 §5.1.1: the peer's MRRU bounds the Information field of the
    /// packets we send over the bundle.
    public let peerMRRU: Int
    /// Packets up to this long go whole on one link; longer ones are not
    /// cut into pieces smaller than this (headers would outweigh data).
    public var minimumFragment = 128
    /// Per-member shares of the packet being split; its capacity is kept.
    var shares: [Int] = []

    public init(format: MultilinkSequenceFormat, peerMRRU: UInt16, nextSequence: UInt32 = 0) {
        self.format = format
        self.peerMRRU = Int(peerMRRU)
        self.nextSequence = nextSequence & format.sequenceMask
        shares.reserveCapacity(32)
    }

    /// Splits `packet` (Protocol then Information; RFC 1990 §3: never the
    /// Address and Control fields) across `members`, writing each fragment's
    /// MP header and data into `output` and describing it in `fragments`;
    /// both are replaced and keep their capacity, so a caller that reuses
    /// them allocates nothing per packet once they have grown.
    public mutating func fragment(_ packet: ArraySlice<UInt8>, across members: [MultilinkMember],
                                  into output: inout [UInt8],
                                  fragments: inout [MultilinkFragment]) throws(MultilinkSendError) {
        output.removeAll(keepingCapacity: true)
        fragments.removeAll(keepingCapacity: true)
        // The Protocol field is not part of the Information field MRRU bounds.
        guard packet.count - 2 <= peerMRRU else {
            throw .exceedsMRRU(length: packet.count - 2, mrru: peerMRRU)
        }
        let header = format.headerLength
        shares.removeAll(keepingCapacity: true)
        for m in members { shares.append(m.weight > 0 && m.mru > header ? 0 : -1) }
        guard shares.contains(0) else { throw .noUsableLink }
        if packet.count <= minimumFragment {
            shares[soonestIdle(members, adding: packet.count)] = packet.count
        } else {
            share(packet.count, among: members)
        }
        var offset = packet.startIndex
        for (i, m) in members.enumerated() where shares[i] > 0 {
            // Cut this link's share into as few fragments as its MRU allows,
            // of nearly equal size.
            let room = m.mru - header
            let pieces = (shares[i] + room - 1) / room
            var left = shares[i]
            for p in 0..<pieces {
                let size = left / (pieces - p)
                let start = output.count
                let h = MultilinkHeader(begin: offset == packet.startIndex,
                                        end: offset + size == packet.endIndex, sequence: nextSequence)
                output.append(contentsOf: repeatElement(0, count: header))
                h.write(into: &output, at: start, format: format)
                output.append(contentsOf: packet[offset..<(offset + size)])
                fragments.append(MultilinkFragment(link: m.link, range: start..<output.count))
                nextSequence = (nextSequence &+ 1) & format.sequenceMask
                offset += size
                left -= size
            }
        }
    }

    /// RFC 1990 §4.1: a null fragment (B and E, no data) for a link that
    /// would otherwise go idle after an (E)nding fragment, so the peer's M
    /// moves on. Replaces `output`, keeping its capacity.
    public mutating func nullFragment(into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: repeatElement(0, count: format.headerLength))
        MultilinkHeader(begin: true, end: true, sequence: nextSequence).write(into: &output, at: 0, format: format)
        nextSequence = (nextSequence &+ 1) & format.sequenceMask
    }

    /// The usable link that would finish sending `length` more octets first.
    func soonestIdle(_ members: [MultilinkMember], adding length: Int) -> Int {
        var best = -1
        var bestTime = Double.infinity
        for (i, m) in members.enumerated() where shares[i] == 0 {
            let time = Double(m.queuedOctets + length) / Double(m.weight)
            if time < bestTime { best = i; bestTime = time }
        }
        return best
    }

    /// Water-filling: every link that takes part ends its queue at the same
    /// moment, so a link's share is speed × finish time − what it has queued
    /// (RFC 1990 §3 "divide the packets into segments proportion to the
    /// transmission rates"). Links that are already busy past that moment,
    /// or whose share would be below `minimumFragment`, are left out and the
    /// rest recomputed; at least one link always remains.
    mutating func share(_ length: Int, among members: [MultilinkMember]) {
        while true {
            var octets = Double(length)
            var speed = 0.0
            for (i, m) in members.enumerated() where shares[i] >= 0 {
                octets += Double(m.queuedOctets)
                speed += Double(m.weight)
            }
            let finish = octets / speed
            var assigned = 0
            var largest = -1
            var excluded = false
            for (i, m) in members.enumerated() where shares[i] >= 0 {
                let s = Int(finish * Double(m.weight)) - m.queuedOctets
                shares[i] = max(s, 0)
                assigned += shares[i]
                if largest < 0 || shares[i] > shares[largest] { largest = i }
            }
            let active = shares.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
            if active > 1 {
                // Drop the smallest share that is too small, then recompute.
                var smallest = -1
                for i in shares.indices where shares[i] >= 0 && shares[i] < minimumFragment {
                    if smallest < 0 || shares[i] < shares[smallest] { smallest = i }
                }
                if smallest >= 0 {
                    shares[smallest] = -1
                    excluded = true
                }
            }
            if excluded {
                for i in shares.indices where shares[i] > 0 { shares[i] = 0 }
                continue
            }
            // Rounding leaves a few octets; the largest share takes them.
            shares[largest] += length - assigned
            return
        }
    }
}
