// The outcome of LCP negotiation in both directions, as linkd configures its
// framing and hands it on with the channel (DESIGN.md "Channels"). Defaults
// are the RFC defaults for an option that was not negotiated.

/// Negotiated LCP options. "local" is what the peer agreed to do for us
/// (options of our Configure-Request it acked); "peer" is what we agreed to do
/// for it (options of its Configure-Request we acked).
public struct LCPNegotiatedOptions: Equatable, Sendable {
    /// RFC 1661 §6.1: largest packet the peer may send us.
    public var localMRU: UInt16 = 1500
    /// Largest packet we may send the peer.
    public var peerMRU: UInt16 = 1500
    /// RFC 1662 §7.1: control characters the peer escapes towards us; the
    /// deframer drops them when they arrive unescaped.
    public var receiveACCM: UInt32 = 0xffff_ffff
    /// Control characters we must escape towards the peer.
    public var transmitACCM: UInt32 = 0xffff_ffff
    /// RFC 1661 §6.5: we may compress the Protocol field we send.
    public var transmitPFC = false
    /// The peer may compress towards us (always accepted on receive anyway).
    public var receivePFC = false
    /// RFC 1661 §6.6.
    public var transmitACFC = false
    public var receiveACFC = false
    /// RFC 1661 §6.4: 0 when not negotiated.
    public var localMagicNumber: UInt32 = 0
    public var peerMagicNumber: UInt32 = 0
    /// We authenticate the peer with this (we are the authenticator).
    public var weAuthenticatePeerWith: AuthenticationProtocol?
    /// The peer authenticates us with this (we are the authenticatee).
    public var peerAuthenticatesUsWith: AuthenticationProtocol?
    /// RFC 1990 §5.1.1: the MRRU the peer acked (the largest reconstructed
    /// packet it may send us); nil when not negotiated.
    public var localMRRU: UInt16?
    /// The peer's MRRU we acked: the largest packet we may send over the
    /// bundle. RFC 1990 §5.1.1: no multilink packet may be sent without it.
    public var peerMRRU: UInt16?
    /// RFC 1990 §5.1.2: the peer sends us 12-bit sequence numbers.
    public var receiveShortSequence = false
    /// We acked the peer's request: we send it 12-bit sequence numbers.
    public var transmitShortSequence = false
    /// RFC 1990 §5.1.3: the discriminators sent each way (acked); a peer
    /// that sent none counts as the null class (see `bundleDiscriminator`).
    public var localEndpointDiscriminator: EndpointDiscriminator?
    public var peerEndpointDiscriminator: EndpointDiscriminator?

    public init() {}
}

extension LCPNegotiatedOptions {
    /// RFC 1990 §5.1.1: the link belongs to a bundle once an MRRU was agreed
    /// in either direction (each direction's packets are then multilink).
    public var isMultilink: Bool { localMRRU != nil || peerMRRU != nil }

    /// RFC 1990 §5.1.3: "as if it had received the option with Class = 0".
    public var bundleDiscriminator: EndpointDiscriminator { peerEndpointDiscriminator ?? .null }
}
