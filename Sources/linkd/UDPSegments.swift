// Issue 21: a message read from a socket with UDP_GRO (man 7 udp) may be a
// run of one peer's datagrams coalesced by the kernel, all of the size the
// UDP_GRO control message names except the last, which may be shorter.
// This cuts it back into those datagrams, in order, as slices of the
// message: nothing is copied or allocated. A message without the control
// message (size 0) is one datagram, as without GRO.

struct UDPSegments: Sequence, IteratorProtocol {
    private let message: ArraySlice<UInt8>
    private let size: Int
    private var offset: Int

    /// `segmentSize`: the UDP_GRO gso_size, or 0 for a single datagram.
    init(_ message: ArraySlice<UInt8>, segmentSize: Int) {
        self.message = message
        size = segmentSize > 0 ? segmentSize : Swift.max(message.count, 1)
        offset = message.startIndex
    }

    /// How many datagrams the message holds.
    var count: Int { message.isEmpty ? 1 : (message.count + size - 1) / size }

    mutating func next() -> ArraySlice<UInt8>? {
        // An empty message is one empty datagram (UDP allows it).
        if message.isEmpty {
            guard offset == message.startIndex else { return nil }
            offset += 1
            return message
        }
        guard offset < message.endIndex else { return nil }
        let end = Swift.min(offset + size, message.endIndex)
        defer { offset = end }
        return message[offset..<end]
    }
}
