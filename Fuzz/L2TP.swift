// fuzz-sources: Sources/L2TP
// libFuzzer target: the L2TP header, AVP list and control message decoders
// (with and without a secret, so hidden AVPs are revealed), then a LAC and
// an LNS with an established tunnel and a session each fed the datagram as
// received and re-addressed to them with the Ns they expect, so the fuzzer
// reaches the state machines; then the tunnel and session record decoders,
// and the §4.4.5 proxy LCP and authentication checks an LNS runs.
// Decoded messages must re-encode to an equal message; nothing may trap.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }  // keeps the parsers' results alive
}

let secret: [UInt8] = Array("fuzz".utf8)

func configuration(_ role: Tunnel.Role) -> Tunnel.Configuration {
    var c = Tunnel.Configuration(role: role, hostName: Array("\(role)".utf8))
    c.secret = secret
    c.hiddenAttributes = [.proxyAuthenName, .assignedSessionID]
    c.sequenceData = true
    return c
}

/// A LAC and an LNS after a real exchange between them: tunnel up, one call.
struct Templates {
    var lac: Tunnel
    var lns: Tunnel

    init() {
        lac = Tunnel(configuration: configuration(.lac), origin: .initiator, localID: 11, seed: [1], now: 0)
        lns = Tunnel(configuration: configuration(.lns), origin: .responder, localID: 22, seed: [2], now: 0)
        var call = IncomingCall()
        call.proxy.authenName = Array("user".utf8)
        var toLNS = Self.sends(lac.placeCall(call, now: 0).actions)
        for _ in 0..<10 {
            let toLAC = toLNS.flatMap { Self.sends(lns.receiveControl($0, now: 0)) }
            toLNS = toLAC.flatMap { Self.sends(lac.receiveControl($0, now: 0)) }
        }
        guard lac.state == .established, lns.sessions.count == 1, lac.sessions.count == 1 else {
            fatalError("the exchange between our LAC and LNS failed")
        }
    }

    static func sends(_ actions: [Tunnel.Action]) -> [[UInt8]] {
        actions.compactMap { if case .send(let d) = $0 { d } else { nil } }
    }
}

let templates = Templates()

func drive(_ tunnel: Tunnel, _ datagram: [UInt8]) -> Int {
    var t = tunnel
    var total = t.receiveControl(datagram, now: 1_000_000_000).count
    if let header = try? L2TPHeader(parsing: datagram), !header.isControl {
        total &+= Int(t.receiveData(header, now: 1_000_000_000) ?? 0)
    }
    total &+= t.tick(now: 2_000_000_000).count &+ t.tick(now: 90_000_000_000).count
    total &+= t.record.count
    return total
}

/// The datagram with the header a tunnel expects: its id, the Ns it waits
/// for, a session of its own (the input's first octets pick the flags).
func readdressed(_ bytes: [UInt8], to t: Tunnel) -> [UInt8]? {
    guard bytes.count >= 12, bytes[0] & 0x40 != 0, bytes[0] & 0x08 != 0 else { return nil }
    var d = bytes
    d[1] = 0x02
    d[2] = UInt8(d.count >> 8); d[3] = UInt8(d.count & 0xff)
    d[4] = UInt8(t.localID >> 8); d[5] = UInt8(t.localID & 0xff)
    if d[0] & 0x80 != 0 {
        d[8] = UInt8(t.transport.nextNr >> 8); d[9] = UInt8(t.transport.nextNr & 0xff)
        if bytes[6] & 1 != 0, let id = t.sessions.keys.first { d[6] = UInt8(id >> 8); d[7] = UInt8(id & 0xff) }
    } else if let id = t.sessions.keys.first {
        d[6] = UInt8(id >> 8); d[7] = UInt8(id & 0xff)
    }
    return d.count <= Int(UInt16.max) ? d : nil
}

/// §4.4.5 proxy AVPs as an LNS reads them: checked as a whole, the caller's
/// MRU and the log line taken; an error must be a typed one, never a trap.
func checkProxy(_ p: ProxyInformation) -> Int {
    var n = p.summary.utf8.count &+ Int(p.callerMRU ?? 0)
    do { try p.check() } catch { n &+= 1 }
    return n
}

func checkMessage(_ body: ArraySlice<UInt8>, secret: [UInt8]?) -> Int {
    guard var m = try? ControlMessage(decoding: body, secret: secret) else { return 0 }
    let proxyResult = checkProxy(m.proxy)
    consume(proxyResult)
    m.unrecognizedMandatory = []  // ignored AVPs are not re-encoded
    guard let encoded = try? m.encodedBody() else { return 1 }  // too long for one message once unhidden
    guard let again = try? ControlMessage(decoding: encoded[...], secret: nil), again == m else {
        fatalError("a decoded \(m.type) does not survive re-encoding")
    }
    return encoded.count
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var total = 0
    if let header = try? L2TPHeader(parsing: bytes) {
        precondition(header.payloadOffset <= bytes.count && header.length == bytes.count)
        var again: [UInt8] = []
        header.append(to: &again)
        precondition(again.count == header.payloadOffset)
        if header.isControl {
            // §3.1: reserved bits are ignored on receipt and sent as 0.
            var sent = Array(bytes.prefix(12))
            sent[0] &= 0xcb
            sent[1] &= 0x0f
            precondition(Array(again.prefix(12)) == sent)
        }
    }
    if let avps = try? AVP.parseList(bytes[...], secret: secret) { total &+= avps.count }
    // The input as a proxied CONFREQ option list and as a whole proxy set.
    if let options = try? ProxyInformation.options(bytes, attribute: .lastReceivedLCPConfReq) {
        precondition(options.reduce(0) { $0 + 2 + $1.data.count } == bytes.count)
        total &+= options.count
    }
    var proxy = ProxyInformation()
    proxy.lastReceivedConfReq = bytes
    proxy.authenType = bytes.first.map { UInt16($0 & 7) }
    proxy.authenName = bytes.count > 1 ? Array(bytes.prefix(3)) : nil
    proxy.authenResponse = bytes.count > 2 ? Array(bytes.suffix(2)) : nil
    total &+= checkProxy(proxy)
    total &+= checkMessage(bytes[...], secret: nil) &+ checkMessage(bytes[...], secret: secret)
    total &+= drive(templates.lac, bytes) &+ drive(templates.lns, bytes)
    if let d = readdressed(bytes, to: templates.lac) { total &+= drive(templates.lac, d) }
    if let d = readdressed(bytes, to: templates.lns) { total &+= drive(templates.lns, d) }
    if let t = try? Tunnel(record: bytes, configuration: configuration(.lac), seed: [3], now: 5) { total &+= drive(t, []) }
    if let s = try? Session(record: bytes) {
        precondition((try? Session(record: s.record)) == s)
        total &+= Int(s.localID)
    }
    consume(total)
    return 0
}
