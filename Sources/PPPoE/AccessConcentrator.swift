// The access concentrator's side of PPPoE Discovery (RFC 2516 §5, §9) as a
// value. Before a valid PADR it keeps nothing: a PADO's AC-Cookie is
// recomputed from the PADR, and PADIs only touch the fixed-size rate table.
// After it, one entry per session, up to a configured maximum.

public struct AccessConcentrator: Sendable {
    public struct Configuration: Sendable {
        public var localAddress: EthernetAddress
        /// §5.2: the AC-Name TAG of every PADO.
        public var acName: [UInt8]
        /// The services offered. Empty: any requested name is served and echoed,
        /// the policy §9 RECOMMENDS ("never refuse a request based on the Service-Name").
        public var serviceNames: [[UInt8]] = []
        /// Secret for AC-Cookies and the rate table's hash; from getrandom(2).
        public var key: SipHashKey
        public var cookieLifetime: Double = 30
        public var maxSessions = 8000
        public var perSourceLimit = RateLimit(rate: 1, burst: 3)
        public var totalLimit = RateLimit(rate: 2000, burst: 2000)
        /// Slots of the per-source table (24 octets each); large enough that
        /// thousands of flooding MACs rarely share, and so reset, a slot.
        public var rateTableSize = 65536
        /// RFC 4638: the largest PPP payload the interface carries (MTU - 8);
        /// above 1492 PPP-Max-Payload requests are granted up to it.
        public var maximumPayload = 1492
        /// A PADR repeated within this many seconds (its PADS was lost) gets
        /// the same session again instead of a second one.
        public var repeatWindow: Double = 10
        /// First session id tried; linkd passes a random one so ids differ across restarts.
        public var firstSessionID: UInt16 = 1

        public init(localAddress: EthernetAddress, acName: [UInt8], key: SipHashKey) {
            self.localAddress = localAddress
            self.acName = acName
            self.key = key
        }
    }

    /// What the session stage needs about one session.
    public struct Session: Equatable, Sendable {
        public var id: UInt16
        public var peer: EthernetAddress
        public var serviceName: [UInt8]
        public var hostUniq: [UInt8]?
        public var relaySessionID: [UInt8]?
        /// 1492, or the RFC 4638 PPP-Max-Payload granted in the PADS; less
        /// when the link cannot carry 1492 with the session's VLAN tags.
        public var maximumPayload: Int
        /// The PADR's AC-Cookie and when the PADS went out, to spot a repeated PADR.
        var cookie: [UInt8]
        var opened: UInt64
    }

    public enum Action: Equatable, Sendable {
        /// One whole Ethernet frame for the 0x8863 socket.
        case send([UInt8])
        case sessionOpened(Session)
        /// The peer sent a PADT (§5.5): the session must send nothing more.
        case sessionClosed(id: UInt16, reason: String)
    }

    public struct Counters: Equatable, Sendable {
        public var padiReceived = 0
        public var padoSent = 0
        public var padiSourceLimited = 0
        public var padiTotalLimited = 0
        /// PADIs for a service we do not offer, or while full (§5.2: MUST NOT answer).
        public var padiRefused = 0
        /// Of those, the PADIs refused because `maxSessions` are open
        /// (issue 13: admission control, the AC's capacity).
        public var padiAtCapacity = 0
        public var padrReceived = 0
        public var padrBadCookie = 0
        public var padrRepeated = 0
        public var padsSent = 0
        public var padsErrors = 0
        public var padtReceived = 0
        public var padtSent = 0
        public var malformed = 0
        public var ignored = 0
    }

    public let configuration: Configuration
    public internal(set) var counters = Counters()
    public internal(set) var sessions: [UInt16: Session] = [:]
    /// Sessions per peer MAC, to find a repeated PADR without a scan.
    var byPeer: [EthernetAddress: [UInt16]] = [:]
    var limiter: PADILimiter
    let cookies: ACCookie
    var nextSessionID: UInt16

    public init(configuration: Configuration) {
        precondition(configuration.maxSessions >= 0 && configuration.maxSessions <= 65534)
        self.configuration = configuration
        limiter = PADILimiter(perSource: configuration.perSourceLimit, total: configuration.totalLimit,
                              tableSize: configuration.rateTableSize, key: configuration.key)
        cookies = ACCookie(key: configuration.key, lifetimeSeconds: configuration.cookieLifetime)
        nextSessionID = configuration.firstSessionID
    }

    public var sessionCount: Int { sessions.count }
    /// Sources held in the PADI rate table: bounded by its size, whatever arrives.
    public var trackedSources: Int { limiter.trackedSources }
    public var rateTableSize: Int { limiter.tableSize }
}
