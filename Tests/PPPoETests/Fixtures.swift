// Frames built by hand for the PPPoE tests, so that the codecs are checked
// against bytes written independently of the encoders.
@testable import PPPoE

let hostMAC = EthernetAddress(0x02, 0, 0, 0, 0, 0x01)
let acMAC = EthernetAddress(0x02, 0, 0, 0, 0, 0xac)
let testKey = SipHashKey(octets: Array(0..<16))

/// Raw tag octets: TAG_TYPE, TAG_LENGTH (as declared), value.
func rawTag(_ type: UInt16, _ value: [UInt8], declared: Int? = nil) -> [UInt8] {
    let length = declared ?? value.count
    return [UInt8(type >> 8), UInt8(type & 0xff), UInt8(length >> 8), UInt8(length & 0xff)] + value
}

/// An Ethernet + PPPoE frame with `payload`, LENGTH `declared` (default: the payload's).
func rawFrame(etherType: UInt16 = 0x8863, code: UInt8, session: UInt16 = 0, payload: [UInt8],
              declared: Int? = nil, destination: EthernetAddress = .broadcast,
              source: EthernetAddress = hostMAC, versionType: UInt8 = 0x11) -> [UInt8] {
    let length = declared ?? payload.count
    return destination.octets + source.octets + [UInt8(etherType >> 8), UInt8(etherType & 0xff),
        versionType, code, UInt8(session >> 8), UInt8(session & 0xff), UInt8(length >> 8), UInt8(length & 0xff)]
        + payload
}

func sent<A>(_ actions: [A], _ extract: (A) -> [UInt8]?) -> [[UInt8]] { actions.compactMap(extract) }

extension DiscoveryClient.Action {
    var frame: [UInt8]? { if case .send(let f) = self { f } else { nil } }
}

extension AccessConcentrator.Action {
    var frame: [UInt8]? { if case .send(let f) = self { f } else { nil } }
}

func parsed(_ frame: [UInt8]) -> DiscoveryPacket? { try? DiscoveryPacket(parsing: frame) }
