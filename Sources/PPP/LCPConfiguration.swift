// Local LCP policy: what we ask for, what we allow the peer, what we require
// (pppd's mru, asyncmap, require-*/refuse-*, magic, pfc/acfc options). Plain
// data supplied by linkd from the config file.

/// What this end wants, allows and requires in LCP negotiation.
public struct LCPConfiguration: Equatable, Sendable {
    /// RFC 1661 §6.1: the MRU we ask the peer to respect. 1500 is the default,
    /// so it is only requested when different.
    public var mru: UInt16 = 1500
    /// Our MRU values the peer may Nak us to: RFC 1661 §6.1 lets the peer
    /// suggest another; pppd accepts up to max(mru, 1500).
    public var acceptableMRU: ClosedRange<UInt16> = 128...1500
    /// The smallest MRU we let the peer ask for; smaller requests are Nak'd
    /// with this value (pppd's MINMRU).
    public var minimumPeerMRU: UInt16 = 128
    /// RFC 1662 §7.1: the receive ACCM we request on async links (pppd's
    /// asyncmap, default 0); nil on links without octet-stuffing (UDP, PPPoE),
    /// where the option means nothing and is not requested.
    public var asyncMap: UInt32? = 0
    /// RFC 1661 §6.4.
    public var negotiateMagicNumber = true
    /// Seed for Magic-Number choice. The library has no entropy source: the
    /// owner supplies a random seed (getrandom) per instance.
    public var magicSeed: UInt64 = 0
    /// Consecutive Configure-Naks carrying back our own Magic-Number before the
    /// link is declared looped back (pppd's lcp_loopbackfail, 10).
    public var loopbackLimit = 10
    /// RFC 1661 §6.5, §6.6: ask the peer to compress towards us.
    public var requestPFC = true
    public var requestACFC = true
    /// Let the peer ask us to compress towards it (reject otherwise).
    public var acceptPFC = true
    public var acceptACFC = true
    /// Protocols the peer must authenticate with, in order of preference; empty
    /// means we do not authenticate the peer (pppd's require-pap/chap/...).
    public var requiredAuthentication: [AuthenticationProtocol] = []
    /// Protocols we agree to authenticate ourselves with when the peer asks, in
    /// order of preference for Naks; empty refuses all (pppd's refuse-*).
    public var acceptedAuthentication: [AuthenticationProtocol] = [.eap, .msChapV2, .chapMD5, .pap]
    /// RFC 1990 §5.1: multilink (pppd's `multilink`, `mrru`, `mpshortseq`,
    /// `endpoint`); nil keeps multilink off and the peer's MRRU, Short
    /// Sequence Number and Endpoint Discriminator options are rejected.
    public var multilink: MultilinkConfiguration?

    public init() {}
}

/// What this end asks for and allows when multilink is on (RFC 1990 §5.1).
public struct MultilinkConfiguration: Equatable, Sendable {
    /// RFC 1990 §5.1.1: the MRRU we offer in every request (pppd `mrru`,
    /// default 1500, the size every system "MUST be able to receive").
    public var mrru: UInt16 = 1500
    /// Values of our MRRU the peer may Nak us to.
    public var acceptableMRRU: ClosedRange<UInt16> = 1500...1500
    /// The smallest MRRU we let the peer offer; smaller ones are Nak'd with
    /// this value. We always accept 1500 (RFC 1990 §5.1.1 "MUST be able").
    public var minimumPeerMRRU: UInt16 = 128
    /// RFC 1990 §5.1.2: ask to receive 12-bit sequence numbers (pppd
    /// `mpshortseq`). The peer's request is acked either way: sending both
    /// formats costs us nothing.
    public var requestShortSequence = false
    /// RFC 1990 §5.1.3: our discriminator (pppd `endpoint`); nil sends none.
    public var endpointDiscriminator: EndpointDiscriminator?

    public init() {}
}
