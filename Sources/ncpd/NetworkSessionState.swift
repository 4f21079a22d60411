// The state record ncpd deposits with each session in pppinit's fd store
// (DESIGN.md "Restart without losing sessions"), beside the channel end and
// the TUN descriptor: enough to pick the session up after `kill -9 ncpd`
// without renegotiating — the channel record, the unit, the lease, and each
// NCP's phase, next Identifier and negotiated result. Versioned: version 3
// adds the IPv6 services' deposit (issue 18, an IPv6SessionRecord kept as
// octets here so this file needs no IPv6Services); version 2 has typed NCP
// results; version 1 (four untyped u64 per NCP) is still read; version 4
// (issue 13 point 1) adds the session's handle on linkd's mux, and is
// written only for a session on the mux, so a session on its own channel
// keeps the version-3 bytes an ncpd of the release before reads,
// so sessions deposited before an upgrade survive it. Any other version is
// refused (the session then ends by hang-up, cleanly).
// Fuzz/SessionStateRecords.swift compiles this file into one module with IPC's
// and PPP's sources, hence the conditional imports.
#if canImport(IPC)
import IPC
#endif
#if canImport(PPP)
import PPP
#endif

struct NetworkSessionState: Equatable {
    static let version: UInt8 = 4

    /// Where an NCP was when the record was made.
    enum Phase: UInt8 {
        /// Not run on this session (noip, no ipv6).
        case notRun = 0
        /// Negotiating, or down and waiting: renegotiated after a restart.
        case negotiating = 1
        /// Opened: resumed as it was.
        case opened = 2
        /// Finished (tlf): stays finished.
        case finished = 3
    }

    /// One NCP: where it was, and what it had negotiated (`Negotiated` is
    /// IPCPNegotiated or IPv6CPNegotiated).
    struct NCP<Negotiated: Equatable>: Equatable {
        var phase = Phase.notRun
        var nextIdentifier: UInt8 = 1
        /// The addresses (or identifiers) are on the unit.
        var configured = false
        var negotiated: Negotiated
    }

    var record: ChannelRecord
    var unitNumber: UInt32 = 0
    /// The unit's name and index; "" when none exists yet (no TUN deposited).
    var interface = ""
    var interfaceIndex: Int32 = 0
    var leasePool = ""
    var leaseAddress: UInt32 = 0
    var ipcp = NCP(negotiated: IPCPNegotiated())
    var ipv6cp = NCP(negotiated: IPv6CPNegotiated())
    /// CLOCK_MONOTONIC of the session's start (the clock is system-wide).
    var started: UInt64 = 0
    var octetsIn: UInt64 = 0, octetsOut: UInt64 = 0, packetsIn: UInt64 = 0, packetsOut: UInt64 = 0
    /// IPv6SessionRecord.encoded() of the RA/DHCPv6 state; empty = none.
    var ipv6: [UInt8] = []
    static let maxIPv6Deposit = 4096
    /// The session's handle on the mux of linkd's port (record.port); 0:
    /// it has a channel of its own. Version 4.
    var muxHandle: UInt32 = 0

    /// How many descriptors ride with the record: the channel (none on the
    /// mux), then the TUN.
    var descriptorCount: Int { (muxHandle == 0 ? 1 : 0) + (interface.isEmpty ? 0 : 1) }

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 256)
        w.u8(muxHandle == 0 ? 3 : Self.version)
        w.blob(record.encoded())
        w.u32(unitNumber)
        w.string(interface)
        w.u32(UInt32(bitPattern: interfaceIndex))
        w.string(leasePool)
        w.u32(leaseAddress)
        Self.head(ipcp, &w)
        let v4 = ipcp.negotiated
        w.u32(v4.localAddress); w.u32(v4.remoteAddress); w.u32(v4.primaryDNS); w.u32(v4.secondaryDNS)
        Self.head(ipv6cp, &w)
        w.u64(ipv6cp.negotiated.localIdentifier); w.u64(ipv6cp.negotiated.remoteIdentifier)
        w.u64(started)
        for v in [octetsIn, octetsOut, packetsIn, packetsOut] { w.u64(v) }
        w.blob(ipv6)
        if muxHandle != 0 { w.u32(muxHandle) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(IPCError) -> NetworkSessionState {
        var r = ByteReader(bytes)
        let version = try r.u8()
        guard (1...4).contains(version) else {
            throw .invalid(callID: 0, reason: "ncpd session state version \(version), expected 1 to 4")
        }
        var s = NetworkSessionState(record: try ChannelRecord.decode(try r.blob(max: 4096)))
        s.unitNumber = try r.u32()
        s.interface = try r.string()
        s.interfaceIndex = Int32(bitPattern: try r.u32())
        s.leasePool = try r.string()
        s.leaseAddress = try r.u32()
        var v4 = IPCPNegotiated(), v6 = IPv6CPNegotiated()
        s.ipcp = try head(&r, v4)
        if version == 1 {
            // Version 1: local, remote, primary and secondary DNS as u64 …
            v4.localAddress = try r.u32From64(); v4.remoteAddress = try r.u32From64()
            v4.primaryDNS = try r.u32From64(); v4.secondaryDNS = try r.u32From64()
        } else {
            v4.localAddress = try r.u32(); v4.remoteAddress = try r.u32()
            v4.primaryDNS = try r.u32(); v4.secondaryDNS = try r.u32()
        }
        s.ipcp.negotiated = v4
        s.ipv6cp = try head(&r, v6)
        v6.localIdentifier = try r.u64(); v6.remoteIdentifier = try r.u64()
        // … and IPv6CP's two identifiers followed by two unused u64.
        if version == 1 { _ = try r.u64(); _ = try r.u64() }
        s.ipv6cp.negotiated = v6
        s.started = try r.u64()
        s.octetsIn = try r.u64(); s.octetsOut = try r.u64(); s.packetsIn = try r.u64(); s.packetsOut = try r.u64()
        if version >= 3 { s.ipv6 = try r.blob(max: maxIPv6Deposit) }
        if version == 4 {
            s.muxHandle = try r.u32()
            guard s.muxHandle != 0 else { throw .invalid(callID: 0, reason: "ncpd session state: mux handle 0") }
        }
        try r.finish()
        guard s.interface.utf8.count < 16, s.unitNumber < 1 << 20 else {
            throw .invalid(callID: 0, reason: "ncpd session state: bad unit")
        }
        return s
    }

    private static func head<N>(_ n: NCP<N>, _ w: inout ByteWriter) {
        w.u8(n.phase.rawValue); w.u8(n.nextIdentifier); w.bool(n.configured)
    }

    private static func head<N>(_ r: inout ByteReader, _ empty: N) throws(IPCError) -> NCP<N> {
        guard let phase = Phase(rawValue: try r.u8()) else {
            throw .invalid(callID: 0, reason: "ncpd session state: unknown NCP phase")
        }
        return NCP(phase: phase, nextIdentifier: try r.u8(), configured: try r.bool(), negotiated: empty)
    }
}

extension ByteReader {
    /// A version-1 address field: a u64 that must hold a u32.
    fileprivate mutating func u32From64() throws(IPCError) -> UInt32 {
        let v = try u64()
        guard let a = UInt32(exactly: v) else {
            throw .invalid(callID: 0, reason: "ncpd session state: IPv4 value \(v) out of range")
        }
        return a
    }
}
