// IPv6CP's option policy (RFC 5072 §4.1): negotiate a unique 64-bit
// Interface-Identifier for each end, with the collision rules of §4.1;
// IPv6-Compression-Protocol is rejected (not implemented).

/// What this end asks for in IPv6CP.
public struct IPv6CPConfiguration: Equatable, Sendable {
    /// Our tentative identifier; 0 draws one from the seed (RFC 5072 §4.1
    /// case 3: random, "u" bit zero).
    public var localIdentifier: UInt64 = 0
    /// Seed for identifiers we draw for ourselves and suggest to the peer.
    /// The library has no entropy source: the owner supplies one (getrandom).
    public var seed: UInt64 = 0
    public init() {}
}

/// The outcome of an IPv6CP negotiation, meaningful after thisLayerUp.
public struct IPv6CPNegotiated: Equatable, Sendable {
    public var localIdentifier: UInt64 = 0
    public var remoteIdentifier: UInt64 = 0
    public init() {}
}

/// The OptionNegotiator for IPv6CP. Use as `ControlProtocol<IPv6CPNegotiator>` (`IPv6CP`).
public struct IPv6CPNegotiator: OptionNegotiator {
    public let configuration: IPv6CPConfiguration
    var generator: MagicNumberGenerator
    /// Our identifier; nil once the peer rejected the option (§4.1: "MUST
    /// NOT contain the interface-identifier option" afterwards).
    var request: UInt64?
    /// The identifier we keep using for our link-local address even when it
    /// is not negotiated.
    var local: UInt64 = 0
    var acked: UInt64?
    var peer: UInt64 = 0
    /// RFC 5072 §4.1: the identifier in the last Configure-Nak we sent.
    var lastNakSent: UInt64?
    /// §4.1: a Nak hint for a peer that omitted the option is sent once.
    var hintSent = false

    public init(configuration: IPv6CPConfiguration) {
        self.configuration = configuration
        generator = MagicNumberGenerator(seed: configuration.seed)
        local = configuration.localIdentifier != 0 ? configuration.localIdentifier : draw(avoiding: 0)
        resetNegotiation()
    }

    public var protocolNumber: ProtocolNumber { .ipv6cp }

    public var negotiated: IPv6CPNegotiated {
        var n = IPv6CPNegotiated()
        n.localIdentifier = acked ?? local
        n.remoteIdentifier = peer
        return n
    }

    /// RFC 5072 §4.1 case 3: a random identifier with the "u" bit (0x02 of
    /// the first octet) zero, never zero and never `other`.
    mutating func draw(avoiding other: UInt64) -> UInt64 {
        while true {
            let high = UInt64(generator.next()), low = UInt64(generator.next())
            let id = (high << 32 | low) & ~(UInt64(0x02) << 56)
            if id != 0 && id != other { return id }
        }
    }

    public mutating func resetNegotiation() {
        request = local
        acked = nil
        peer = 0
        lastNakSent = nil
        hintSent = false
    }

    public mutating func configureRequestOptions() -> [ConfigurationOption] {
        guard let id = request else { return [] }
        return [IPv6CPOption.interfaceIdentifier(id).option]
    }

    public mutating func configureRequestAcked(_ options: [ConfigurationOption]) {
        acked = request
        if let request { local = request }
    }

    public mutating func classifyConfigureRequest(_ options: [ConfigurationOption]) -> [OptionVerdict] {
        var seen: Set<UInt8> = []
        return options.map { option in
            guard seen.insert(option.type).inserted, let typed = try? IPv6CPOption(option) else { return .reject }
            switch typed {
            case .interfaceIdentifier(let id): return judge(id)
            case .ipv6CompressionProtocol, .unknown: return .reject
            }
        }
    }

    /// RFC 5072 §4.1, compared with "the interface identifier of the last
    /// Configure-Request sent to the peer".
    mutating func judge(_ id: UInt64) -> OptionVerdict {
        let ours = request ?? 0
        if id == 0 && ours == 0 {
            // "If the two interface identifiers are equal to zero ... MUST be
            // terminated by transmitting the Configure-Reject".
            return .reject
        }
        if id == 0 || id == ours {
            // Zero, or a collision: Nak with a different non-zero value.
            let suggestion = draw(avoiding: ours == 0 ? local : ours)
            lastNakSent = suggestion
            return .nak(IPv6CPOption.interfaceIdentifier(suggestion).option)
        }
        peer = id
        return .ack
    }

    /// §4.1: "If negotiation of the interface identifier is required, and the
    /// peer did not provide the option ... SHOULD be appended to a
    /// Configure-Nak" — once; a peer that still omits it does not do it.
    public mutating func configureNakHints(for options: [ConfigurationOption]) -> [ConfigurationOption] {
        guard !hintSent, !options.contains(where: { $0.type == IPv6CPOption.Kind.interfaceIdentifier }) else { return [] }
        hintSent = true
        let suggestion = draw(avoiding: request ?? local)
        lastNakSent = suggestion
        return [IPv6CPOption.interfaceIdentifier(suggestion).option]
    }

    public mutating func configureNakReceived(_ options: [ConfigurationOption]) -> ReplyDisposition {
        for option in options {
            guard let typed = try? IPv6CPOption(option) else { return .invalid }
            guard case .interfaceIdentifier(let id) = typed, request != nil else { continue }
            // §4.1: our own Nak value coming back means both ends picked the
            // same: choose anew. Otherwise the suggestion is unique: use it.
            if id == 0 || id == lastNakSent {
                request = draw(avoiding: id)
            } else {
                request = id
            }
            local = request ?? local
        }
        return .accepted
    }

    public mutating func configureRejectReceived(_ options: [ConfigurationOption]) -> ReplyDisposition {
        for option in options {
            guard option.type == IPv6CPOption.Kind.interfaceIdentifier else { return .invalid }
            request = nil
        }
        return .accepted
    }
}

/// IPv6CP is the automaton plus the IPv6CP negotiator.
public typealias IPv6CP = ControlProtocol<IPv6CPNegotiator>
