// The state record ncpd deposits with each session in pppinit's fd store
// (DESIGN.md "Restart without losing sessions"), beside the channel end and
// the TUN descriptor: enough to pick the session up after `kill -9 ncpd`
// without renegotiating — the channel record, the unit, the lease, and each
// NCP's phase, next Identifier and negotiated result. Versioned; a record of
// another version is refused (the session then ends by hang-up, cleanly).
// Fuzz/SessionStateRecords.swift compiles this file into one module with IPC's
// and PPP's sources, hence the conditional imports.
#if canImport(IPC)
import IPC
#endif
#if canImport(PPP)
import PPP
#endif

struct NetworkSessionState: Equatable {
    static let version: UInt8 = 1

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

    struct NCP: Equatable {
        var phase = Phase.notRun
        var nextIdentifier: UInt8 = 1
        /// The addresses (or identifiers) are on the unit.
        var configured = false
        /// IPCP: local, remote, primary and secondary DNS; IPv6CP: the two
        /// identifiers in the first two.
        var values: [UInt64] = [0, 0, 0, 0]
    }

    var record: ChannelRecord
    var unitNumber: UInt32 = 0
    /// The unit's name and index; "" when none exists yet (no TUN deposited).
    var interface = ""
    var interfaceIndex: Int32 = 0
    var leasePool = ""
    var leaseAddress: UInt32 = 0
    var ipcp = NCP()
    var ipv6cp = NCP()
    /// CLOCK_MONOTONIC of the session's start (the clock is system-wide).
    var started: UInt64 = 0
    var octetsIn: UInt64 = 0, octetsOut: UInt64 = 0, packetsIn: UInt64 = 0, packetsOut: UInt64 = 0

    /// How many descriptors ride with the record: the channel, then the TUN.
    var descriptorCount: Int { interface.isEmpty ? 1 : 2 }

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 256)
        w.u8(Self.version)
        w.blob(record.encoded())
        w.u32(unitNumber)
        w.string(interface)
        w.u32(UInt32(bitPattern: interfaceIndex))
        w.string(leasePool)
        w.u32(leaseAddress)
        for n in [ipcp, ipv6cp] {
            w.u8(n.phase.rawValue); w.u8(n.nextIdentifier); w.bool(n.configured)
            for v in n.values { w.u64(v) }
        }
        w.u64(started)
        for v in [octetsIn, octetsOut, packetsIn, packetsOut] { w.u64(v) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(IPCError) -> NetworkSessionState {
        var r = ByteReader(bytes)
        try r.version(version, "ncpd session state")
        var s = NetworkSessionState(record: try ChannelRecord.decode(try r.blob(max: 4096)))
        s.unitNumber = try r.u32()
        s.interface = try r.string()
        s.interfaceIndex = Int32(bitPattern: try r.u32())
        s.leasePool = try r.string()
        s.leaseAddress = try r.u32()
        var ncps: [NCP] = []
        for _ in 0..<2 {
            var n = NCP()
            guard let phase = Phase(rawValue: try r.u8()) else {
                throw .invalid(callID: 0, reason: "ncpd session state: unknown NCP phase")
            }
            n.phase = phase
            n.nextIdentifier = try r.u8()
            n.configured = try r.bool()
            n.values = [try r.u64(), try r.u64(), try r.u64(), try r.u64()]
            ncps.append(n)
        }
        s.ipcp = ncps[0]
        s.ipv6cp = ncps[1]
        s.started = try r.u64()
        s.octetsIn = try r.u64(); s.octetsOut = try r.u64(); s.packetsIn = try r.u64(); s.packetsOut = try r.u64()
        try r.finish()
        guard s.interface.utf8.count < 16, s.unitNumber < 1 << 20 else {
            throw .invalid(callID: 0, reason: "ncpd session state: bad unit")
        }
        return s
    }
}
