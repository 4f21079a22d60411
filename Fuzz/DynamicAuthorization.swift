// fuzz-sources: Sources/authd/Radius/RadiusPacket.swift Sources/authd/Radius/RadiusCrypto.swift Sources/authd/Radius/DynamicAuthorizationRequest.swift Sources/authd/Crypto/Digest.swift
// fuzz-flags: -I Sources/CNettle
// libFuzzer target for RFC 5176 Disconnect-Request / CoA-Request decoding.
// Random bytes almost never carry a valid Request Authenticator, so each
// input is tried twice: as it came (a typed drop, never a crash), and signed
// with the secret first (Length fixed up, Message-Authenticator and Request
// Authenticator computed), which takes it through the attribute sorting.
// A decoded request must be answered, and the answer must parse and carry
// the request's Identifier and the refusal's Error-Cause.

let secret = Array("fuzz-secret".utf8)
let now: Int64 = 1_700_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    check(bytes, window: 300)
    guard bytes.count >= 20, bytes.count <= 4096 else { return 0 }
    var signed = bytes
    signed[0] = bytes[0] & 1 == 0 ? RadiusPacket.disconnectRequest : RadiusPacket.coaRequest
    signed[2] = UInt8(bytes.count >> 8); signed[3] = UInt8(bytes.count & 0xff)
    let zero = [UInt8](repeating: 0, count: 16)
    signed.replaceSubrange(4..<20, with: zero)
    if let offset = RadiusCrypto.messageAuthenticatorOffset(signed),
       let mac = RadiusCrypto.messageAuthenticator(of: signed, withAuthenticator: zero, secret: secret) {
        signed.replaceSubrange(offset..<(offset + 16), with: mac)
    }
    signed.replaceSubrange(4..<20, with: RadiusCrypto.authenticator(of: signed, withAuthenticator: zero, secret: secret))
    check(signed, window: bytes[1] & 1 == 0 ? 0 : 300)
    return 0
}

func check(_ bytes: [UInt8], window: UInt32) {
    guard let r = try? DynamicAuthorizationRequest(parsing: bytes[...], secret: secret, now: now, window: window) else { return }
    guard r.refusal != nil || !r.selector.isEmpty else { fatalError("accepted a request naming no session") }
    guard let answer = DynamicAuthorizationResponse.encode(r, refusal: r.refusal, secret: secret) else {
        // Only Proxy-State echoes can overflow an answer.
        guard r.proxyStates.reduce(0, { $0 + $1.count + 2 }) > 4096 - 60 else { fatalError("no answer") }
        return
    }
    guard let p = try? RadiusPacket(parsing: answer), p.identifier == r.identifier,
          p.integer(RadiusAttributeType.errorCause) == r.refusal?.rawValue else { fatalError("answer does not parse back") }
}
