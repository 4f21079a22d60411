// fuzz-modules: CShim IPC
// libFuzzer target for the method replies (MethodReplies.swift,
// ListingReplies.swift):
// any JSON is either refused by a reply type with .failed or taken, and
// what is taken re-encodes to a reply that is taken back unchanged.
import IPC

func check<R: MethodReply>(_: R.Type, _ value: JSON) {
    do {
        let r = try R(json: value)
        let again = try? R(json: r.json)
        precondition(again == r, "\(R.self) re-encoded changed: \(r.json.encoded())")
    } catch {
        precondition(error.code == .failed, "\(R.self) refused with \(error.code): \(error.reason)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSON.parse(bytes, maxDepth: 8, maxLength: 1 << 14) else { return 0 }
    check(PingReply.self, value)
    check(SessionKillReply.self, value)
    check(SessionKillSummary.self, value)
    check(DialReply.self, value)
    check(BridgeReply.self, value)
    check(UnbridgeReply.self, value)
    check(PartnerFailedReply.self, value)
    check(StatusReply.self, value)
    check(AuthTestReply.self, value)
    check(SessionListing.self, value)
    check(PoolsReply.self, value)
    check(SplicesReply.self, value)
    check(SpliceUnbridgeReply.self, value)
    check(TunnelsReply.self, value)
    check(BundlesReply.self, value)
    check(SessionPrefixesReply.self, value)
    check(NcpdSessionPrefixesReply.self, value)
    return 0
}
