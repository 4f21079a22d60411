// RFC 1662 §4 octet-stuffed framing, receive side: takes arbitrary chunks of a
// byte stream, removes escapes and ACCM-flagged noise, checks the FCS and
// hands out complete frames; bad frames are counted and dropped, never fatal.

/// Reassembles PPP frames from an asynchronous byte stream.
public struct AsyncDeframer: Sendable {
    /// Everything the wire did wrong, by kind (STYLE.md: dropped and counted).
    public struct Counters: Equatable, Sendable {
        public var frames = 0
        public var badFCS = 0
        /// RFC 1662 §4.3: shorter than 4 octets (FCS-16) or 6 (FCS-32).
        public var runts = 0
        /// Longer than maximumFrameLength.
        public var giants = 0
        /// RFC 1662 §4.3: Control Escape immediately followed by a Flag.
        public var aborts = 0
        /// FCS good but the Address/Control/Protocol fields do not parse.
        public var badHeaders = 0
        /// RFC 1662 §4.2: unescaped octets flagged in the receive ACCM.
        public var ignoredControlCharacters = 0
        public init() {}
    }

    /// RFC 1662 §7.1: the receiving ACCM (32 bits, 0x00-0x1f).
    public var receiveMap: UInt32
    public var fcs: FCSKind
    /// Longest frame kept, counting Address, Control, Protocol, Information and
    /// FCS after unescaping. Default: a 1500-octet MRU plus 8 octets of overhead.
    public var maximumFrameLength: Int
    public private(set) var counters = Counters()

    /// The frame being received: its first `filled` octets, unescaped. The
    /// array is kept at least maximumFrameLength long and written through a
    /// pointer (an append per octet costs more than the rest of the loop).
    var buffer: [UInt8]
    var filled = 0
    /// The FCS of buffer[..<filled], kept as octets arrive so a frame is
    /// checked without a second pass; computed as `sumKind`.
    var sum: UInt32 = 0
    var sumKind = FCSKind.fcs16
    var escaped = false
    /// Discarding until the next Flag: at start (we may have joined mid-frame)
    /// and after a giant.
    var hunting = true

    public init(receiveMap: UInt32 = 0xffff_ffff, fcs: FCSKind = .fcs16, maximumFrameLength: Int = 1500 + 8) {
        self.receiveMap = receiveMap
        self.fcs = fcs
        self.maximumFrameLength = maximumFrameLength
        buffer = [UInt8](repeating: 0, count: max(0, maximumFrameLength))
    }

    /// Consumes a chunk; calls `frame` once per good frame with its Protocol
    /// and Information (a slice valid only during the call).
    public mutating func feed<C: Sequence<UInt8>>(
        _ bytes: C, frame: (ProtocolNumber, ArraySlice<UInt8>) -> Void
    ) {
        feed(bytes) { (proto, information) -> Change? in
            frame(proto, information)
            return nil
        }
    }

    /// How to read from the next octet on (RFC 1662 §7.1 ACCM, our MRU).
    public struct Change: Equatable, Sendable {
        public var receiveMap: UInt32
        public var maximumFrameLength: Int
        public init(receiveMap: UInt32, maximumFrameLength: Int) {
            self.receiveMap = receiveMap
            self.maximumFrameLength = maximumFrameLength
        }
    }

