// RFC 2661 §4.4.5 with an LNS's `proxy-auth`: authd checks the PAP or CHAP
// exchange a LAC ran with the caller as if the caller had sent it here. A
// good one is a success verdict and nothing goes to the caller; a bad one is
// a failure at once (no delay, no second chance, nothing sent); a proxied
// method other than the one LCP settled fails. AuthStart version 4 carries
// it (boundary table: cut, mismatched, oversize, empty CHAP values), and a
// start without it keeps version 2/3's bytes.
import IPC
import PPP
import Testing
@testable import authd

@Suite struct ProxiedAuthenticationTests {
    static let users = LocalSecrets(users: ["bob": "s3cret"])

    func side(_ m: AuthMethod, _ p: ProxiedAuthentication) -> Side {
        var s = start("lns0:1", authenticatePeer: m, localName: "lns")
        s.proxied = p
        return Side(s, secrets: Self.users)
    }

    /// RFC 1994 §4.1: MD5(Identifier || secret || Challenge).
    static func chapResponse(_ id: UInt8, _ secret: String, _ challenge: [UInt8]) -> [UInt8] {
        Digest.md5([id] + Array(secret.utf8) + challenge)
    }

    @Test(arguments: [("s3cret", true), ("wrong", false)])
    func proxiedPAP(_ password: String, _ accepted: Bool) {
        let s = side(.pap, ProxiedAuthentication(method: .pap, name: Array("bob".utf8), identifier: 4, response: Array(password.utf8)))
        let out = s.apply(s.session.begin())
        #expect(out.isEmpty && s.sent.isEmpty, "nothing goes to the caller")
        #expect(s.verdicts.count == 1 && s.verdicts.first?.success == accepted && s.verdicts.first?.peerName == "bob")
        if !accepted { #expect(s.verdicts.first?.reason.contains("proxied") == true) }
        #expect(s.timers[.authenticator]?.values.isEmpty ?? true, "no delay, no retry timer")
    }

    @Test(arguments: [("s3cret", true), ("wrong", false)])
    func proxiedCHAP(_ secret: String, _ accepted: Bool) {
        let challenge: [UInt8] = Array(1...16)
        let p = ProxiedAuthentication(method: .chapMD5, name: Array("bob".utf8), identifier: 9, challenge: challenge,
                                      response: Self.chapResponse(9, secret, challenge))
        let s = side(.chapMD5, p)
        let out = s.apply(s.session.begin())
        #expect(out.isEmpty && s.sent.isEmpty)
        #expect(s.verdicts.map(\.success) == [accepted] && s.verdicts.first?.method == .chapMD5)
        // The Identifier is part of the hash: another one fails.
        var moved = p
        moved.identifier = 10
        let t = side(.chapMD5, moved)
        _ = t.apply(t.session.begin())
        #expect(t.verdicts.map(\.success) == [false])
    }

    @Test func aProxiedMethodOtherThanLCPsFails() {
        let s = side(.chapMD5, ProxiedAuthentication(method: .pap, name: Array("bob".utf8), response: Array("s3cret".utf8)))
        _ = s.apply(s.session.begin())
        #expect(s.verdicts.map(\.success) == [false] && s.sent.isEmpty)
    }

    @Test func authStartVersion4() throws {
        var s = start("lns0:1", authenticatePeer: .chapMD5, localName: "lns")
        var plain = ByteWriter()
        s.encode(into: &plain)
        #expect(plain.bytes.first == 2, "no proxied credentials: version 2 as before")
        s.proxied = ProxiedAuthentication(method: .chapMD5, name: Array("bob".utf8), identifier: 3, challenge: [1, 2, 3], response: [4, 5, 6])
        var w = ByteWriter()
        s.encode(into: &w)
        #expect(w.bytes.first == 4)
        var r = ByteReader(w.bytes)
        #expect(try AuthStart.decode(&r) == s)
        for n in 0..<w.bytes.count {
            var rc = ByteReader(Array(w.bytes.prefix(n)))
            #expect(throws: IPCError.self) { try AuthStart.decode(&rc) }
        }
        func refused(_ p: ProxiedAuthentication, asked: AuthMethod = .chapMD5, _ why: String) {
            var bad = start("lns0:1", authenticatePeer: asked)
            bad.proxied = p
            var bw = ByteWriter()
            bad.encode(into: &bw)
            var br = ByteReader(bw.bytes)
            #expect(throws: IPCError.self, "\(why)") { try AuthStart.decode(&br) }
        }
        refused(ProxiedAuthentication(method: .pap, name: [], response: []), "PAP proxied, CHAP asked")
        refused(ProxiedAuthentication(method: .msChapV2, name: [], response: [1]), asked: .msChapV2, "MS-CHAPv2 has no proxy type")
        refused(ProxiedAuthentication(method: .chapMD5, name: [1], identifier: 1, challenge: [], response: [1]), "empty Challenge")
        refused(ProxiedAuthentication(method: .chapMD5, name: [1], identifier: 1, challenge: [1], response: []), "empty Response")
        // A value over 255 octets (a writer that did not cut it).
        var long = ByteWriter()
        long.u8(4); long.string("lns0:1"); long.string("p"); long.u8(AuthMethod.pap.rawValue); long.u8(0)
        for _ in 0..<4 { long.string("") }
        long.string(""); long.u32(NASPortType.virtual); long.string("")
        long.u8(AuthMethod.pap.rawValue); long.blob([UInt8](repeating: 0x61, count: 256)); long.u8(0); long.blob([UInt8]()); long.blob([UInt8]([1]))
        var lr = ByteReader(long.bytes)
        #expect(throws: IPCError.self) { try AuthStart.decode(&lr) }
    }
}
