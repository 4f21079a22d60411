// fuzz-sources: Sources/L2TP Sources/IPC/Wire.swift Sources/IPC/IPCError.swift Sources/IPC/Errno.swift Sources/IPC/IPv4.swift Sources/IPC/L2TPEndpoint.swift Sources/linkd/L2TPTunnelDeposit.swift
// libFuzzer target: the record linkd deposits per L2TP tunnel and reads
// back after a restart (L2TPTunnelDeposit), then the tunnel record inside
// it restored as linkd does (Tunnel(record:) under an LNS and a LAC
// configuration). A decoded deposit re-encodes to the same bytes; a
// restored tunnel's own record restores again to the same tunnel.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let deposit = try? L2TPTunnelDeposit.decode(bytes)
    if let d = deposit {
        let again = d.encoded()
        guard again == bytes else { fatalError("l2tp tunnel deposit re-encodes differently") }
    }
    // The tunnel record on its own too, so the fuzzer need not find the wrapper.
    for record in [deposit?.tunnel, bytes].compactMap({ $0 }) {
        for role in [Tunnel.Role.lns, .lac] {
            var c = Tunnel.Configuration(role: role, hostName: Array("fuzz".utf8))
            c.secret = Array("s".utf8)
            guard let t = try? Tunnel(record: record, configuration: c, seed: [UInt8](repeating: 7, count: 16), now: 1_000) else { continue }
            guard let u = try? Tunnel(record: t.record, configuration: c, seed: [UInt8](repeating: 7, count: 16), now: 1_000) else {
                fatalError("a restored tunnel's record does not restore")
            }
            if u.localID != t.localID || u.sessions.count != t.sessions.count { fatalError("tunnel record round trip differs") }
        }
    }
    return 0
}
