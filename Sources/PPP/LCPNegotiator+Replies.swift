// LCP: adapting our Configure-Request to the peer's Configure-Nak and
// Configure-Reject (RFC 1661 §5.3, §5.4, §6), including the Magic-Number
// loopback rule of §6.4 and giving up when required authentication is refused.

extension LCPNegotiator {
    public mutating func configureNakReceived(_ options: [ConfigurationOption]) -> ReplyDisposition {
        var next = request
        var looped = false
        var sawMagic = false
        for option in options {
            guard let typed = try? LCPOption(option) else { return .invalid }
            switch typed {
            case .maximumReceiveUnit(let mru):
                // RFC 1661 §5.3: an option we did not send is a hint; either way
                // take the value if our policy allows receiving that size.
                if configuration.acceptableMRU.contains(mru) { next.mru = mru == 1500 ? nil : mru }
            case .asyncControlCharacterMap(let map):
                // RFC 1662 §7.1: the peer Naks "with the logical union".
                if let current = next.asyncMap ?? configuration.asyncMap { next.asyncMap = current | map }
            case .authenticationProtocol(let proto, let data):
                guard let current = next.authentication else { break }
                authenticationCandidates.removeAll { $0 == current }
                let value = LCPOption.authenticationProtocol(proto, data: data).option.value
                if let suggested = AuthenticationProtocol(optionValue: value),
                   authenticationCandidates.contains(suggested) {
                    next.authentication = suggested
                } else if let fallback = authenticationCandidates.first {
                    next.authentication = fallback
                } else {
                    return .failed(.authenticationRefused)
                }
            case .magicNumber(let magic):
                guard next.magicNumber != nil else { break }
                sawMagic = true
                // RFC 1661 §6.4: our own Nak value coming back makes a loop
                // likelier and "a new Magic-Number MUST be chosen"; a different
                // value proves there is no loop and is a usable number.
                if magic == lastNakMagicNumber {
                    looped = true
                    next.magicNumber = generator.next(avoiding: magic)
                } else {
                    next.magicNumber = magic != 0 ? magic : generator.next(avoiding: magic)
                }
            case .protocolFieldCompression:
                next.pfc = false  // a boolean option has no other value: treat as Reject
            case .addressAndControlFieldCompression:
                next.acfc = false
            case .maximumReceiveReconstructedUnit(let mrru):
                // RFC 1990 §5.1.1: a Nak'd MRRU is taken if our policy can
                // reassemble that size; a hint while we did not offer one
                // is not a reason to start bundling.
                guard next.mrru != nil, let m = configuration.multilink else { break }
                if m.acceptableMRRU.contains(mrru) { next.mrru = mrru }
            case .shortSequenceNumberHeaderFormat:
                next.shortSequence = false  // boolean: a Nak can only mean no
            case .endpointDiscriminator:
                // RFC 1990 §5.1.3: on a Nak "it MUST remove it".
                next.endpointDiscriminator = nil
            case .qualityProtocol, .unknown:
                break  // hints for things we do not do
            }
        }
        if looped {
            loopCount += 1
            if loopCount >= configuration.loopbackLimit { return .failed(.loopedBack) }
        } else if sawMagic {
            loopCount = 0
        }
        request = next
        return .accepted
    }

    public mutating func configureRejectReceived(_ options: [ConfigurationOption]) -> ReplyDisposition {
        var next = request
        for option in options {
            switch option.type {
            case LCPOption.Kind.maximumReceiveUnit: next.mru = nil
            case LCPOption.Kind.asyncControlCharacterMap: next.asyncMap = nil
            case LCPOption.Kind.magicNumber: next.magicNumber = nil
            case LCPOption.Kind.protocolFieldCompression: next.pfc = false
            case LCPOption.Kind.addressAndControlFieldCompression: next.acfc = false
            case LCPOption.Kind.maximumReceiveReconstructedUnit:
                // RFC 1990 §5.1.1: the peer does not do multilink; the link
                // runs alone, and short sequence numbers mean nothing then.
                next.mrru = nil
                next.shortSequence = false
            case LCPOption.Kind.shortSequenceNumberHeaderFormat: next.shortSequence = false
            case LCPOption.Kind.endpointDiscriminator: next.endpointDiscriminator = nil
            case LCPOption.Kind.authenticationProtocol:
                // We only ask for authentication when we require it.
                return .failed(.authenticationRefused)
            default:
                return .invalid  // the layer checked it is a subset of what we sent
            }
        }
        request = next
        return .accepted
    }
}
