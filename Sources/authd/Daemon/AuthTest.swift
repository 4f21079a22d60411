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
        let args: AuthTestArguments
        do { args = try AuthTestArguments(json: arguments) } catch {
            reply(.failure(error))
            return
        }
        let user = args.user, password = args.password, server = args.server
        guard let method = AuthMethod(name: args.method) else {
            reply(.failure(MethodError(.badArguments, "unknown method '\(args.method)' (pap, chap, mschapv2, eap)")))
            return
        }
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
            let outcome: AuthTestReply.Outcome
            if result.accepted, let check, !check(result) {
                outcome = .refused(reason: "the authenticator response (S=) did not verify")
            } else if result.accepted {
                let g = result.grant
                func nonzero(_ n: UInt32) -> UInt32? { n == 0 ? nil : n }
                outcome = .accepted(source: result.reason, AuthTestReply.Grant(
                    framedAddress: nonzero(g.framedAddress), framedNetmask: nonzero(g.framedNetmask),
                    sessionTimeout: nonzero(g.sessionTimeout), idleTimeout: nonzero(g.idleTimeout),
                    radiusClass: g.radiusClass.isEmpty ? nil : printable(g.radiusClass)))
            } else {
                outcome = .refused(reason: result.reason)
            }
            let r = AuthTestReply(user: user, method: method.description, outcome: outcome)
            self.log.info("auth test: user '\(user)' \(r.accepted ? "accepted" : "refused")")
            reply(.success(r.json))
        }
    }
}
