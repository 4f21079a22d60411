// The transmit side of a port's wire format: RFC 1662 §4 octet-stuffed HDLC on
// byte streams (tty, pty, TCP), one frame per datagram (UDP: RFC 1662 §3
// fields without FCS, as FreeBSD ppp's udp device), or a whole Ethernet frame
// for a PPPoE session (RFC 2516 §6: Ethernet and PPPoE headers, then the
// Protocol field, no Address/Control, no FCS). Kept apart from the receive
// side so a frame can be sent while a received one is being handled.
import PPP
import PPPoE

struct FrameEncoder {
    let isAsync: Bool
    private var hdlc = HDLCEncoder()
    private var sync = SyncFraming()
    /// PPPoE: the session's header, written in front of every frame.
    private var pppoe: PPPoEHeader?
    /// PPPoE on a VLAN (issue 13): the session's tags, after the addresses.
    private var vlan = VLANTags.untagged

    /// RFC 1662 §7.1: until LCP opens, escape all of 0x00-0x1f (the
    /// encoder's default map).
    init(async: Bool) { isAsync = async }

    /// A PPPoE session's frames: to `peer` from `local` with `sessionID`.
    init(pppoe binding: PPPoEBinding) {
        isAsync = false
        pppoe = PPPoEHeader(destination: binding.peer, source: binding.local, etherType: .session,
                            code: SessionFrame.code, sessionID: binding.sessionID, payloadLength: 0)
        vlan = binding.vlan
    }

    /// A PPPoE session's Ethernet and PPPoE headers (LENGTH 0), with the
    /// session's VLAN tags after the addresses (issue 13) as its other
    /// frames carry them, for the segments of a super-packet (SegmentBatch,
    /// issue 21): 20 octets untagged, 24 with a C-tag, 28 with QinQ.
    static func header(_ binding: PPPoEBinding) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: PPPoEHeader.length + binding.vlan.length)
        PPPoEHeader(destination: binding.peer, source: binding.local, etherType: .session,
                    code: SessionFrame.code, sessionID: binding.sessionID, payloadLength: 0).write(into: &out, vlan: binding.vlan)
        return out
    }

    /// Replaces `output` with one frame (capacity kept: no allocation once
    /// the buffer has grown to the MRU).
    func encode<C: Collection<UInt8>>(_ proto: ProtocolNumber, _ information: C, into output: inout [UInt8]) {
        if var header = pppoe {
            // The header goes in place in front of the frame: room for it
            // first, then the PPP frame, then the header with its LENGTH.
            output.removeAll(keepingCapacity: true)
            let headerLength = PPPoEHeader.length + vlan.length
            output.append(contentsOf: repeatElement(0, count: headerLength))
            // RFC 2516 §7: no ACFC; the Protocol field is never compressed here.
            output.append(UInt8(proto.rawValue >> 8))
            output.append(UInt8(proto.rawValue & 0xff))
            output.append(contentsOf: information)
            header.payloadLength = output.count - headerLength
            header.write(into: &output, vlan: vlan)
        } else if isAsync {
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
