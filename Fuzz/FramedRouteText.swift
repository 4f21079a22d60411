// fuzz-modules: CShim IPC
// libFuzzer target for the RFC 2865 §5.22 Framed-Route parser: any text
// gives a route or a typed error; a parsed route has no bits past its
// length, and its wire form (the verdict's) decodes back to itself.
import IPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let r = try? FramedRoute(parsing: bytes[...]) else { return 0 }
    guard r.prefixLength <= 32, bytes.count <= 253 else { fatalError("route out of range") }
    let mask: UInt32 = r.prefixLength == 0 ? 0 : ~UInt32(0) << (32 - UInt32(r.prefixLength))
    guard r.destination & ~mask == 0 else { fatalError("host bits past the length") }
    var w = ByteWriter()
    r.encode(into: &w)
    var reader = ByteReader(w.bytes)
    guard (try? FramedRoute.decode(&reader)) == r else { fatalError("route round trip") }
    return 0
}
