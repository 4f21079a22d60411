// NcpdSettings version 4's IPv6 part (IPv6Settings.swift, issue 18): a
// round trip, versions 1, 2 and 3 still read, and the boundary table — every
// truncation, a trailing octet, too many DNS servers, a pool ncpd's
// PrefixPool could not carve, an RA interval outside RFC 4861's range,
// preferred above valid, a bad boolean — each a typed IPCError.
import IPC
import Testing

@Suite struct IPv6SettingsTests {
    static func sample() -> NcpdSettings {
        var s = NcpdSettings()
        s.pools = [AddressPoolSettings(name: "v4", first: 1, last: 9)]
        s.pools6 = [IPv6PoolSettings(name: "pd", aggregate: [0x20, 0x01, 0x0d, 0xb8, 1] + [UInt8](repeating: 0, count: 11),
                                     aggregateLength: 40, length: 56)]
        var port = IPv6PortSettings(port: "p")
        port.raPool = "ra"; port.pdPool = "pd"; port.naPool = "na"; port.dns = [[UInt8](repeating: 7, count: 16)]
        port.raInterval = 30; port.managed = true; port.mtu = 1400
        port.minRaInterval = 10; port.routerLifetime = 0; port.autonomous = false; port.dnsLifetime = 90
        port.searchDomains = ["example.net", "corp.example"]
        var cpe = IPv6PortSettings(port: "c")
        cpe.client = true; cpe.prefixHint = 56; cpe.lanInterface = "lan0"
        s.ipv6Ports = [port, cpe]
        return s
    }

    @Test func roundTripAndVersion1() throws {
        let s = Self.sample()
        #expect(try NcpdSettings.decode(s.encoded()) == s)
        var v1 = NcpdSettings()
        v1.pools = s.pools
        let old = Array(v1.encoded().dropLast(2 + 1))  // version 2's two empty IPv6 counts, 5's batch
        var bytes = old
        bytes[0] = 1
        #expect(try NcpdSettings.decode(bytes) == v1)
        // Version 2: no na-pool (the CPE port, last, ends with its empty
        // one and version 4's RA keys at their defaults, 13 octets).
        var v2 = s
        v2.ipv6Ports = [s.ipv6Ports[1]]
        var two = Array(v2.encoded().dropLast(2 + Self.version4Tail + 1))
        two[0] = 2
        #expect(try NcpdSettings.decode(two) == v2)
        // Version 3: none of version 4's keys; they read as their defaults.
        var three = Array(v2.encoded().dropLast(Self.version4Tail + 1))
        three[0] = 3
        #expect(try NcpdSettings.decode(three) == v2)
        // Version 4: no TUN batch (issue 13); read as 1.
        var batched = s
        batched.tunBatch = UInt8(TunStock.batch)
        #expect(try NcpdSettings.decode(batched.encoded()) == batched)
        var four = Array(batched.encoded().dropLast(1))
        four[0] = 4
        #expect(try NcpdSettings.decode(four) == s)
        // Version 5's batch: 1 to TunStock.batch.
        for bad in [0, TunStock.batch + 1, 255] {
            var b = batched.encoded()
            b[b.count - 1] = UInt8(bad)
            #expect(throws: IPCError.self, "\(bad)") { try NcpdSettings.decode(b) }
        }
        #expect(throws: IPCError.self, "trailing") { try NcpdSettings.decode(batched.encoded() + [0]) }
    }

    /// Version 4's RA keys with no search domain: min interval (4), router
    /// lifetime flag and value (1 + 2), A flag (1), DNS lifetime (4), count (1).
    static let version4Tail = 13

