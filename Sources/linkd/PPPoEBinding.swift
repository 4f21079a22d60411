// What ties one PPP session to PPPoE (RFC 2516 §4: a session is identified by
// the peer's MAC and the SESSION_ID): both addresses, the id, the payload
// size discovery settled (1492, or RFC 4638's PPP-Max-Payload), and the
// names, for `pppctl sessions`.
import IPC
import PPPoE

struct PPPoEBinding: Equatable {
    var sessionID: UInt16
    var peer: EthernetAddress
    var local: EthernetAddress
    /// The largest PPP payload either end may send: the session's MRU ceiling.
    var maximumPayload: Int
    var serviceName: [UInt8] = []
    var acName: [UInt8] = []
    /// A relay agent's Relay-Session-Id from discovery (RFC 2516 Appendix A),
    /// kept so a PADT after a restart still carries it.
    var relaySessionID: [UInt8]?
    /// The VLAN tags the session's discovery came with (issue 13): every
    /// frame of the session carries them, and frames with others are not its.
    var vlan = VLANTags.untagged

    /// The demultiplexing key: peer MAC in the high bits, SESSION_ID low.
    var key: UInt64 { Self.key(peer: peer, sessionID: sessionID) }
    static func key(peer: EthernetAddress, sessionID: UInt16) -> UInt64 { peer.rawValue << 16 | UInt64(sessionID) }

    var json: JSONObject {
        ["session_id": .int(Int64(sessionID)), "peer_mac": .string("\(peer)"), "local_mac": .string("\(local)"),
         "max_payload": .int(Int64(maximumPayload)),
         "service_name": .string(String(decoding: serviceName, as: UTF8.self)),
         "ac_name": .string(String(decoding: acName, as: UTF8.self)), "vlan": .string(vlan.description)]
    }
}
