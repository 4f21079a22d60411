// Resuming an Opened control protocol (DESIGN.md "Restart without losing
// sessions"): nothing is sent, `negotiated` reads back what was saved, and
// the Identifier sequence carries on.
import Testing
@testable import PPP

@Suite struct ResumeTests {
    @Test func lcpResumesOpenedWithWhatWasNegotiated() {
        var o = LCPNegotiatedOptions()
        o.localMRU = 1400; o.peerMRU = 1492; o.receiveACCM = 0x000a_0000; o.transmitACCM = 0
        o.transmitPFC = true; o.receiveACFC = true; o.localMagicNumber = 0x1234_5678; o.peerMagicNumber = 0x9abc_def0
        o.weAuthenticatePeerWith = .chapMD5
        var n = LCPNegotiator(configuration: LCPConfiguration())
        n.restore(o)
        var lcp = LCP.resumed(negotiator: n, nextIdentifier: 42)
        #expect(lcp.state == .opened)
        #expect(lcp.negotiator.negotiated == o)
        #expect(lcp.negotiator.magicNumber == 0x1234_5678)
        #expect(lcp.identifierToSave == 42)
        // An Echo-Request carries our Magic-Number and the next Identifier.
        let echo = lcp.echoRequest()
        #expect(echo != nil)
        #expect(lcp.identifierToSave == 43)
    }

    @Test func ncpsResumeOpenedAndSendNothingUntilThePeerSpeaks() {
        var v4 = IPCPNegotiated()
        v4.localAddress = 0x0a00_0001; v4.remoteAddress = 0x0a00_000a; v4.primaryDNS = 0xc000_0235
        var ipcpN = IPCPNegotiator(configuration: IPCPConfiguration())
        ipcpN.restore(v4)
        let ipcp = IPCP.resumed(negotiator: ipcpN, nextIdentifier: 7)
        #expect(ipcp.state == .opened && ipcp.negotiator.negotiated == v4)

        var v6 = IPv6CPNegotiated()
        v6.localIdentifier = 0x1111_2222_3333_4444; v6.remoteIdentifier = 0x5555_6666_7777_8888
        var v6N = IPv6CPNegotiator(configuration: IPv6CPConfiguration())
        v6N.restore(v6)
        var ipv6cp = IPv6CP.resumed(negotiator: v6N, nextIdentifier: 3)
        #expect(ipv6cp.state == .opened && ipv6cp.negotiator.negotiated == v6)
        // A restart timer left over from the old process is ignored in Opened.
        #expect(ipv6cp.timeout().isEmpty)
        // The peer renegotiating (RCR in Opened) is still the RFC's tld/scr/sca.
        let request = ControlPacket(code: .configureRequest, identifier: 9,
                                    data: ConfigurationOption.encodeList([IPv6CPOption.interfaceIdentifier(v6.remoteIdentifier).option]))
        let actions = ipv6cp.receive(request.encoded()[...])
        #expect(actions.contains { if case .thisLayerDown = $0 { true } else { false } })
    }
}
