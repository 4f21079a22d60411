// fuzz-sources: Sources/authd/Radius Sources/authd/Engine Sources/authd/Packets Sources/authd/Crypto Sources/authd/Secrets
// fuzz-flags: -I Sources/CNettle
// fuzz-modules: CShim IPC PPP
// libFuzzer target: authd's handling of a RADIUS server's answer — the
// Response Authenticator and Message-Authenticator checks (RadiusReply), then
// the attributes of a believed answer turned into a verdict
// (RadiusRequests.result), RFC 2868 tunnel attributes and Tunnel-Password
// decryption included. Input: flags, a secret, the Request Authenticator,
// then the answer. With the "sign" flag the harness signs the answer with the
// secret first, as a server that knows it would, so that the fuzzer reaches
// the attribute handling behind the MD5 checks; unsigned, the check must
// refuse it (the fuzzer cannot forge MD5).

import IPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard input.count >= 2 + 16 else { return 0 }
    let flags = input[0]
    let secretLength = Int(input[1] % 17)
    guard input.count >= 2 + secretLength + 16 else { return 0 }
    let secret = Array(input[2..<(2 + secretLength)])
    let requestAuthenticator = Array(input[(2 + secretLength)..<(18 + secretLength)])
    var wire = Array(input[(18 + secretLength)...])
    guard let parsed = try? RadiusPacket(parsing: wire) else { return 0 }
    let sign = flags & 1 != 0
    if sign {
        // RFC 2869 §5.14 first (it covers the Request Authenticator), then §3.
        let length = Int(wire[2]) << 8 | Int(wire[3])
        var trimmed = Array(wire[0..<length])
        if let mac = RadiusCrypto.messageAuthenticator(of: trimmed, withAuthenticator: requestAuthenticator, secret: secret),
           let at = RadiusCrypto.messageAuthenticatorOffset(trimmed) {
            trimmed.replaceSubrange(at..<(at + 16), with: mac)
        }
        trimmed.replaceSubrange(4..<20, with: RadiusCrypto.authenticator(of: trimmed, withAuthenticator: requestAuthenticator, secret: secret))
        wire.replaceSubrange(0..<length, with: trimmed)
    }
    guard let packet = try? RadiusPacket(parsing: wire) else { fatalError("signing broke the packet") }
    let require = flags & 2 != 0
    do {
        try RadiusReply.check(packet, wire: wire, requestAuthenticator: requestAuthenticator, secret: secret,
                              requireMessageAuthenticator: require)
    } catch {
        // A signed answer is refused only for its Message-Authenticator:
        // absent while required, or malformed (not 16 octets).
        precondition(!sign || error != .wrongResponseAuthenticator, "a signed answer failed the Response Authenticator")
        return 0
    }
    // Believed: every kind of proof turns it into a verdict without trapping.
    let proofs: [Proof] = [
        .password(Array("pw".utf8)),
        .chapMD5(identifier: 1, challenge: [UInt8](repeating: 7, count: 16), response: [UInt8](repeating: 9, count: 16)),
        .msChapV2(identifier: flags >> 2, authenticatorChallenge: [UInt8](repeating: 3, count: 16),
                  response: MSCHAPv2Response(peerChallenge: [UInt8](repeating: 4, count: 16), ntResponse: [UInt8](repeating: 5, count: 24))),
    ]
    for (i, proof) in proofs.enumerated() {
        let v = Verification(id: UInt32(i), method: [.pap, .chapMD5, .msChapV2][i], user: "alice", proof: proof)
        let r = RadiusRequests.result(.answered(packet, server: 0, secret: secret, requestAuthenticator: requestAuthenticator), for: v)
        // RFC 2868 tunnels: at most TunnelChoice.maximum, best first, each an IPv4 endpoint.
        precondition(r.grant.tunnels.count <= TunnelChoice.maximum)
        precondition(zip(r.grant.tunnels, r.grant.tunnels.dropFirst()).allSatisfy { $0.preference <= $1.preference })
        precondition(r.grant.tunnels.allSatisfy { L2TPEndpoint($0.serverEndpoint, defaultPort: 1701) != nil })
        if r.accepted, case .msChapV2 = proof {
            precondition(r.authenticatorResponse.utf8.count == 42 && r.authenticatorResponse.hasPrefix("S="),
                         "MS-CHAPv2 accept without a well-formed authenticator response")
        }
        if r.accepted { precondition(packet.code == RadiusPacket.accessAccept, "accepted code \(packet.code)") }
    }
    return 0
}
