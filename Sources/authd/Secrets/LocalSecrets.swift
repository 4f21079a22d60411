// The local credential source: users from the TOML config and the
// pppd-format pap-secrets / chap-secrets files, read as root at start-up.
// The authenticator checks a peer's proof here (constant-time comparisons);
// the peer role looks up the secret it proves itself with.
import IPC

struct LocalSecrets {
    var users: [String: String] = [:]
    var papSecrets = SecretsFile(entries: [])
    var chapSecrets = SecretsFile(entries: [])

    /// The secret for `client` talking to `server` and the address it may
    /// use: TOML users first (any server), then the file pppd would read —
    /// pap-secrets for PAP, chap-secrets for the challenge methods. An empty
    /// `server` (no `name`/`remotename` configured) matches any server entry.
    func secret(client: String, server: String, method: AuthMethod) -> (secret: String, address: UInt32)? {
        if let p = users[client] { return (p, 0) }
        let file = method == .pap ? papSecrets : chapSecrets
        let entry: SecretEntry?
        if server.isEmpty {
            entry = file.entries.first { $0.client == client } ?? file.entries.first { $0.client == "*" }
        } else {
            entry = file.lookup(client: client, server: server)
        }
        guard let entry else { return nil }
        // pppd: an entry's single plain address is the one the peer gets.
        let address = entry.addresses.count == 1 ? IPv4.parse(entry.addresses[0]) ?? 0 : 0
        return (entry.secret, address)
    }

    /// Whether `user` is known here at all (otherwise RADIUS may know it).
    func knows(_ user: String, server: String, method: AuthMethod) -> Bool {
        secret(client: user, server: server, method: method) != nil
    }

    /// Checks a proof against the local secret; nil when the user is unknown.
    func verify(_ v: Verification, server: String) -> VerificationResult? {
        guard let (secret, address) = secret(client: v.user, server: server, method: v.method) else { return nil }
        var grant = Grant()
        grant.framedAddress = address
        switch v.proof {
        case let .password(password):
            // RFC 1334 §2.2.1: the password as sent; compared in constant time.
            guard Digest.constantTimeEqual(password, Array(secret.utf8)) else { return .reject("wrong password") }
            return .accept("secrets", grant: grant)
        case let .chapMD5(identifier, challenge, response):
            guard CHAPMD5.verify(identifier: identifier, secret: secret, challenge: challenge, response: response) else {
                return .reject("wrong response")
            }
            return .accept("secrets", grant: grant)
        case let .msChapV2(_, challenge, r):
            let expected = MSCHAPv2.ntResponse(authenticatorChallenge: challenge, peerChallenge: r.peerChallenge,
                                               userName: v.user, password: secret)
            guard Digest.constantTimeEqual(expected, r.ntResponse) else { return .reject("wrong response") }
            let s = MSCHAPv2.authenticatorResponse(password: secret, ntResponse: r.ntResponse,
                                                   peerChallenge: r.peerChallenge,
                                                   authenticatorChallenge: challenge, userName: v.user)
            return .accept("secrets", grant: grant, authenticatorResponse: s)
        }
    }
}
