// The Host's side of PPPoE Discovery (RFC 2516 §5, §8) as a value: events in
// (start, a received 0x8863 frame, the timer, stop), actions out (frames to
// send, the timer to arm, the session or the failure). linkd carries the
// actions out; tests drive it with no sockets and no clock.

public struct DiscoveryClient: Sendable {
    public struct Configuration: Equatable, Sendable {
        public var localAddress: EthernetAddress
        /// The Service-Name asked for; empty means any service (Appendix A).
        public var serviceName: [UInt8] = []
        /// Only PADOs from the AC of this name are taken; nil takes the first.
        public var acName: [UInt8]? = nil
        /// Sent in PADI and PADR and required back unchanged; empty sends none.
        public var hostUniq: [UInt8] = []
        /// RFC 4638 §4: the PPP-Max-Payload to ask for; nil or <= 1492 asks nothing.
        public var requestedMaxPayload: UInt16? = nil
        /// §8: the first wait for a PADO or PADS, doubled after each resend.
        public var timeout: Double = 2
        public var maximumTimeout: Double = 30
        /// PADIs sent before giving up, and PADRs before going back to PADI (§8).
        public var padiAttempts = 5
        public var padrAttempts = 3

        public init(localAddress: EthernetAddress) { self.localAddress = localAddress }
    }

    /// What a PADO offered and the PADR must echo (AC-Cookie, Relay-Session-Id).
    public struct Offer: Equatable, Sendable {
        public var ac: EthernetAddress
        public var acName: [UInt8]
        public var cookie: [UInt8]?
        public var relaySessionID: [UInt8]?
    }

    /// An established PPPoE session: what the session stage needs.
    public struct Session: Equatable, Sendable {
        public var id: UInt16
        public var peer: EthernetAddress
        public var acName: [UInt8]
        public var serviceName: [UInt8]
        public var relaySessionID: [UInt8]?
        /// The largest PPP payload (and so LCP MRU) both ends may use: 1492,
        /// or what RFC 4638's PPP-Max-Payload granted.
        public var maximumPayload: Int

        /// Public: linkd rebuilds a session it deposited before a restart.
        public init(id: UInt16, peer: EthernetAddress, acName: [UInt8], serviceName: [UInt8],
                    relaySessionID: [UInt8]? = nil, maximumPayload: Int) {
            self.id = id
            self.peer = peer
            self.acName = acName
            self.serviceName = serviceName
            self.relaySessionID = relaySessionID
            self.maximumPayload = maximumPayload
        }
    }

    public enum State: Equatable, Sendable {
        case idle
        /// PADI sent, waiting for an acceptable PADO.
        case selecting
        /// PADR sent to the chosen AC, waiting for its PADS.
        case requesting(Offer)
        case established(Session)
        case finished(reason: String)
    }

    public enum Action: Equatable, Sendable {
        /// One whole Ethernet frame for the 0x8863 socket.
        case send([UInt8])
        case startTimer(seconds: Double)
        case cancelTimer
        case established(Session)
        /// Discovery gave up: counts as a failed attempt for maxfail.
        case failed(reason: String)
        /// The AC ended the session with a PADT (§5.5): stop sending at once.
        case terminated(reason: String)
    }

    /// Frames dropped, by why; `lastRefusal` says why the last PADO/PADS was not taken.
    public struct Counters: Equatable, Sendable {
        public var malformed = 0
        public var notForUs = 0
        public var offersRefused = 0
        public var unexpected = 0
        public var lastRefusal: String?
    }

    public let configuration: Configuration
    public internal(set) var state: State = .idle
    public internal(set) var counters = Counters()
    /// Transmissions in the current stage, and PADIs in this whole discovery.
    var attempts = 0
    var padisSent = 0
    var wait: Double

    public init(configuration: Configuration) {
        self.configuration = configuration
        wait = configuration.timeout
    }

    /// RFC 4638 is in play only above the RFC 2516 §7 ceiling of 1492.
    static let standardMaximumPayload = 1492

    var requestsMaxPayload: UInt16? {
        guard let m = configuration.requestedMaxPayload, Int(m) > Self.standardMaximumPayload else { return nil }
        return m
    }
}
