// fuzz-sources: Sources/PPP
// libFuzzer target: the IPv6CP option parser (RFC 5072) and the IPv6CP
// negotiation (Req-Sent and Opened) fed the same hostile packets twice;
// round trips must hold and the negotiated identifiers never collide.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }
}

func ipv6cp(seed: UInt64) -> IPv6CP {
    var c = IPv6CPConfiguration()
    c.seed = seed
    return IPv6CP(negotiator: IPv6CPNegotiator(configuration: c))
}

func opened() -> IPv6CP {
    var a = ipv6cp(seed: 1), b = ipv6cp(seed: 2)
    var toA: [[UInt8]] = [], toB: [[UInt8]] = []
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

let openedTemplate = opened()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var total = 0
    if let options = try? ConfigurationOption.parseList(bytes) {
        for option in options {
            if let typed = try? IPv6CPOption(option) {
                precondition(typed.option == option)
                total &+= Int(option.type)
            }
        }
    }
    var negotiating = ipv6cp(seed: 3)
    _ = negotiating.lowerUp()
    _ = negotiating.open()
    var o = openedTemplate
    for _ in 0..<2 {
        total &+= negotiating.receive(bytes).count
        total &+= o.receive(bytes).count
    }
    if o.state == .opened {
        let n = o.negotiator.negotiated
        precondition(n.localIdentifier != n.remoteIdentifier || n.remoteIdentifier == 0)
    }
    consume(total)
    return 0
}
