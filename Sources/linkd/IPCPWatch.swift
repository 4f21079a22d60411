// What linkd reads of IPCP while relaying it, for accounting (issue 14).
// ncpd runs IPCP and may assign the peer an address from its own pool;
// nothing else tells authd that address, yet RFC 2866 §5 lets a Start
// carry Framed-IP-Address (RFC 2865 §5.8) and billing needs it. linkd
// relays every IPCP frame, so it watches them: the owner's Configure-Ack
// names the peer's address (RFC 1332 §3.3, the peer's request acked as
// sent), and IPCP is Opened once an Ack went each way (RFC 1661 §4.2:
// Ack-Sent + RCA, or Ack-Rcvd + sca). Only control frames are read, and
// only until the Start is sent: no cost on the data path.
import PPP

struct IPCPWatch: Equatable {
    /// The peer's address in the last Configure-Ack the owner sent (0: none).
    private(set) var peerAddress: UInt32 = 0
    private var ackSent = false
    private var ackReceived = false

    /// RFC 1661 §4.2: Opened needs our Ack of the peer's request and its
    /// Ack of ours.
    var opened: Bool { ackSent && ackReceived }

    /// An IPCP packet the owner (ncpd) sends to the peer.
    mutating func fromOwner(_ information: ArraySlice<UInt8>) {
        guard let p = try? ControlPacket(parsing: information) else { return }
        switch p.code {
        case .configureAck:
            // §5.2: the Ack repeats the peer's options exactly as they were.
            guard let options = try? ConfigurationOption.parseList(p.data) else { return }
            for o in options {
                if case let .ipAddress(a)? = try? IPCPOption(o), a != 0 { peerAddress = a }
            }
            ackSent = true
        case .configureNak, .configureReject: ackSent = false
        case .configureRequest: ackReceived = false  // §4.2 scr restarts our side
        case .terminateRequest, .terminateAck: self = IPCPWatch()
        default: break
        }
    }

    /// An IPCP packet the peer sends to the owner.
    mutating func fromPeer(_ information: ArraySlice<UInt8>) {
        guard let p = try? ControlPacket(parsing: information) else { return }
        switch p.code {
        case .configureAck: ackReceived = true
        case .configureNak, .configureReject: ackReceived = false
        case .configureRequest: ackSent = false  // §4.2 RCR: to be answered again
        case .terminateRequest, .terminateAck: self = IPCPWatch()
        default: break
        }
    }
}
