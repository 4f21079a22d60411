// `pppctl auth test USER --method M`: checks a credential against the
// configured sources without a link. authd plays the peer itself — it makes
// the challenge and computes the response from the password it was given —
// so the very check a session would run (local secrets or RADIUS) runs here.
// The password arrives in the call's arguments from pppctl through pppinit
// (root, the trusted base, which relays and never logs arguments); it is used
// once and never logged or stored.
import IPC

extension AuthService {
    func authTest(_ arguments: JSON, reply: @escaping (Result<JSON, MethodError>) -> Void) {
        guard let user = arguments["user"]?.string, !user.isEmpty, let password = arguments["password"]?.string else {
            reply(.failure(MethodError(.badArguments, "expected {\"user\": …, \"password\": …, \"method\": pap|chap|mschapv2|eap}")))
            return
        }
        let methodName = arguments["method"]?.string ?? "pap"
        guard let method = AuthMethod(name: methodName) else {
            reply(.failure(MethodError(.badArguments, "unknown method '\(methodName)' (pap, chap, mschapv2, eap)")))
            return
        }
        let server = arguments["server"]?.string ?? ""
        let proof: Proof
        var check: ((VerificationResult) -> Bool)?
        switch method {
        case .pap: proof = .password(Array(password.utf8))
        case .chapMD5, .eapMD5:
            let id = random.bytes(1)[0], challenge = random.bytes(16)
            proof = .chapMD5(identifier: id, challenge: challenge,
                             response: CHAPMD5.response(identifier: id, secret: password, challenge: challenge))
        case .msChapV2:
            let id = random.bytes(1)[0], challenge = random.bytes(16), peerChallenge = random.bytes(16)
            let nt = MSCHAPv2.ntResponse(authenticatorChallenge: challenge, peerChallenge: peerChallenge,
                                         userName: user, password: password)
            proof = .msChapV2(identifier: id, authenticatorChallenge: challenge,
                              response: MSCHAPv2Response(peerChallenge: peerChallenge, ntResponse: nt))
            // As a peer would: the authenticator response must verify too.
            check = { r in
                MSCHAPv2.checkAuthenticatorResponse(password: password, ntResponse: nt, peerChallenge: peerChallenge,
                                                    authenticatorChallenge: challenge, userName: user,
                                                    received: r.authenticatorResponse)
            }
        }
        let v = Verification(id: 0, method: method, user: user, proof: proof)
        let ctx = RadiusContext(nasIdentifier: settings.nasIdentifier, session: "auth-test", callingStation: "")
        log.info("auth test: checking user '\(user)' with \(method)")
        verify(v, server: server, context: ctx) { result in
            var o: JSONObject = ["user": .string(user), "method": .string(method.description),
                                 "accepted": .bool(result.accepted)]
            if result.accepted, let check, !check(result) {
                o["accepted"] = .bool(false)
                o["reason"] = .string("the authenticator response (S=) did not verify")
            } else if result.accepted {
                o["source"] = .string(result.reason)
                let g = result.grant
                if g.framedAddress != 0 { o["framed_address"] = .string(IPv4.format(g.framedAddress)) }
                if g.framedNetmask != 0 { o["framed_netmask"] = .string(IPv4.format(g.framedNetmask)) }
                if g.sessionTimeout != 0 { o["session_timeout"] = .int(Int64(g.sessionTimeout)) }
                if g.idleTimeout != 0 { o["idle_timeout"] = .int(Int64(g.idleTimeout)) }
                if !g.radiusClass.isEmpty { o["class"] = .string(printable(g.radiusClass)) }
            } else {
                o["reason"] = .string(result.reason)
            }
            self.log.info("auth test: user '\(user)' \(o["accepted"] == .bool(true) ? "accepted" : "refused")")
            reply(.success(.object(o)))
        }
    }
}
