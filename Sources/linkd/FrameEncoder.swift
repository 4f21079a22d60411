// The transmit side of a port's wire format: RFC 1662 §4 octet-stuffed HDLC on
// byte streams (tty, pty, TCP), or one frame per datagram (UDP: RFC 1662 §3
// fields without FCS, as FreeBSD ppp's udp device). Kept apart from the
// receive side so a frame can be sent while a received one is being handled.
import PPP

struct FrameEncoder {
    let isAsync: Bool
    private var hdlc = HDLCEncoder()
    private var sync = SyncFraming()

    /// RFC 1662 §7.1: until LCP opens, escape all of 0x00-0x1f (the
    /// encoder's default map).
    init(async: Bool) { isAsync = async }

    /// Replaces `output` with one frame (capacity kept: no allocation once
    /// the buffer has grown to the MRU).
    func encode<C: Collection<UInt8>>(_ proto: ProtocolNumber, _ information: C, into output: inout [UInt8]) {
        if isAsync {
            hdlc.encode(protocol: proto, information: information, into: &output)
        } else {
            sync.encode(protocol: proto, information: information, into: &output)
        }
    }

    /// RFC 1662 §7.1, RFC 1661 §6.5/§6.6: once LCP is Opened, escape only what
    /// the peer's ACCM asks for (the encoder always adds 0x7d/0x7e and keeps
    /// the default map for LCP Configure-*) and compress as the peer allowed.
    mutating func apply(_ o: LCPNegotiatedOptions) {
        hdlc.transmitMap = ACCM(asyncMap: o.transmitACCM)
        hdlc.compressAddressControl = o.transmitACFC
        hdlc.compressProtocol = o.transmitPFC
        sync = SyncFraming(compressAddressControl: o.transmitACFC, compressProtocol: o.transmitPFC)
    }
}
