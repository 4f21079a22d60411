// Shared by the fuzz targets whose decoders also read older record versions
// (listed in their fuzz-sources line): the round-trip property for them.

/// A decoded value re-encodes to its input; or, when the input was an older
/// record version (read, and written back as the current one), to a
/// canonical form: one that decodes to the same value and re-encodes to itself.
func canonical<T: Equatable>(_ value: T, _ input: [UInt8], _ again: [UInt8], _ what: String,
                             decode: ([UInt8]) -> T?, encode: (T) -> [UInt8]) {
    if again == input { return }
    guard let back = decode(again), back == value else {
        fatalError("a decoded \(what) re-encodes to bytes that do not decode to it")
    }
    guard encode(back) == again else {
        fatalError("a decoded \(what) has no canonical encoding")
    }
}
