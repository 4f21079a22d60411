// fuzz-sources: Sources/IPC/Log.swift Sources/IPC/LogLine.swift Sources/IPC/JSONValue.swift Sources/IPC/JSONObject.swift Sources/IPC/JSON+Encode.swift
// libFuzzer target for pppinit's reading of a daemon's log line
// (LogLine.parse): any bytes are either refused or read into a line that,
// written out plain again, reads back to the same line; its JSON rendering
// is one line.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let line = LogLine.parse(bytes[...]) else { return 0 }
    precondition(LogLine.isTimestamp(Array(line.time.utf8)[...]), "time \(line.time)")
    let plain = line.rendered(format: .plain, journal: false)
    precondition(plain.last == 10, "no newline")
    let messageHasBreak = line.message.utf8.contains(10) || line.message.utf8.contains(13)
    if !messageHasBreak {
        let again = LogLine.parse(plain.dropLast())
        precondition(again == line, "re-read changed: \(String(describing: again)) vs \(line)")
    }
    let json = line.rendered(format: .json, journal: true)
    precondition(json.firstIndex(of: 10) == json.count - 1, "a JSON line with a line break inside")
    return 0
}
