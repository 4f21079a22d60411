// The L2TP header shared by control and data messages (RFC 2661 §3.1):
// T, L, S, O and P bits, Ver 2, optional Length, Tunnel and Session ID,
// optional Ns/Nr and optional Offset Size with its padding. Parsing never
// allocates, so linkd can use it on every data datagram.

public struct L2TPHeader: Equatable, Sendable {
    /// §3.1 flag bits of the first 16-bit word.
    public static let typeBit: UInt16 = 0x8000
    public static let lengthBit: UInt16 = 0x4000
    public static let sequenceBit: UInt16 = 0x0800
    public static let offsetBit: UInt16 = 0x0200
    public static let priorityBit: UInt16 = 0x0100
    public static let version: UInt16 = 2
    /// A control header: flags, Length, Tunnel ID, Session ID, Ns, Nr.
    public static let controlLength = 12
    /// The longest header we write on data: flags, Length, ids, Ns, Nr.
    public static let maximumDataLength = 12

    /// T: a control message (1) or a data message (0).
    public var isControl: Bool
    /// L: the Length field is present (always on control, §3.1).
    public var hasLength: Bool
    /// P: a data message to be queued ahead of others (§3.1).
    public var priority: Bool
    public var tunnelID: UInt16
    public var sessionID: UInt16
    /// S: Ns and Nr present; nil when absent (data only).
    public var ns: UInt16?
    public var nr: UInt16?
    /// O: the Offset Size field (its padding is skipped, §3.1).
    public var offsetSize: UInt16?
    /// Where the payload (control: the AVPs) starts, relative to the header's start.
    public var payloadOffset: Int
    /// The datagram's total length (the Length field, or the datagram's size).
    public var length: Int

    /// A control header (§3.1: T, L and S set; O and P clear).
    public static func control(tunnelID: UInt16, sessionID: UInt16, ns: UInt16, nr: UInt16, length: Int) -> L2TPHeader {
        L2TPHeader(isControl: true, hasLength: true, priority: false, tunnelID: tunnelID, sessionID: sessionID,
                   ns: ns, nr: nr, offsetSize: nil, payloadOffset: controlLength, length: length)
    }

    public var payloadLength: Int { length - payloadOffset }

    /// Parses the header at the start of `datagram`. A control header must
    /// have L and S and neither O nor P; its Length, like a data header's
    /// when L is set, must equal the datagram's size (a UDP datagram carries
    /// exactly one message, §8.1).
    public init(parsing datagram: ArraySlice<UInt8>) throws(L2TPError) {
        let start = datagram.startIndex
        let available = datagram.count
        guard available >= 6 else { throw .truncated(needed: 6, available: available) }
        let flags = NetworkOrder.uint16(datagram, at: start)
        let ver = UInt8(flags & 0x000f)
        guard UInt16(ver) == Self.version else { throw .badVersion(ver) }
        isControl = flags & Self.typeBit != 0
        hasLength = flags & Self.lengthBit != 0
        priority = flags & Self.priorityBit != 0
        let sequenced = flags & Self.sequenceBit != 0
        let hasOffset = flags & Self.offsetBit != 0
        if isControl && (!hasLength || !sequenced || hasOffset || priority) { throw .badControlFlags(flags) }
        var needed = 6 + (hasLength ? 2 : 0) + (sequenced ? 4 : 0) + (hasOffset ? 2 : 0)
        guard available >= needed else { throw .truncated(needed: needed, available: available) }
        var index = start + 2
        if hasLength {
            let declared = Int(NetworkOrder.uint16(datagram, at: index))
            guard declared == available else { throw .lengthMismatch(declared: declared, available: available) }
            index += 2
        }
        length = available
        tunnelID = NetworkOrder.uint16(datagram, at: index)
        sessionID = NetworkOrder.uint16(datagram, at: index + 2)
        index += 4
        if sequenced {
            ns = NetworkOrder.uint16(datagram, at: index)
            nr = NetworkOrder.uint16(datagram, at: index + 2)
            index += 4
        } else {
            ns = nil
            nr = nil
        }
        if hasOffset {
            let size = NetworkOrder.uint16(datagram, at: index)
            index += 2
            needed += Int(size)
            guard available >= needed else { throw .badOffset(Int(size)) }
            offsetSize = size
            index += Int(size)
        } else {
            offsetSize = nil
        }
        payloadOffset = index - start
    }

    public init(parsing datagram: [UInt8]) throws(L2TPError) { try self.init(parsing: datagram[...]) }

    public init(isControl: Bool, hasLength: Bool, priority: Bool, tunnelID: UInt16, sessionID: UInt16,
                ns: UInt16?, nr: UInt16?, offsetSize: UInt16?, payloadOffset: Int, length: Int) {
        self.isControl = isControl; self.hasLength = hasLength; self.priority = priority
        self.tunnelID = tunnelID; self.sessionID = sessionID; self.ns = ns; self.nr = nr
        self.offsetSize = offsetSize; self.payloadOffset = payloadOffset; self.length = length
    }

    /// The flags word this header encodes to; reserved bits are 0 (§3.1).
    public var flags: UInt16 {
        var f = Self.version
        if isControl { f |= Self.typeBit }
        if hasLength { f |= Self.lengthBit }
        if ns != nil { f |= Self.sequenceBit }
        if offsetSize != nil { f |= Self.offsetBit }
        if priority { f |= Self.priorityBit }
        return f
    }

    /// The header's own octets (offset padding written as zeros).
    public var headerLength: Int {
        6 + (hasLength ? 2 : 0) + (ns != nil ? 4 : 0) + (offsetSize.map { 2 + Int($0) } ?? 0)
    }

    /// Appends the header; `length` is written into the Length field as is.
    public func append(to bytes: inout [UInt8]) {
        NetworkOrder.append(flags, to: &bytes)
        if hasLength { NetworkOrder.append(UInt16(truncatingIfNeeded: length), to: &bytes) }
        NetworkOrder.append(tunnelID, to: &bytes)
        NetworkOrder.append(sessionID, to: &bytes)
        if let ns, let nr {
            NetworkOrder.append(ns, to: &bytes)
            NetworkOrder.append(nr, to: &bytes)
        }
        if let offsetSize {
            NetworkOrder.append(offsetSize, to: &bytes)
            bytes.append(contentsOf: repeatElement(0, count: Int(offsetSize)))
        }
    }

    /// Writes a data header into `buffer` ending just before `payloadStart`,
    /// so linkd can build a data message in place in a buffer with headroom
    /// and no allocation. Returns the index the message starts at.
    /// §3.1: L set so a peer can check the length; S when sequencing.
    public static func writeData(into buffer: inout [UInt8], payloadStart: Int, payloadLength: Int,
                                 tunnelID: UInt16, sessionID: UInt16, ns: UInt16?) -> Int {
        let headerLength = ns == nil ? 8 : 12
        precondition(payloadStart >= headerLength, "no headroom for the L2TP header")
        let start = payloadStart - headerLength
        let total = headerLength + payloadLength
        var flags = version | lengthBit
        if ns != nil { flags |= sequenceBit }
        NetworkOrder.write(flags, into: &buffer, at: start)
        NetworkOrder.write(UInt16(truncatingIfNeeded: total), into: &buffer, at: start + 2)
        NetworkOrder.write(tunnelID, into: &buffer, at: start + 4)
        NetworkOrder.write(sessionID, into: &buffer, at: start + 6)
        if let ns {
            NetworkOrder.write(ns, into: &buffer, at: start + 8)
            NetworkOrder.write(0, into: &buffer, at: start + 10)  // §3.1: Nr reserved on data
        }
        return start
    }
}
