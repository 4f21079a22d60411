// What an Access-Accept assigns (RFC 2865 §5, RFC 2869 §5.18, RFC 2548
// §2.7.6-7), decoded by RadiusRequests.grant: every attribute read, and a
// boundary table of malformed ones, each refused with its reason while the
// others still apply.
import IPC
import Testing
@testable import authd

private typealias T = RadiusAttributeType

private func accept(_ attributes: [RadiusAttribute]) -> RadiusPacket {
    RadiusPacket(code: RadiusPacket.accessAccept, identifier: 1, authenticator: [UInt8](repeating: 0, count: 16),
                 attributes: attributes)
}

private func dns(_ type: UInt8, _ value: [UInt8]) -> RadiusAttribute {
    MicrosoftAttribute.vendorSpecific(type, value)
}

@Test func acceptAssignsEveryAttribute() {
    let g = RadiusRequests.grant(accept([
        .integer(T.framedIPAddress, 0x0a01_0203), .integer(T.framedIPNetmask, 0xffff_ff00),
        .integer(T.sessionTimeout, 3600), .integer(T.idleTimeout, 600), .integer(T.acctInterimInterval, 60),
        RadiusAttribute(type: T.class, value: Array("gold".utf8)),
        .integer(T.framedMTU, 1400), .text(T.framedPool, "gold-pool"),
        .text(T.framedRoute, "192.168.1.0/24 0.0.0.0 1"), .text(T.framedRoute, "10.0.0.0 10.1.2.3 5"),
        dns(MicrosoftAttribute.primaryDNSServer, [8, 8, 8, 8]), dns(MicrosoftAttribute.secondaryDNSServer, [1, 1, 1, 1]),
    ]))
    #expect(g.refused == [])
    #expect(g.framedAddress == 0x0a01_0203 && g.framedNetmask == 0xffff_ff00)
    #expect(g.sessionTimeout == 3600 && g.idleTimeout == 600 && g.interimInterval == 60 && g.radiusClass == Array("gold".utf8))
    #expect(g.framedMTU == 1400 && g.framedPool == "gold-pool" && g.dns == [0x0808_0808, 0x0101_0101])
    #expect(g.framedRoutes == [FramedRoute(destination: 0xc0a8_0100, prefixLength: 24, metric: 1),
                               FramedRoute(destination: 0x0a00_0000, prefixLength: 8, gateway: 0x0a01_0203, metric: 5)],
            "\(g.framedRoutes)")
}

/// §5.8: 255.255.255.254 ("the NAS assigns from a pool") and
/// 255.255.255.255 ("the user chooses") assign no address.
@Test(arguments: [UInt32(0xffff_fffe), 0xffff_ffff])
func poolAndUserChoiceAssignNoAddress(_ a: UInt32) {
    let g = RadiusRequests.grant(accept([.integer(T.framedIPAddress, a), .text(T.framedPool, "p")]))
    #expect(g.framedAddress == 0 && g.framedPool == "p" && g.refused.isEmpty)
}

