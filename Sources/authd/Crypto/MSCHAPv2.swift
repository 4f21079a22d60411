// MS-CHAPv2 computations, RFC 2759 §8, in both roles: the peer computes the
// NT-Response and verifies the authenticator response; the authenticator
// checks the NT-Response and produces "S=<40 hex digits>".

enum MSCHAPv2 {
    /// §8.1 GenerateNTResponse.
    static func ntResponse(authenticatorChallenge: [UInt8], peerChallenge: [UInt8],
                           userName: String, password: String) -> [UInt8] {
        let challenge = challengeHash(peerChallenge: peerChallenge,
                                      authenticatorChallenge: authenticatorChallenge, userName: userName)
        return challengeResponse(challenge: challenge, passwordHash: ntPasswordHash(password))
    }

    /// §8.2 ChallengeHash: the first 8 octets of SHA1(peer | authenticator | user).
    /// The user name is used without any "DOMAIN\" prefix, as Windows and pppd do.
    static func challengeHash(peerChallenge: [UInt8], authenticatorChallenge: [UInt8], userName: String) -> [UInt8] {
        Array(Digest.sha1(peerChallenge + authenticatorChallenge + Array(strippingDomain(userName).utf8)).prefix(8))
    }

    /// §8.3 NtPasswordHash: MD4 of the password in UTF-16 little-endian.
    static func ntPasswordHash(_ password: String) -> [UInt8] {
        var unicode: [UInt8] = []
        for unit in password.utf16 { unicode.append(UInt8(unit & 0xff)); unicode.append(UInt8(unit >> 8)) }
        return Digest.md4(unicode)
    }

    /// §8.5 ChallengeResponse: the hash zero-padded to 21 octets, three DES keys.
    static func challengeResponse(challenge: [UInt8], passwordHash: [UInt8]) -> [UInt8] {
        let z = passwordHash + [UInt8](repeating: 0, count: 21 - passwordHash.count)
        return Digest.desEncrypt(block: challenge, key7: z[0..<7])
            + Digest.desEncrypt(block: challenge, key7: z[7..<14])
            + Digest.desEncrypt(block: challenge, key7: z[14..<21])
    }

    /// §8.7 GenerateAuthenticatorResponse: "S=" and 40 upper-case hex digits.
    static func authenticatorResponse(password: String, ntResponse: [UInt8], peerChallenge: [UInt8],
                                      authenticatorChallenge: [UInt8], userName: String) -> String {
        let magic1 = Array("Magic server to client signing constant".utf8)
        let magic2 = Array("Pad to make it do more than one iteration".utf8)
        let hashHash = Digest.md4(ntPasswordHash(password))
        let digest = Digest.sha1(hashHash + ntResponse + magic1)
        let challenge = challengeHash(peerChallenge: peerChallenge,
                                      authenticatorChallenge: authenticatorChallenge, userName: userName)
        let final = Digest.sha1(digest + challenge + magic2)
        return "S=" + final.map { hexByte($0) }.joined()
    }

    /// §8.8 CheckAuthenticatorResponse, in constant time.
    static func checkAuthenticatorResponse(password: String, ntResponse: [UInt8], peerChallenge: [UInt8],
                                           authenticatorChallenge: [UInt8], userName: String,
                                           received: String) -> Bool {
        let expected = authenticatorResponse(password: password, ntResponse: ntResponse, peerChallenge: peerChallenge,
                                             authenticatorChallenge: authenticatorChallenge, userName: userName)
        return Digest.constantTimeEqual(Array(expected.utf8), Array(received.uppercased().utf8))
    }

    static func strippingDomain(_ user: String) -> Substring {
        if let slash = user.lastIndex(of: "\\") { return user[user.index(after: slash)...] }
        return user[...]
    }

    static func hexByte(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xf)]])
    }
}

/// RFC 1994 §4.1: the CHAP-MD5 response is MD5(Identifier | secret | Challenge).
/// EAP-MD5 (RFC 3748 §5.4) computes the same value.
enum CHAPMD5 {
    static func response(identifier: UInt8, secret: String, challenge: [UInt8]) -> [UInt8] {
        Digest.md5([identifier] + Array(secret.utf8) + challenge)
    }

    static func verify(identifier: UInt8, secret: String, challenge: [UInt8], response: [UInt8]) -> Bool {
        Digest.constantTimeEqual(self.response(identifier: identifier, secret: secret, challenge: challenge), response)
    }
}
