// fuzz-sources: Sources/Config
// libFuzzer target for the TOML parser and TableReader. Besides "never
// crash", it checks that a parsed document printed back as inline TOML parses
// again to the same printout, which exercises escaping and number printing.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let table = try? TOML.parse(bytes: bytes, file: "fuzz.toml") else { return 0 }
    let printed = table.description
    do {
        let again = try TOML.parse("x = " + printed, file: "again.toml")
        precondition(again.description == "{x = \(printed)}", "print/parse mismatch: \(printed)")
    } catch {
        // Wrapping adds one level, so only the depth cap may refuse the printout.
        precondition(error.reason.hasPrefix("nesting deeper"), "printout refused: \(error) for \(printed)")
    }
    var reader = TableReader(table, file: "fuzz.toml")
    for key in table.keys {
        _ = try? reader.string(key)
        _ = try? reader.integer(key, in: Int16.min...Int16.max)
        _ = try? reader.float(key, in: 0...1)
        _ = try? reader.stringArray(key)
        _ = try? reader.tableArray(key)
        if var sub = try? reader.table(key) { _ = try? sub.subtables() }
    }
    precondition(reader.unknownKeys().isEmpty)
    return 0
}
