// What a port asks of RFC 1990 multilink, with pppd's option names
// (`multilink`, `mrru`, `mpshortseq`, `endpoint`). pppinit parses them;
// linkd turns them into the PPP library's MultilinkConfiguration.

public struct MultilinkSettings: Equatable, Sendable {
    /// pppd `multilink`: offer MRRU (RFC 1990 §5.1.1) and accept the peer's.
    /// Off: MRRU, Short Sequence Number and Endpoint Discriminator rejected.
    public var enabled: Bool = false
    /// pppd `mrru`: the largest reconstructed packet we receive.
    public var mrru: UInt16 = 1500
    /// pppd `mpshortseq`: ask for 12-bit sequence numbers (RFC 1990 §5.1.2).
    public var shortSequence: Bool = false
    /// pppd `endpoint`: our discriminator (RFC 1990 §5.1.3) as its option
    /// value, Class then Address; empty sends none.
    public var endpoint: [UInt8] = []

    public init() {}

    public func encode(into w: inout ByteWriter) {
        w.u8(1)
        w.bool(enabled); w.u16(mrru); w.bool(shortSequence); w.blob(endpoint)
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> MultilinkSettings {
        try r.version(1, "multilink settings")
        var m = MultilinkSettings()
        m.enabled = try r.bool(); m.mrru = try r.u16(); m.shortSequence = try r.bool()
        // RFC 1661 §6: an option value is at most 253 octets.
        m.endpoint = try r.blob(max: 253)
        return m
    }
}
