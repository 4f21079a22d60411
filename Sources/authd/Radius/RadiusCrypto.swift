// The RADIUS computations that use the shared secret: User-Password hiding
// (RFC 2865 §5.2), the Response Authenticator (§3), the Accounting-Request
// Authenticator (RFC 2866 §3), and Message-Authenticator, HMAC-MD5 over the
// packet (RFC 2869 §5.14, HMAC from RFC 2104).

enum RadiusCrypto {
    /// §5.2: the password padded to 16-octet blocks, each XORed with
    /// MD5(secret + previous block), starting from the Request Authenticator.
    static func hidePassword(_ password: [UInt8], secret: [UInt8], requestAuthenticator: [UInt8]) -> [UInt8] {
        var p = password
        let padded = max(16, (p.count + 15) / 16 * 16)
        p += [UInt8](repeating: 0, count: padded - p.count)
        var out: [UInt8] = []
        var previous = requestAuthenticator
        for block in stride(from: 0, to: p.count, by: 16) {
            let b = Digest.md5(secret + previous)
            let c = (0..<16).map { p[block + $0] ^ b[$0] }
            out += c
            previous = c
        }
        return out
    }

    /// §3: MD5(Code+ID+Length+RequestAuth+Attributes+Secret), with
    /// `authenticator` the 16 octets to put in the Authenticator field.
    static func authenticator(of packet: [UInt8], withAuthenticator authenticator: [UInt8], secret: [UInt8]) -> [UInt8] {
        Digest.md5(Array(packet[0..<4]) + authenticator + Array(packet[20...]) + secret)
    }

    /// RFC 2104 HMAC-MD5.
    static func hmacMD5(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? Digest.md5(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        let inner = Digest.md5(k.map { $0 ^ 0x36 } + message)
        return Digest.md5(k.map { $0 ^ 0x5c } + inner)
    }

    /// RFC 2869 §5.14: HMAC-MD5 of the packet with the Message-Authenticator
    /// value zeroed and `authenticator` in the Authenticator field (the
    /// Request Authenticator for both a request and its response).
    static func messageAuthenticator(of packet: [UInt8], withAuthenticator authenticator: [UInt8],
                                     secret: [UInt8]) -> [UInt8]? {
        var copy = Array(packet[0..<4]) + authenticator + Array(packet[20...])
        guard let offset = messageAuthenticatorOffset(copy) else { return nil }
        for i in offset..<(offset + 16) { copy[i] = 0 }
        return hmacMD5(key: secret, copy)
    }

    /// Where the 16 value octets of Message-Authenticator sit in a packet.
    static func messageAuthenticatorOffset(_ packet: [UInt8]) -> Int? {
        var i = 20
        while i + 2 <= packet.count {
            let length = Int(packet[i + 1])
            guard length >= 2, i + length <= packet.count else { return nil }
            if packet[i] == RadiusAttributeType.messageAuthenticator { return length == 18 ? i + 2 : nil }
            i += length
        }
        return nil
    }
}
