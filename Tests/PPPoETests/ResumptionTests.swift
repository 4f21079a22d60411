// Sessions taken back after a linkd restart (PPPoE/Resumption.swift): the AC
// adopts a deposited session, a Host's machine resumes Established, and the
// PADT either sends still carries the relay agent's Relay-Session-Id
// (RFC 2516 Appendix A) and answers to the session's peer only (§4).
import Testing
@testable import PPPoE

@Suite struct ResumptionTests {
    static let relay: [UInt8] = [0x0a, 0x0b, 0x0c]

    @Test func adoptedSessionEndsWithItsRelayIDAndKeepsItsNumber() throws {
        var ac = AccessConcentrator(configuration: AccessConcentratorTests.configuration())
        let adopted = ac.adopt(sessionID: 7, peer: hostMAC, serviceName: Array("isp".utf8), relaySessionID: Self.relay,
                               maximumPayload: 1492)
        // The same id cannot be adopted twice, nor the reserved one.
        let twice = ac.adopt(sessionID: 7, peer: hostMAC.next, serviceName: [], maximumPayload: 1492)
        let reserved = ac.adopt(sessionID: 0xffff, peer: hostMAC, serviceName: [], maximumPayload: 1492)
        #expect(adopted && !twice && !reserved)
        #expect(ac.sessionCount == 1)

        let padt = try #require(ac.terminate(sessionID: 7, reason: "LCP terminated").first?.frame.flatMap(parsed))
        #expect(padt.code == .padt && padt.sessionID == 7 && padt.destination == hostMAC)
        #expect(padt.relaySessionID == Self.relay)
        #expect(ac.sessionCount == 0)
    }

    @Test func adoptedSessionWithoutRelayIDSendsNone() throws {
        var ac = AccessConcentrator(configuration: AccessConcentratorTests.configuration())
        let adopted = ac.adopt(sessionID: 9, peer: hostMAC, serviceName: [], maximumPayload: 1500)
        #expect(adopted)
        let padt = try #require(ac.terminate(sessionID: 9, reason: "x").first?.frame.flatMap(parsed))
        #expect(padt.relaySessionID == nil)
    }

    @Test func resumedHostSendsItsPADTWithTheRelayID() throws {
        let session = DiscoveryClient.Session(id: 0x2a, peer: acMAC, acName: Array("bras".utf8), serviceName: [],
                                              relaySessionID: Self.relay, maximumPayload: 1492)
        var client = DiscoveryClient(configuration: DiscoveryClientTests.configuration(), resuming: session)
        #expect(client.state == .established(session))
        let actions = client.stop(reason: "user request")
        let padt = try #require(sent(actions) { if case .send(let f) = $0 { f } else { nil } }.first.flatMap(parsed))
        #expect(padt.code == .padt && padt.sessionID == 0x2a && padt.destination == acMAC)
        #expect(padt.relaySessionID == Self.relay)
    }
}
