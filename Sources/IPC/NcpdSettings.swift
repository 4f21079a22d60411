// The typed settings pppinit sends ncpd in DaemonSetup.settings: the address
// pools of the config ([pool.NAME]) and whether hooks are configured. Port
// NCP keys ride with each channel (NetworkSettings), so they are not here.

/// One `[pool.NAME]`: a range of addresses handed to peers (server role).
public struct AddressPoolSettings: Equatable, Sendable {
    public var name: String
    /// Inclusive range, host byte order.
    public var first: UInt32
    public var last: UInt32
    /// Our own address on sessions whose peer gets an address from this
    /// pool and whose port gives none (accel-ppp's gw-ip-address); 0 = none.
    public var local: UInt32 = 0

    public init(name: String, first: UInt32, last: UInt32, local: UInt32 = 0) {
        self.name = name; self.first = first; self.last = last; self.local = local
    }
}

public struct NcpdSettings: Equatable, Sendable {
    public var pools: [AddressPoolSettings] = []
    /// ip-up/ip-down/ipv6-up/ipv6-down or a resolv file are configured: ncpd
    /// then tells pppinit when an NCP goes up or down (hookRequested).
    public var hooks: Bool = false
    /// IPv6 prefix pools and per-port RA/DHCPv6 (IPv6Settings.swift, issue 18).
    public var pools6: [IPv6PoolSettings] = []
    public var ipv6Ports: [IPv6PortSettings] = []
    /// Issue 13 (version 5): how many descriptors pppinit opens for one
    /// tun-requested (1 to TunStock.batch). A pppinit before version 5
    /// knows no count and answers one: read as 1, ncpd then asks one at a
    /// time as before.
    public var tunBatch: UInt8 = 1

    public init() {}

    public static let maxPools = 64

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(5)
        w.u8(UInt8(pools.count))
        for p in pools { w.string(p.name); w.u32(p.first); w.u32(p.last); w.u32(p.local) }
        w.bool(hooks)
        w.u8(UInt8(pools6.count)); for p in pools6 { p.encode(into: &w) }
        w.u8(UInt8(ipv6Ports.count)); for p in ipv6Ports { p.encode(into: &w) }
        w.u8(tunBatch)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> NcpdSettings {
        var r = ByteReader(bytes)
        // Version 2 adds the IPv6 pools and ports, 3 the ports' na-pool,
        // 4 their RA timers, A flag, DNS lifetime and search domains, 5
        // the TUN batch (issue 13).
        let version = try r.u8()
        guard (1...5).contains(version) else { throw .invalid(callID: 0, reason: "ncpd settings version \(version), expected 1 to 5") }
        var s = NcpdSettings()
        let count = Int(try r.u8())
        guard count <= maxPools else { throw .invalid(callID: 0, reason: "\(count) pools, at most \(maxPools)") }
        for _ in 0..<count {
            let p = AddressPoolSettings(name: try r.string(), first: try r.u32(), last: try r.u32(), local: try r.u32())
            guard p.first <= p.last else { throw .invalid(callID: 0, reason: "pool \(p.name): first after last") }
            s.pools.append(p)
        }
        s.hooks = try r.bool()
        if version >= 2 {
            let pools6 = Int(try r.u8())
            guard pools6 <= maxPools else { throw .invalid(callID: 0, reason: "\(pools6) IPv6 pools, at most \(maxPools)") }
            for _ in 0..<pools6 { s.pools6.append(try IPv6PoolSettings.decode(&r)) }
            for _ in 0..<Int(try r.u8()) { s.ipv6Ports.append(try IPv6PortSettings.decode(&r, version: version)) }
        }
        if version >= 5 {
            s.tunBatch = try r.u8()
            guard s.tunBatch >= 1, Int(s.tunBatch) <= TunStock.batch else {
                throw .invalid(callID: 0, reason: "TUN batch of \(s.tunBatch), 1 to \(TunStock.batch)")
            }
        }
        try r.finish()
        return s
    }
}

