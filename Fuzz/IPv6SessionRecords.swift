// fuzz-sources: Sources/IPv6Services
// libFuzzer target: the IPv6 session record a daemon deposits in pppinit's fd
// store (issue 18 point 4). A record that decodes re-encodes to exactly the
// same octets (there is one version and no slack in the format), and its
// leases restore into a fresh server and pool without double ownership.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let r = try? IPv6SessionRecord.decode(bytes) else { return 0 }
    precondition(r.encoded() == bytes, "IPv6 session record did not re-encode to its own octets")
    var pool = PrefixPool(name: "pd", aggregate: IPv6Prefix("::/0")!, prefixLength: 16)
    var server = DHCPv6Server(configuration: DHCPv6ServerConfiguration(serverID: .enterprise(number: 1, identifier: [1])),
                              source: .linkLocal(interfaceID: 2), session: r.session)
    let restored = server.restore(leases: r.leases, peer: r.peer, pool: &pool)
    if restored {
        _ = server.handle(.sessionDown, now: UInt64.max, pool: &pool)
    }
    precondition(pool!.inUse == 0, "a refused or ended restore left prefixes taken")
    return 0
}
