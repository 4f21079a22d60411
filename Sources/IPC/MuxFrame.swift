// The multiplexed channel between one linkd and ncpd (issue 13 point 1;
// docs/design.md "Fewer descriptors per session"): one SOCK_SEQPACKET pair
// per linkd–ncpd pair instead of one per session, so a session costs ncpd
// and the fd store only its TUN unit. Every datagram on it is one of:
//
//   frame:    handle (u32, not 0) | channel frame (Protocol + Information,
//             or one of issue 21's marker frames), at least 2 octets
//   control:  0x00000000 | version (1) | kind (u8) | handle (u32, not 0) | body
//     session-open   (1) linkd → ncpd: the session's ChannelRecord (what the
//                        handoff record of a dedicated channel carries)
//     session-accept (2) ncpd → linkd: ncpd's pid (u32) — the mux form of the
//                        pid the handoff's receiver writes on R
//     session-refuse (3) ncpd → linkd: the reason (u16-prefixed UTF-8)
//     session-close  (4) either way: the reason; the session is gone on the
//                        sender's side
//
// linkd picks the handle (unique among its open sessions, never 0); a frame
// for a handle the receiver has not opened is dropped and counted there.
// The parser is strict: a short, truncated, trailing or unknown datagram is
// a typed MuxError, never a guess. Frames are read in place: `parse`
// allocates nothing for a frame; only control records (rare) decode into values.

/// Why a mux datagram was refused.
public enum MuxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Shorter than its kind needs (`length` octets).
    case truncated(length: Int)
    /// A control record of a version this code does not read.
    case unknownVersion(UInt8)
    /// A control record kind this code does not know.
    case unknownKind(UInt8)
    /// Handle 0 names no session.
    case zeroHandle
    /// Octets after a complete control record.
    case trailing(Int)
    /// A reason longer than `MuxFrame.maximumReason`, or not UTF-8.
    case badReason
    /// The session-open's ChannelRecord does not decode.
    case badRecord(String)

    public var description: String {
        switch self {
        case .truncated(let n): return "mux datagram of \(n) octets is truncated"
        case .unknownVersion(let v): return "mux control version \(v), expected \(MuxFrame.version)"
        case .unknownKind(let k): return "unknown mux control kind \(k)"
        case .zeroHandle: return "mux control record for handle 0"
        case .trailing(let n): return "\(n) trailing octets after a mux control record"
        case .badReason: return "mux reason too long or not UTF-8"
        case .badRecord(let why): return "session-open record: \(why)"
        }
    }
}

/// A control record on the mux.
public enum MuxControl: Equatable, Sendable {
    case open(handle: UInt32, record: ChannelRecord)
    case accept(handle: UInt32, pid: Int32)
    case refuse(handle: UInt32, reason: String)
    case close(handle: UInt32, reason: String)

    public var handle: UInt32 {
        switch self {
        case .open(let h, _), .accept(let h, _), .refuse(let h, _), .close(let h, _): return h
        }
    }

    var kind: UInt8 {
        switch self {
        case .open: return 1
        case .accept: return 2
        case .refuse: return 3
        case .close: return 4
        }
    }
}

/// What one mux datagram is.
public enum MuxDatagram: Equatable, Sendable {
    /// A session's channel frame: it starts `MuxFrame.handleLength` octets
    /// into the datagram and runs to its end.
    case frame(handle: UInt32)
    case control(MuxControl)
}

public enum MuxFrame {
    public static let version: UInt8 = 1
    /// The handle in front of every datagram.
    public static let handleLength = 4
    /// Handle (0) + version + kind + handle.
    public static let controlHeaderLength = 10
    /// A channel frame is at least its Protocol field.
    public static let minimumFrame = handleLength + 2
    /// Reasons are for logs: longer ones are cut on encode, refused on parse.
    public static let maximumReason = 256

