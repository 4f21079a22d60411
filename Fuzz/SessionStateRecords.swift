// fuzz-sources: Sources/PPP Sources/IPC/Wire.swift Sources/IPC/IPCError.swift Sources/IPC/Errno.swift Sources/IPC/Catalogue.swift Sources/IPC/PortSettings.swift Sources/IPC/PPPoESettings.swift Sources/IPC/NcpdSettings.swift Sources/IPC/SessionRecords.swift Sources/ncpd/NetworkSessionState.swift Sources/linkd/LinkSessionState.swift
// libFuzzer target: the state records ncpd and linkd deposit in pppinit's
// fd store and decode after a restart (DESIGN.md "Restart without losing
// sessions"). A decoded record must re-encode to the same bytes.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let s = try? NetworkSessionState.decode(bytes), s.encoded() != bytes {
        fatalError("an ncpd session state does not re-encode to its bytes")
    }
    if let s = try? LinkSessionState.decode(bytes), s.encoded() != bytes {
        fatalError("a linkd session state does not re-encode to its bytes")
    }
    return 0
}