/// ncpd → pppinit: an NCP of a session went up or down, or a DHCPv6
/// delegated prefix came or went. pppinit runs the matching configured
/// script (pppd's ip-up, ip-down, ipv6-up, ipv6-down; our ipv6-prefix-up,
/// ipv6-prefix-down) and keeps the resolv file; ncpd, which parses wire
/// input, never execs.
public struct HookRequest: Equatable, Sendable {
    public enum Event: UInt8, Sendable, CaseIterable {
        case ipUp = 1, ipDown, ipv6Up, ipv6Down
        /// A prefix delegated by DHCPv6 IA_PD (RFC 8415 §6.3): to us on a
        /// CPE, by us on a BRAS; and its end (released, expired, session
        /// down). Version 2 of the request.
        case prefixUp, prefixDown
        /// pppd's script names (/etc/ppp/ip-up …) and our config keys.
        public var name: String {
            switch self {
            case .ipUp: "ip-up"
            case .ipDown: "ip-down"
            case .ipv6Up: "ipv6-up"
            case .ipv6Down: "ipv6-down"
            case .prefixUp: "ipv6-prefix-up"
            case .prefixDown: "ipv6-prefix-down"
            }
        }

        public var isPrefix: Bool { self == .prefixUp || self == .prefixDown }
    }

    public var event: Event
    public var session: String
    public var port: String
    public var interface: String
    /// IPv4 events: host-order addresses; IPv6: interface identifiers.
    public var local: UInt64 = 0
    public var remote: UInt64 = 0
    /// RFC 1877 servers the peer gave us (usepeerdns), for DNS1/DNS2 and the
    /// resolv file; empty when not asked.
    public var dns: [UInt32] = []
    public var usePeerDNS = false
    public var peerName: String = ""
    /// Down events: seconds connected and the session's octet counters
    /// (pppd's CONNECT_TIME, BYTES_SENT, BYTES_RCVD).
    public var connectSeconds: UInt32 = 0
    public var octetsSent: UInt64 = 0
    public var octetsReceived: UInt64 = 0
    /// Prefix events: the delegated prefix and its lifetimes in seconds
    /// (RFC 8415 §21.22 IA Prefix option: preferred, valid).
    public var prefix: IPv6PrefixValue?
    public var preferredLifetime: UInt32 = 0
    public var validLifetime: UInt32 = 0
    /// Prefix events on a CPE: the `lan-interface` given the prefix's first
    /// /64 ("" = none).
    public var lanInterface: String = ""

    public init(event: Event, session: String, port: String, interface: String) {
        self.event = event; self.session = session; self.port = port; self.interface = interface
    }

    /// Version 1 for pppd's four events, byte for byte as before (a
    /// pppinit that predates the prefix events reads them); version 2, with
    /// the prefix fields, for the prefix events.
    public func encode(into w: inout ByteWriter) {
        w.u8(event.isPrefix ? 2 : 1)
        w.u8(event.rawValue); w.string(session); w.string(port); w.string(interface)
        w.u64(local); w.u64(remote)
        w.u8(UInt8(dns.count)); for d in dns { w.u32(d) }
        w.bool(usePeerDNS); w.string(peerName)
        w.u32(connectSeconds); w.u64(octetsSent); w.u64(octetsReceived)
        if event.isPrefix {
            IPv6PrefixValue.encode(prefix, into: &w)
            w.u32(preferredLifetime); w.u32(validLifetime); w.string(lanInterface)
        }
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> HookRequest {
        let version = try r.u8()
        guard version == 1 || version == 2 else {
            throw .invalid(callID: 0, reason: "hook request version \(version), expected 1 or 2")
        }
        guard let event = Event(rawValue: try r.u8()), event.isPrefix == (version == 2) else {
            throw .invalid(callID: 0, reason: "unknown hook event for version \(version)")
        }
        var h = HookRequest(event: event, session: try r.string(), port: try r.string(), interface: try r.string())
        h.local = try r.u64(); h.remote = try r.u64()
        let count = try r.u8()
        guard count <= 2 else { throw .invalid(callID: 0, reason: "\(count) DNS servers, at most 2") }
        for _ in 0..<count { h.dns.append(try r.u32()) }
        h.usePeerDNS = try r.bool(); h.peerName = try r.string()
        h.connectSeconds = try r.u32(); h.octetsSent = try r.u64(); h.octetsReceived = try r.u64()
        if version == 2 {
            h.prefix = try IPv6PrefixValue.decodeOptional(&r)
            h.preferredLifetime = try r.u32(); h.validLifetime = try r.u32(); h.lanInterface = try r.string()
            guard h.prefix != nil, h.preferredLifetime <= h.validLifetime, h.lanInterface.utf8.count < 16 else {
                throw .invalid(callID: 0, reason: "prefix hook without a prefix, preferred past valid, or a bad LAN interface")
            }
        }
        return h
    }
}
