// Whether an answer from a RADIUS server may be believed (RFC 2865 §3,
// RFC 3579 §3.2, and CVE-2024-3596 "BlastRADIUS"), apart from the client's
// sockets and timers so that it is tested and fuzzed on bytes. The client
// has already matched the Identifier to a request in flight; this checks
// that the server that knows the shared secret answered that very request.

/// Why an answer was dropped; each is counted in the client's `invalid`.
enum RadiusReplyRefusal: Error, Equatable {
    /// §3: the Response Authenticator is not MD5(Code+ID+Length+RequestAuth+Attributes+Secret).
    case wrongResponseAuthenticator
    /// RFC 3579 §3.2: a Message-Authenticator present and wrong.
    case wrongMessageAuthenticator
    /// An answer to an Access-Request without Message-Authenticator while
    /// `require-message-authenticator` is on: an on-path attacker can forge
    /// an Access-Accept by an MD5 chosen-prefix collision on the Response
    /// Authenticator alone.
    case missingMessageAuthenticator
}

enum RadiusReply {
    /// `wire`: the datagram as received (a parsed `packet` of it, so its
    /// Length is known good); `requestAuthenticator`: the one we sent.
    static func check(_ packet: RadiusPacket, wire datagram: [UInt8], requestAuthenticator: [UInt8], secret: [UInt8],
                      requireMessageAuthenticator: Bool) throws(RadiusReplyRefusal) {
        // §3: octets past Length are padding, outside the authenticators.
        let wire = Array(datagram[0..<(Int(datagram[2]) << 8 | Int(datagram[3]))])
        let expected = RadiusCrypto.authenticator(of: wire, withAuthenticator: requestAuthenticator, secret: secret)
        guard Digest.constantTimeEqual(expected, packet.authenticator) else { throw .wrongResponseAuthenticator }
        if let mac = packet.attribute(RadiusAttributeType.messageAuthenticator) {
            guard let expected = RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: requestAuthenticator, secret: secret),
                  Digest.constantTimeEqual(expected, mac) else { throw .wrongMessageAuthenticator }
        } else if requireMessageAuthenticator {
            throw .missingMessageAuthenticator
        }
    }
}