@Test(arguments: [
    (RadiusAttribute(type: T.framedIPAddress, value: [10, 0, 0]), "Framed-IP-Address of 3 octets"),
    (RadiusAttribute(type: T.sessionTimeout, value: [0, 0, 0, 0, 1]), "Session-Timeout of 5 octets"),
    (RadiusAttribute(type: T.idleTimeout, value: []), "Idle-Timeout of 0 octets"),
    (RadiusAttribute.integer(T.framedIPNetmask, 0xff00_ff00), "Framed-IP-Netmask 255.0.255.0 is not a netmask"),
    (RadiusAttribute.integer(T.framedMTU, 63), "Framed-MTU 63 (64-65535)"),
    (RadiusAttribute.integer(T.framedMTU, 65536), "Framed-MTU 65536 (64-65535)"),
    (RadiusAttribute(type: T.framedMTU, value: [5, 0xdc]), "Framed-MTU of 2 octets"),
    (RadiusAttribute.text(T.framedPool, "two words"), "Framed-Pool 'two words' is not a pool name"),
    (RadiusAttribute(type: T.framedPool, value: []), "Framed-Pool '' is not a pool name"),
    (RadiusAttribute.text(T.framedRoute, "10.0.0.1/8"), "Framed-Route 10.0.0.1/8 has bits set past its length"),
    (RadiusAttribute.text(T.framedRoute, "banana"), "Framed-Route prefix 'banana' is not a dotted quad"),
    (dns(MicrosoftAttribute.primaryDNSServer, [8, 8, 8]), "MS-Primary-DNS-Server of 3 octets"),
    (dns(MicrosoftAttribute.secondaryDNSServer, [0, 0, 0, 0]), "MS-Secondary-DNS-Server of 4 octets"),
])
func malformedAttributesAreRefusedAndTheRestApplies(_ bad: RadiusAttribute, _ why: String) {
    let g = RadiusRequests.grant(accept([bad, .integer(T.acctInterimInterval, 30)]))
    #expect(g.refused == [why], "\(g.refused)")
    #expect(g.interimInterval == 30)
}

@Test func moreRoutesThanTheVerdictCarriesAreRefused() {
    let routes = (0..<(AuthVerdict.maximumRoutes + 2)).map { RadiusAttribute.text(T.framedRoute, "10.\($0).0.0/16") }
    let g = RadiusRequests.grant(accept(routes))
    #expect(g.framedRoutes.count == AuthVerdict.maximumRoutes && g.refused.count == 2)
}

/// The grant reaches the verdict linkd and ncpd see.
@Test func grantReachesTheVerdict() {
    var grant = Grant()
    grant.framedPool = "gold"; grant.framedMTU = 1400; grant.dns = [1]
    grant.framedRoutes = [FramedRoute(destination: 0x0a00_0000, prefixLength: 8)]
    let pair = authPair(.pap)
    pair.a.autoVerify = false
    pair.begin(); pair.pump()
    let check = pair.a.pendingChecks.first
    #expect(check != nil)
    if let check {
        pair.queue(pair.a.apply(pair.a.session.verified(id: check.id, .accept("radius", grant: grant))), toA: false)
        pair.pump()
    }
    let v = pair.a.verdicts.first
    #expect(v?.framedPool == "gold" && v?.framedMTU == 1400 && v?.dns == [1] && v?.framedRoutes.count == 1, "\(String(describing: v))")
    #expect(v?.accountingStarted == false)
}

/// RFC 3162 §2.3 Framed-IPv6-Prefix and RFC 4818 §3 Delegated-IPv6-Prefix:
/// Reserved, Prefix-Length, then as many prefix octets as the length needs
/// (a full 16 too); they reach the grant.
@Test func acceptAssignsIPv6Prefixes() throws {
    let g = RadiusRequests.grant(accept([
        RadiusAttribute(type: T.framedIPv6Prefix, value: [0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0x77, 0, 0]),
        RadiusAttribute(type: T.delegatedIPv6Prefix, value: [0, 56, 0x20, 0x01, 0x0d, 0xb8, 0x77, 0, 0] + [UInt8](repeating: 0, count: 9)),
    ]))
    #expect(g.refused == [])
    #expect(g.framedIPv6Prefix == IPv6PrefixValue(address: [0x20, 0x01, 0x0d, 0xb8, 0, 0x77] + [UInt8](repeating: 0, count: 10), length: 64))
    #expect(g.delegatedIPv6Prefix == IPv6PrefixValue(address: [0x20, 0x01, 0x0d, 0xb8, 0x77] + [UInt8](repeating: 0, count: 11), length: 56))
}

