// LCP's option policy (RFC 1661 §6, RFC 1662 §7.1): builds our Configure-Request
// from LCPConfiguration, judges the peer's, adapts to Naks and Rejects, detects
// a looped-back link by Magic-Number (§6.4), and reports the negotiated result.

/// The OptionNegotiator for LCP. Use as `ControlProtocol<LCPNegotiator>` (`LCP`).
public struct LCPNegotiator: OptionNegotiator {
    /// What our next Configure-Request asks for (pppd's "wantoptions/gotoptions").
    struct Request: Equatable, Sendable {
        var mru: UInt16?
        var asyncMap: UInt32?
        var magicNumber: UInt32?
        var pfc = false
        var acfc = false
        var authentication: AuthenticationProtocol?
        /// RFC 1990 §5.1: the multilink options, requested only when configured.
        var mrru: UInt16?
        var shortSequence = false
        var endpointDiscriminator: EndpointDiscriminator?
    }

    public let configuration: LCPConfiguration
    var generator: MagicNumberGenerator
    var request = Request()
    /// Authentication protocols not yet refused by the peer this negotiation.
    var authenticationCandidates: [AuthenticationProtocol] = []
    /// What our last acked request settled (local side of the result).
    var acked = Request()
    /// What the peer asked for in its last acceptable request (peer side).
    var peer = LCPNegotiatedOptions()
    /// RFC 1661 §6.4: the Magic-Number we put in our last Configure-Nak.
    var lastNakMagicNumber: UInt32?
    /// Consecutive Naks that returned lastNakMagicNumber to us.
    public internal(set) var loopCount = 0

    public init(configuration: LCPConfiguration) {
        self.configuration = configuration
        self.generator = MagicNumberGenerator(seed: configuration.magicSeed)
        resetNegotiation()
    }

    public var protocolNumber: ProtocolNumber { .lcp }
    public var understandsLinkMaintenanceCodes: Bool { true }
    /// RFC 1661 §5.8: our Magic-Number once acked, zero otherwise.
    public var magicNumber: UInt32 { acked.magicNumber ?? 0 }

    /// The result; meaningful after thisLayerUp.
    public var negotiated: LCPNegotiatedOptions {
        var result = peer
        result.localMRU = acked.mru ?? 1500
        result.receiveACCM = acked.asyncMap ?? 0xffff_ffff
        result.receivePFC = acked.pfc
        result.receiveACFC = acked.acfc
        result.localMagicNumber = acked.magicNumber ?? 0
        result.weAuthenticatePeerWith = acked.authentication
        result.localMRRU = acked.mrru
        result.receiveShortSequence = acked.shortSequence
        result.localEndpointDiscriminator = acked.endpointDiscriminator
        return result
    }

    public mutating func resetNegotiation() {
        let c = configuration
        request = Request(
            mru: c.mru == 1500 ? nil : c.mru,
            asyncMap: c.asyncMap,
            magicNumber: c.negotiateMagicNumber ? generator.next(avoiding: request.magicNumber ?? 0) : nil,
            pfc: c.requestPFC,
            acfc: c.requestACFC,
            authentication: c.requiredAuthentication.first,
            // RFC 1990 §5.1.1: MRRU "MUST" be in every negotiation meant to
            // make or join a bundle; §5.1.2 likewise for short sequence numbers.
            mrru: c.multilink?.mrru,
            shortSequence: c.multilink?.requestShortSequence ?? false,
            endpointDiscriminator: c.multilink?.endpointDiscriminator)
        authenticationCandidates = c.requiredAuthentication
        acked = Request()
        loopCount = 0
    }

    public mutating func configureRequestOptions() -> [ConfigurationOption] {
        var options: [LCPOption] = []
        if let mru = request.mru { options.append(.maximumReceiveUnit(mru)) }
        if let map = request.asyncMap { options.append(.asyncControlCharacterMap(map)) }
        if let auth = request.authentication { options.append(.authentication(auth)) }
        if let magic = request.magicNumber { options.append(.magicNumber(magic)) }
        if request.pfc { options.append(.protocolFieldCompression) }
        if request.acfc { options.append(.addressAndControlFieldCompression) }
        if let mrru = request.mrru { options.append(.maximumReceiveReconstructedUnit(mrru)) }
        if request.shortSequence { options.append(.shortSequenceNumberHeaderFormat) }
        if let d = request.endpointDiscriminator { options.append(.endpointDiscriminator(d)) }
        return options.map(\.option)
    }

    public mutating func configureRequestAcked(_ options: [ConfigurationOption]) {
        acked = request
    }

    /// RFC 1661 §6.4: a Magic-Number Nak is how loopback is found; giving it up
    /// at Max-Failure would hide the loop (pppd exempts it the same way).
    public func nakSurvivesMaxFailure(_ option: ConfigurationOption) -> Bool {
        option.type == LCPOption.Kind.magicNumber
    }
}

/// LCP is the automaton plus the LCP negotiator.
public typealias LCP = ControlProtocol<LCPNegotiator>
