// fuzz-modules: CShim IPC
// libFuzzer target: the daemons' method-argument decoders (linkd's
// session-kill, unbridge, bridge, dial, partner-failed and sessions pages,
// authd's auth-test and session-prefixes, bridged's unbridge), as a local user's pppctl call
// reaches them. Any JSON is refused with bad-arguments or taken, and what is
// taken re-encodes to arguments that decode back unchanged.
import IPC

func check<A: MethodArguments>(_: A.Type, _ value: JSON) {
    do {
        let a = try A(json: value)
        let again = try? A(json: a.json)
        precondition(again == a, "\(A.self) re-encoded changed: \(a.json.encoded())")
    } catch {
        precondition(error.code == .badArguments, "\(A.self) refused with \(error.code): \(error.reason)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSON.parse(bytes, maxDepth: 8, maxLength: 1 << 14) else { return 0 }
    check(PageArguments.self, value)
    check(SessionArguments.self, value)
    check(BridgeArguments.self, value)
    check(DialArguments.self, value)
    check(AuthTestArguments.self, value)
    check(PartnerFailedArguments.self, value)
    check(SpliceArguments.self, value)
    check(SessionPrefixesArguments.self, value)
    return 0
}
