// fuzz-sources: Sources/IPC/Wire.swift Sources/IPC/Catalogue.swift Sources/IPC/IPCError.swift Sources/IPC/Errno.swift Sources/IPC/PortSettings.swift Sources/IPC/PPPoESettings.swift Sources/IPC/SessionRecords.swift Sources/IPC/NcpdSettings.swift Sources/IPC/BridgeSettings.swift
// libFuzzer target for the control-message decoder: header, catalogue
// checks, every payload codec, the linkd port and bridging settings codecs
// and the channel record. A decoded
// message must re-encode to the same bytes (exact-length decoders).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The first byte picks the sender and a descriptor count, the rest is the datagram.
    guard let selector = bytes.first else { return 0 }
    let sender = Peer(rawValue: selector % 6 + 1) ?? .pppctl
    let fds = Int(selector >> 4) % 4
    let datagram = bytes.dropFirst()
    if let (h, m) = try? Codec.decode(datagram, from: sender, descriptorCount: fds) {
        guard let again = try? Codec.encode(m, flags: h.flags, callID: h.callID), again[...] == datagram else {
            fatalError("decoded message does not re-encode to its bytes")
        }
    }
    if let s = try? PortSettings.decode(Array(datagram)), s.encoded() != Array(datagram) {
        fatalError("port settings do not re-encode to their bytes")
    }
    if let c = try? ChannelRecord.decode(Array(datagram)), c.encoded() != Array(datagram) {
        fatalError("a channel record does not re-encode to its bytes")
    }
    if let n = try? NcpdSettings.decode(Array(datagram)), n.encoded() != Array(datagram) {
        fatalError("ncpd settings do not re-encode to their bytes")
    }
    if let l = try? LinkdSettings.decode(Array(datagram)), l.encoded() != Array(datagram) {
        fatalError("linkd settings do not re-encode to their bytes")
    }
    return 0
}