    /// Version 4's RA keys refused when they break the record's limits.
    @Test func version4Boundaries() {
        var many = Self.sample()
        many.ipv6Ports[0].searchDomains = Array(repeating: "a.example", count: IPv6PortSettings.maxSearchDomains + 1)
        #expect(throws: IPCError.self) { try NcpdSettings.decode(many.encoded()) }
        var empty = Self.sample()
        empty.ipv6Ports[0].searchDomains = [""]
        #expect(throws: IPCError.self) { try NcpdSettings.decode(empty.encoded()) }
        var long = Self.sample()
        long.ipv6Ports[0].searchDomains = [String(repeating: "a", count: 254)]
        #expect(throws: IPCError.self) { try NcpdSettings.decode(long.encoded()) }
        // The router-lifetime flag and the A flag are boolean octets.
        var cpe = Self.sample()
        cpe.ipv6Ports = [cpe.ipv6Ports[1]]
        let bytes = cpe.encoded()
        // (Version 5's TUN batch, one octet, is last.)
        for at in [bytes.count - 1 - 13 + 4, bytes.count - 1 - 13 + 7] {
            var bad = bytes
            #expect(bad[at] <= 1)
            bad[at] = 2
            #expect(throws: IPCError.self, "octet \(at)") { try NcpdSettings.decode(bad) }
        }
        #expect(bytes[bytes.count - 1 - 13 + 7] == 1, "the A flag defaults to set")
    }

    @Test func boundaryTable() {
        let bytes = Self.sample().encoded()
        for n in 0..<bytes.count {
            #expect(throws: IPCError.self, "\(n) of \(bytes.count) octets") { try NcpdSettings.decode(Array(bytes.prefix(n))) }
        }
        #expect(throws: IPCError.self) { try NcpdSettings.decode(bytes + [0]) }
        var version = bytes
        version[0] = 6
        #expect(throws: IPCError.self) { try NcpdSettings.decode(version) }

        var dns = Self.sample()
        dns.ipv6Ports[0].dns = Array(repeating: [UInt8](repeating: 1, count: 16), count: IPv6PortSettings.maxDNS + 1)
        #expect(throws: IPCError.self) { try NcpdSettings.decode(dns.encoded()) }
        for (aggregate, length): (UInt8, UInt8) in [(56, 56), (32, 64), (120, 129)] {
            var pool = Self.sample()
            pool.pools6[0].aggregateLength = aggregate
            pool.pools6[0].length = length
            #expect(throws: IPCError.self, "/\(aggregate) into /\(length)") { try NcpdSettings.decode(pool.encoded()) }
        }
        for interval: UInt32 in [3, 65536] {
            var ra = Self.sample()
            ra.ipv6Ports[0].raInterval = interval
            #expect(throws: IPCError.self, "interval \(interval)") { try NcpdSettings.decode(ra.encoded()) }
        }
        var lifetimes = Self.sample()
        lifetimes.ipv6Ports[0].preferredLifetime = 10
        lifetimes.ipv6Ports[0].validLifetime = 9
        #expect(throws: IPCError.self) { try NcpdSettings.decode(lifetimes.encoded()) }
        var hint = Self.sample()
        hint.ipv6Ports[1].prefixHint = 129
        #expect(throws: IPCError.self) { try NcpdSettings.decode(hint.encoded()) }
        // The client flag is a boolean octet: 2 is refused.
        var flag = Self.sample().encoded()
        let at = flag.count - 1 - Self.version4Tail - 2 - (2 + 4) - 1 - 1  // before prefixHint, "lan0", the empty na-pool, version 4's keys, 5's batch
        #expect(flag[at] == 1)
        flag[at] = 2
        #expect(throws: IPCError.self) { try NcpdSettings.decode(flag) }
    }

