// The RFC 2759 §9.2 hash example and §9.3 DES key example, RFC 1321 MD5,
// RFC 1320 MD4 and FIPS 180 SHA-1 vectors, and CHAP-MD5 in both roles.
import Testing
@testable import authd

func hex(_ s: String) -> [UInt8] {
    let digits = Array(s.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

let authChallenge = hex("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28")
let peerChallenge = hex("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E")

@Test func rfc2759HashExample() {
    #expect(MSCHAPv2.challengeHash(peerChallenge: peerChallenge, authenticatorChallenge: authChallenge, userName: "User")
            == hex("D0 2E 43 86 BC E9 12 26"))
    #expect(MSCHAPv2.ntPasswordHash("clientPass") == hex("44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE"))
    #expect(Digest.md4(MSCHAPv2.ntPasswordHash("clientPass")) == hex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F"))
    let nt = MSCHAPv2.ntResponse(authenticatorChallenge: authChallenge, peerChallenge: peerChallenge,
                                 userName: "User", password: "clientPass")
    #expect(nt == hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF"))
    let s = MSCHAPv2.authenticatorResponse(password: "clientPass", ntResponse: nt, peerChallenge: peerChallenge,
                                           authenticatorChallenge: authChallenge, userName: "User")
    #expect(s == "S=407A5589115FD0D6209F510FE9C04566932CDA56")
    // The peer role verifies it, and refuses one flipped digit.
    #expect(MSCHAPv2.checkAuthenticatorResponse(password: "clientPass", ntResponse: nt, peerChallenge: peerChallenge,
                                                authenticatorChallenge: authChallenge, userName: "User", received: s))
    #expect(!MSCHAPv2.checkAuthenticatorResponse(password: "clientPass", ntResponse: nt, peerChallenge: peerChallenge,
                                                 authenticatorChallenge: authChallenge, userName: "User",
                                                 received: "S=407A5589115FD0D6209F510FE9C04566932CDA57"))
    #expect(!MSCHAPv2.checkAuthenticatorResponse(password: "wrongPass", ntResponse: nt, peerChallenge: peerChallenge,
                                                 authenticatorChallenge: authChallenge, userName: "User", received: s))
}

@Test func rfc2759DESKeyExample() {
    let hash = MSCHAPv2.ntPasswordHash("MyPw")
    #expect(hash == hex("FC 15 6A F7 ED CD 6C 0E DD E3 33 7D 42 7F 4E AC"))
    #expect(Digest.desKey(hash[0..<7]) == hex("FD 0B 5B 5E 7F 6E 34 D9"))
    #expect(Digest.desKey(hash[7..<14]) == hex("0E 6E 79 67 37 EA 08 FE"))
}

@Test func domainIsStrippedFromTheChallengeHash() {
    #expect(MSCHAPv2.challengeHash(peerChallenge: peerChallenge, authenticatorChallenge: authChallenge, userName: "CORP\\User")
            == MSCHAPv2.challengeHash(peerChallenge: peerChallenge, authenticatorChallenge: authChallenge, userName: "User"))
}

@Test(arguments: [
    ("", "31d6cfe0d16ae931b73c59d7e0c089c0", "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("abc", "a448017aaf21d8525fc10ae87aa6729d", "900150983cd24fb0d6963f7d28e17f72", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("message digest", "d9130a8164549fe818874806e1c7014b", "f96b697d7cb7938d525a2f31aaf161d0", "c12252ceda8be8994d5fa0290a47231c1d16aae3"),
])
func digestVectors(_ input: String, _ md4: String, _ md5: String, _ sha1: String) {
    let bytes = Array(input.utf8)
    #expect(Digest.md4(bytes) == hex(md4))
    #expect(Digest.md5(bytes) == hex(md5))
    #expect(Digest.sha1(bytes) == hex(sha1))
}

@Test func chapMD5BothRoles() {
    let challenge = hex("0102030405060708090a0b0c0d0e0f10")
    let r = CHAPMD5.response(identifier: 7, secret: "secret", challenge: challenge)
    #expect(r == Digest.md5([7] + Array("secret".utf8) + challenge))
    #expect(r.count == 16)
    #expect(CHAPMD5.verify(identifier: 7, secret: "secret", challenge: challenge, response: r))
    #expect(!CHAPMD5.verify(identifier: 8, secret: "secret", challenge: challenge, response: r))
    #expect(!CHAPMD5.verify(identifier: 7, secret: "Secret", challenge: challenge, response: r))
    #expect(!CHAPMD5.verify(identifier: 7, secret: "secret", challenge: challenge, response: Array(r.dropLast())))
}

@Test func constantTimeEqualityNeedsEqualLengths() {
    #expect(Digest.constantTimeEqual([1, 2], [1, 2]))
    #expect(!Digest.constantTimeEqual([1, 2], [1, 3]))
    #expect(!Digest.constantTimeEqual([1, 2], [1, 2, 3]))
    #expect(Digest.constantTimeEqual([], []))
}
