// The router side of Router Discovery for one session (RFC 4861 §6.2): an
// event-in/action-out value. Session up → an RA at once, then unsolicited RAs
// at random intervals in [Min, Max] (the first three at most 16 s apart,
// §6.2.4); a Router Solicitation → an RA after a random delay of up to 0.5 s,
// never two multicast RAs within 3 s (§6.2.6); session down → a final RA with
// Router Lifetime 0 (§6.2.5). The owner runs a timer for `deadline`.

public struct RouterAdvertiser: Sendable {
    /// RFC 4861 §10 router constants.
    public enum Constants {
        public static let maxInitialRtrAdvertInterval: UInt64 = 16 * Nanoseconds.perSecond
        public static let maxInitialRtrAdvertisements = 3
        public static let minDelayBetweenRAs: UInt64 = 3 * Nanoseconds.perSecond
        public static let maxRADelayTime: UInt64 = 500 * Nanoseconds.perMillisecond
    }

    public enum Event: Equatable, Sendable {
        /// The session's IPv6CP is Opened; `prefix` is its /64 (nil: no
        /// prefix advertised, addresses by DHCPv6 only).
        case sessionUp(prefix: IPv6Prefix?)
        /// An IPv6 packet from the peer that `IPv6ControlPacket` classified as ND.
        case packet([UInt8])
        /// `deadline` has passed.
        case timer
        case sessionDown
    }

    public enum Action: Equatable, Sendable {
        /// A whole IPv6 packet for the session's TUN/channel.
        case send([UInt8])
    }

    public struct Counters: Equatable, Sendable {
        public var solicitationsReceived = 0
        public var advertisementsSent = 0
        /// Packets refused by §6.1.1 validation (lastError says why).
        public var dropped = 0
        /// RAs from the peer: another router on a PPP link is ignored.
        public var foreignAdvertisements = 0
    }

    enum State: Equatable, Sendable { case idle, advertising, stopped }

    public let configuration: RouterAdvertiserConfiguration
    /// Our link-local address (RFC 4861 §6.1.2 requires one as the source).
    public let source: IPv6Address
    public private(set) var prefix: IPv6Prefix?
    public private(set) var counters = Counters()
    public private(set) var lastError: IPv6Error?
    private(set) var state = State.idle
    private var random: SeededGenerator
    private var initialSent = 0
    private var nextUnsolicited: UInt64?
    private var pendingResponse: UInt64?
    private var lastMulticast: UInt64?

    public init(configuration: RouterAdvertiserConfiguration, source: IPv6Address, seed: UInt64) {
        self.configuration = configuration; self.source = source
        random = SeededGenerator(seed: seed)
    }

    /// When the owner must deliver `.timer`; nil when nothing is due.
    public var deadline: UInt64? {
        switch (nextUnsolicited, pendingResponse) {
        case let (a?, b?): min(a, b)
        case let (a, b): a ?? b
        }
    }

    public mutating func handle(_ event: Event, now: UInt64) -> [Action] {
        switch (state, event) {
        case (.idle, .sessionUp(let p)):
            prefix = p
            state = .advertising
            return [advertise(now: now)]
        case (.advertising, .packet(let bytes)):
            receive(bytes, now: now)
            return []
        case (.advertising, .timer):
            guard let d = deadline, d <= now else { return [] }
            return [advertise(now: now)]
        case (.advertising, .sessionDown):
            state = .stopped
            nextUnsolicited = nil; pendingResponse = nil
            counters.advertisementsSent += 1
            return [.send(advertisement(final: true).packet(source: source, destination: .allNodes))]
        case (.idle, .sessionDown):
            state = .stopped
            return []
        case (_, .packet):
            counters.dropped += 1
            return []
        default:
            return []
        }
    }

    /// §6.2.6: validate, then schedule the response relative to the first
    /// solicitation still waiting, never sooner than 3 s after the last
    /// multicast RA, and not at all when an unsolicited one comes first.
    private mutating func receive(_ bytes: [UInt8], now: UInt64) {
        let message: RouterDiscoveryMessage
        do {
            (_, message) = try RouterDiscoveryMessage.parse(bytes)
        } catch {
            counters.dropped += 1
            lastError = error
            return
        }
        guard case .solicitation = message else {
            counters.foreignAdvertisements += 1
            return
        }
        counters.solicitationsReceived += 1
        guard pendingResponse == nil else { return }
        var at = now + random.duration(in: 0...Constants.maxRADelayTime)
        if let last = lastMulticast { at = max(at, last + Constants.minDelayBetweenRAs) }
        if let next = nextUnsolicited, next <= at { return }
        pendingResponse = at
    }

    /// Sends the RA and draws the next unsolicited interval (§6.2.4).
    private mutating func advertise(now: UInt64) -> Action {
        lastMulticast = now
        pendingResponse = nil
        let minimum = configuration.minIntervalMilliseconds * Nanoseconds.perMillisecond
        let maximum = max(minimum, Nanoseconds.seconds(configuration.maxRtrAdvInterval))
        var interval = random.duration(in: minimum...maximum)
        if initialSent < Constants.maxInitialRtrAdvertisements {
            initialSent += 1
            interval = min(interval, Constants.maxInitialRtrAdvertInterval)
        }
        nextUnsolicited = now + interval
        counters.advertisementsSent += 1
        return .send(advertisement(final: false).packet(source: source, destination: .allNodes))
    }

    /// The RA as configured; the final one (§6.2.5) has Router Lifetime 0 and
    /// the prefix's Preferred Lifetime 0 so the host deprecates its address
    /// at once (RFC 4862 §5.5.4); its valid lifetime then runs out under the
    /// host's two-hour rule (RFC 4862 §5.5.3 e).
    func advertisement(final: Bool) -> RouterDiscoveryMessage {
        let c = configuration
        var ra = RouterAdvertisement(routerLifetime: final ? 0 : c.routerLifetime)
        ra.curHopLimit = c.curHopLimit
        ra.managed = c.managed
        ra.otherConfiguration = c.otherConfiguration
        ra.reachableTime = c.reachableTime
        ra.retransTimer = c.retransTimer
        if let p = prefix {
            ra.options.append(.prefixInformation(PrefixInformation(
                prefix: p, onLink: c.onLink, autonomous: c.autonomous,
                validLifetime: final ? 0 : c.validLifetime, preferredLifetime: final ? 0 : c.preferredLifetime)))
        }
        if c.linkMTU != 0 { ra.options.append(.mtu(c.linkMTU)) }
        if !c.dnsServers.isEmpty {
            ra.options.append(.recursiveDNSServers(lifetime: final ? 0 : c.effectiveDNSLifetime, servers: c.dnsServers))
        }
        if !c.searchDomains.isEmpty {
            ra.options.append(.dnsSearchList(lifetime: final ? 0 : c.effectiveDNSLifetime, domains: c.searchDomains))
        }
        return .advertisement(ra)
    }
}
