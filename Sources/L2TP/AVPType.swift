// The attribute types of RFC 2661 §4.4 (IETF vendor 0) with the value sizes
// and hiding permissions each section fixes. The table is what makes the AVP
// parser strict: a size outside it is a malformed AVP, never a short read.

/// RFC 2661 §4.4, §10.1: the Attribute Type of a vendor-0 AVP.
public struct AVPType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let messageType = AVPType(rawValue: 0)
    public static let resultCode = AVPType(rawValue: 1)
    public static let protocolVersion = AVPType(rawValue: 2)
    public static let framingCapabilities = AVPType(rawValue: 3)
    public static let bearerCapabilities = AVPType(rawValue: 4)
    public static let tieBreaker = AVPType(rawValue: 5)
    public static let firmwareRevision = AVPType(rawValue: 6)
    public static let hostName = AVPType(rawValue: 7)
    public static let vendorName = AVPType(rawValue: 8)
    public static let assignedTunnelID = AVPType(rawValue: 9)
    public static let receiveWindowSize = AVPType(rawValue: 10)
    public static let challenge = AVPType(rawValue: 11)
    public static let q931CauseCode = AVPType(rawValue: 12)
    public static let challengeResponse = AVPType(rawValue: 13)
    public static let assignedSessionID = AVPType(rawValue: 14)
    public static let callSerialNumber = AVPType(rawValue: 15)
    public static let minimumBPS = AVPType(rawValue: 16)
    public static let maximumBPS = AVPType(rawValue: 17)
    public static let bearerType = AVPType(rawValue: 18)
    public static let framingType = AVPType(rawValue: 19)
    public static let calledNumber = AVPType(rawValue: 21)
    public static let callingNumber = AVPType(rawValue: 22)
    public static let subAddress = AVPType(rawValue: 23)
    public static let txConnectSpeed = AVPType(rawValue: 24)
    public static let physicalChannelID = AVPType(rawValue: 25)
    public static let initialReceivedLCPConfReq = AVPType(rawValue: 26)
    public static let lastSentLCPConfReq = AVPType(rawValue: 27)
    public static let lastReceivedLCPConfReq = AVPType(rawValue: 28)
    public static let proxyAuthenType = AVPType(rawValue: 29)
    public static let proxyAuthenName = AVPType(rawValue: 30)
    public static let proxyAuthenChallenge = AVPType(rawValue: 31)
    public static let proxyAuthenID = AVPType(rawValue: 32)
    public static let proxyAuthenResponse = AVPType(rawValue: 33)
    public static let callErrors = AVPType(rawValue: 34)
    public static let accm = AVPType(rawValue: 35)
    public static let randomVector = AVPType(rawValue: 36)
    public static let privateGroupID = AVPType(rawValue: 37)
    public static let rxConnectSpeed = AVPType(rawValue: 38)
    public static let sequencingRequired = AVPType(rawValue: 39)

    /// The size rule of one attribute: value octets allowed (before hiding)
    /// and whether the H bit is permitted.
    struct Rule {
        var minimum: Int
        var maximum: Int
        var mayHide: Bool
        var name: String
    }

    static let maximumValue = 1023 - 6

    /// §4.4.1-§4.4.6, attribute by attribute. Variable-length strings run up
    /// to what a 10-bit Length leaves (1017 octets).
    static let rules: [UInt16: Rule] = {
        let m = maximumValue
        let list: [(AVPType, Int, Int, Bool, String)] = [
            (.messageType, 2, 2, false, "Message Type"),
            // §4.4.2: 2 (Result Code), 4 (+ Error Code) or more (+ Error Message); 3 is checked apart.
            (.resultCode, 2, m, false, "Result Code"),
            (.protocolVersion, 2, 2, false, "Protocol Version"),
            (.framingCapabilities, 4, 4, true, "Framing Capabilities"),
            (.bearerCapabilities, 4, 4, true, "Bearer Capabilities"),
            (.tieBreaker, 8, 8, false, "Tie Breaker"),
            (.firmwareRevision, 2, 2, true, "Firmware Revision"),
            (.hostName, 1, m, false, "Host Name"),
            (.vendorName, 0, m, true, "Vendor Name"),
            (.assignedTunnelID, 2, 2, true, "Assigned Tunnel ID"),
            (.receiveWindowSize, 2, 2, false, "Receive Window Size"),
            (.challenge, 1, m, true, "Challenge"),
            // §4.4.3: Cause Code (2), Cause Msg (1), optional Advisory Msg.
            (.q931CauseCode, 3, m, false, "Q.931 Cause Code"),
            (.challengeResponse, 16, 16, true, "Challenge Response"),
            (.assignedSessionID, 2, 2, true, "Assigned Session ID"),
            (.callSerialNumber, 4, 4, true, "Call Serial Number"),
            (.minimumBPS, 4, 4, true, "Minimum BPS"),
            (.maximumBPS, 4, 4, true, "Maximum BPS"),
            (.bearerType, 4, 4, true, "Bearer Type"),
            (.framingType, 4, 4, true, "Framing Type"),
            (.calledNumber, 0, m, true, "Called Number"),
            (.callingNumber, 0, m, true, "Calling Number"),
            (.subAddress, 0, m, true, "Sub-Address"),
            (.txConnectSpeed, 4, 4, true, "(Tx) Connect Speed"),
            (.physicalChannelID, 4, 4, true, "Physical Channel ID"),
            (.initialReceivedLCPConfReq, 0, m, true, "Initial Received LCP CONFREQ"),
            (.lastSentLCPConfReq, 0, m, true, "Last Sent LCP CONFREQ"),
            (.lastReceivedLCPConfReq, 0, m, true, "Last Received LCP CONFREQ"),
            (.proxyAuthenType, 2, 2, true, "Proxy Authen Type"),
            (.proxyAuthenName, 0, m, true, "Proxy Authen Name"),
            (.proxyAuthenChallenge, 0, m, true, "Proxy Authen Challenge"),
            (.proxyAuthenID, 2, 2, true, "Proxy Authen ID"),
            (.proxyAuthenResponse, 0, m, true, "Proxy Authen Response"),
            (.callErrors, 26, 26, true, "Call Errors"),
            (.accm, 10, 10, true, "ACCM"),
            (.randomVector, 1, m, false, "Random Vector"),
            (.privateGroupID, 0, m, true, "Private Group ID"),
            (.rxConnectSpeed, 4, 4, true, "Rx Connect Speed"),
            (.sequencingRequired, 0, 0, false, "Sequencing Required"),
        ]
        var table: [UInt16: Rule] = [:]
        for (type, minimum, maximum, mayHide, name) in list {
            table[type.rawValue] = Rule(minimum: minimum, maximum: maximum, mayHide: mayHide, name: name)
        }
        return table
    }()

    /// Whether this library knows the attribute (vendor 0).
    public var isKnown: Bool { Self.rules[rawValue] != nil }

    /// §4.3: the attributes whose value may travel hidden.
    public var mayHide: Bool { Self.rules[rawValue]?.mayHide ?? false }

    /// Checks an (unhidden) value's size against §4.4.
    func check(valueLength length: Int) throws(L2TPError) {
        guard let rule = Self.rules[rawValue] else { return }
        guard length >= rule.minimum, length <= rule.maximum, !(self == .resultCode && length == 3) else {
            throw .badValueLength(type: rawValue, length: length)
        }
    }

    public var description: String { Self.rules[rawValue]?.name ?? "attribute \(rawValue)" }
}
