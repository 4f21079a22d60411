// fuzz-sources: Sources/authd/Secrets/SecretsFile.swift
// libFuzzer target for the pap-secrets/chap-secrets parser: any bytes give
// entries or a line-numbered error, and lookups over the result terminate.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let f = try? SecretsFile.parse(text) {
        for e in f.entries {
            guard e.line >= 1, f.lookup(client: e.client, server: e.server) != nil else { fatalError("lookup lost an entry") }
        }
    }
    return 0
}
