// fuzz-sources: Sources/L2TP
// libFuzzer target: the record linkd deposits per L2TP tunnel and reads
// back after a restart (TunnelDeposit), then the tunnel record inside it
// (and the input itself as one) restored as linkd does, under an LNS and a
// LAC configuration. A decoded deposit re-encodes to the same bytes (a
// version 1 one reads the same once written as version 2); a
// restored tunnel's own record restores again to the same ids and calls.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let deposit = try? TunnelDeposit(record: bytes)
    if let d = deposit {
        // Version 2 re-encodes to the same bytes; version 1 (the release
        // before) is written back as version 2 and reads the same.
        let again = d.record
        if bytes.first == 2, again != bytes { fatalError("a tunnel deposit re-encodes differently") }
        if (try? TunnelDeposit(record: again)) != d { fatalError("a re-encoded tunnel deposit reads differently") }
    }
    // The tunnel record on its own too, so the fuzzer need not find the wrapper.
    for record in [deposit?.tunnel, bytes].compactMap({ $0 }) {
        for role in [Tunnel.Role.lns, .lac] {
            var c = Tunnel.Configuration(role: role, hostName: Array("fuzz".utf8))
            c.secret = Array("s".utf8)
            let seed = [UInt8](repeating: 7, count: 16)
            guard let t = try? Tunnel(record: record, configuration: c, seed: seed, now: 1_000) else { continue }
            guard let u = try? Tunnel(record: t.record, configuration: c, seed: seed, now: 1_000) else {
                fatalError("a restored tunnel's record does not restore")
            }
            if u.localID != t.localID || u.sessions.keys.sorted() != t.sessions.keys.sorted() || u.state != t.state {
                fatalError("tunnel record round trip differs")
            }
        }
    }
    return 0
}
