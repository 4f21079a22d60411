// Issue 20, point 4: the session record ncpd deposited under the previous
// release (Tests/Fixtures/records) decodes with today's code.
import Foundation
import IPC
import PPP
import TestSupport
import Testing
@testable import ncpd

@Suite struct NcpdRecordFixtureTests {
    @Test func sessionOfThePreviousRelease() throws {
        let s = try NetworkSessionState.decode(try recordFixture("ncpd-session"))
        #expect(s.record.session == "p:3" && s.record.network.pool == "clients")
        #expect(s.record.verdict?.peerName == "alice@isp")
        #expect(s.unitNumber == 2 && s.interface == "ppp2" && s.interfaceIndex == 17)
        #expect(s.leasePool == "clients" && s.leaseAddress == 0x0a00_000a)
        #expect(s.ipcp.phase == .opened && s.ipcp.nextIdentifier == 4 && s.ipcp.configured)
        #expect(s.ipcp.negotiated.localAddress == 0x0a00_0001 && s.ipcp.negotiated.remoteAddress == 0x0a00_000a)
        #expect(s.ipcp.negotiated.primaryDNS == 0xc000_0235)
        #expect(s.ipv6cp.phase == .opened && s.ipv6cp.negotiated.localIdentifier == 0x0211_22ff_fe33_4455)
        #expect(s.started == 123_456_789 && s.octetsIn == 10 && s.octetsOut == 20 && s.packetsIn == 1 && s.packetsOut == 2)
        #expect(try NetworkSessionState.decode(s.encoded()) == s)
    }
}
