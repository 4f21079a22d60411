// RFC 2868 tunnel attributes in an Access-Accept (TunnelAttributes): tags
// group a tunnel's attributes (§3), Tunnel-Type must be L2TP (§3.1), the
// medium IPv4 (§3.2), the server endpoint an IPv4 address (§3.4), the
// password decrypts with the secret, Request Authenticator and Salt (§3.5),
// and the tunnels come out by Tunnel-Preference (§3.8). Boundary tables for
// each attribute's sizes; what is malformed is refused with a reason.
import IPC
import Testing
@testable import authd

private typealias TA = TunnelAttributes

private let secret = Array("t3st-secret".utf8)
private let requestAuthenticator: [UInt8] = Array(1...16)

/// §3.5 as a server does it: Data-Length, password, zero padding to 16.
private func hidden(_ password: [UInt8], tag: UInt8, salt: [UInt8] = [0x80, 0x01]) -> [UInt8] {
    var plain = [UInt8(password.count)] + password
    plain += [UInt8](repeating: 0, count: (16 - plain.count % 16) % 16)
    var out: [UInt8] = [tag] + salt
    var previous = requestAuthenticator + salt
    for block in stride(from: 0, to: plain.count, by: 16) {
        let b = Digest.md5(secret + previous)
        let c = (0..<16).map { plain[block + $0] ^ b[$0] }
        out += c
        previous = c
    }
    return out
}

private func attr(_ type: UInt8, _ value: [UInt8]) -> RadiusAttribute { RadiusAttribute(type: type, value: value) }
private func tagged(_ type: UInt8, _ tag: UInt8, _ v: UInt32) -> RadiusAttribute {
    attr(type, [tag, UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)])
}
private func text(_ type: UInt8, _ tag: UInt8?, _ s: String) -> RadiusAttribute { attr(type, (tag.map { [$0] } ?? []) + Array(s.utf8)) }

private func choices(_ attributes: [RadiusAttribute]) -> (tunnels: [TunnelChoice], refused: [String]) {
    TA.choices(RadiusPacket(code: RadiusPacket.accessAccept, identifier: 1, authenticator: [UInt8](repeating: 0, count: 16),
                            attributes: attributes), secret: secret, requestAuthenticator: requestAuthenticator)
}

@Suite struct TunnelAttributeTests {
    @Test func twoTaggedTunnelsByPreference() {
        let r = choices([
            tagged(TA.tunnelType, 1, TA.l2tp), tagged(TA.mediumType, 1, TA.ipv4), text(TA.serverEndpoint, 1, "10.0.0.1"),
            attr(TA.password, hidden(Array("first".utf8), tag: 1)), text(TA.assignmentID, 1, "grp"),
            text(TA.clientAuthID, 1, "lac-a"), text(TA.serverAuthID, 1, "lns-a"), tagged(TA.preference, 1, 20),
            tagged(TA.tunnelType, 2, TA.l2tp), tagged(TA.mediumType, 2, TA.ipv4), text(TA.serverEndpoint, 2, "10.0.0.2:1702"),
            attr(TA.password, hidden(Array("a password of more than sixteen octets".utf8), tag: 2, salt: [0x81, 0x02])),
            tagged(TA.preference, 2, 10),
        ])
        #expect(r.refused == [])
        #expect(r.tunnels.map(\.serverEndpoint) == ["10.0.0.2:1702", "10.0.0.1"])
        #expect(r.tunnels.map(\.tag) == [2, 1] && r.tunnels.map(\.preference) == [10, 20])
        #expect(r.tunnels[0].password == Array("a password of more than sixteen octets".utf8))
        #expect(r.tunnels[1].password == Array("first".utf8) && r.tunnels[1].assignmentID == "grp")
        #expect(r.tunnels[1].clientAuthID == "lac-a" && r.tunnels[1].serverAuthID == "lns-a")
    }

    /// Untagged attributes (a string whose first octet is above 0x1F) form
    /// tunnel 0; no preference sorts last; a medium may be left out.
    @Test func untaggedTunnel() {
        let r = choices([tagged(TA.tunnelType, 0, TA.l2tp), text(TA.serverEndpoint, nil, "192.0.2.7"),
                         tagged(TA.tunnelType, 3, TA.l2tp), text(TA.serverEndpoint, 3, "192.0.2.8"), tagged(TA.preference, 3, 1)])
        #expect(r.tunnels.map(\.serverEndpoint) == ["192.0.2.8", "192.0.2.7"] && r.tunnels[1].tag == 0, "\(r)")
    }

