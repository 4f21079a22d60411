// fuzz-sources: Sources/PPP
// libFuzzer target: the async HDLC deframer and the frame-header parser fed
// hostile byte streams in two chunks, checking the counters stay consistent and
// that every frame handed out re-encodes to something the deframer accepts.

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }  // keeps the parser's result alive
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let fcs: FCSKind = first & 1 == 0 ? .fcs16 : .fcs32
    let map = UInt32(first) * 0x0101_0101
    var deframer = AsyncDeframer(receiveMap: map, fcs: fcs, maximumFrameLength: 256)
    var frames: [(ProtocolNumber, [UInt8])] = []
    let split = bytes.count / 2
    deframer.feed(bytes[1..<max(1, split)]) { frames.append(($0, Array($1))) }
    deframer.feed(bytes[max(1, split)...]) { frames.append(($0, Array($1))) }
    precondition(deframer.counters.frames == frames.count)
    // Whatever came out must survive a re-encode with the same map.
    var wire: [UInt8] = []
    var check = AsyncDeframer(receiveMap: map, fcs: fcs, maximumFrameLength: 256 + 4)
    var total = 0
    let encoder = HDLCEncoder(transmitMap: ACCM(asyncMap: map), fcs: fcs)
    for (proto, information) in frames {
        encoder.encode(protocol: proto, information: information, into: &wire)
        var again: [UInt8]?
        check.feed(wire) { (p, i) -> Void in
            precondition(p == proto && again == nil, "one frame in, another out")
            again = Array(i)
        }
        precondition(again == information)
        total &+= information.count &+ Int(proto.rawValue)
        if let parsed = try? FrameHeader.parse(information[...]) { total &+= parsed.information.count }
    }
    consume(total)
    return 0
}
