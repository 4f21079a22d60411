// A pppoe port's VLANs (issue 13, IEEE 802.1Q/802.1ad), part of PPPoESettings
// but kept in its own record section (PortSettings version 8) so older port
// records still read. The access concentrator serves untagged frames and the
// C-VLANs of `served` (accel-ppp's `vlan-mon`: a list of VIDs and ranges, or
// any VLAN for N:1); with `outer`, QinQ frames whose S-tag is that VID and
// TPID, their inner C-VID again checked against `served`. A client dials on
// C-VLAN `dial` (under `outer` for QinQ).

public struct VLANSet: Equatable, Sendable, CustomStringConvertible {
    /// N:1: every VID 1...4094.
    public var any: Bool
    /// 1:1: these VIDs, sorted ranges as configured.
    public var ranges: [ClosedRange<UInt16>]

    public init(any: Bool = false, ranges: [ClosedRange<UInt16>] = []) { self.any = any; self.ranges = ranges }

    public static let allVIDs: ClosedRange<UInt16> = 1...4094

    /// "any", or "100-199,300" (VIDs 1...4094, each range low-high); nil
    /// when the text is neither.
    public init?(parsing text: String) {
        let t = text.filter { $0 != " " }
        if t == "any" { self.init(any: true); return }
        var ranges: [ClosedRange<UInt16>] = []
        for part in t.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 1 || ends.count == 2,
                  let lo = UInt16(ends[0]), let hi = UInt16(ends[ends.count - 1]),
                  Self.allVIDs.contains(lo), Self.allVIDs.contains(hi), lo <= hi else { return nil }
            ranges.append(lo...hi)
        }
        guard !ranges.isEmpty else { return nil }
        self.init(ranges: ranges)
    }

    public func contains(_ vid: UInt16) -> Bool { any ? Self.allVIDs.contains(vid) : ranges.contains { $0.contains(vid) } }
    public var isEmpty: Bool { !any && ranges.isEmpty }

    public var description: String {
        any ? "any" : ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }

    /// One bit per VID, for the receive path's test per frame.
    public var bitmap: [UInt64] {
        var bits = [UInt64](repeating: 0, count: 64)
        for vid in Self.allVIDs where contains(vid) { bits[Int(vid) >> 6] |= 1 << UInt64(vid & 63) }
        return bits
    }
}

public struct PPPoEVLANSettings: Equatable, Sendable {
    /// AC: the C-VLANs served besides untagged frames (empty: untagged only).
    public var served = VLANSet()
    /// Both roles: QinQ's S-VID (0: no QinQ) and its TPID (0x88a8, or
    /// 0x8100 as older switches send it).
    public var outer: UInt16 = 0
    public var outerTPID: UInt16 = 0x88a8
    /// Client: the C-VID to dial on (0: untagged).
    public var dial: UInt16 = 0

    public init() {}

    public var isTagged: Bool { !served.isEmpty || dial != 0 }

    public func encode(into w: inout ByteWriter) {
        w.bool(served.any)
        w.u16(UInt16(served.ranges.count))
        for r in served.ranges { w.u16(r.lowerBound); w.u16(r.upperBound) }
        w.u16(outer); w.u16(outerTPID); w.u16(dial)
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> PPPoEVLANSettings {
        var s = PPPoEVLANSettings()
        s.served.any = try r.bool()
        let n = Int(try r.u16())
        guard n <= 4094 else { throw .invalid(callID: 0, reason: "pppoe vlan: \(n) ranges") }
        for _ in 0..<n {
            let lo = try r.u16(), hi = try r.u16()
            guard VLANSet.allVIDs.contains(lo), VLANSet.allVIDs.contains(hi), lo <= hi else {
                throw .invalid(callID: 0, reason: "pppoe vlan: range \(lo)-\(hi)")
            }
            s.served.ranges.append(lo...hi)
        }
        s.outer = try r.u16(); s.outerTPID = try r.u16(); s.dial = try r.u16()
        guard s.outer <= 4094, s.dial <= 4094, s.outerTPID == 0x88a8 || s.outerTPID == 0x8100 else {
            throw .invalid(callID: 0, reason: "pppoe vlan: outer \(s.outer) tpid \(s.outerTPID) dial \(s.dial)")
        }
        return s
    }
}
