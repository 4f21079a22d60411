// fuzz-sources: Sources/PPP
// libFuzzer target: the RFC 1990 MP header codec and the bundle reassembler
// fed hostile input. The input is cut into fragments, each tagged with a
// link (joins, leaves and idle reports mixed in); the reassembler must stay
// within its bound, deliver only packets within the MRRU, and never trap.
// Then the Endpoint Discriminator option and its text form round-trip.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }  // keeps the results alive
}

let capacity = 16

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let control = bytes.first else { return 0 }
    let format: MultilinkSequenceFormat = control & 1 == 0 ? .long : .short
    var total = 0
    var r = MultilinkReassembler(format: format, mrru: 64, capacity: capacity, maximumFragment: 32,
                                 expecting: control & 2 == 0 ? nil : UInt32(control >> 2))
    r.join(link: 0)
    r.join(link: 1)
    var packet: [UInt8] = []
    var i = 1
    // Records: [op/link, length, fragment...]; op high bits pick join/leave/idle.
    while i + 1 < bytes.count {
        let op = bytes[i], length = Int(bytes[i + 1] & 0x3f)
        i += 2
        let link = UInt32(op & 3)
        switch op >> 6 {
        case 1: r.join(link: link)
        case 2: r.leave(link: link)
        case 3: r.linkIdle(link)
        default: break
        }
        let end = min(i + length, bytes.count)
        let fragment = bytes[i..<end]
        i = end
        if let header = try? MultilinkHeader.decode(fragment, format: format) {
            let again = header.encoded(format: format)
            precondition(try! MultilinkHeader.decode(again, format: format) == header)
            total &+= Int(header.sequence)
        }
        r.receive(fragment, on: link)
        while r.nextPacket(into: &packet) {
            precondition(!packet.isEmpty && packet.count <= r.maximumPacket)
            total &+= packet.count
        }
        precondition(r.bufferedFragments <= capacity)
    }
    let c = r.counters
    total &+= Int(truncatingIfNeeded: c.fragmentsReceived &+ c.fragmentsLost &+ c.fragmentsDiscarded)
    // The discriminator option and text form: what parses re-encodes.
    if let d = try? EndpointDiscriminator(optionValue: bytes.dropFirst()) {
        precondition(try! LCPOption(LCPOption.endpointDiscriminator(d).option) == .endpointDiscriminator(d))
        // The text form names the six assigned classes, and refuses a MAC
        // address with the local or multicast bit (RFC 1990 §5.1.3).
        let textual: Bool
        switch d.class {
        case .other: textual = false
        case .ieee802MACAddress: textual = d.address[0] & 3 == 0
        default: textual = true
        }
        if textual { precondition(EndpointDiscriminator(text: d.description) == d) }
        total &+= d.address.count
    }
    if let text = String(validating: bytes.dropFirst(), as: UTF8.self), let d = EndpointDiscriminator(text: text) {
        precondition(EndpointDiscriminator(text: d.description) == d)
    }
    consume(total)
    return 0
}