    /// authd's session-prefixes arguments (issue 18): HEX32/LEN prefixes
    /// round trip, absent keys are no prefix, and the boundary table.
    @Test func sessionPrefixesArguments() throws {
        let p = try #require(IPv6PrefixValue(address: [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [UInt8](repeating: 0, count: 10), length: 64))
        let a = SessionPrefixesArguments(session: "ta:1", prefix: p, delegated: nil)
        #expect(a.json.encoded() == #"{"session":"ta:1","prefix":"20010db8000100000000000000000000/64"}"#)
        #expect(try SessionPrefixesArguments(json: a.json) == a)
        #expect(try SessionPrefixesArguments(json: .object(["session": .string("ta:1")])).prefix == nil)
        let upper = try SessionPrefixesArguments(json: .object(["session": .string("s"), "delegated": .string("20010DB8000000000000000000000000/32")]))
        #expect(upper.delegated?.length == 32 && upper.delegated?.address.first == 0x20)
        for bad in ["", "20010db8/64", "20010db800010000000000000000000/64", "20010db8000100000000000000000000/129",
                    "20010db8000100000000000000000000/064", "20010db8000100000000000000000000/16",
                    "20010db800010000000000000000000g/64", "20010db8000100000000000000000000-64",
                    "20010db8000100000000000000000000/", "20010db8000100000000000000000000/1280"] {
            #expect(throws: MethodError.self, "\(bad)") {
                try SessionPrefixesArguments(json: .object(["session": .string("s"), "prefix": .string(bad)]))
            }
        }
        #expect(throws: MethodError.self) { try SessionPrefixesArguments(json: .object(["prefix": .string("x")])) }
        #expect(throws: MethodError.self) { try SessionPrefixesArguments(json: .object(["session": .string("s"), "extra": .int(1)])) }
        #expect(throws: MethodError.self) { try SessionPrefixesArguments(json: .object(["session": .string("s"), "prefix": .int(1)])) }
        #expect(throws: MethodError.self) { try SessionPrefixesArguments(json: .array([])) }
        #expect(try SessionPrefixesReply(json: SessionPrefixesReply(session: "s", known: true).json).known)
        #expect(throws: MethodError.self) { try SessionPrefixesReply(json: .object(["session": .string("s")])) }
    }

    /// The IA_NA address travels as a /128 (RFC 6911 §3.1's
    /// Framed-IPv6-Address holds one address); another length is refused.
    /// ncpd's own session-prefixes answers with the same keys and "known".
    @Test func sessionPrefixesAddressAndNcpdReply() throws {
        let host = "20010db8ffff00000000000000000100"
        let a = try SessionPrefixesArguments(json: .object(["session": .string("s"), "address": .string(host + "/128")]))
        #expect(a.address?.length == 128 && a.address?.address.last == 0 && a.prefix == nil)
        #expect(try SessionPrefixesArguments(json: a.json) == a)
        for bad in [host + "/127", "20010db8ffff00000000000000000000/64", host] {
            #expect(throws: MethodError.self, "\(bad)") {
                try SessionPrefixesArguments(json: .object(["session": .string("s"), "address": .string(bad)]))
            }
        }
        let reply = NcpdSessionPrefixesReply(known: true, prefixes: a)
        #expect(reply.json.encoded() == #"{"session":"s","address":"\#(host)/128","known":true}"#)
        #expect(try NcpdSessionPrefixesReply(json: reply.json) == reply)
        let unknown = NcpdSessionPrefixesReply(known: false, prefixes: SessionPrefixesArguments(session: "x:9", prefix: nil, delegated: nil))
        #expect(try NcpdSessionPrefixesReply(json: unknown.json) == unknown)
        // Arguments without "known", "known" of another type, a key of neither: refused.
        #expect(throws: MethodError.self) { try NcpdSessionPrefixesReply(json: a.json) }
        #expect(throws: MethodError.self) { try NcpdSessionPrefixesReply(json: .object(["session": .string("s"), "known": .int(1)])) }
        #expect(throws: MethodError.self) {
            try NcpdSessionPrefixesReply(json: .object(["session": .string("s"), "known": .bool(true), "extra": .int(1)]))
        }
        #expect(throws: MethodError.self) { try NcpdSessionPrefixesReply(json: .object(["known": .bool(false)])) }
        // authd's arguments refuse "known": it is the reply's key only.
        #expect(throws: MethodError.self) { try SessionPrefixesArguments(json: unknown.json) }
    }
}
