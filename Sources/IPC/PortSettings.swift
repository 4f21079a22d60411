// The typed settings pppinit sends a linkd in DaemonSetup.settings: which
// port it runs. pppinit parses TOML; daemons only ever see this codec.

public enum PortKind: UInt8, Sendable, CaseIterable {
    case tty = 1, udp, tcp, pppoe
    public var name: String {
        switch self {
        case .tty: "tty"
        case .udp: "udp"
        case .tcp: "tcp"
        case .pppoe: "pppoe"
        }
    }
}

public struct PortSettings: Equatable, Sendable {
    public var name: String
    public var kind: PortKind
    /// tty: device path; pppoe: interface name; udp/tcp: unused.
    public var device: String = ""
    /// tty line speed in bit/s.
    public var speed: UInt32 = 115_200
    /// udp/tcp: local address "host:port" (tcp: listen here when set).
    public var local: String = ""
    /// udp/tcp: remote address "host:port" (tcp: connect here when set).
    public var remote: String = ""
    /// tty: ignore modem control lines (CLOCAL), as pppd's `local`.
    public var localLine: Bool = true
    /// tty: hardware flow control (pppd's `crtscts`).
    public var crtscts: Bool = false

    public init(name: String, kind: PortKind) { self.name = name; self.kind = kind }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(1)  // settings version
        w.string(name); w.u8(kind.rawValue); w.string(device); w.u32(speed)
        w.string(local); w.string(remote); w.bool(localLine); w.bool(crtscts)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> PortSettings {
        var r = ByteReader(bytes)
        guard try r.u8() == 1 else { throw .invalid(callID: 0, reason: "port settings version") }
        let name = try r.string()
        guard let kind = PortKind(rawValue: try r.u8()) else { throw .invalid(callID: 0, reason: "port kind") }
        var s = PortSettings(name: name, kind: kind)
        s.device = try r.string(); s.speed = try r.u32()
        s.local = try r.string(); s.remote = try r.string()
        s.localLine = try r.bool(); s.crtscts = try r.bool()
        try r.finish()
        return s
    }
}
