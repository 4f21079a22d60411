// One call inside a tunnel (RFC 2661 §7.4): its ids at both ends, its state
// for incoming calls on either side, what the LAC said about the call
// (numbers, speeds, proxy LCP and authentication, §4.4.4-§4.4.5) and the
// data channel's sequencing (§5.4).

public struct Session: Equatable, Sendable {
    /// §7.4.1 (LAC) and §7.4.2 (LNS) incoming call states, idle being absence.
    public enum State: UInt8, Equatable, Sendable {
        case waitTunnel = 1, waitReply, waitConnect, established
    }

    public var localID: UInt16
    /// The peer's Assigned Session ID: 0 until it arrives.
    public var peerID: UInt16
    public var state: State
    public var call: IncomingCall
    /// §5.4: the data channel carries Ns (ours, and the next expected from the peer).
    public var sequencing: Bool
    /// §4.4.6: Sequencing Required was in the ICCN; Ns stays on both ways.
    public var sequencingRequired: Bool
    public var dataNs: UInt16 = 0
    public var dataNr: UInt16 = 0
    public var dataCounters = DataCounters()

    public struct DataCounters: Equatable, Sendable {
        public var received = 0
        /// Sequenced data older than expected (§5.4: used to detect reordering), dropped.
        public var outOfOrder = 0
        /// Ns skipped forward: messages lost on the way.
        public var lost = 0
    }
}

/// What the LAC knows of a call when it asks the LNS to take it (§6.6 ICRQ,
/// §6.8 ICCN); the LNS gets the same from the two messages.
public struct IncomingCall: Equatable, Sendable {
    /// §4.4.4 Call Serial Number: the LAC's identifier for the call.
    public var serialNumber: UInt32 = 0
    public var bearerType: UInt32?
    public var physicalChannelID: UInt32?
    public var callingNumber: [UInt8]?
    public var calledNumber: [UInt8]?
    public var subAddress: [UInt8]?
    public var txConnectSpeed: UInt32 = 10_000_000
    public var rxConnectSpeed: UInt32?
    public var framingType: UInt32 = ControlMessage.synchronousFraming
    public var privateGroupID: [UInt8]?
    public var proxy = ProxyInformation()
    public init() {}
}

extension IncomingCall {
    /// The longest value sent: an AVP's 1017 octets less the hidden
    /// subformat's Length field and up to 15 octets of padding (§4.3).
    static let maximumValue = AVPType.maximumValue - 2 - 15

    /// The call with every value that cannot fit in one AVP left out. They
    /// are optional (§6.6, §6.8) and come from the subscriber's side (a
    /// Configure-Request may be longer than an AVP holds): the LNS then
    /// negotiates for itself, as if no proxy LCP had been offered.
    var fitted: IncomingCall {
        var c = self
        func fit(_ v: inout [UInt8]?) { if let value = v, value.count > Self.maximumValue { v = nil } }
        fit(&c.callingNumber); fit(&c.calledNumber); fit(&c.subAddress); fit(&c.privateGroupID)
        fit(&c.proxy.initialReceivedConfReq); fit(&c.proxy.lastSentConfReq); fit(&c.proxy.lastReceivedConfReq)
        fit(&c.proxy.authenName); fit(&c.proxy.authenChallenge); fit(&c.proxy.authenResponse)
        return c
    }
}
