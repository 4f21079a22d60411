// fuzz-sources: Sources/IPC/Wire.swift Sources/IPC/Catalogue.swift Sources/IPC/SyscallRule.swift Sources/IPC/Log.swift Sources/IPC/LogLine.swift Sources/IPC/IPCError.swift Sources/IPC/Errno.swift Sources/IPC/PortSettings.swift Sources/IPC/L2TPSettings.swift Sources/IPC/MultilinkSettings.swift Sources/IPC/PPPoESettings.swift Sources/IPC/SessionRecords.swift Sources/IPC/FramedRoute.swift Sources/IPC/IPv4.swift Sources/IPC/NASPortType.swift Sources/IPC/NcpdSettings.swift Sources/IPC/IPv6Settings.swift Sources/IPC/BridgeSettings.swift Sources/IPC/JSONValue.swift Sources/IPC/JSONObject.swift Sources/IPC/JSONError.swift Sources/IPC/JSON+Encode.swift Sources/IPC/JSON+Parse.swift Sources/IPC/MethodError.swift Sources/IPC/MethodReplies.swift
// libFuzzer target for the fixed-shape method replies (MethodReplies.swift):
// any JSON is either refused by a reply type with .failed or taken, and
// what is taken re-encodes to a reply that is taken back unchanged.

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
    return 0
}
