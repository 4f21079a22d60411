// The one thing ncpd reads from rtnetlink: the acknowledgement of its own
// request. A reply datagram holds one or more messages (nlmsghdr, netlink(7));
// the NLMSG_ERROR that carries our sequence number says how the request went
// (error 0 is the ACK NLM_F_ACK asked for). Pure, so it is tested and fuzzed
// on bytes; the kernel is trusted, but a walk that trusts a length it has not
// checked is how a bad message becomes a read out of bounds.

/// What one reply datagram says about the request with `sequence`.
enum NetlinkAcknowledgement: Equatable {
    /// Our NLMSG_ERROR: 0 for success, else the (positive) errno.
    case answered(errno: Int32)
    /// No message in this datagram answers our request (another request's
    /// late answer, a notification): keep reading.
    case notHere

    static let errorType: UInt16 = 2   // NLMSG_ERROR
    static let headerSize = 16         // struct nlmsghdr

    /// Walks the messages of `datagram`: nlmsg_len is checked against what
    /// is left before it is used, a length under a header ends the walk
    /// (netlink.h NLMSG_OK), and messages are 4-octet aligned (NLMSG_ALIGN).
    static func find(in datagram: UnsafeRawBufferPointer, sequence: UInt32) -> NetlinkAcknowledgement {
        var offset = 0
        while offset + headerSize <= datagram.count {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let type = datagram.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            let replySequence = datagram.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            guard length >= headerSize, length <= datagram.count - offset else { break }
            // struct nlmsgerr starts with the int error, then our header.
            if type == errorType && replySequence == sequence && length >= headerSize + 4 {
                let code = datagram.loadUnaligned(fromByteOffset: offset + headerSize, as: Int32.self)
                // A kernel errno is small and negative; anything else is
                // not a kernel answer and reads as EPROTO.
                guard code <= 0, code > -4096 else { return .answered(errno: EPROTOValue) }
                return .answered(errno: -code)
            }
            offset += (length + 3) & ~3
        }
        return .notHere
    }

    /// EPROTO (asm-generic/errno.h), without Glibc so the parser stays pure.
    static let EPROTOValue: Int32 = 71
}
