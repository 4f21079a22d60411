// Control message types (RFC 2661 §3.2, §10.2) and the AVPs each must carry
// (§6.1-§6.14), plus the Result and Error Code values of §4.4.2.

/// §3.2: the value of the Message Type AVP.
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let sccrq = MessageType(rawValue: 1)
    public static let sccrp = MessageType(rawValue: 2)
    public static let scccn = MessageType(rawValue: 3)
    public static let stopCCN = MessageType(rawValue: 4)
    public static let hello = MessageType(rawValue: 6)
    public static let ocrq = MessageType(rawValue: 7)
    public static let ocrp = MessageType(rawValue: 8)
    public static let occn = MessageType(rawValue: 9)
    public static let icrq = MessageType(rawValue: 10)
    public static let icrp = MessageType(rawValue: 11)
    public static let iccn = MessageType(rawValue: 12)
    public static let cdn = MessageType(rawValue: 14)
    public static let wen = MessageType(rawValue: 15)
    public static let sli = MessageType(rawValue: 16)

    static let names: [UInt16: String] = [
        1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 7: "OCRQ", 8: "OCRP", 9: "OCCN",
        10: "ICRQ", 11: "ICRP", 12: "ICCN", 14: "CDN", 15: "WEN", 16: "SLI",
    ]

    public var isKnown: Bool { Self.names[rawValue] != nil }

    /// §7.2 / §7.4: messages of the control connection itself, as opposed
    /// to those of one call (which name a session).
    public var concernsTunnel: Bool { rawValue <= 6 }

    /// §6: the AVPs each message MUST carry besides the Message Type.
    /// OCCN and ICCN list "(Tx) Connect Speed" and "Framing Type".
    var required: [AVPType] {
        switch self {
        case .sccrq, .sccrp: [.protocolVersion, .hostName, .framingCapabilities, .assignedTunnelID]
        case .stopCCN: [.assignedTunnelID, .resultCode]
        case .icrq: [.assignedSessionID, .callSerialNumber]
        case .icrp, .ocrp: [.assignedSessionID]
        case .iccn, .occn: [.txConnectSpeed, .framingType]
        case .ocrq: [.assignedSessionID, .callSerialNumber, .minimumBPS, .maximumBPS, .bearerType, .framingType, .calledNumber]
        case .cdn: [.resultCode, .assignedSessionID]
        case .wen: [.callErrors]
        case .sli: [.accm]
        default: []
        }
    }

    public var description: String { Self.names[rawValue] ?? "message type \(rawValue)" }
}

/// §4.4.2: a Result Code AVP (StopCCN and CDN).
public struct ResultCode: Equatable, Sendable {
    public var result: UInt16
    public var error: UInt16?
    /// UTF-8 text, only with an Error Code (§4.4.2); kept as octets.
    public var message: [UInt8]

    public init(_ result: UInt16, error: UInt16? = nil, message: String = "") {
        self.result = result
        self.error = error ?? (message.isEmpty ? nil : 0)
        self.message = Array(message.utf8)
    }

    public var text: String { String(decoding: message, as: UTF8.self) }

    // StopCCN result codes (§4.4.2).
    public static let generalClear: UInt16 = 1
    public static let generalError: UInt16 = 2
    public static let channelExists: UInt16 = 3
    public static let notAuthorized: UInt16 = 4
    public static let unsupportedVersion: UInt16 = 5
    public static let shuttingDown: UInt16 = 6
    public static let fsmError: UInt16 = 7
    // CDN result codes (§4.4.2).
    public static let lostCarrier: UInt16 = 1
    public static let seeErrorCode: UInt16 = 2
    public static let administrative: UInt16 = 3
    public static let temporaryFacilities: UInt16 = 4
    public static let permanentFacilities: UInt16 = 5
    // General error codes (§4.4.2).
    public static let noControlConnection: UInt16 = 1
    public static let lengthWrong: UInt16 = 2
    public static let valueOutOfRange: UInt16 = 3
    public static let insufficientResources: UInt16 = 4
    public static let invalidSessionID: UInt16 = 5
    public static let vendorError: UInt16 = 6
    public static let tryAnother: UInt16 = 7
    public static let unknownMandatoryAVP: UInt16 = 8

    /// What fits in the AVP after Result and Error Code (1023 - 6 - 4); a
    /// longer text (a peer's list of unknown AVPs, an operator's reason) is cut.
    static let maximumMessage = AVPType.maximumValue - 4

    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        NetworkOrder.append(result, to: &bytes)
        if let error {
            NetworkOrder.append(error, to: &bytes)
            bytes += message.prefix(Self.maximumMessage)
        }
        return bytes
    }

    init(decoding value: [UInt8]) {
        result = NetworkOrder.uint16(value, at: 0)
        error = value.count >= 4 ? NetworkOrder.uint16(value, at: 2) : nil
        message = value.count > 4 ? Array(value[4...]) : []
    }
}

/// §4.4.6: the Call Errors AVP of a WEN (its reserved field is checked to be 0).
public struct CallErrors: Equatable, Sendable {
    public var crc: UInt32 = 0
    public var framing: UInt32 = 0
    public var hardwareOverruns: UInt32 = 0
    public var bufferOverruns: UInt32 = 0
    public var timeouts: UInt32 = 0
    public var alignment: UInt32 = 0
    public init() {}

    var encoded: [UInt8] {
        var bytes: [UInt8] = [0, 0]
        for v in [crc, framing, hardwareOverruns, bufferOverruns, timeouts, alignment] { NetworkOrder.append(v, to: &bytes) }
        return bytes
    }

    init(decoding value: [UInt8]) {
        func at(_ i: Int) -> UInt32 { NetworkOrder.uint32(value, at: 2 + 4 * i) }
        crc = at(0); framing = at(1); hardwareOverruns = at(2); bufferOverruns = at(3); timeouts = at(4); alignment = at(5)
    }
}

/// §4.4.6: the ACCM AVP of an SLI — the async control character maps the
/// LNS learnt from LCP, for the LAC's framing.
public struct ACCMValue: Equatable, Sendable {
    public var send: UInt32
    public var receive: UInt32
    public init(send: UInt32, receive: UInt32) { self.send = send; self.receive = receive }
}

/// §4.4.5: what the LAC tells the LNS about the LCP and authentication it
/// already ran with the caller, so the LNS may skip renegotiation.
public struct ProxyInformation: Equatable, Sendable {
    /// Initial Received, Last Sent and Last Received LCP CONFREQ: the option
    /// lists (the Configure-Request's data, no header), §4.4.5.
    public var initialReceivedConfReq: [UInt8]?
    public var lastSentConfReq: [UInt8]?
    public var lastReceivedConfReq: [UInt8]?
    /// Proxy Authen Type (§4.4.5): 1 textual, 2 CHAP, 3 PAP, 4 none, 5 MS-CHAPv1.
    public var authenType: UInt16?
    public var authenName: [UInt8]?
    public var authenChallenge: [UInt8]?
    /// Proxy Authen ID: the identifier octet (the AVP's high octet MUST be 0).
    public var authenID: UInt8?
    public var authenResponse: [UInt8]?
    public init() {}

    public static let textual: UInt16 = 1
    public static let chap: UInt16 = 2
    public static let pap: UInt16 = 3
    public static let noAuthentication: UInt16 = 4
    public static let msChapV1: UInt16 = 5

    public var isEmpty: Bool { self == ProxyInformation() }
}