/// The boundary table: short, long, reserved set, length past 128, a prefix
/// field shorter than its length, bits past the length.
@Test(arguments: [
    ([0], "1 octets of value, 2 to 18"),
    ([0, 64] + [UInt8](repeating: 0, count: 17), "19 octets of value, 2 to 18"),
    ([1, 64, 0x20, 0x01, 0, 0, 0, 0, 0, 0], "reserved octet 1, not 0"),
    ([0, 129] + [UInt8](repeating: 0, count: 16), "prefix length 129, more than 128"),
    ([0, 64, 0x20, 0x01, 0x0d, 0xb8], "prefix of 4 octets for a length needing 8"),
    ([0, 56, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1], "bits past the prefix length are set"),
] as [([UInt8], String)])
func malformedIPv6PrefixesAreRefused(_ value: [UInt8], _ why: String) {
    for (type, name) in [(T.framedIPv6Prefix, "Framed-IPv6-Prefix"), (T.delegatedIPv6Prefix, "Delegated-IPv6-Prefix")] {
        let g = RadiusRequests.grant(accept([RadiusAttribute(type: type, value: value), .integer(T.acctInterimInterval, 30)]))
        #expect(g.refused == ["\(name): \(why)"], "\(g.refused)")
        #expect(g.framedIPv6Prefix == nil && g.delegatedIPv6Prefix == nil && g.interimInterval == 30)
    }
    // The smallest valid value: ::/0 in two octets.
    #expect((try? RadiusRequests.ipv6Prefix([0, 0][...]))?.length == 0)
}

/// Accounting carries both, all 16 octets (RFC 3162 §3's table: 0+ in an
/// Accounting-Request), in every status.
@Test func accountingCarriesIPv6Prefixes() throws {
    var record = RadiusRequests.AccountingRecord(user: "dave", sessionID: "x")
    record.framedIPv6Prefix = IPv6PrefixValue(address: [0x20, 0x01, 0x0d, 0xb8, 0, 0x77] + [UInt8](repeating: 0, count: 10), length: 64)
    record.delegatedIPv6Prefix = IPv6PrefixValue(address: [0x20, 0x01, 0x0d, 0xb8, 0x77] + [UInt8](repeating: 0, count: 11), length: 56)
    let ctx = RadiusContext(nasIdentifier: "nas", session: "t:1", callingStation: "")
    for status in [RadiusRequests.AccountingStatus.start, .interimUpdate, .stop] {
        let wire = try #require(RadiusRequests.accountingRequest(status, record, ctx)([1], 2, []))
        let p = try RadiusPacket(parsing: wire)
        #expect(p.attribute(T.framedIPv6Prefix) == [0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0x77] + [UInt8](repeating: 0, count: 10))
        #expect(p.attribute(T.delegatedIPv6Prefix) == [0, 56, 0x20, 0x01, 0x0d, 0xb8, 0x77] + [UInt8](repeating: 0, count: 11))
        #expect(p.attribute(T.framedIPv6Address) == nil)
    }
}

/// RFC 6911 §3.1: the IA_NA address ncpd gave the session goes out as
/// Framed-IPv6-Address (168), its 16 octets, in every status; a value that
/// is not a /128 is never sent as one.
@Test func accountingCarriesTheIANAAddress() throws {
    let address: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff] + [UInt8](repeating: 0, count: 8) + [1, 0]
    var record = RadiusRequests.AccountingRecord(user: "carol", sessionID: "x")
    record.framedIPv6Address = IPv6PrefixValue(address: address, length: 128)
    let ctx = RadiusContext(nasIdentifier: "nas", session: "t:1", callingStation: "")
    for status in [RadiusRequests.AccountingStatus.start, .interimUpdate, .stop] {
        let wire = try #require(RadiusRequests.accountingRequest(status, record, ctx)([1], 2, []))
        #expect(try RadiusPacket(parsing: wire).attribute(T.framedIPv6Address) == address)
    }
    record.framedIPv6Address = IPv6PrefixValue(address: address, length: 120)
    let wire = try #require(RadiusRequests.accountingRequest(.interimUpdate, record, ctx)([1], 2, []))
    #expect(try RadiusPacket(parsing: wire).attribute(T.framedIPv6Address) == nil)
}
