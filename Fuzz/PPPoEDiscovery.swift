// fuzz-sources: Sources/PPPoE
// libFuzzer target: the PPPoE header, tag list and discovery packet parsers,
// the session-frame parser, then both discovery state machines (client while
// selecting, requesting and in session; AC with a session open) fed the same
// hostile frame, once as received and once re-addressed to them so the
// fuzzer spends its time on the tags. Round trips must hold; nothing may trap.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }  // keeps the parsers' results alive
}

let host = EthernetAddress(0x02, 0, 0, 0, 0, 0x01)
let ac = EthernetAddress(0x02, 0, 0, 0, 0, 0xac)
let key = SipHashKey(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)

func clientConfiguration() -> DiscoveryClient.Configuration {
    var c = DiscoveryClient.Configuration(localAddress: host)
    c.hostUniq = [1, 2]
    c.requestedMaxPayload = 1500
    return c
}

func acConfiguration() -> AccessConcentrator.Configuration {
    var c = AccessConcentrator.Configuration(localAddress: ac, acName: Array("ac".utf8), key: key)
    c.maximumPayload = 1500
    c.rateTableSize = 64
    return c
}

/// Client and AC after a real discovery between them: client in session,
/// AC with that session open; plus the client in its two waiting states.
struct Templates {
    var selecting: DiscoveryClient
    var requesting: DiscoveryClient
    var established: DiscoveryClient
    var concentrator: AccessConcentrator

    init() {
        var client = DiscoveryClient(configuration: clientConfiguration())
        var concentrator = AccessConcentrator(configuration: acConfiguration())
        var toAC = client.start().compactMap { if case .send(let f) = $0 { f } else { nil } }
        selecting = client
        var requesting = client
        for _ in 0..<4 {
            let toHost = toAC.flatMap { concentrator.receive($0, now: 1_000_000_000).compactMap { if case .send(let f) = $0 { f } else { nil } } }
            toAC = toHost.flatMap { client.receive($0).compactMap { if case .send(let f) = $0 { f } else { nil } } }
            if case .requesting = client.state { requesting = client }
        }
        guard case .established = client.state else { fatalError("discovery between our client and AC failed") }
        self.requesting = requesting
        established = client
        self.concentrator = concentrator
    }
}

let templates = Templates()

func drive(_ frame: [UInt8]) -> Int {
    var total = 0
    var a = templates.selecting, b = templates.requesting, c = templates.established
    var d = templates.concentrator
    total &+= a.receive(frame).count &+ b.receive(frame).count &+ c.receive(frame).count
    total &+= d.receive(frame, now: 1_000_000_000).count
    total &+= d.receive(frame, now: 40_000_000_000).count
    total &+= a.timeout().count &+ b.timeout().count &+ c.stop(reason: "fuzz").count
    return total
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var total = 0
    if let header = try? PPPoEHeader(parsing: bytes) {
        var again: [UInt8] = []
        header.append(to: &again)
        precondition(again == Array(bytes.prefix(PPPoEHeader.length)))
        total &+= header.payloadLength
    }
    if let packet = try? DiscoveryPacket(parsing: bytes) {
        // Re-encoding drops End-Of-List and what followed it, nothing else.
        let encoded = try! packet.encoded(maximumPayload: Int(UInt16.max))
        precondition((try? DiscoveryPacket(parsing: encoded)) == packet)
        total &+= packet.tags.count &+ (packet.error?.utf8.count ?? 0) &+ Int(packet.pppMaxPayload ?? 0)
    }
    if bytes.count >= PPPoEHeader.ethernetLength, let tags = try? Tag.parseList(bytes[PPPoEHeader.ethernetLength...]) {
        total &+= tags.count
    }
    if let (header, payload) = try? SessionFrame.parse(bytes[...]) {
        precondition(payload.count == header.payloadLength && payload.upperBound <= bytes.count)
    }
    // VLAN tags (VLANTags.swift): without and with a tag the device took
    // off (the first two octets as its TCI); what is read is written back.
    let stripped = bytes.count >= 2 ? VLANTags.Stripped(tci: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), tpid: VLANTags.serviceTPID) : nil
    for side in [nil, stripped] {
        if let (tags, at) = try? VLANTags.read(bytes[...], stripped: side) {
            precondition(at >= 12 && at + 2 <= bytes.count && at == 12 + tags.length - (side == nil ? 0 : 4))
            if side == nil {
                var again = bytes
                tags.write(into: &again, at: 12)
                precondition(again == bytes || tags.outer != nil || tags.inner != nil)
                precondition((try? VLANTags.read(again[...], stripped: nil))?.tags == tags)
            }
            total &+= at &+ Int(tags.inner ?? 0) &+ tags.description.utf8.count
        }
    }
    // Control messages as recvmsg returns them (PacketAuxdata.swift): the
    // tag read is what an encoded buffer with it reads back as.
    do {
        if let tag = try PacketAuxdata.vlan(bytes[...]) {
            precondition((try? PacketAuxdata.vlan(PacketAuxdata.encode(tag)[...])) == tag)
            total &+= Int(tag.tci) &+ Int(tag.tpid)
        }
    } catch {
        total &+= 1
    }
    total &+= drive(bytes)
    if bytes.count >= 12 {
        // Re-addressed: to the host from the AC, then to the AC from the host.
        var toHost = bytes
        ac.write(into: &toHost, at: 6)
        host.write(into: &toHost, at: 0)
        total &+= drive(toHost)
        var toAC = bytes
        ac.write(into: &toAC, at: 0)
        host.write(into: &toAC, at: 6)
        total &+= drive(toAC)
    }
    consume(total)
    return 0
}
