// fuzz-sources: Sources/IPC/JSONValue.swift Sources/IPC/JSONObject.swift Sources/IPC/JSONError.swift Sources/IPC/JSON+Encode.swift Sources/IPC/JSON+Parse.swift
// libFuzzer target for the JSON parser and encoder. Besides "never crash",
// it checks that whatever parses survives a compact and a pretty round trip
// unchanged, so the encoder's escaping and number printing stay exact, and
// that `encodedCount` (how a listing page measures an item) is its length.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSON.parse(bytes, maxDepth: 32, maxLength: 1 << 16) else { return 0 }
    for pretty in [false, true] {
        let text = value.encoded(pretty: pretty)
        if !pretty { precondition(value.encodedCount == text.utf8.count, "encodedCount differs for \(text)") }
        do {
            let again = try JSON.parse(text, maxDepth: 32, maxLength: 1 << 22)
            precondition(again == value, "round trip changed \(text)")
        } catch {
            preconditionFailure("encoder produced unparsable \(text): \(error)")
        }
    }
    return 0
}
