// The keys of a `type = "pppoe"` port beyond `interface` (RFC 2516, RFC 4638):
// the role, the names discovery asks for or announces, the client's Host-Uniq
// and discovery timing, and the access concentrator's limits. The LCP, auth,
// NCP and persist/holdoff/maxfail keys are the ones every port has.
import Config
import IPC

extension RouterConfig {
    static func parsePPPoE(port name: String, _ r: inout TableReader) throws(ConfigError) -> PPPoESettings {
        var s = PPPoESettings()
        s.role = try r.enumeration("role", PPPoERole.allCases.map(\.name), default: "client") == "ac" ? .ac : .client
        s.serviceName = try r.string("service-name", default: s.serviceName)
        s.services = try r.stringArray("service-names", default: [])
        s.acName = try r.string("ac-name", default: s.acName)
        // RFC 2516 §4: a TAG value fits a 1494-octet payload with the others;
        // names are kept well under that.
        for n in [s.serviceName, s.acName] + s.services where n.utf8.count > 255 {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': PPPoE names are at most 255 bytes")
        }
        if let hex = try r.optionalString("host-uniq") {
            guard let bytes = Self.hexBytes(hex), !bytes.isEmpty, bytes.count <= 64 else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'host-uniq' is 1-64 octets in hex, e.g. \"0a1b2c3d\"")
            }
            s.hostUniq = bytes
        }
        s.maxSessions = try r.integer("max-sessions", default: s.maxSessions, in: 1...65534)
        s.padiLimit = try r.integer("padi-limit", default: s.padiLimit, in: 1...100_000)
        s.padiBurst = try r.integer("padi-burst", default: s.padiBurst, in: 1...100_000)
        s.padiTotal = try r.integer("padi-total", default: s.padiTotal, in: 1...1_000_000)
        s.padiTimeout = try r.integer("padi-timeout", default: s.padiTimeout, in: 1...60)
        s.padiAttempts = try r.integer("padi-attempts", default: s.padiAttempts, in: 1...1000)
        s.stalePADT = try r.bool("stale-padt", default: s.stalePADT)
        s.vlan = try parseVLANs(port: name, role: s.role, &r)
        return s
    }

    /// Issue 13: `vlan-mon` (accel-ppp's name: the C-VLANs an AC serves,
    /// "100-199,300" or "any"), `vlan-outer` and `vlan-outer-tpid` (QinQ's
    /// S-tag), `vlan` (the C-VLAN a client dials on).
    static func parseVLANs(port name: String, role: PPPoERole, _ r: inout TableReader) throws(ConfigError) -> PPPoEVLANSettings {
        var v = PPPoEVLANSettings()
        let reader = r
        // The line of the key the complaint is about.
        func fail(_ key: String, _ why: String) -> ConfigError {
            ConfigError(file: reader.file, line: reader.table[key]?.line ?? reader.line, reason: "port '\(name)': \(why)")
        }
        if let text = try r.optionalString("vlan-mon") {
            guard role == .ac else { throw fail("vlan-mon", "'vlan-mon' is for role = \"ac\"; a client dials on one VLAN with 'vlan'") }
            guard let set = VLANSet(parsing: text) else {
                throw fail("vlan-mon", "'vlan-mon' is \"any\" or VLAN ids 1-4094 and ranges, e.g. \"100-199,300\"")
            }
            v.served = set
        }
        if let vid: UInt16 = try r.optionalInteger("vlan", in: 1...4094) {
            guard role == .client else { throw fail("vlan", "'vlan' is for role = \"client\"; an access concentrator serves VLANs with 'vlan-mon'") }
            v.dial = vid
        }
        if let outer: UInt16 = try r.optionalInteger("vlan-outer", in: 1...4094) {
            guard v.isTagged else { throw fail("vlan-outer", "'vlan-outer' (QinQ) needs 'vlan-mon' or 'vlan' for the inner VLAN") }
            v.outer = outer
        }
        if let tpid = try r.optionalString("vlan-outer-tpid") {
            switch tpid.lowercased() {
            case "0x88a8", "88a8", "802.1ad": v.outerTPID = 0x88a8
            case "0x8100", "8100", "802.1q": v.outerTPID = 0x8100
            default: throw fail("vlan-outer-tpid", "'vlan-outer-tpid' is \"0x88a8\" (802.1ad) or \"0x8100\"")
            }
            guard v.outer != 0 else { throw fail("vlan-outer-tpid", "'vlan-outer-tpid' needs 'vlan-outer'") }
        }
        return v
    }

    /// "0a1b2c" (an optional 0x, even digit count) → octets; nil if not hex.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.hasPrefix("0x") ? text.dropFirst(2) : Substring(text))
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < digits.count {
            guard let v = UInt8(String(digits[i..<(i + 2)]), radix: 16) else { return nil }
            out.append(v)
            i += 2
        }
        return out
    }
}
