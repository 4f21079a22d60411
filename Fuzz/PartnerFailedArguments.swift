// fuzz-sources: Sources/IPC
// fuzz-modules: CShim
// libFuzzer target for linkd's `partner-failed` argument checks
// (PartnerFailedArguments): any JSON is either refused with bad-arguments or taken,
// and what is taken re-encodes to arguments that are taken back unchanged;
// the sender's side, fed the same strings, always produces arguments the
// receiver takes when the ids are well formed.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSON.parse(bytes, maxDepth: 8, maxLength: 1 << 14) else { return 0 }
    do {
        let f = try PartnerFailedArguments(arguments: value, port: "acc")
        let again = try PartnerFailedArguments(arguments: f.json, port: "acc")
        precondition(again == f, "re-encoded arguments changed: \(f.json)")
        precondition(PartnerFailedArguments.split(f.session)?.port == "acc", "accepted \(f.session) for port acc")
    } catch {
        precondition(error.code == .badArguments, "refused with \(error.code): \(error.reason)")
    }
    // The sender's side with whatever strings the input holds.
    if case let .string(session)? = value["session"], case let .string(partner)? = value["partner"],
       case let .string(reason)? = value["reason"] {
        let sent = PartnerFailedArguments(session: session, partner: partner, reason: reason)
        precondition(sent.reason.utf8.count <= PartnerFailedArguments.maxReason && !sent.reason.isEmpty, "reason not cut: \(sent.reason)")
        if PartnerFailedArguments.split(session)?.port == "acc", let p = PartnerFailedArguments.split(partner)?.port, p != "acc" {
            precondition((try? PartnerFailedArguments(arguments: sent.json, port: "acc")) == sent, "receiver refuses \(sent.json)")
        }
    }
    return 0
}
