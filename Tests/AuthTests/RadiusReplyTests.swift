// RadiusReply on bytes: an answer signed with the shared secret for this
// request is believed; one byte off, a wrong or malformed
// Message-Authenticator, another request's authenticator, or (when required)
// no Message-Authenticator at all is refused with its reason. Octets past
// Length are padding (RFC 2865 §3) and change nothing.
import Testing
@testable import authd

@Suite struct RadiusReplyTests {
    static let secret = Array("s3cret".utf8)
    static let request = [UInt8](repeating: 0x42, count: 16)

    /// An Access-Accept for `request`, signed as a server with `secret` would.
    static func answer(messageAuthenticator: Int? = 16, padding: Int = 0) -> [UInt8] {
        var attrs = [RadiusAttribute(type: RadiusAttributeType.framedIPAddress, value: [10, 0, 0, 9])]
        if let n = messageAuthenticator {
            attrs.append(RadiusAttribute(type: RadiusAttributeType.messageAuthenticator, value: [UInt8](repeating: 0, count: n)))
        }
        var wire = try! RadiusPacket(code: RadiusPacket.accessAccept, identifier: 7,
                                     authenticator: [UInt8](repeating: 0, count: 16), attributes: attrs).encoded()
        if let at = RadiusCrypto.messageAuthenticatorOffset(wire),
           let mac = RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: request, secret: secret) {
            wire.replaceSubrange(at..<(at + 16), with: mac)
        }
        wire.replaceSubrange(4..<20, with: RadiusCrypto.authenticator(of: wire, withAuthenticator: request, secret: secret))
        return wire + [UInt8](repeating: 0xee, count: padding)
    }

    static func check(_ wire: [UInt8], request: [UInt8] = request, secret: [UInt8] = secret,
                      require: Bool = true) -> RadiusReplyRefusal? {
        let packet = try! RadiusPacket(parsing: wire)
        do {
            try RadiusReply.check(packet, wire: wire, requestAuthenticator: request, secret: secret,
                                  requireMessageAuthenticator: require)
            return nil
        } catch {
            return error
        }
    }

    static func flipped(_ wire: [UInt8], at i: Int) -> [UInt8] {
        var w = wire
        w[i] ^= 1
        return w
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let wire: [UInt8]
        var request: [UInt8] = RadiusReplyTests.request
        var secret: [UInt8] = RadiusReplyTests.secret
        var require = true
        let expected: RadiusReplyRefusal?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "signed", wire: answer(), expected: nil),
        Case(name: "signed, padded past Length", wire: answer(padding: 5), expected: nil),
        Case(name: "padding changed", wire: flipped(answer(padding: 5), at: answer().count + 2), expected: nil),
        Case(name: "an attribute octet changed", wire: flipped(answer(), at: 22), expected: .wrongResponseAuthenticator),
        Case(name: "the Response Authenticator changed", wire: flipped(answer(), at: 4), expected: .wrongResponseAuthenticator),
        Case(name: "another request's", wire: answer(), request: [UInt8](repeating: 1, count: 16),
             expected: .wrongResponseAuthenticator),
        Case(name: "another secret", wire: answer(), secret: Array("other".utf8), expected: .wrongResponseAuthenticator),
        Case(name: "no Message-Authenticator, required", wire: answer(messageAuthenticator: nil),
             expected: .missingMessageAuthenticator),
        Case(name: "no Message-Authenticator, not required", wire: answer(messageAuthenticator: nil), require: false,
             expected: nil),
        Case(name: "Message-Authenticator of 15 octets", wire: answer(messageAuthenticator: 15), require: false,
             expected: .wrongMessageAuthenticator),
        Case(name: "Message-Authenticator of 0 octets", wire: answer(messageAuthenticator: 0), require: false,
             expected: .wrongMessageAuthenticator),
    ]

    @Test(arguments: cases) func boundary(_ c: Case) {
        #expect(Self.check(c.wire, request: c.request, secret: c.secret, require: c.require) == c.expected)
    }

    /// A wrong Message-Authenticator under a Response Authenticator
    /// recomputed over it: only the HMAC catches it.
    @Test func wrongHMACUnderAGoodResponseAuthenticator() {
        var wire = Self.answer()
        let at = RadiusCrypto.messageAuthenticatorOffset(wire)!
        wire[at] ^= 0x80
        wire.replaceSubrange(4..<20, with: [UInt8](repeating: 0, count: 16))
        wire.replaceSubrange(4..<20, with: RadiusCrypto.authenticator(of: wire, withAuthenticator: Self.request, secret: Self.secret))
        #expect(Self.check(wire) == .wrongMessageAuthenticator)
    }
}
