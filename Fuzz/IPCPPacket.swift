// fuzz-sources: Sources/PPP
// libFuzzer target: the IPCP option parser (RFC 1332, RFC 1877) and the
// whole IPCP negotiation in the server role (Req-Sent) and the client role
// (Opened), fed the same hostile packets twice. Round trips must hold.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }
}

func ipcp(server: Bool) -> IPCP {
    var c = IPCPConfiguration()
    if server {
        c.localAddress = 0x0a00_0001; c.remoteAddress = 0x0a00_0002; c.dnsToOffer = [0x0808_0808]
    } else {
        c.requestDNS = true
    }
    return IPCP(negotiator: IPCPNegotiator(configuration: c))
}

func openedClient() -> IPCP {
    var a = ipcp(server: true), b = ipcp(server: false)
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
    precondition(b.state == .opened)
    return b
}

let openedTemplate = openedClient()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var total = 0
    if let options = try? ConfigurationOption.parseList(bytes) {
        for option in options {
            if let typed = try? IPCPOption(option) {
                precondition(typed.option == option)
                total &+= Int(option.type)
            }
        }
    }
    var negotiating = ipcp(server: true)
    _ = negotiating.lowerUp()
    _ = negotiating.open()
    var opened = openedTemplate
    for _ in 0..<2 {
        total &+= negotiating.receive(bytes).count
        total &+= opened.receive(bytes).count
    }
    total &+= Int(opened.negotiator.negotiated.localAddress & 1)
    total &+= opened.rejectedByPeer().count
    consume(total)
    return 0
}
