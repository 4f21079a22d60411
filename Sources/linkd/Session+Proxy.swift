// What a subscriber session remembers of its LCP and authentication for an
// L2TP LAC that switches it into a call (RFC 2661 §4.4.5 proxy LCP and
// proxy authentication): the first and last Configure-Request the peer
// sent, our last one, and the PAP or CHAP exchange authd ran through us.
// Kept until the Network phase only (a re-challenge later is no call setup),
// each value bounded to what one AVP carries; EAP and MS-CHAPv2 have no
// §4.4.5 type, so only the LCP is proxied for them.
import IPC
import PPP

struct ProxyCapture {
    var initialReceived: [UInt8]?
    var lastReceived: [UInt8]?
    var lastSent: [UInt8]?
    var authenType: UInt16?
    var authenName: [UInt8]?
    var authenChallenge: [UInt8]?
    var authenID: UInt8?
    var authenResponse: [UInt8]?

    /// §4.4.5 Proxy Authen Type values we send.
    static let chap: UInt16 = 2, pap: UInt16 = 3

    /// The option list of an LCP Configure-Request (RFC 1661 §5.1: code 1;
    /// data after the 4-octet header, up to its Length), or nil.
    static func confReqOptions(_ packet: ArraySlice<UInt8>) -> [UInt8]? {
        let p = packet.startIndex
        guard packet.count >= 4, packet[p] == 1 else { return nil }
        let length = Int(packet[p + 2]) << 8 | Int(packet[p + 3])
        guard length >= 4, length <= packet.count, length - 4 <= DialProxy.maximumValue else { return nil }
        return Array(packet[(p + 4)..<(p + length)])
    }

    mutating func lcpReceived(_ packet: ArraySlice<UInt8>) {
        guard let options = Self.confReqOptions(packet) else { return }
        if initialReceived == nil { initialReceived = options }
        lastReceived = options
    }

    mutating func lcpSent(_ packet: [UInt8]) {
        if let options = Self.confReqOptions(packet[...]) { lastSent = options }
    }

    /// A packet authd sends the peer: a CHAP Challenge (RFC 1994 §4.1:
    /// code 1, id, length, value-size, value, name).
    mutating func authToPeer(_ proto: ProtocolNumber, _ packet: [UInt8]) {
        guard proto == .chap, let (code, id, body) = Self.split(packet[...]), code == 1,
              let size = body.first, body.count >= 1 + Int(size), size > 0 else { return }
        authenType = Self.chap
        authenID = id
        authenChallenge = Array(body[(body.startIndex + 1)..<(body.startIndex + 1 + Int(size))])
        authenResponse = nil
        authenName = nil
    }

    /// A packet from the peer: a CHAP Response to the challenge (same
    /// layout, code 2, same id) or a PAP Authenticate-Request (RFC 1334
    /// §2.2.1: code 1, id, length, peer-id-length, peer-id, passwd-length,
    /// password).
    mutating func authFromPeer(_ proto: ProtocolNumber, _ packet: ArraySlice<UInt8>) {
        guard let (code, id, body) = Self.split(packet), let size = body.first else { return }
        let b = body.startIndex
        if proto == .chap, code == 2, authenType == Self.chap, id == authenID, body.count >= 1 + Int(size) {
            authenResponse = Array(body[(b + 1)..<(b + 1 + Int(size))])
            authenName = Array(body[(b + 1 + Int(size))...].prefix(DialProxy.maximumValue))
        } else if proto == .pap, code == 1, body.count >= 2 + Int(size) {
            let passwordSize = Int(body[b + 1 + Int(size)])
            guard body.count >= 2 + Int(size) + passwordSize else { return }
            authenType = Self.pap
            authenID = id
            authenName = Array(body[(b + 1)..<(b + 1 + Int(size))])
            authenResponse = Array(body[(b + 2 + Int(size))..<(b + 2 + Int(size) + passwordSize)])
            authenChallenge = nil
        }
    }

    /// Code, identifier and the data up to the packet's Length field.
    private static func split(_ packet: ArraySlice<UInt8>) -> (UInt8, UInt8, ArraySlice<UInt8>)? {
        let p = packet.startIndex
        guard packet.count >= 4 else { return nil }
        let length = Int(packet[p + 2]) << 8 | Int(packet[p + 3])
        guard length >= 4, length <= packet.count, length - 4 <= DialProxy.maximumValue else { return nil }
        return (packet[p], packet[p + 1], packet[(p + 4)..<(p + length)])
    }

    /// What goes in a dial: the LCP always, the authentication only when
    /// it is whole (a Challenge without a Response proves nothing).
    func dialProxy(mru: UInt16?) -> DialProxy {
        var d = DialProxy()
        d.initialReceivedConfReq = initialReceived
        d.lastReceivedConfReq = lastReceived
        d.lastSentConfReq = lastSent
        d.mru = mru
        if let authenType, authenName != nil, authenResponse != nil {
            d.authenType = authenType
            d.authenName = authenName
            d.authenChallenge = authenChallenge
            d.authenID = authenID
            d.authenResponse = authenResponse
        }
        return d
    }
}

extension Session {
    /// The dial's proxy information: what the capture holds, and the MRU
    /// frames to this subscriber may have (the peer's, RFC 1661 §6.1, as
    /// layerUp clamped it to the PPPoE payload).
    var dialProxy: DialProxy { proxyCapture.dialProxy(mru: negotiated?.peerMRU) }
}