    /// As `feed`, but a frame may change how the rest of the chunk is read:
    /// the frame that completes LCP negotiation is often followed, in the
    /// same read, by the peer's first frame sent with the ACCM just agreed,
    /// whose unescaped control characters the old map would delete (a bad
    /// FCS, and a lost IPCP Configure-Request).
    public mutating func feed<C: Sequence<UInt8>>(
        _ bytes: C, applying frame: (ProtocolNumber, ArraySlice<UInt8>) -> Change?
    ) {
        // A generic loop called from another module runs unspecialised,
        // through the sequence's witness table for every octet: contiguous
        // input (every read buffer in linkd) takes the pointer loop.
        let done: Void? = bytes.withContiguousStorageIfAvailable { feed(octets: $0, applying: frame) }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { feed(octets: $0, applying: frame) }
        }
    }

    /// `feed` over octets in memory.
    public mutating func feed(
        octets bytes: UnsafeBufferPointer<UInt8>, applying frame: (ProtocolNumber, ArraySlice<UInt8>) -> Change?
    ) {
        var index = 0
        while index < bytes.count {
            let (next, sawFlag) = absorb(bytes, from: index)
            index = next
            guard sawFlag else { break }
            if hunting {
                hunting = false
            } else if escaped {
                // RFC 1662 §4.3: Control Escape then Flag aborts the frame.
                counters.aborts += 1
            } else if let change = finish(frame) {
                receiveMap = change.receiveMap
                maximumFrameLength = change.maximumFrameLength
            }
            escaped = false
            filled = 0
        }
    }

    /// Takes octets from `start` up to and including the next Flag (or the
    /// end), into the frame; returns where it stopped and whether at a Flag.
    mutating func absorb(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Int, Bool) {
        if buffer.count < maximumFrameLength {
            buffer.append(contentsOf: repeatElement(0, count: maximumFrameLength - buffer.count))
        }
        if filled == 0 || sumKind != fcs { restartSum() }
        // State in locals for the loop (no exclusive access to self in it).
        var filled = self.filled, sum = self.sum, escaped = self.escaped, hunting = self.hunting
        var ignored = 0, giants = 0
        let limit = maximumFrameLength, map = receiveMap
        let table = fcs == .fcs16 ? FCS16.wideTable : FCS32.table
        let initial = sumKind == .fcs16 ? UInt32(FCS16.initial) : FCS32.initial
        let result: (Int, Bool) = buffer.withUnsafeMutableBufferPointer { frame in
            table.withUnsafeBufferPointer { table in
                var i = start
                while i < bytes.count {
                    let byte = bytes[i]
                    i += 1
                    if byte == HDLCEncoder.flag { return (i, true) }
                    if hunting { continue }
                    // RFC 1662 §4.2: unescaped octets flagged in the receive
                    // ACCM were inserted by the link and are deleted.
                    if byte < 0x20 && map & (1 << UInt32(byte)) != 0 {
                        ignored += 1
                        continue
                    }
                    // RFC 1662 §4.2: "the following octet is exclusive-or'd
                    // with 0x20" whatever it is (an escaped 0x5d arrives as
                    // 7d 7d).
                    let octet: UInt8
                    if escaped {
                        octet = byte ^ HDLCEncoder.escapeXor
                        escaped = false
                    } else if byte == HDLCEncoder.escape {
                        escaped = true
                        continue
                    } else {
                        octet = byte
                    }
                    guard filled < limit else {
                        giants += 1
                        hunting = true
                        filled = 0
                        sum = initial
                        continue
                    }
                    frame[filled] = octet
                    filled += 1
                    sum = (sum >> 8) ^ table[Int(UInt8(truncatingIfNeeded: sum) ^ octet)]
                }
                return (i, false)
            }
        }
        self.filled = filled
        self.sum = sum
        self.escaped = escaped
        self.hunting = hunting
        counters.ignoredControlCharacters += ignored
        counters.giants += giants
        return result
    }

    /// The FCS of what is held, as the current `fcs` (also when the FCS
    /// was changed between two reads with part of a frame held).
    mutating func restartSum() {
        sumKind = fcs
        switch fcs {
        case .fcs16: sum = UInt32(FCS16.compute(buffer[..<filled]))
        case .fcs32: sum = FCS32.compute(buffer[..<filled])
        }
    }

    /// A Flag closed the frame in `buffer`.
    mutating func finish(_ frame: (ProtocolNumber, ArraySlice<UInt8>) -> Change?) -> Change? {
        // Back-to-back Flags (RFC 1662 §4.4.2 time fill) are not frames.
        if filled == 0 { return nil }
        guard filled >= 2 + fcs.length else {
            counters.runts += 1
            return nil
        }
        let good = switch sumKind {
        case .fcs16: sum == UInt32(FCS16.good)
        case .fcs32: sum == FCS32.good
        }
        guard good else {
            counters.badFCS += 1
            return nil
        }
        do {
            let (proto, information) = try FrameHeader.parse(buffer[..<(filled - fcs.length)])
            counters.frames += 1
            return frame(proto, information)
        } catch {
            counters.badHeaders += 1
            return nil
        }
    }

    /// What a reader that takes over the same byte stream needs to go on
    /// deframing it (a restarted linkd on a TCP connection from the fd
    /// store, DESIGN.md "Issue 20"): the receive ACCM, the FCS and the
    /// longest frame. The partial frame is not part of it: the bytes of it
    /// the old reader had taken off the socket are gone with that reader.
    public struct Settings: Equatable, Sendable {
        public var receiveMap: UInt32
        public var fcs: FCSKind
        public var maximumFrameLength: Int

        public init(receiveMap: UInt32, fcs: FCSKind, maximumFrameLength: Int) {
            self.receiveMap = receiveMap
            self.fcs = fcs
            self.maximumFrameLength = maximumFrameLength
        }
    }

    public var settings: Settings {
        Settings(receiveMap: receiveMap, fcs: fcs, maximumFrameLength: maximumFrameLength)
    }

    /// Takes over a stream another deframer was reading, mid-way: its
    /// settings, and hunting for the next Flag (RFC 1662 §4.3: whatever
    /// precedes it is the tail of a frame whose start went with the old
    /// reader, so at most that one frame is lost).
    public mutating func resume(_ s: Settings) {
        receiveMap = s.receiveMap
        fcs = s.fcs
        maximumFrameLength = s.maximumFrameLength
        reset()
    }

    /// Drops any partial frame and waits for the next Flag (e.g. after the
    /// link was reopened).
    public mutating func reset() {
        filled = 0
        escaped = false
        hunting = true
    }
}
