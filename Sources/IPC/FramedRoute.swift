// RFC 2865 §5.22 Framed-Route: a route to install for the session while it
// is up, from the Access-Accept's text "PREFIX[/LEN] GATEWAY METRIC…"
// ("192.168.1.0/24 0.0.0.0 1"). authd parses it; the parsed form rides in
// the verdict to ncpd, which adds it through rtnetlink on the session's
// interface once IPCP is up. The text is checked strictly: a route the
// server got wrong is refused with the reason, never half-applied.

/// One IPv4 route for a session (host byte order).
public struct FramedRoute: Equatable, Sendable {
    public var destination: UInt32
    public var prefixLength: UInt8
    /// §5.22: 0.0.0.0 means "the user's IP address", the peer; on a
    /// point-to-point link that is the only neighbour, so the route goes
    /// out of the interface either way.
    public var gateway: UInt32 = 0
    /// The first metric, as the route's priority (negative ones as 0).
    public var metric: UInt32 = 0

    public init(destination: UInt32, prefixLength: UInt8, gateway: UInt32 = 0, metric: UInt32 = 0) {
        self.destination = destination; self.prefixLength = prefixLength
        self.gateway = gateway; self.metric = metric
    }

    /// Why a Framed-Route text was refused.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case empty
        case tooLong(Int)
        case badPrefix(String)
        case badLength(String)
        /// §5.22's classful default has no answer for class D and E.
        case noClassfulLength(String)
        case hostBitsSet(String)
        case badGateway(String)
        case badMetric(String)

        public var description: String {
            switch self {
            case .empty: "empty Framed-Route"
            case .tooLong(let n): "Framed-Route of \(n) octets (at most 253)"
            case .badPrefix(let s): "Framed-Route prefix '\(s)' is not a dotted quad"
            case .badLength(let s): "Framed-Route length '\(s)' is not 0-32"
            case .noClassfulLength(let s): "Framed-Route prefix \(s) needs a /length (not class A, B or C)"
            case .hostBitsSet(let s): "Framed-Route \(s) has bits set past its length"
            case .badGateway(let s): "Framed-Route gateway '\(s)' is not a dotted quad"
            case .badMetric(let s): "Framed-Route metric '\(s)' is not a number"
            }
        }
    }

    /// Parses the attribute's text (§5.22). A missing gateway is 0.0.0.0
    /// (FreeRADIUS and accel-ppp accept the prefix alone); metrics past the
    /// first are read for their form and not used.
    public init(parsing text: ArraySlice<UInt8>) throws(ParseError) {
        guard text.count <= 253 else { throw .tooLong(text.count) }
        let words = text.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard let first = words.first else { throw .empty }
        let prefixText = Self.string(first)
        let parts = first.split(separator: UInt8(ascii: "/"), maxSplits: 1, omittingEmptySubsequences: false)
        guard let destination = IPv4.parse(Self.string(parts[0])) else { throw .badPrefix(prefixText) }
        var length: UInt8
        if parts.count == 2 {
            let l = parts[1]
            guard !l.isEmpty, l.count <= 2, l.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let n = UInt8(Self.string(l)), n <= 32 else { throw .badLength(Self.string(l)) }
            length = n
        } else {
            switch destination >> 24 {
            case 0...127: length = 8
            case 128...191: length = 16
            case 192...223: length = 24
            default: throw .noClassfulLength(prefixText)
            }
        }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(length))
        guard destination & ~mask == 0 else { throw .hostBitsSet(prefixText) }
        self.init(destination: destination, prefixLength: length)
        if words.count > 1 {
            guard let g = IPv4.parse(Self.string(words[1])) else { throw .badGateway(Self.string(words[1])) }
            gateway = g
        }
        for (i, m) in words.dropFirst(2).enumerated() {
            let s = Self.string(m)
            let digits = s.hasPrefix("-") ? s.dropFirst() : Substring(s)
            guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let v = Int64(digits) else { throw .badMetric(s) }
            if i == 0 { metric = s.hasPrefix("-") ? 0 : UInt32(clamping: v) }
        }
    }

    private static func string(_ b: ArraySlice<UInt8>) -> String { String(decoding: b, as: UTF8.self) }

    public var description: String {
        "\(IPv4.format(destination))/\(prefixLength) \(IPv4.format(gateway)) \(metric)"
    }

    public func encode(into w: inout ByteWriter) {
        w.u32(destination); w.u8(prefixLength); w.u32(gateway); w.u32(metric)
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> FramedRoute {
        let d = try r.u32(), l = try r.u8(), g = try r.u32(), m = try r.u32()
        guard l <= 32 else { throw .invalid(callID: 0, reason: "framed route length \(l)") }
        return FramedRoute(destination: d, prefixLength: l, gateway: g, metric: m)
    }
}
