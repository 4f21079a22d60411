// fuzz-sources: Sources/IPv6Services
// libFuzzer target: DHCPv6 messages and nested options (RFC 8415 §8, §21),
// raw and inside a valid UDP/IPv6 envelope, fed to a session's server (with a
// small pool, so exhaustion is reached) and to a soliciting client. A decoded
// message re-encodes to one that decodes the same; the pool never hands out
// more prefixes than it has.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }
}

let router = IPv6Address.linkLocal(interfaceID: 2)
let host = IPv6Address.linkLocal(interfaceID: 1)
let serverID = DUID.enterprise(number: 32473, identifier: [1])
let clientID = DUID.linkLayer(hardwareType: 1, address: [2, 0, 0, 0, 0, 1])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var total = 0
    if let m = try? DHCPv6Message.decode(bytes[...]) {
        let again = m.encoded()
        precondition((try? DHCPv6Message.decode(again[...])) == m, "DHCPv6 message changed on re-encoding")
        total &+= m.options.count
    }
    let toServer = UDPDatagram(header: IPv6Header(source: host, destination: .allDHCPRelayAgentsAndServers, nextHeader: 17, hopLimit: 1),
                               sourcePort: 546, destinationPort: 547, payload: bytes).packet()
    precondition(IPv6ControlPacket.classify(toServer) == .dhcpv6ToServer)
    var pool = PrefixPool(name: "pd", aggregate: IPv6Prefix("2001:db8:100::/55")!, prefixLength: 56)
    var server = DHCPv6Server(configuration: DHCPv6ServerConfiguration(serverID: serverID), source: router, session: "s")
    server.address = IPv6Address("2001:db8::7")
    for packet in [toServer, bytes, toServer] {
        total &+= server.handle(.packet(packet), now: 1, pool: &pool).count
    }
    precondition(pool!.inUse <= 2 && server.leases.filter { $0.pooled }.count == pool!.inUse)
    total &+= server.handle(.sessionDown, now: 2, pool: &pool).count
    precondition(pool!.inUse == 0 && server.leases.isEmpty)
    // The client, soliciting, hears the input as a server's answer; the
    // transaction id is forced to match so the checks past it are reached.
    var client = DHCPv6Client(configuration: DHCPv6ClientConfiguration(clientID: clientID), source: host, seed: 1)
    _ = client.handle(.start, now: 0)
    _ = client.handle(.timer, now: 2_000_000_000)
    var payload = bytes
    if payload.count >= 4 {
        payload[1] = UInt8(client.transactionID >> 16 & 0xff)
        payload[2] = UInt8(client.transactionID >> 8 & 0xff)
        payload[3] = UInt8(client.transactionID & 0xff)
    }
    let toClient = UDPDatagram(header: IPv6Header(source: router, destination: host, nextHeader: 17, hopLimit: 64),
                               sourcePort: 547, destinationPort: 546, payload: payload).packet()
    total &+= client.handle(.packet(toClient), now: 2_100_000_000).count
    total &+= client.handle(.timer, now: 4_000_000_000).count
    total &+= client.handle(.stop, now: 5_000_000_000).count
    consume(total)
    return 0
}
