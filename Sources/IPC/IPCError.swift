// The one error type of the IPC library. System-call failures carry the call
// name and errno; protocol violations carry enough to answer the sender with
// an error reply (see Link.receive) and to count the drop.

public enum IPCError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `call` names the C function.
    case system(call: String, errno: Int32)
    /// The peer closed its end (EOF on SOCK_SEQPACKET, EPIPE on send).
    case peerClosed
    /// A datagram bigger than the receive buffer (MSG_TRUNC).
    case truncated
    /// Descriptors were dropped by the kernel (MSG_CTRUNC).
    case controlTruncated
    /// A message failed validation; `callID` lets the receiver answer it.
    case invalid(callID: UInt32, reason: String)
    /// The peer may not send this message type on this link.
    case notPermitted(callID: UInt32, type: UInt16, sender: Peer)
    /// A call got no final reply in time.
    case timeout
    /// The message would exceed `Wire.maxMessageSize`.
    case tooLarge(Int)
    /// A descriptor could not be used (already taken or closed).
    case badDescriptor

    public var description: String {
        switch self {
        case let .system(call, errno): return "\(call): \(Errno.describe(errno))"
        case .peerClosed: return "peer closed the connection"
        case .truncated: return "datagram truncated (MSG_TRUNC)"
        case .controlTruncated: return "descriptors truncated (MSG_CTRUNC)"
        case let .invalid(_, reason): return "invalid message: \(reason)"
        case let .notPermitted(_, type, sender): return "message type \(type) not permitted from \(sender)"
        case .timeout: return "timed out"
        case let .tooLarge(n): return "message of \(n) bytes exceeds the maximum"
        case .badDescriptor: return "bad descriptor"
        }
    }

    /// The call id a reply to this error should carry, when the header was readable.
    public var callID: UInt32? {
        switch self {
        case let .invalid(id, _), let .notPermitted(id, _, _): return id
        default: return nil
        }
    }
}
