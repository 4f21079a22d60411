// fuzz-sources: Sources/pppinit/RouterConfig*.swift Sources/pppinit/Services.swift Sources/pppinit/Sys.swift
// fuzz-modules: CShim IPC PPP Config IPv6Services
// libFuzzer target: pppinit's configuration layer above TOML — ports, pools,
// auth, RADIUS, bridge rules, hooks — the file an operator writes and the
// first thing pppinit (root) reads. Any text gives a configuration or a
// "file:line: reason" with a line inside the file; a configuration's port
// names are unique and its pools do not claim the same name twice.
import Config
import IPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.utf8.reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
    do {
        let c = try RouterConfig.parse(text, file: "fuzz.toml")
        precondition(Set(c.ports.map(\.name)).count == c.ports.count, "two ports with one name")
        precondition(Set(c.pools.map(\.name)).count == c.pools.count, "two pools with one name")
    } catch {
        precondition(error.file == "fuzz.toml" && error.line >= 0 && error.line <= lines,
                     "error at \(error.line) of \(lines) lines: \(error.reason)")
    }
    return 0
}
