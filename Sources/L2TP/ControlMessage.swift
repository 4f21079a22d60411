// A control message as typed fields (RFC 2661 §6): decoded from the AVP list
// with every §6 requirement and §4.4 value rule checked, and encoded back
// with chosen AVPs hidden (§4.3). One struct for every message type: the
// type says which fields matter, and the decoder says which are missing.

public struct ControlMessage: Equatable, Sendable {
    public var type: MessageType
    /// §4.4.1: the Message Type AVP's M bit (an unknown type with it set clears the tunnel).
    public var typeMandatory = true
    public var result: ResultCode?
    /// §4.4.3: version 1, revision 0 is the only one defined.
    public var protocolVersion: UInt16?
    public var framingCapabilities: UInt32?
    public var bearerCapabilities: UInt32?
    public var tieBreaker: UInt64?
    public var firmwareRevision: UInt16?
    public var hostName: [UInt8]?
    public var vendorName: [UInt8]?
    public var assignedTunnelID: UInt16?
    public var receiveWindowSize: UInt16?
    public var challenge: [UInt8]?
    public var challengeResponse: [UInt8]?
    public var q931Cause: [UInt8]?
    public var assignedSessionID: UInt16?
    public var callSerialNumber: UInt32?
    public var minimumBPS: UInt32?
    public var maximumBPS: UInt32?
    public var bearerType: UInt32?
    public var framingType: UInt32?
    public var calledNumber: [UInt8]?
    public var callingNumber: [UInt8]?
    public var subAddress: [UInt8]?
    public var txConnectSpeed: UInt32?
    public var rxConnectSpeed: UInt32?
    public var physicalChannelID: UInt32?
    public var privateGroupID: [UInt8]?
    public var sequencingRequired = false
    public var proxy = ProxyInformation()
    public var callErrors: CallErrors?
    public var accm: ACCMValue?
    /// §4.1: unrecognized AVPs with M set, as "vendor:type"; the caller must
    /// end the session or tunnel the message belongs to.
    public var unrecognizedMandatory: [String] = []

    public init(_ type: MessageType) { self.type = type }

    /// §4.4.3 Protocol Version: "Ver" 1, "Rev" 0.
    public static let version1: UInt16 = 0x0100
    /// §4.4.3: the A (asynchronous) and S (synchronous) framing bits; the
    /// same bits serve Framing Type. Bearer: A (analog) and D (digital).
    public static let synchronousFraming: UInt32 = 0x1
    public static let asynchronousFraming: UInt32 = 0x2
    public static let digitalBearer: UInt32 = 0x1
    public static let analogBearer: UInt32 = 0x2

    /// Decodes a control message's AVPs (the octets after the header).
    public init(decoding body: ArraySlice<UInt8>, secret: [UInt8]?) throws(L2TPError) {
        let avps = try AVP.parseList(body, secret: secret)
        // §4.4.1: "The Message Type AVP MUST be the first AVP in a message."
        guard let first = avps.first, first.vendorID == 0, first.type == AVPType.messageType.rawValue,
              !first.reservedBitsSet, !first.hidden else { throw .missingMessageType }
        type = MessageType(rawValue: NetworkOrder.uint16(first.value, at: 0))
        typeMandatory = first.mandatory
        var seen = Set<UInt16>()
        for avp in avps.dropFirst() {
            guard avp.isRecognized else {
                if avp.mandatory { unrecognizedMandatory.append("\(avp.vendorID):\(avp.type)") }
                continue
            }
            // Random Vector may repeat (§4.4.1); every other attribute is single.
            if avp.type != AVPType.randomVector.rawValue {
                guard seen.insert(avp.type).inserted else { throw .duplicateAVP(avp.type) }
            }
            try assign(avp)
        }
        if type.isKnown {
            for needed in type.required where !seen.contains(needed.rawValue) {
                throw .missingAVP(message: type.rawValue, type: needed.rawValue)
            }
        }
    }

