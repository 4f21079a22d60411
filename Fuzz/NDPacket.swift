// fuzz-sources: Sources/IPv6Services
// libFuzzer target: Router Solicitation/Advertisement packets (RFC 4861) and
// ND option lists, raw and wrapped in a valid IPv6/ICMPv6 envelope so the
// option parser and both Router Discovery values see hostile options past
// the checksum. A parsed message re-encodes to one that parses the same.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }
}

let router = IPv6Address.linkLocal(interfaceID: 2)
let host = IPv6Address.linkLocal(interfaceID: 1)
let prefix = IPv6Prefix("2001:db8:1:2::/64")!

func roundTrip(_ packet: [UInt8]) -> Int {
    guard let (h, m) = try? RouterDiscoveryMessage.parse(packet) else { return 0 }
    let again = m.packet(source: h.source, destination: h.destination)
    guard let (_, m2) = try? RouterDiscoveryMessage.parse(again) else { preconditionFailure("re-encoded ND message refused") }
    precondition(m2 == m, "ND message changed on re-encoding")
    switch m {
    case .solicitation(let rs): return rs.options.count + 1
    case .advertisement(let ra): return ra.options.count + Int(ra.routerLifetime)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var total = 0
    if let options = try? NDOption.parseList(bytes[...]) {
        var out: [UInt8] = []
        for o in options { o.encode(into: &out) }
        precondition((try? NDOption.parseList(out[...])) == options, "ND options changed on re-encoding")
        total &+= options.count
    }
    total &+= roundTrip(bytes)
    // The input as the body of an RS and of an RA (first byte picks), valid
    // envelope and checksum around it.
    let type: UInt8 = bytes.first.map { $0 & 1 == 0 ? 133 : 134 } ?? 133
    let header = IPv6Header(source: type == 133 ? host : router, destination: type == 133 ? .allRouters : .allNodes,
                            nextHeader: NextHeader.icmpv6, hopLimit: 255)
    let wrapped = IPv6Packet.build(header, segment: [type, 0, 0, 0] + bytes.dropFirst(), checksumOffset: 2)
    total &+= roundTrip(wrapped)
    precondition(IPv6ControlPacket.classify(wrapped) != nil || wrapped.count < 48)
    var advertiser = RouterAdvertiser(configuration: RouterAdvertiserConfiguration(), source: router, seed: 1)
    _ = advertiser.handle(.sessionUp(prefix: prefix), now: 0)
    total &+= advertiser.handle(.packet(wrapped), now: 1_000_000_000).count
    total &+= advertiser.handle(.packet(bytes), now: 2_000_000_000).count
    var h = RouterDiscoveryHost(interfaceID: 1, seed: 1)
    _ = h.handle(.linkUp, now: 0)
    total &+= h.handle(.packet(wrapped), now: 1).count
    total &+= h.handle(.packet(bytes), now: 2).count
    total &+= h.handle(.timer, now: UInt64(UInt32.max) * 1_000_000_000).count
    consume(total)
    return 0
}
