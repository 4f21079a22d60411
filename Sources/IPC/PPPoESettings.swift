// What a pppoe port adds to PortSettings (RFC 2516, RFC 4638): the role, the
// names discovery selects or announces, and the access concentrator's limits.
// pppinit parses them (RouterConfig+PPPoE.swift); linkd only sees this codec.

public enum PPPoERole: UInt8, Sendable, CaseIterable {
    /// The Host of RFC 2516: discovers an AC and runs one session at a time.
    case client = 1
    /// The Access Concentrator: answers discovery, many sessions at once.
    case ac = 2
    public var name: String { self == .client ? "client" : "ac" }
}

public struct PPPoESettings: Equatable, Sendable {
    public var role: PPPoERole = .client
    /// Client: the Service-Name asked for ("" = any). AC: the first name
    /// offered; with `services` empty as well, any requested name is served.
    public var serviceName: String = ""
    /// AC: further Service-Names offered in every PADO.
    public var services: [String] = []
    /// Client: take only PADOs from this AC-Name ("" = the first offer).
    /// AC: the AC-Name of our PADOs and PADSs ("" = "ppprouter").
    public var acName: String = ""
    /// Client: the Host-Uniq TAG value; empty = 8 random octets per discovery.
    public var hostUniq: [UInt8] = []
    /// AC: sessions at most (RFC 2516 §5.2: no PADO when full).
    public var maxSessions: UInt32 = 8000
    /// AC: PADIs per second from one source MAC, with a burst, and in total.
    public var padiLimit: UInt32 = 1
    public var padiBurst: UInt32 = 3
    public var padiTotal: UInt32 = 2000
    /// Client: the first PADI/PADR timeout in seconds, doubled per resend (§8).
    public var padiTimeout: UInt32 = 2
    /// Client: PADIs sent before discovery fails (a maxfail failure).
    public var padiAttempts: UInt32 = 5
    /// Client: after a restart, end the session the last linkd left with a
    /// PADT (its id and AC come from the fd store) before discovering anew.
    public var stalePADT: Bool = true
    /// VLANs (issue 13): encoded by PortSettings in its own section.
    public var vlan = PPPoEVLANSettings()

    public init() {}

    public func encode(into w: inout ByteWriter) {
        w.u8(role.rawValue); w.string(serviceName)
        w.u16(UInt16(services.count)); for s in services { w.string(s) }
        w.string(acName); w.blob(hostUniq)
        w.u32(maxSessions); w.u32(padiLimit); w.u32(padiBurst); w.u32(padiTotal)
        w.u32(padiTimeout); w.u32(padiAttempts); w.bool(stalePADT)
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> PPPoESettings {
        var s = PPPoESettings()
        guard let role = PPPoERole(rawValue: try r.u8()) else { throw .invalid(callID: 0, reason: "pppoe role") }
        s.role = role
        s.serviceName = try r.string()
        let n = Int(try r.u16())
        for _ in 0..<n { s.services.append(try r.string()) }
        s.acName = try r.string()
        s.hostUniq = try r.blob(max: 1024)
        s.maxSessions = try r.u32(); s.padiLimit = try r.u32(); s.padiBurst = try r.u32(); s.padiTotal = try r.u32()
        s.padiTimeout = try r.u32(); s.padiAttempts = try r.u32(); s.stalePADT = try r.bool()
        return s
    }
}