    private mutating func assign(_ avp: AVP) throws(L2TPError) {
        let v = avp.value
        func u16() -> UInt16 { NetworkOrder.uint16(v, at: 0) }
        func u32() -> UInt32 { NetworkOrder.uint32(v, at: 0) }
        switch AVPType(rawValue: avp.type) {
        case .messageType: throw .duplicateAVP(avp.type)
        case .resultCode: result = ResultCode(decoding: v)
        case .protocolVersion: protocolVersion = u16()
        case .framingCapabilities: framingCapabilities = u32()
        case .bearerCapabilities: bearerCapabilities = u32()
        case .tieBreaker: tieBreaker = UInt64(u32()) << 32 | UInt64(NetworkOrder.uint32(v, at: 4))
        case .firmwareRevision: firmwareRevision = u16()
        case .hostName: hostName = v
        case .vendorName: vendorName = v
        case .assignedTunnelID:
            // §4.4.3: "a 2 octet non-zero unsigned integer".
            guard u16() != 0 else { throw .invalidValue(type: avp.type) }
            assignedTunnelID = u16()
        case .receiveWindowSize:
            // §5.8: "A value of 0 for the Receive Window Size AVP is invalid."
            guard u16() != 0 else { throw .invalidValue(type: avp.type) }
            receiveWindowSize = u16()
        case .challenge: challenge = v
        case .challengeResponse: challengeResponse = v
        case .q931CauseCode: q931Cause = v
        case .assignedSessionID:
            // §4.4.4: non-zero; a CDN may carry 0 only before one was assigned,
            // which the session layer tells apart, so only the others refuse it.
            guard u16() != 0 || type == .cdn else { throw .invalidValue(type: avp.type) }
            assignedSessionID = u16()
        case .callSerialNumber: callSerialNumber = u32()
        case .minimumBPS: minimumBPS = u32()
        case .maximumBPS: maximumBPS = u32()
        case .bearerType: bearerType = u32()
        case .framingType: framingType = u32()
        case .calledNumber: calledNumber = v
        case .callingNumber: callingNumber = v
        case .subAddress: subAddress = v
        case .txConnectSpeed: txConnectSpeed = u32()
        case .rxConnectSpeed: rxConnectSpeed = u32()
        case .physicalChannelID: physicalChannelID = u32()
        case .privateGroupID: privateGroupID = v
        case .sequencingRequired: sequencingRequired = true
        case .initialReceivedLCPConfReq: proxy.initialReceivedConfReq = v
        case .lastSentLCPConfReq: proxy.lastSentConfReq = v
        case .lastReceivedLCPConfReq: proxy.lastReceivedConfReq = v
        case .proxyAuthenType: proxy.authenType = u16()
        case .proxyAuthenName: proxy.authenName = v
        case .proxyAuthenChallenge: proxy.authenChallenge = v
        case .proxyAuthenID:
            // §4.4.5: "the most significant octet MUST be 0."
            guard v[0] == 0 else { throw .invalidValue(type: avp.type) }
            proxy.authenID = v[1]
        case .proxyAuthenResponse: proxy.authenResponse = v
        case .callErrors:
            guard v[0] == 0, v[1] == 0 else { throw .invalidValue(type: avp.type) }
            callErrors = CallErrors(decoding: v)
        case .accm:
            guard v[0] == 0, v[1] == 0 else { throw .invalidValue(type: avp.type) }
            accm = ACCMValue(send: NetworkOrder.uint32(v, at: 2), receive: NetworkOrder.uint32(v, at: 6))
        default:
            break  // Random Vector: already used by the parser.
        }
    }

