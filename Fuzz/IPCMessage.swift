// fuzz-sources: Sources/IPC Fuzz/Shared/Canonical.swift
// fuzz-modules: CShim
// libFuzzer target for the control-message decoder: header, catalogue
// checks, every payload codec, the linkd port and bridging settings codecs
// and the channel record. Decoders are exact-length, so a decoded value
// must re-encode to the same bytes — except where a decoder still reads an
// older record version (AuthVerdict v1 inside a channel record or a verdict
// message), which re-encodes as the current version. So the property is:
// the re-encoding is the input, or else decodes to the same value and is
// its own re-encoding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The first byte picks the sender and a descriptor count, the rest is the datagram.
    guard let selector = bytes.first else { return 0 }
    let sender = Peer(rawValue: selector % 6 + 1) ?? .pppctl
    let fds = Int(selector >> 4) % 4
    let datagram = bytes.dropFirst()
    let input = Array(datagram)
    if let (h, m) = try? Codec.decode(datagram, from: sender, descriptorCount: fds) {
        guard let again = try? Codec.encode(m, flags: h.flags, callID: h.callID) else {
            fatalError("a decoded message does not encode")
        }
        canonical(m, input, again, "message") { b in try? Codec.decode(b[...], from: sender, descriptorCount: fds).1 } encode: { m in
            (try? Codec.encode(m, flags: h.flags, callID: h.callID)) ?? []
        }
    }
    if let s = try? PortSettings.decode(input) {
        canonical(s, input, s.encoded(), "port settings") { try? PortSettings.decode($0) } encode: { $0.encoded() }
    }
    if let c = try? ChannelRecord.decode(input) {
        canonical(c, input, c.encoded(), "channel record") { try? ChannelRecord.decode($0) } encode: { $0.encoded() }
    }
    if let n = try? NcpdSettings.decode(input) {
        canonical(n, input, n.encoded(), "ncpd settings") { try? NcpdSettings.decode($0) } encode: { $0.encoded() }
    }
    if let l = try? LinkdSettings.decode(input) {
        canonical(l, input, l.encoded(), "linkd settings") { try? LinkdSettings.decode($0) } encode: { $0.encoded() }
    }
    return 0
}
