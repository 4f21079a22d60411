// fuzz-modules: CShim IPC
// libFuzzer target for the linkd–ncpd mux (IPC/MuxFrame.swift, issue 13
// point 1): any datagram is a frame, a control record or a typed MuxError.
// A frame's handle is its first four octets and never 0; a control record
// encodes back to the same datagram (a session-open to one that parses to
// the same record: ChannelRecord picks its version by content), and what
// encodes parses back unchanged. The input is also read as a
// muxHandedOver record (MuxHandoff).
import IPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    // The same octets as a muxHandedOver record: exact, or refused.
    if let h = try? MuxHandoff.decode(Array(input)) {
        precondition(h.encoded() == Array(input), "mux handoff record changed on re-encode")
    }
    let parsed: MuxDatagram
    do { parsed = try MuxFrame.parse(input) } catch {
        _ = error.description
        return 0
    }
    switch parsed {
    case .frame(let handle):
        let first = UInt32(input[0]) << 24 | UInt32(input[1]) << 16 | UInt32(input[2]) << 8 | UInt32(input[3])
        precondition(handle != 0 && handle == first && size >= MuxFrame.minimumFrame, "frame misread")
    case .control(let c):
        precondition(c.handle != 0, "control record for handle 0")
        let again = MuxFrame.encode(c)
        if case .open = c {
            let back = again.withUnsafeBytes { try? MuxFrame.parse($0) }
            precondition(back == parsed, "session-open changed on re-encode")
        } else {
            precondition(again == Array(input), "control record not re-encoded to the same octets")
        }
    }
    return 0
}
