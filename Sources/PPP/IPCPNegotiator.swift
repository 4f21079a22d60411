// IPCP's option policy (RFC 1332 §3, RFC 1877): our IP-Address request (0 in
// the client role), the peer's address (Nak'd with the one we assign), name
// servers in both directions; header compression and the deprecated
// IP-Addresses option are rejected.

/// The OptionNegotiator for IPCP. Use as `ControlProtocol<IPCPNegotiator>` (`IPCP`).
public struct IPCPNegotiator: OptionNegotiator {
    struct Request: Equatable, Sendable {
        var address: UInt32?
        var primaryDNS: UInt32?
        var secondaryDNS: UInt32?
    }

    public let configuration: IPCPConfiguration
    var request = Request()
    var acked = Request()
    /// The address in the peer's last judged request (0 = none given).
    var peerAddress: UInt32 = 0
    /// The peer's last request carried IP-Address (RFC 1332 §3.3).
    var peerSentAddress = false

    public init(configuration: IPCPConfiguration) {
        self.configuration = configuration
        resetNegotiation()
    }

    public var protocolNumber: ProtocolNumber { .ipcp }

    public var negotiated: IPCPNegotiated {
        var n = IPCPNegotiated()
        n.localAddress = acked.address ?? configuration.localAddress
        // RFC 1332 §3.3: a peer that sends no IP-Address still gets the one
        // we planned for it (pppd does the same).
        n.remoteAddress = peerSentAddress && peerAddress != 0 ? peerAddress : configuration.remoteAddress
        n.primaryDNS = acked.primaryDNS ?? 0
        n.secondaryDNS = acked.secondaryDNS ?? 0
        return n
    }

    var acceptsLocal: Bool { configuration.acceptLocal || configuration.localAddress == 0 }

    public mutating func resetNegotiation() {
        request = Request(
            address: configuration.localAddress,
            primaryDNS: configuration.requestDNS ? 0 : nil,
            secondaryDNS: configuration.requestDNS ? 0 : nil)
        acked = Request()
        peerAddress = 0
        peerSentAddress = false
    }

    public mutating func configureRequestOptions() -> [ConfigurationOption] {
        var options: [IPCPOption] = []
        if let a = request.address { options.append(.ipAddress(a)) }
        if let d = request.primaryDNS { options.append(.primaryDNS(d)) }
        if let d = request.secondaryDNS { options.append(.secondaryDNS(d)) }
        return options.map(\.option)
    }

    public mutating func configureRequestAcked(_ options: [ConfigurationOption]) {
        acked = request
    }

    // MARK: the peer's Configure-Request

    public mutating func classifyConfigureRequest(_ options: [ConfigurationOption]) -> [OptionVerdict] {
        var seen: Set<UInt8> = []
        peerSentAddress = false
        peerAddress = 0
        return options.map { option in
            guard seen.insert(option.type).inserted, let typed = try? IPCPOption(option) else { return .reject }
            return judge(typed)
        }
    }

    mutating func judge(_ option: IPCPOption) -> OptionVerdict {
        let c = configuration
        switch option {
        case .ipAddress(let address):
            peerSentAddress = true
            peerAddress = address
            // pppd ipcp_reqci: a different address than the one we assign is
            // Nak'd with ours; 0 with nothing to give is Rejected.
            if c.remoteAddress != 0 && address != c.remoteAddress && !(c.acceptRemote && address != 0) {
                return .nak(IPCPOption.ipAddress(c.remoteAddress).option)
            }
            if address == 0 { return .reject }
            // RFC 1332 §3.3 does not allow both ends the same address.
            if address == (acked.address ?? request.address ?? 0) { return .reject }
            return .ack
        case .primaryDNS(let a): return judgeServer(a, offered: c.dnsToOffer, index: 0, IPCPOption.primaryDNS)
        case .secondaryDNS(let a): return judgeServer(a, offered: c.dnsToOffer, index: 1, IPCPOption.secondaryDNS)
        case .primaryNBNS(let a): return judgeServer(a, offered: c.nbnsToOffer, index: 0, IPCPOption.primaryNBNS)
        case .secondaryNBNS(let a): return judgeServer(a, offered: c.nbnsToOffer, index: 1, IPCPOption.secondaryNBNS)
        case .ipCompressionProtocol:
            // Van Jacobson compression (RFC 1144) is not implemented.
            return .reject
        case .ipAddresses:
            // RFC 1332 §3.1: deprecated; a peer that gets it rejected falls
            // back to IP-Address.
            return .reject
        case .unknown:
            return .reject
        }
    }

    /// RFC 1877 §1: a server we do not have is Rejected; any other value
    /// than ours is Nak'd with ours.
    func judgeServer(_ address: UInt32, offered: [UInt32], index: Int,
                     _ make: (UInt32) -> IPCPOption) -> OptionVerdict {
        guard index < offered.count else { return .reject }
        return address == offered[index] ? .ack : .nak(make(offered[index]).option)
    }

    /// RFC 1332 §3.3 (pppd's behaviour): a peer that does not send
    /// IP-Address is told the address we assign it.
    public mutating func configureNakHints(for options: [ConfigurationOption]) -> [ConfigurationOption] {
        guard configuration.remoteAddress != 0,
              !options.contains(where: { $0.type == IPCPOption.Kind.ipAddress }) else { return [] }
        return [IPCPOption.ipAddress(configuration.remoteAddress).option]
    }

    // MARK: replies to our Configure-Request

    public mutating func configureNakReceived(_ options: [ConfigurationOption]) -> ReplyDisposition {
        var next = request
        for option in options {
            guard let typed = try? IPCPOption(option) else { return .invalid }
            switch typed {
            case .ipAddress(let a):
                // RFC 1332 §3.3: the Nak carries the address the peer wants us
                // to use; take it in the client role, ignore it otherwise
                // (pppd re-asks for its own and lets Max-Failure decide).
                if next.address != nil && acceptsLocal && a != 0 { next.address = a }
            case .primaryDNS(let a): if next.primaryDNS != nil { next.primaryDNS = a }
            case .secondaryDNS(let a): if next.secondaryDNS != nil { next.secondaryDNS = a }
            case .ipAddresses, .ipCompressionProtocol, .primaryNBNS, .secondaryNBNS, .unknown:
                break  // hints for things we do not ask for
            }
        }
        request = next
        return .accepted
    }

    public mutating func configureRejectReceived(_ options: [ConfigurationOption]) -> ReplyDisposition {
        var next = request
        for option in options {
            switch option.type {
            case IPCPOption.Kind.ipAddress:
                // An old peer that does not do IP-Address: fine when we know
                // our address, fatal when we needed the peer to assign one.
                guard configuration.localAddress != 0 else {
                    return .failed(.requiredOptionRejected(IPCPOption.Kind.ipAddress))
                }
                next.address = nil
            case IPCPOption.Kind.primaryDNS: next.primaryDNS = nil
            case IPCPOption.Kind.secondaryDNS: next.secondaryDNS = nil
            default: return .invalid
            }
        }
        request = next
        return .accepted
    }
}

/// IPCP is the automaton plus the IPCP negotiator.
public typealias IPCP = ControlProtocol<IPCPNegotiator>
