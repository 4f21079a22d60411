// Boundary tables for the PAP, CHAP, MS-CHAPv2 and EAP codecs: every length
// field at 0, 1, its maximum, one past what arrived, and round trips.
import Testing
import PPP
@testable import authd

func packet(_ code: UInt8, _ data: [UInt8]) -> ControlPacket {
    ControlPacket(code: ControlCode(code), identifier: 9, data: data)
}

@Test(arguments: [
    // (code, data, expected or nil for refusal)
    (1, [], nil),                                       // no Peer-ID Length
    (1, [0], nil),                                      // no Passwd-Length
    (1, [0, 0], PAPPacket.authenticateRequest(peerID: [], password: [])),
    (1, [1, 65, 1, 66], .authenticateRequest(peerID: [65], password: [66])),
    (1, [2, 65], nil),                                  // Peer-ID longer than the data
    (1, [1, 65, 2, 66], nil),                           // Password longer than the data
    (1, [1, 65, 1, 66, 0xff], .authenticateRequest(peerID: [65], password: [66])),  // trailing ignored (pppd)
    (2, [], .authenticateAck(message: [])),
    (2, [0], .authenticateAck(message: [])),
    (3, [2, 104, 105], .authenticateNak(message: [104, 105])),
    (3, [3, 104, 105], nil),
    (4, [], nil),                                       // no such code
] as [(UInt8, [UInt8], PAPPacket?)])
func papBoundaries(_ code: UInt8, _ data: [UInt8], _ expected: PAPPacket?) {
    let parsed = try? PAPPacket(parsing: packet(code, data))
    #expect(parsed == expected)
}

@Test func papRoundTripsAndRefusesOversizedFields() throws {
    let p = PAPPacket.authenticateRequest(peerID: Array("alice".utf8), password: Array("secret".utf8))
    #expect(try PAPPacket(parsing: try p.controlPacket(identifier: 3)) == p)
    let long = PAPPacket.authenticateRequest(peerID: [UInt8](repeating: 65, count: 256), password: [])
    #expect(throws: PPPError.self) { try long.controlPacket(identifier: 1) }
    let max = PAPPacket.authenticateRequest(peerID: [UInt8](repeating: 65, count: 255), password: [UInt8](repeating: 66, count: 255))
    #expect(try PAPPacket(parsing: try max.controlPacket(identifier: 1)) == max)
}

@Test(arguments: [
    (1, [], nil),
    (1, [0], nil),                                      // Value-Size 0
    (1, [1], nil),                                      // Value missing
    (1, [1, 7], CHAPPacket.challenge(value: [7], name: [])),
    (1, [2, 7, 8, 110], .challenge(value: [7, 8], name: [110])),
    (2, [16] + [UInt8](repeating: 1, count: 15), nil),  // one short
    (2, [16] + [UInt8](repeating: 1, count: 16), .response(value: [UInt8](repeating: 1, count: 16), name: [])),
    (3, [], .success(message: [])),
    (4, [65], .failure(message: [65])),
    (5, [], nil),
] as [(UInt8, [UInt8], CHAPPacket?)])
func chapBoundaries(_ code: UInt8, _ data: [UInt8], _ expected: CHAPPacket?) {
    #expect((try? CHAPPacket(parsing: packet(code, data))) == expected)
}

@Test func chapRoundTrip() throws {
    for p in [CHAPPacket.challenge(value: [1, 2, 3], name: Array("ac".utf8)), .response(value: [UInt8](repeating: 9, count: 255), name: []),
              .success(message: Array("S=AB".utf8)), .failure(message: [])] {
        #expect(try CHAPPacket(parsing: try p.controlPacket(identifier: 200)) == p)
    }
    #expect(throws: PPPError.self) { try CHAPPacket.challenge(value: [], name: []).controlPacket(identifier: 1) }
}

@Test(arguments: [0, 1, 48, 50])
func msChapV2ResponseMustBe49Octets(_ n: Int) {
    #expect(throws: PPPError.self) { try MSCHAPv2Response(parsing: [UInt8](repeating: 0, count: n)) }
}

@Test func msChapV2ResponseLayout() throws {
    let r = MSCHAPv2Response(peerChallenge: [UInt8](repeating: 1, count: 16), ntResponse: [UInt8](repeating: 2, count: 24))
    #expect(r.encoded.count == 49)
    #expect(Array(r.encoded[16..<24]) == [UInt8](repeating: 0, count: 8))
    #expect(try MSCHAPv2Response(parsing: r.encoded) == r)
}

@Test(arguments: [
    (1, [], nil),                                        // Request without a Type
    (1, [1], EAPPacket.request(.identity([]))),
    (2, [1, 97], .response(.identity([97]))),
    (2, [3], nil),                                       // Nak naming no type
    (2, [3, 4], .response(.nak([4]))),
    (1, [4], nil),                                       // MD5 without Value-Size
    (1, [4, 0], nil),                                    // Value-Size 0
    (1, [4, 2, 1], nil),                                 // Value shorter than declared
    (1, [4, 1, 5, 110], .request(.md5Challenge(value: [5], name: [110]))),
    (1, [13, 1, 2], .request(.other(type: 13, data: [1, 2]))),
    (3, [], .success),
    (4, [1, 2], .failure),
    (5, [], nil),
] as [(UInt8, [UInt8], EAPPacket?)])
func eapBoundaries(_ code: UInt8, _ data: [UInt8], _ expected: EAPPacket?) {
    #expect((try? EAPPacket(parsing: packet(code, data))) == expected)
}

@Test func eapRoundTrip() throws {
    for p in [EAPPacket.request(.identity([])), .response(.identity(Array("bob".utf8))), .response(.nak([4])),
              .request(.md5Challenge(value: [UInt8](repeating: 3, count: 16), name: Array("ac".utf8))),
              .request(.notification([65])), .success, .failure] {
        #expect(try EAPPacket(parsing: try p.controlPacket(identifier: 1)) == p)
    }
}
