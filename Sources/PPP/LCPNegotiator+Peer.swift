// LCP: judging the peer's Configure-Request, option by option (RFC 1661 §5.1,
// §6). Each verdict is independent of the transition the request causes; the
// peer's side of the result is rebuilt from every request judged.

extension LCPNegotiator {
    public mutating func classifyConfigureRequest(_ options: [ConfigurationOption]) -> [OptionVerdict] {
        var candidate = LCPNegotiatedOptions()
        var seen: Set<UInt8> = []
        var verdicts: [OptionVerdict] = []
        for option in options {
            // A type given twice is not a request we can act on; reject the repeat.
            guard seen.insert(option.type).inserted, let typed = try? LCPOption(option) else {
                verdicts.append(.reject)
                continue
            }
            verdicts.append(judge(typed, into: &candidate))
        }
        peer = candidate
        return verdicts
    }

    mutating func judge(_ option: LCPOption, into peer: inout LCPNegotiatedOptions) -> OptionVerdict {
        let c = configuration
        switch option {
        case .maximumReceiveUnit(let mru):
            guard mru >= c.minimumPeerMRU else {
                return .nak(LCPOption.maximumReceiveUnit(c.minimumPeerMRU).option)
            }
            peer.peerMRU = mru
            return .ack
        case .asyncControlCharacterMap(let map):
            // RFC 1662 §7.1: whatever the peer needs escaped, we escape.
            peer.transmitACCM = map
            return .ack
        case .authenticationProtocol(let proto, let data):
            let value = LCPOption.authenticationProtocol(proto, data: data).option.value
            if let auth = AuthenticationProtocol(optionValue: value), c.acceptedAuthentication.contains(auth) {
                peer.peerAuthenticatesUsWith = auth
                return .ack
            }
            // RFC 1661 §6.2: Nak with the protocol we would rather use; with
            // nothing acceptable, Reject (pppd's refuse-all behaviour).
            guard let preferred = c.acceptedAuthentication.first else { return .reject }
            return .nak(LCPOption.authentication(preferred).option)
        case .magicNumber(let magic):
            // RFC 1661 §6.4: zero "MUST always be Nak'd"; our own value means a
            // possible loop and "a Configure-Nak MUST be sent specifying a
            // different Magic-Number value".
            if magic == 0 || (request.magicNumber != nil && magic == request.magicNumber) {
                let suggestion = generator.next(avoiding: magic)
                lastNakMagicNumber = suggestion
                return .nak(LCPOption.magicNumber(suggestion).option)
            }
            peer.peerMagicNumber = magic
            return .ack
        case .protocolFieldCompression:
            guard c.acceptPFC else { return .reject }
            peer.transmitPFC = true
            return .ack
        case .addressAndControlFieldCompression:
            guard c.acceptACFC else { return .reject }
            peer.transmitACFC = true
            return .ack
        case .qualityProtocol:
            // Link Quality Monitoring (RFC 1989) is not implemented.
            return .reject
        case .maximumReceiveReconstructedUnit(let mrru):
            // RFC 1990 §5.1.1: with multilink off, rejecting MRRU is how the
            // peer learns that we will not bundle.
            guard let m = c.multilink else { return .reject }
            guard mrru >= m.minimumPeerMRRU else {
                return .nak(LCPOption.maximumReceiveReconstructedUnit(m.minimumPeerMRRU).option)
            }
            peer.peerMRRU = mrru
            return .ack
        case .shortSequenceNumberHeaderFormat:
            // RFC 1990 §5.1.2: acking commits us to 12-bit sequence numbers
            // on every link of the bundle; the fragmenter does both formats.
            guard c.multilink != nil else { return .reject }
            peer.transmitShortSequence = true
            return .ack
        case .endpointDiscriminator(let discriminator):
            // RFC 1990 §5.1.3: any well-formed discriminator is acceptable (it
            // only keys the bundle); without multilink it means nothing to us.
            guard c.multilink != nil else { return .reject }
            peer.peerEndpointDiscriminator = discriminator
            return .ack
        case .unknown:
            return .reject
        }
    }
}
