// The LCP configuration a port's settings ask for (pppd's option names in,
// the PPP library's LCPConfiguration out): MRU and ACCM, and which
// Authentication-Protocols we require of the peer and accept for ourselves
// (RFC 1661 §6.2). Kept apart from Session so the table is unit-tested.
import IPC
import PPP

enum LCPPolicy {
    /// pppd's order of preference, strongest first (lcp.c: EAP, then CHAP
    /// with the best digest, then PAP); both our requests and our Naks follow it.
    static let preference: [AuthMethod] = [.eapMD5, .msChapV2, .chapMD5, .pap]

    /// `pppoeMaximumPayload`: a PPPoE session's ceiling (1492, or RFC 4638's
    /// PPP-Max-Payload), which bounds the MRU both ways.
    /// `mruCeiling`: an L2TP call switched from a subscriber (a LAC's
    /// upstream session) asks the LNS for no larger an MRU than the
    /// subscriber's link takes (DialProxy.mru): the LNS then sizes its
    /// packets (its interface MTU) to what reaches the subscriber whole,
    /// where a 1500-octet packet into a 1492-octet PPPoE session would be
    /// lost (RFC 4638 §1's problem, solved at the LAC as accel-ppp does).
    static func configuration(for settings: PortSettings, async: Bool, seed: UInt64,
                              pppoeMaximumPayload: Int? = nil, mruCeiling: UInt16? = nil) -> LCPConfiguration {
        var c = LCPConfiguration()
        c.mru = min(settings.mru, mruCeiling ?? settings.mru)
        c.acceptableMRU = 128...max(settings.mru, 1500)
        if let ceiling = pppoeMaximumPayload.map({ UInt16(clamping: $0) }) {
            // RFC 2516 §7: "the MRU option MUST NOT be negotiated to a larger
            // size than 1492" (RFC 4638: the granted payload); ACFC MUST NOT
            // be requested and PFC is NOT RECOMMENDED, so neither is asked
            // for or agreed to: every frame carries a 2-octet Protocol field.
            c.mru = min(settings.mru, ceiling)
            c.acceptableMRU = min(128, c.mru)...c.mru
            c.requestACFC = false
            c.requestPFC = false
            c.acceptACFC = false
            c.acceptPFC = false
        }
        // RFC 1662 §7.1: the ACCM means nothing without octet-stuffing.
        c.asyncMap = async ? settings.asyncMap : nil
        c.magicSeed = seed
        // require-*: we ask for the first and, on a Nak, fall back along the
        // list (the negotiator tries the peer's suggestion first when it is
        // on the list, as pppd does). noauth with nothing required asks nothing.
        c.requiredAuthentication = settings.noauth && settings.requiredMethods.isEmpty
            ? [] : settings.requiredMethods.map(protocolFor)
        // refuse-*: the peer's Auth-Protocol request is acked only for methods
        // we accept, else Nak'd with the most preferred one we accept, and
        // Rejected when we accept none (pppd with every refuse-* set).
        c.acceptedAuthentication = preference.filter(settings.accepts).map(protocolFor)
        c.multilink = multilink(settings.multilink)
        return c
    }

    /// RFC 1990 §5.1 from pppd's `multilink`, `mrru`, `mpshortseq`,
    /// `endpoint`; nil (options rejected, as before) without `multilink`.
    /// A Nak may move our MRRU between 1500 (§5.1.1 "MUST be able to
    /// receive") and what was configured.
    static func multilink(_ m: MultilinkSettings) -> MultilinkConfiguration? {
        guard m.enabled else { return nil }
        var c = MultilinkConfiguration()
        c.mrru = m.mrru
        c.acceptableMRRU = min(m.mrru, 1500)...max(m.mrru, 1500)
        c.requestShortSequence = m.shortSequence
        c.endpointDiscriminator = m.endpoint.isEmpty ? nil : try? EndpointDiscriminator(optionValue: m.endpoint)
        return c
    }

    static func protocolFor(_ m: AuthMethod) -> AuthenticationProtocol {
        switch m {
        case .pap: .pap
        case .chapMD5: .chapMD5
        case .msChapV2: .msChapV2
        case .eapMD5: .eap
        }
    }

    static func method(_ p: AuthenticationProtocol) -> AuthMethod {
        switch p {
        case .pap: .pap
        case .chapMD5: .chapMD5
        case .msChapV2: .msChapV2
        case .eap: .eapMD5
        }
    }
}
