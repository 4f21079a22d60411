// Shared addresses, prefixes and helpers for the IPv6 services tests.
@testable import IPv6Services

let routerLL = IPv6Address("fe80::2")!
let hostLL = IPv6Address("fe80::1")!
let sessionPrefix = IPv6Prefix("2001:db8:1:2::/64")!
let second: UInt64 = 1_000_000_000

func a(_ s: String) -> IPv6Address { IPv6Address(s)! }
func p(_ s: String) -> IPv6Prefix { IPv6Prefix(s)! }

/// The ICMPv6 segment of a built packet, to corrupt by hand.
func reChecksummed(_ packet: [UInt8], next: UInt8 = NextHeader.icmpv6, offset: Int = 2) -> [UInt8] {
    var out = packet
    let src = IPv6Address(bytes: out[8..<24]), dst = IPv6Address(bytes: out[24..<40])
    out.writeU16(0, at: 40 + offset)
    out.writeU16(InternetChecksum.compute(out[40...], source: src, destination: dst, nextHeader: next), at: 40 + offset)
    return out
}

/// An ICMPv6 packet with `body` after type/code/checksum, made valid.
func icmpPacket(type: UInt8, code: UInt8 = 0, body: [UInt8], source: IPv6Address = routerLL,
                destination: IPv6Address = .allNodes, hopLimit: UInt8 = 255) -> [UInt8] {
    var h = IPv6Header(source: source, destination: destination, nextHeader: NextHeader.icmpv6, hopLimit: hopLimit)
    h.flowLabel = 0
    return IPv6Packet.build(h, segment: [type, code, 0, 0] + body, checksumOffset: 2)
}

let raFixedBody: [UInt8] = [64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]
