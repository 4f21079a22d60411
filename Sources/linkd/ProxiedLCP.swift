// RFC 2661 §18 (proxy LCP): the LCP state a LAC's proxy AVPs describe, as
// the negotiated options a session starts Opened with instead of
// negotiating. §4.4.5 carries the option lists of two Configure-Requests,
// both acked: the one made on the LNS's behalf (Last Sent LCP CONFREQ, the
// LAC's to the caller) and the caller's own (Last Received LCP CONFREQ).
// An LNS takes the first as its own request and the second as its peer's;
// our LAC, playing the caller toward an LNS that trusts them, takes them
// the other way round (L2TPTransport+Calls).
//
// Every option is parsed as LCP's own decoder reads it (RFC 1661 §6,
// RFC 1990 §5.1), and the state is taken only when this session would have
// agreed to all of it; anything else is a typed refusal and the session
// negotiates as it would without the AVPs (§18: the LNS "MAY" renegotiate).
import L2TP
import PPP

enum ProxiedLCP {
    /// Which side of the proxied negotiation the session plays.
    enum Role {
        /// The LNS: Last Sent is ours, Last Received the peer's.
        case lns
        /// Our LAC's call, standing in for its subscriber: the other way.
        case caller
    }

    enum Refusal: Error, Equatable, CustomStringConvertible {
        /// A CONFREQ AVP is absent (§4.4.5: both are needed to know the state).
        case missing(AVPType)
        /// An option list or option that does not parse (RFC 1661 §6).
        case malformed(AVPType)
        /// An option this session does not agree to, or cannot take over
        /// without a negotiation (Quality-Protocol, multilink, unknown types).
        case option(AVPType, type: UInt8)
        /// An MRU outside what this session accepts (RFC 1661 §6.1).
        case mru(UInt16)
        /// Not the Authentication-Protocol this session requires (or none
        /// where one is required, RFC 1661 §6.2).
        case authentication
        /// Both Magic-Numbers equal (RFC 1661 §6.4: a looped-back link).
        case loopedBack

        var description: String {
            switch self {
            case .missing(let a): "no \(a) AVP"
            case .malformed(let a): "\(a): not an LCP option list"
            case let .option(a, type): "\(a): option \(type) not taken over"
            case .mru(let m): "MRU \(m) not acceptable"
            case .authentication: "not the authentication this port requires"
            case .loopedBack: "equal Magic-Numbers"
            }
        }
    }

    /// The options both directions settled, or why they cannot be taken.
    static func negotiated(_ proxy: ProxyInformation, role: Role, configuration c: LCPConfiguration) throws(Refusal) -> LCPNegotiatedOptions {
        guard let sent = proxy.lastSentConfReq else { throw .missing(.lastSentLCPConfReq) }
        guard let received = proxy.lastReceivedConfReq else { throw .missing(.lastReceivedLCPConfReq) }
        let (ours, theirs) = role == .lns
            ? ((sent, AVPType.lastSentLCPConfReq), (received, AVPType.lastReceivedLCPConfReq))
            : ((received, AVPType.lastReceivedLCPConfReq), (sent, AVPType.lastSentLCPConfReq))
        var o = LCPNegotiatedOptions()
        // RFC 1662 §7.1: no ACCM on our synchronous calls; the defaults stand.
        for option in try parse(ours.0, ours.1) {
            switch option {
            case .maximumReceiveUnit(let mru):
                // We must take frames this large (our MRU bounds the decoder).
                guard mru >= 128, mru <= max(c.mru, 1500) else { throw .mru(mru) }
                o.localMRU = mru
            case .asyncControlCharacterMap:
                break
            case .authenticationProtocol:
                guard let a = AuthenticationProtocol(optionValue: option.option.value) else { throw .option(ours.1, type: 3) }
                o.weAuthenticatePeerWith = a
            case .magicNumber(let m):
                o.localMagicNumber = m
            case .protocolFieldCompression:
                o.receivePFC = true
            case .addressAndControlFieldCompression:
                o.receiveACFC = true
            default:
                throw .option(ours.1, type: option.option.type)
            }
        }
        for option in try parse(theirs.0, theirs.1) {
            switch option {
            case .maximumReceiveUnit(let mru):
                guard c.acceptableMRU.contains(mru) else { throw .mru(mru) }
                o.peerMRU = mru
            case .asyncControlCharacterMap:
                break
            case .authenticationProtocol:
                guard let a = AuthenticationProtocol(optionValue: option.option.value),
                      c.acceptedAuthentication.contains(a) else { throw .option(theirs.1, type: 3) }
                o.peerAuthenticatesUsWith = a
            case .magicNumber(let m):
                o.peerMagicNumber = m
            case .protocolFieldCompression where c.acceptPFC:
                o.transmitPFC = true
            case .addressAndControlFieldCompression where c.acceptACFC:
                o.transmitACFC = true
            default:
                throw .option(theirs.1, type: option.option.type)
            }
        }
        // RFC 1661 §6.2: a port that requires authentication takes the state
        // only with one of the protocols it requires; one that requires none
        // takes whatever the LAC asked for (and checks it).
        if !c.requiredAuthentication.isEmpty {
            guard let a = o.weAuthenticatePeerWith, c.requiredAuthentication.contains(a) else { throw .authentication }
        }
        if o.localMagicNumber != 0, o.localMagicNumber == o.peerMagicNumber { throw .loopedBack }
        return o
    }

    /// One CONFREQ AVP's options, each decoded as LCP decodes it; a type
    /// given twice is malformed (RFC 1661 §6 lists each option once).
    static func parse(_ list: [UInt8], _ attribute: AVPType) throws(Refusal) -> [LCPOption] {
        let options: [ProxyInformation.Option]
        do { options = try ProxyInformation.options(list, attribute: attribute) } catch { throw .malformed(attribute) }
        var seen: Set<UInt8> = []
        var out: [LCPOption] = []
        for o in options {
            guard seen.insert(o.type).inserted else { throw .malformed(attribute) }
            do { out.append(try LCPOption(ConfigurationOption(type: o.type, value: Array(o.data)))) } catch { throw .malformed(attribute) }
        }
        return out
    }
}
