// fuzz-modules: CShim IPC
// libFuzzer target for reading events (Event(json:), EventBody, EventStamp):
// any JSON object is either refused or read into a value whose JSON reads
// back to the same value, with "event" first (after pppinit's stamp, when
// it has one) and only its kind's catalogue fields.
import IPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let o = (try? JSON.parse(bytes, maxDepth: 8, maxLength: 1 << 14))?.object, let e = Event(json: o) else { return 0 }
    let json = e.json
    let head = e.stamp == nil ? ["event"] : ["version", "seq", "time", "event"]
    precondition(Array(json.keys.prefix(head.count)) == head, "event not first: \(JSON.object(json).encoded())")
    precondition(Event(json: json) == e, "re-read changed: \(JSON.object(json).encoded())")
    let allowed = Set(e.kind.fields.map { $0.hasSuffix("?") ? String($0.dropLast()) : $0 } + ["event", "component", "version", "seq", "time"])
    precondition(json.keys.allSatisfy(allowed.contains), "fields beyond the catalogue: \(JSON.object(json).encoded())")
    return 0
}