    /// The AVPs in the order §6 lists them, M bits as §4.4 fixes them.
    public var avps: [AVP] {
        var list = [AVP(.messageType, u16(type.rawValue), mandatory: typeMandatory)]
        func add(_ t: AVPType, _ v: [UInt8]?, mandatory: Bool = true) {
            if let v { list.append(AVP(t, v, mandatory: mandatory)) }
        }
        add(.resultCode, result?.encoded)
        add(.protocolVersion, protocolVersion.map(u16))
        add(.hostName, hostName)
        add(.framingCapabilities, framingCapabilities.map(u32))
        add(.bearerCapabilities, bearerCapabilities.map(u32))
        add(.tieBreaker, tieBreaker.map { var b: [UInt8] = []; NetworkOrder.append($0, to: &b); return b }, mandatory: false)
        add(.firmwareRevision, firmwareRevision.map(u16), mandatory: false)
        add(.vendorName, vendorName, mandatory: false)
        add(.assignedTunnelID, assignedTunnelID.map(u16))
        add(.receiveWindowSize, receiveWindowSize.map(u16))
        add(.challenge, challenge)
        add(.challengeResponse, challengeResponse)
        add(.q931CauseCode, q931Cause)
        add(.assignedSessionID, assignedSessionID.map(u16))
        add(.callSerialNumber, callSerialNumber.map(u32))
        add(.minimumBPS, minimumBPS.map(u32))
        add(.maximumBPS, maximumBPS.map(u32))
        add(.bearerType, bearerType.map(u32))
        add(.physicalChannelID, physicalChannelID.map(u32), mandatory: false)
        add(.callingNumber, callingNumber)
        add(.calledNumber, calledNumber)
        add(.subAddress, subAddress)
        add(.txConnectSpeed, txConnectSpeed.map(u32))
        add(.framingType, framingType.map(u32))
        add(.initialReceivedLCPConfReq, proxy.initialReceivedConfReq, mandatory: false)
        add(.lastSentLCPConfReq, proxy.lastSentConfReq, mandatory: false)
        add(.lastReceivedLCPConfReq, proxy.lastReceivedConfReq, mandatory: false)
        add(.proxyAuthenType, proxy.authenType.map(u16), mandatory: false)
        add(.proxyAuthenName, proxy.authenName, mandatory: false)
        add(.proxyAuthenChallenge, proxy.authenChallenge, mandatory: false)
        add(.proxyAuthenID, proxy.authenID.map { [0, $0] }, mandatory: false)
        add(.proxyAuthenResponse, proxy.authenResponse, mandatory: false)
        add(.privateGroupID, privateGroupID, mandatory: false)
        add(.rxConnectSpeed, rxConnectSpeed.map(u32), mandatory: false)
        add(.sequencingRequired, sequencingRequired ? [] : nil)
        add(.callErrors, callErrors?.encoded)
        add(.accm, accm.map { a -> [UInt8] in var b: [UInt8] = [0, 0]; NetworkOrder.append(a.send, to: &b); NetworkOrder.append(a.receive, to: &b); return b })
        return list
    }

    /// Hiding on send (§4.3): the shared secret, a fresh Random Vector for
    /// this message, the attributes to hide and padding per hidden AVP.
    public struct Hiding: Sendable {
        public var secret: [UInt8]
        public var randomVector: [UInt8]
        public var types: Set<UInt16>
        public var padding: [UInt8]
        public init(secret: [UInt8], randomVector: [UInt8], types: Set<AVPType>, padding: [UInt8] = []) {
            self.secret = secret; self.randomVector = randomVector
            self.types = Set(types.map(\.rawValue)); self.padding = padding
        }
    }

    /// The AVP octets of this message (what follows the header). A Random
    /// Vector AVP precedes the first hidden one (§4.3); only attributes
    /// that §4.4 lets be hidden are.
    public func encodedBody(hiding: Hiding? = nil) throws(L2TPError) -> [UInt8] {
        var bytes: [UInt8] = []
        var vectorSent = false
        for avp in avps {
            if let hiding, hiding.types.contains(avp.type), AVPType(rawValue: avp.type).mayHide {
                if !vectorSent {
                    try AVP(.randomVector, hiding.randomVector).append(to: &bytes)
                    vectorSent = true
                }
                try avp.appendHidden(secret: hiding.secret, randomVector: hiding.randomVector, padding: hiding.padding, to: &bytes)
            } else {
                try avp.append(to: &bytes)
            }
        }
        return bytes
    }
}

private func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
private func u32(_ v: UInt32) -> [UInt8] { var b: [UInt8] = []; NetworkOrder.append(v, to: &b); return b }
