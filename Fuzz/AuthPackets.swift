// fuzz-sources: Sources/PPP Sources/authd/Packets
// libFuzzer target for authd's wire parsers: PAP, CHAP, MS-CHAPv2 Response
// and EAP, behind the RFC 1661 packet header. A parsed packet must encode
// and parse back to itself.
// In a fuzz build the PPP sources are compiled into this same module.
#if canImport(PPP)
import PPP
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let packet = try? ControlPacket(parsing: bytes) else { return 0 }
    if let p = try? PAPPacket(parsing: packet), let again = try? p.controlPacket(identifier: packet.identifier) {
        guard (try? PAPPacket(parsing: again)) == p else { fatalError("PAP round trip") }
    }
    if let c = try? CHAPPacket(parsing: packet), let again = try? c.controlPacket(identifier: packet.identifier) {
        guard (try? CHAPPacket(parsing: again)) == c else { fatalError("CHAP round trip") }
        if case let .response(value, _) = c, let m = try? MSCHAPv2Response(parsing: value) {
            guard m.encoded.count == 49 else { fatalError("MS-CHAPv2 length") }
        }
    }
    if let e = try? EAPPacket(parsing: packet), let again = try? e.controlPacket(identifier: packet.identifier) {
        guard (try? EAPPacket(parsing: again)) == e else { fatalError("EAP round trip") }
    }
    return 0
}