    /// (attributes, tunnels kept, a refusal mentioning).
    static let malformed: [([RadiusAttribute], Int, String)] = [
        ([tagged(TA.tunnelType, 1, 1), text(TA.serverEndpoint, 1, "10.0.0.1")], 0, "not L2TP"),           // PPTP
        ([text(TA.serverEndpoint, 1, "10.0.0.1")], 0, "Tunnel-Type absent"),
        ([tagged(TA.tunnelType, 1, TA.l2tp), tagged(TA.mediumType, 1, 2), text(TA.serverEndpoint, 1, "10.0.0.1")], 0, "not IPv4"),
        ([tagged(TA.tunnelType, 1, TA.l2tp)], 0, "Tunnel-Server-Endpoint absent"),
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "lns.example")], 0, "not an IPv4"),
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "2001:db8::1")], 0, "not an IPv4"),
        ([attr(TA.tunnelType, [1, 0, 3]), text(TA.serverEndpoint, 1, "10.0.0.1")], 0, "Tunnel-Type of 3 octets"),   // short
        ([attr(TA.tunnelType, [1, 0, 0, 0, 3]), text(TA.serverEndpoint, 1, "10.0.0.1")], 0, "Tunnel-Type of 5 octets"),  // long
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "10.0.0.1"), attr(TA.preference, [1, 0])], 1, "Tunnel-Preference of 2"),
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "10.0.0.1"), attr(TA.serverEndpoint, [1])], 1, "not printable"),  // tag only
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "10.0.0.1"), attr(TA.assignmentID, [1, 0x07])], 1, "not printable"),
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "10.0.0.1"), attr(TA.password, [1, 0x80])], 1, "does not decrypt"),  // truncated
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "10.0.0.1"),
          attr(TA.password, Array(hidden([1, 2], tag: 1).dropLast()))], 1, "does not decrypt"),                                  // not 16-aligned
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "10.0.0.1"),
          attr(TA.password, hidden([1, 2], tag: 1, salt: [0x00, 0x01]))], 1, "does not decrypt"),                                // Salt's high bit clear
        ([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "10.0.0.1"),
          attr(TA.password, hidden([UInt8](repeating: 7, count: 15), tag: 1) + [0x55])], 1, "does not decrypt"),                // trailing octet
    ]

    @Test(arguments: malformed)
    func malformedTunnelAttributes(_ attributes: [RadiusAttribute], _ kept: Int, _ reason: String) {
        let r = choices(attributes)
        #expect(r.tunnels.count == kept, "\(r)")
        #expect(r.refused.contains { $0.contains(reason) }, "\(r.refused)")
    }

    /// A Data-Length beyond the decrypted octets is refused (a wrong secret
    /// reveals noise, usually such a length).
    @Test func passwordLengthPastItsBlocks() {
        var v = hidden([1, 2, 3], tag: 1)
        let b = Digest.md5(secret + requestAuthenticator + [0x80, 0x01])
        v[3] = 200 ^ b[0]  // Data-Length 200 in a 16-octet block
        #expect(TA.revealPassword(v, secret: secret, requestAuthenticator: requestAuthenticator) == nil)
        #expect(TA.revealPassword(hidden([1, 2, 3], tag: 1), secret: secret, requestAuthenticator: requestAuthenticator)?.password == [1, 2, 3])
    }

    /// A Data-Length of 0 is refused, not sliced (found by the RadiusAnswer
    /// campaign: `plain[1...0]` trapped authd's parser).
    @Test func passwordOfLengthZero() {
        var v = hidden([1, 2, 3], tag: 1)
        let b = Digest.md5(secret + requestAuthenticator + [0x80, 0x01])
        v[3] = 0 ^ b[0]  // Data-Length 0
        #expect(TA.revealPassword(v, secret: secret, requestAuthenticator: requestAuthenticator) == nil)
        let r = choices([tagged(TA.tunnelType, 1, TA.l2tp), text(TA.serverEndpoint, 1, "10.0.0.1"), attr(TA.password, v)])
        #expect(r.refused.contains { $0.contains("does not decrypt") }, "\(r.refused)")
    }

    @Test func atMostEightTunnels() {
        var attributes: [RadiusAttribute] = []
        for tag in UInt8(1)...10 {
            attributes += [tagged(TA.tunnelType, tag, TA.l2tp), text(TA.serverEndpoint, tag, "10.0.0.\(tag)")]
        }
        let r = choices(attributes)
        #expect(r.tunnels.count == TunnelChoice.maximum && r.refused.contains { $0.contains("past the first") })
    }
}

