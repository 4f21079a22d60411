// fuzz-modules: CShim IPC
// libFuzzer target: pppinit's state record across its re-execution
// (InitStateRecord, issue 20) and the ELF build-id note `pppctl upgrade
// --check` reads (BuildIDNote). Any input gives a record or a typed error;
// a decoded record names each descriptor once, none below 3, and its
// encoding decodes back to it (the upgrade's reply is JSON text, which may
// be spelled differently from how we write it, so not byte for byte). A found
// build id lies inside the input at the offset it claims.
import IPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let r = try? InitStateRecord.decode(bytes) {
        guard (try? InitStateRecord.decode(r.encoded())) == r else { fatalError("state record does not round-trip") }
        let fds = r.descriptors
        guard fds.allSatisfy({ $0 >= 3 }), Set(fds).count == fds.count else { fatalError("descriptors out of range or twice") }
        if let u = r.upgrade, !r.clients.contains(where: { $0.fd == u.client }) { fatalError("caller not a client") }
    }
    if let note = try? BuildIDNote.find(in: bytes[...]) {
        guard !note.id.isEmpty, note.id.count <= BuildIDNote.maxIDLength, note.offset >= 0,
              note.offset + note.id.count <= bytes.count,
              Array(bytes[note.offset..<note.offset + note.id.count]) == note.id else { fatalError("build id outside its input") }
    }
    return 0
}
