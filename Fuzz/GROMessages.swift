// fuzz-sources: Sources/linkd/UDPSegments.swift
// libFuzzer target: a message as recvmmsg hands it from a socket with
// UDP_GRO (issue 21 point 3), and the UDP_GRO control message's gso_size
// (the input's first two octets; 0: no control message), cut back into
// datagrams by UDPSegments. The pieces must join to the message exactly, in
// order; every piece but the last must be the segment size, the last no
// longer; and their number must be what `count` says.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let segmentSize = Int(input[0]) << 8 | Int(input[1])
    let message = input[2...]
    var joined: [UInt8] = []
    var pieces = 0
    var sawShort = false
    for piece in UDPSegments(message, segmentSize: segmentSize) {
        precondition(!sawShort, "a piece after a short one")
        if segmentSize > 0 {
            precondition(piece.count <= segmentSize, "a piece longer than the segment size")
            if piece.count < segmentSize { sawShort = true }
        }
        precondition(pieces < message.count + 1, "more pieces than octets")
        joined += piece
        pieces += 1
    }
    precondition(joined[...] == message, "the pieces do not join to the message")
    precondition(pieces == UDPSegments(message, segmentSize: segmentSize).count, "count disagrees")
    if segmentSize == 0 { precondition(pieces == 1, "no control message: one datagram") }
    return 0
}