    /// Reads one datagram. A frame is only recognised here (its channel
    /// frame is the caller's to take apart, from `handleLength` on); a
    /// control record is decoded whole, exact to the octet.
    public static func parse(_ datagram: UnsafeRawBufferPointer) throws(MuxError) -> MuxDatagram {
        guard datagram.count >= handleLength else { throw .truncated(length: datagram.count) }
        let handle = loadU32(datagram, 0)
        if handle != 0 {
            guard datagram.count >= minimumFrame else { throw .truncated(length: datagram.count) }
            return .frame(handle: handle)
        }
        guard datagram.count >= controlHeaderLength else { throw .truncated(length: datagram.count) }
        let version = datagram[4], kind = datagram[5]
        guard version == Self.version else { throw .unknownVersion(version) }
        guard (1...4).contains(kind) else { throw .unknownKind(kind) }
        let subject = loadU32(datagram, 6)
        guard subject != 0 else { throw .zeroHandle }
        let body = UnsafeRawBufferPointer(rebasing: datagram[controlHeaderLength...])
        switch kind {
        case 1:
            do { return .control(.open(handle: subject, record: try ChannelRecord.decode(Array(body)))) } catch {
                throw .badRecord(error.description)
            }
        case 2:
            guard body.count >= 4 else { throw .truncated(length: datagram.count) }
            guard body.count == 4 else { throw .trailing(body.count - 4) }
            return .control(.accept(handle: subject, pid: Int32(bitPattern: loadU32(body, 0))))
        default:
            let reason = try reasonOf(body, datagram.count)
            return .control(kind == 3 ? .refuse(handle: subject, reason: reason) : .close(handle: subject, reason: reason))
        }
    }

    private static func reasonOf(_ body: UnsafeRawBufferPointer, _ total: Int) throws(MuxError) -> String {
        guard body.count >= 2 else { throw .truncated(length: total) }
        let n = Int(body[0]) << 8 | Int(body[1])
        guard n <= maximumReason else { throw .badReason }
        guard body.count >= 2 + n else { throw .truncated(length: total) }
        guard body.count == 2 + n else { throw .trailing(body.count - 2 - n) }
        guard let s = String(validating: body[2..<(2 + n)], as: UTF8.self) else { throw .badReason }
        return s
    }

    /// The bytes of a control record (the control path: allocation is fine).
    public static func encode(_ control: MuxControl) -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        w.u32(0); w.u8(version); w.u8(control.kind); w.u32(control.handle)
        switch control {
        case .open(_, let record): w.raw(record.encoded())
        case .accept(_, let pid): w.u32(UInt32(bitPattern: pid))
        case .refuse(_, let reason), .close(_, let reason): w.string(cut(reason))
        }
        return w.bytes
    }

    /// At most `maximumReason` octets, cut on a character boundary.
    static func cut(_ reason: String) -> String {
        guard reason.utf8.count > maximumReason else { return reason }
        var out = ""
        for c in reason {
            if out.utf8.count + String(c).utf8.count > maximumReason { break }
            out.append(c)
        }
        return out
    }

    /// Writes `handle` into the first four octets of `header` (the headroom
    /// in front of a channel frame), in network order.
    public static func writeHandle(_ handle: UInt32, into header: UnsafeMutableRawBufferPointer) {
        header[0] = UInt8(handle >> 24); header[1] = UInt8(handle >> 16 & 0xff)
        header[2] = UInt8(handle >> 8 & 0xff); header[3] = UInt8(handle & 0xff)
    }

    static func loadU32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
}

/// The record of a muxHandedOver (linkd → ncpd through the handoff
/// protocol, once per linkd and again after either restarts without its
/// deposit): which port's linkd the mux belongs to. Versioned like every
/// record that may sit in the fd store.
public struct MuxHandoff: Equatable, Sendable {
    public static let version: UInt8 = 1
    public var port: String

    public init(port: String) { self.port = port }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 32)
        w.u8(Self.version); w.string(port)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> MuxHandoff {
        var r = ByteReader(bytes)
        let version = try r.u8()
        guard version == Self.version else {
            throw .invalid(callID: 0, reason: "mux handoff version \(version), expected \(Self.version)")
        }
        let port = try r.string()
        try r.finish()
        guard !port.isEmpty, port.utf8.count <= 64 else { throw .invalid(callID: 0, reason: "mux handoff: bad port name") }
        return MuxHandoff(port: port)
    }
}
