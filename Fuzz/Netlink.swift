// fuzz-sources: Sources/ncpd/NetlinkAcknowledgement.swift
// libFuzzer target: ncpd's rtnetlink reply walk. Any datagram gives an answer
// or "not here" without reading past its end (ASan checks the reads), and an
// answer always names an errno in the kernel's range.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 4 else { return 0 }
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    let sequence = raw.loadUnaligned(as: UInt32.self)
    // A copy of exactly the datagram, so a read one past it is caught.
    let datagram = Array(raw[4...])
    let answer = datagram.withUnsafeBytes { NetlinkAcknowledgement.find(in: $0, sequence: sequence) }
    if case let .answered(code) = answer, code < 0 || code >= 4096 { fatalError("errno \(code) out of range") }
    return 0
}
