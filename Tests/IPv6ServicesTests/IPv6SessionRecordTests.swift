// The deposited IPv6 session record: round trip, and refusal of every
// truncation, trailing octets, other versions and values out of range.
import Testing
@testable import IPv6Services

@Suite struct IPv6SessionRecordTests {
    static func record() -> IPv6SessionRecord {
        var r = IPv6SessionRecord(session: "eth0:17")
        r.user = "alice"; r.advertisedPool = "ra64"; r.delegatedPool = "pd56"
        r.advertisedPrefix = sessionPrefix
        r.peer = hostLL
        r.leases = [
            DHCPv6Lease(kind: .prefix, client: .linkLayer(hardwareType: 1, address: [2, 0, 0, 0, 0, 1]), iaid: 1,
                        prefix: p("2001:db8:100::/56"), preferredLifetime: 1000, validLifetime: 2000,
                        expires: 123_456_789_000, committed: true, pooled: true),
            DHCPv6Lease(kind: .address, client: .linkLayer(hardwareType: 1, address: [2, 0, 0, 0, 0, 1]), iaid: 1,
                        prefix: p("2001:db8:ffff::7/128"), preferredLifetime: 1000, validLifetime: 2000,
                        expires: 1, committed: false, pooled: false),
        ]
        return r
    }

    @Test func roundTrips() throws {
        let r = Self.record()
        #expect(try IPv6SessionRecord.decode(r.encoded()) == r)
        let empty = IPv6SessionRecord(session: "")
        #expect(try IPv6SessionRecord.decode(empty.encoded()) == empty)
        #expect(empty.encoded() == [1, 0, 0, 0, 0, 255, 0, 0])
    }

    @Test func everyTruncationAndTrailingOctetIsRefused() {
        let bytes = Self.record().encoded()
        for n in 0..<bytes.count {
            #expect(throws: IPv6Error.self) { try IPv6SessionRecord.decode(Array(bytes.prefix(n))) }
        }
        #expect(throws: IPv6Error.trailingBytes(1)) { try IPv6SessionRecord.decode(bytes + [0]) }
    }

    @Test func badFieldsAreRefused() {
        let good = Self.record().encoded()
        var version = good; version[0] = 2
        #expect(throws: IPv6Error.badRecordVersion(2)) { try IPv6SessionRecord.decode(version) }
        // The fixed offsets: version 1, four strings (1 + 7, 1 + 5, 1 + 4, 1 + 4).
        let prefixAt = 1 + 8 + 6 + 5 + 5
        var length = good; length[prefixAt] = 129
        #expect(throws: IPv6Error.badPrefixLength(129)) { try IPv6SessionRecord.decode(length) }
        var hostBits = good; hostBits[prefixAt + 16] = 1
        #expect(throws: IPv6Error.invalidValue) { try IPv6SessionRecord.decode(hostBits) }
        let peerFlagAt = prefixAt + 17
        var peer = good; peer[peerFlagAt] = 2
        #expect(throws: IPv6Error.invalidValue) { try IPv6SessionRecord.decode(peer) }
        let countAt = peerFlagAt + 17
        var count = good; count[countAt] = 17
        #expect(throws: IPv6Error.invalidValue) { try IPv6SessionRecord.decode(count) }
        var kind = good; kind[countAt + 1] = 3
        #expect(throws: IPv6Error.invalidValue) { try IPv6SessionRecord.decode(kind) }
        var duid = good; duid[countAt + 2] = 1
        #expect(throws: IPv6Error.self) { try IPv6SessionRecord.decode(duid) }
        var utf8 = good; utf8[2] = 0xff
        #expect(throws: IPv6Error.invalidValue) { try IPv6SessionRecord.decode(utf8) }
        var flags = good; flags[countAt + 1 + 1 + 10 + 4 + 17 + 4 + 4 + 8 + 1] = 4
        #expect(throws: IPv6Error.invalidValue) { try IPv6SessionRecord.decode(flags) }
        // An address lease must be a /128.
        var r = Self.record()
        r.leases[1].prefix = p("2001:db8:ffff::/64")
        #expect(throws: IPv6Error.badPrefixLength(64)) { try IPv6SessionRecord.decode(r.encoded()) }
    }
}
