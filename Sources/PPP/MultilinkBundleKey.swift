// Which bundle a link belongs to (RFC 1990 §5.1.3): the authenticated peer
// name and the peer's Endpoint Discriminator, and the rendezvous name that
// the daemons find the bundle's owner by (docs/design.md "Multilink").

/// RFC 1990 §5.1.3 case (4): links join one bundle when both the
/// authenticated name and the discriminator match; a peer that sent no
/// discriminator has the null class, and a link without authentication has
/// an empty name (cases (1)-(3), pppd's behaviour with `noauth`).
public struct MultilinkBundleKey: Hashable, Sendable {
    public var peerName: String
    public var discriminator: EndpointDiscriminator

    public init(peerName: String, discriminator: EndpointDiscriminator) {
        self.peerName = peerName
        self.discriminator = discriminator
    }

    /// The key of a link from what LCP negotiated and the name the peer
    /// authenticated as ("" when it did not).
    public init(peerName: String, negotiated: LCPNegotiatedOptions) {
        self.init(peerName: peerName, discriminator: negotiated.bundleDiscriminator)
    }

    /// The key of a link as the channel record carries it: the name the
    /// peer authenticated as and its discriminator option's value (Class
    /// and Address). linkd computes it to find the bundle's rendezvous
    /// point, the owner to check what arrives there.
    public init(peerName: String, discriminatorOption: [UInt8]) throws(PPPError) {
        self.init(peerName: peerName, discriminator: try EndpointDiscriminator(optionValue: discriminatorOption))
    }

    /// `bundle:<name>:<discriminator>`, the discriminator in pppd's syntax.
    /// It may be longer than a socket path allows; docs/design.md says how
    /// the runtime directory's socket name is derived from it.
    public var rendezvousName: String { "bundle:\(peerName):\(discriminator)" }
}
