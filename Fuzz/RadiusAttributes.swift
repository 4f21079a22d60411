// fuzz-sources: Sources/authd/Radius/RadiusPacket.swift
// libFuzzer target for the RADIUS packet and attribute parser (RFC 2865 §3,
// §5) and the Vendor-Specific lookup (§5.26): any bytes give a packet or a
// typed error; a parsed packet encodes and parses back to itself.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let p = try? RadiusPacket(parsing: bytes) {
        _ = p.vendorAttribute(vendor: 311, type: 26)
        _ = p.integer(27)
        if let again = try? p.encoded() {
            guard (try? RadiusPacket(parsing: again)) == p else { fatalError("RADIUS round trip") }
        }
    }
    if let attrs = try? RadiusPacket.parseAttributes(bytes[...]) {
        guard attrs.reduce(0, { $0 + $1.value.count + 2 }) == bytes.count else { fatalError("attributes lost octets") }
    }
    return 0
}
