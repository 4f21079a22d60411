// fuzz-sources: Sources/PPP
// libFuzzer target: LCP control-packet, option and link-maintenance parsers,
// the channel frame and its Protocol-Reject (ChannelFrame), then the whole
// negotiation layer (LCP in Req-Sent and in Opened) fed the
// same hostile packets. Round trips must hold; nothing may trap.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }  // keeps the parsers' results alive
}

func openedLCP() -> LCP {
    var a = LCP(negotiator: LCPNegotiator(configuration: { var c = LCPConfiguration(); c.magicSeed = 1; return c }()))
    var b = LCP(negotiator: LCPNegotiator(configuration: { var c = LCPConfiguration(); c.magicSeed = 2; return c }()))
    var toB: [[UInt8]] = []
    var toA: [[UInt8]] = []
    func sends(_ actions: [ControlAction]) -> [[UInt8]] {
        actions.compactMap { if case .send(let bytes) = $0 { bytes } else { nil } }
    }
    toB += sends(a.lowerUp()) + sends(a.open())
    toA += sends(b.lowerUp()) + sends(b.open())
    while !toA.isEmpty || !toB.isEmpty {
        if !toB.isEmpty { toA += sends(b.receive(toB.removeFirst())) }
        if !toA.isEmpty { toB += sends(a.receive(toA.removeFirst())) }
    }
    precondition(a.state == .opened)
    return a
}

/// Negotiated once; each input starts from a copy (the layer is a value).
let openedTemplate = openedLCP()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var total = 0
    if let packet = try? ControlPacket(parsing: bytes) {
        precondition((try? ControlPacket(parsing: packet.encoded())) == packet)
        total &+= packet.data.count
        if let options = try? ConfigurationOption.parseList(packet.data) {
            precondition(ConfigurationOption.encodeList(options) == packet.data)
            for option in options {
                if let typed = try? LCPOption(option) {
                    precondition(typed.option == option)
                    total &+= Int(typed.option.type)
                }
            }
        }
        if let body = try? LinkMaintenancePacket(parsing: packet) {
            precondition(body.controlPacket(identifier: packet.identifier) == packet)
            total &+= 1
        }
    }
    // A channel frame, and the Protocol-Reject an LCP one must be: what it
    // hands back lies inside the input, after the rejected protocol.
    if let (proto, information) = try? ChannelFrame.decode(bytes[...]) {
        precondition(proto.isValid && information.count == bytes.count - ChannelFrame.headerLength)
        if let (rejected, data) = ChannelFrame.protocolReject(information) {
            precondition(information.count >= 6 && data.startIndex == information.startIndex + 6
                         && data.endIndex <= information.endIndex && information.first == 8)
            total &+= Int(rejected.rawValue) &+ data.count
        }
    }
    // The negotiation layer in Req-Sent, then in Opened, twice each so the
    // state the first packet caused sees the second.
    var negotiating = LCP(negotiator: LCPNegotiator(configuration: LCPConfiguration()))
    _ = negotiating.lowerUp()
    _ = negotiating.open()
    var opened = openedTemplate
    for _ in 0..<2 {
        total &+= negotiating.receive(bytes).count
        total &+= opened.receive(bytes).count
    }
    total &+= opened.timeout().count
    consume(total)
    return 0
}
