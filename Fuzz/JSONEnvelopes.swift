// fuzz-modules: CShim IPC
// libFuzzer target for the readers of issue 19's JSON shapes: the --json
// envelope (JSONDocument) and a reported latency histogram
// (LatencyHistogram, what metricsd reads from authd's status). Any JSON is
// either refused or read into a value whose JSON reads back unchanged, and
// a histogram taken is cumulative and within its count.
import IPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSON.parse(bytes, maxDepth: 8, maxLength: 1 << 14) else { return 0 }
    if let d = JSONDocument(json: value) {
        precondition(JSONDocument(json: d.json) == d, "document re-read changed: \(d.json.encoded())")
    }
    if let h = LatencyHistogram(json: value) {
        precondition(LatencyHistogram(json: h.json) == h, "histogram re-read changed: \(h.json.encoded())")
        precondition(zip(h.cumulative, h.cumulative.dropFirst()).allSatisfy { $0 <= $1 } && (h.cumulative.last ?? 0) <= h.count,
                     "histogram not cumulative: \(h.json.encoded())")
    }
    return 0
}
