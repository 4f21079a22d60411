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

    var buffer: [UInt8] = []
    var escaped = false
    /// Discarding until the next Flag: at start (we may have joined mid-frame)
    /// and after a giant.
    var hunting = true

    public init(receiveMap: UInt32 = 0xffff_ffff, fcs: FCSKind = .fcs16, maximumFrameLength: Int = 1500 + 8) {
        self.receiveMap = receiveMap
        self.fcs = fcs
        self.maximumFrameLength = maximumFrameLength
        buffer.reserveCapacity(maximumFrameLength)
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
        for byte in bytes {
            if byte == HDLCEncoder.flag {
                if hunting {
                    hunting = false
                } else if escaped {
                    counters.aborts += 1
                } else if let change = finish(frame) {
                    receiveMap = change.receiveMap
                    maximumFrameLength = change.maximumFrameLength
                }
                escaped = false
                buffer.removeAll(keepingCapacity: true)
                continue
            }
            if hunting { continue }
            if byte < 0x20 && receiveMap & (1 << UInt32(byte)) != 0 {
                counters.ignoredControlCharacters += 1
                continue
            }
            // RFC 1662 §4.2: "the following octet is exclusive-or'd with 0x20"
            // whatever it is (an escaped 0x5d arrives as 7d 7d).
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
            guard buffer.count < maximumFrameLength else {
                counters.giants += 1
                hunting = true
                buffer.removeAll(keepingCapacity: true)
                continue
            }
            buffer.append(octet)
        }
    }

    /// A Flag closed the frame in `buffer`.
    mutating func finish(_ frame: (ProtocolNumber, ArraySlice<UInt8>) -> Change?) -> Change? {
        // Back-to-back Flags (RFC 1662 §4.4.2 time fill) are not frames.
        if buffer.isEmpty { return nil }
        guard buffer.count >= 2 + fcs.length else {
            counters.runts += 1
            return nil
        }
        let good: Bool
        switch fcs {
        case .fcs16: good = FCS16.compute(buffer) == FCS16.good
        case .fcs32: good = FCS32.compute(buffer) == FCS32.good
        }
        guard good else {
            counters.badFCS += 1
            return nil
        }
        do {
            let (proto, information) = try FrameHeader.parse(buffer[..<(buffer.count - fcs.length)])
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
        buffer.removeAll(keepingCapacity: true)
        escaped = false
        hunting = true
    }
}