/// RFC 2867 §2.1: what each tunnel Acct-Status-Type carries — the RFC 2868
/// names always (Tunnel-Type and -Medium-Type tagged 0, endpoints, Acct-
/// Tunnel-Connection, Assignment-ID and the Auth-IDs when known), NAS-Port-Id
/// for a link, counters and Acct-Tunnel-Packets-Lost (§4.2) at a stop, the
/// cause at a stop or reject, nothing of a stop at a start.
@Test(arguments: TunnelAccounting.Status.allCases)
func tunnelAccountingRequestCarriesWhatRFC2867Lists(_ status: TunnelAccounting.Status) throws {
    typealias R = RadiusAttributeType
    typealias A = TunnelAttributes
    var c = SessionCounters(); c.inputOctets = (1 << 32) + 5; c.outputPackets = 9; c.sessionSeconds = 30
    let t = TunnelAccounting(status: status, accountingID: "up-t4-ab", user: "share1", session: "up:2",
                             clientEndpoint: "10.235.0.2", serverEndpoint: "10.235.0.1:1901", connection: "4/9 2/7",
                             assignmentID: "grp-a", clientAuthID: "lac", serverAuthID: "", terminateCause: 4, packetsLost: 3, counters: c)
    var record = RadiusRequests.AccountingRecord(user: t.user, sessionID: t.accountingID)
    record.tunnel = t
    let ctx = RadiusContext(nasIdentifier: "nas", session: t.session, callingStation: "")
    let wire = try #require(RadiusRequests.accountingRequest(RadiusRequests.AccountingStatus(rawValue: UInt32(status.rawValue))!, record, ctx)([1], 2, []))
    let p = try RadiusPacket(parsing: wire)
    #expect(p.code == RadiusPacket.accountingRequest)
    #expect(p.integer(R.acctStatusType) == UInt32(status.rawValue))
    #expect(p.attribute(R.acctSessionId) == Array("up-t4-ab".utf8) && p.attribute(R.userName) == Array("share1".utf8))
    #expect(p.attribute(A.tunnelType) == [0, 0, 0, 3] && p.attribute(A.mediumType) == [0, 0, 0, 1])
    #expect(p.attribute(A.clientEndpoint) == Array("10.235.0.2".utf8) && p.attribute(A.serverEndpoint) == Array("10.235.0.1:1901".utf8))
    #expect(p.attribute(R.acctTunnelConnection) == Array("4/9 2/7".utf8))
    #expect(p.attribute(A.assignmentID) == Array("grp-a".utf8) && p.attribute(A.clientAuthID) == Array("lac".utf8))
    #expect(p.attribute(A.serverAuthID) == nil, "empty: left out")
    #expect((p.attribute(R.nasPortId) != nil) == status.isLink)
    let stop = status == .tunnelStop || status == .linkStop
    #expect((p.integer(R.acctTunnelPacketsLost) == 3) == stop && (p.integer(R.acctInputGigawords) == 1) == stop)
    #expect((p.integer(R.acctInputOctets) == 5) == stop && (p.integer(R.acctSessionTime) == 30) == stop)
    #expect((p.integer(R.acctTerminateCause) == 4) == status.isEnd)
    #expect(p.attribute(A.password) == nil && p.attribute(A.preference) == nil, "RFC 2867 §5: never in accounting")
}

/// A tagged string whose first octet could pass for a Tag goes with Tag 0.
@Test func tunnelAccountingTagsAnAmbiguousString() throws {
    var record = RadiusRequests.AccountingRecord(user: "", sessionID: "x")
    record.tunnel = TunnelAccounting(status: .tunnelStart, accountingID: "x", clientEndpoint: "10.0.0.2", serverEndpoint: "10.0.0.1",
                                     connection: "1/2", assignmentID: "\u{1}grp")
    let wire = try #require(RadiusRequests.accountingRequest(.tunnelStart, record, RadiusContext(nasIdentifier: "n", session: "", callingStation: ""))([1], 2, []))
    let p = try RadiusPacket(parsing: wire)
    #expect(p.attribute(TunnelAttributes.assignmentID) == [0, 1] + Array("grp".utf8))
    #expect(p.attribute(RadiusAttributeType.userName) == nil)
}
