// fuzz-sources: Sources/PPP Sources/IPC Sources/ncpd/NetworkSessionState.swift Sources/linkd/LinkSessionState.swift Sources/linkd/StalePPPoESessionRecord.swift Fuzz/Shared/Canonical.swift
// fuzz-modules: CShim
// libFuzzer target: the state records ncpd and linkd deposit in pppinit's
// fd store and decode after a restart (DESIGN.md "Restart without losing
// sessions"). A decoded record re-encodes to the same bytes, or — when it
// was an older version (LinkSessionState v1 and v2, NetworkSessionState v1,
// the unversioned stale PPPoE session and counter base,
// NetworkSettings v1, AuthVerdict v1, BundleRecord v1), which is read
// and written back as the current one — to a canonical form that decodes to
// the same record and re-encodes to itself.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let s = try? NetworkSessionState.decode(bytes) {
        canonical(s, bytes, s.encoded(), "ncpd session state") { try? NetworkSessionState.decode($0) } encode: { $0.encoded() }
    }
    if let b = try? BundleRecord.decode(bytes) {
        canonical(b, bytes, b.encoded(), "bundle record") { try? BundleRecord.decode($0) } encode: { $0.encoded() }
    }
    if let s = try? LinkSessionState.decode(bytes) {
        canonical(s, bytes, s.encoded(), "linkd session state") { try? LinkSessionState.decode($0) } encode: { $0.encoded() }
    }
    // Issue 20: records that were unversioned before (read by length).
    if let s = try? StalePPPoESessionRecord.decode(bytes) {
        canonical(s, bytes, s.encoded(), "stale PPPoE session") { try? StalePPPoESessionRecord.decode($0) } encode: { $0.encoded() }
    }
    if let c = try? CounterBaseRecord.decode(bytes) {
        canonical(c, bytes, CounterBaseRecord.encoded(c), "counter base") { try? CounterBaseRecord.decode($0) } encode: { CounterBaseRecord.encoded($0) }
    }
    return 0
}
