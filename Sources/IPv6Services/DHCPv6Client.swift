// The DHCPv6 client of a CPE's PPP interface (RFC 8415 §18.2), asking for a
// delegated prefix (IA_PD with an optional prefix-length hint, §18.2.1) and
// optionally an address: Solicit → Request → bound, Renew at T1, Rebind at
// T2, lost at the end of the valid lifetime, Release on stop. Every exchange
// retransmits by §15 (DHCPv6Retransmission). Event in, actions out.

public struct DHCPv6ClientConfiguration: Equatable, Sendable {
    public var clientID: DUID
    public var iaid: UInt32 = 1
    /// §18.2.1: an IAPREFIX with this length and :: as a hint; 0 = none.
    public var prefixLengthHint: UInt8 = 0
    public var requestAddress = false
    public var rapidCommit = false
    /// Ask for RFC 3646's DNS servers and search list.
    public var requestDNS = true
    public init(clientID: DUID) { self.clientID = clientID }
}

public struct DHCPv6Client: Sendable {
    public enum Event: Equatable, Sendable { case start, packet([UInt8]), timer, stop }

    public enum Action: Equatable, Sendable {
        case send([UInt8])
        /// A prefix delegated or renewed (lifetimes in seconds): the hook runs.
        case prefixDelegated(IAPrefix)
        case prefixRemoved(IPv6Prefix)
        case addressAssigned(IAAddress)
        case addressRemoved(IPv6Address)
        case dnsServers([IPv6Address])
    }

    public enum State: Equatable, Sendable {
        case idle, soliciting, requesting, bound, renewing, rebinding, releasing, stopped
    }

    public struct Counters: Equatable, Sendable {
        public var sent = 0
        public var dropped = 0
        /// Advertises with nothing to offer (§18.2.9: ignored).
        public var emptyAdvertisements = 0
    }

    public let configuration: DHCPv6ClientConfiguration
    public let source: IPv6Address
    public internal(set) var state = State.idle
    public internal(set) var prefixes: [IAPrefix] = []
    public internal(set) var addresses: [IAAddress] = []
    public internal(set) var counters = Counters()
    public internal(set) var lastError: IPv6Error?
    var random: SeededGenerator
    var transactionID: UInt32 = 0
    var exchange = DHCPv6Retransmission(.solicit, end: nil)
    var nextSend: UInt64?
    /// The chosen server and its Advertise.
    var server: DUID?
    var advertised: DHCPv6Message?
    var t1At: UInt64 = 0, t2At: UInt64 = 0, validUntil: UInt64 = 0

    public init(configuration: DHCPv6ClientConfiguration, source: IPv6Address, seed: UInt64) {
        self.configuration = configuration; self.source = source
        random = SeededGenerator(seed: seed)
    }

    public var deadline: UInt64? {
        switch state {
        case .soliciting, .requesting, .renewing, .rebinding, .releasing: nextSend
        case .bound: t1At
        case .idle, .stopped: nil
        }
    }

    public mutating func handle(_ event: Event, now: UInt64) -> [Action] {
        switch (state, event) {
        case (.idle, .start), (.stopped, .start):
            // §18.2.1: the first Solicit waits a random 0 to SOL_MAX_DELAY.
            begin(.soliciting, now: now)
            nextSend = now + random.duration(in: 0...Nanoseconds.perSecond)
            return []
        case (.soliciting, .timer), (.requesting, .timer), (.renewing, .timer),
             (.rebinding, .timer), (.releasing, .timer), (.bound, .timer):
            return timer(now: now)
        case (_, .packet(let bytes)):
            return receive(bytes, now: now)
        case (.bound, .stop), (.renewing, .stop), (.rebinding, .stop):
            // §18.2.7: stop using the bindings now, then tell the server.
            let gone = lost()
            begin(.releasing, now: now)
            return gone + transmit(now: now)
        case (_, .stop):
            state = .stopped
            nextSend = nil
            return []
        default:
            return []
        }
    }

    mutating func begin(_ s: State, now: UInt64) {
        state = s
        transactionID = UInt32.random(in: 0...0xff_ffff, using: &random)
        switch s {
        case .soliciting: exchange = DHCPv6Retransmission(.solicit, end: nil); server = nil; advertised = nil
        case .requesting: exchange = DHCPv6Retransmission(.request, end: nil)
        case .renewing: exchange = DHCPv6Retransmission(.renew, end: t2At)          // §18.2.4: MRD until T2
        case .rebinding: exchange = DHCPv6Retransmission(.rebind, end: validUntil)  // §18.2.5: until valid ends
        case .releasing: exchange = DHCPv6Retransmission(.release, end: nil)
        case .idle, .bound, .stopped: nextSend = nil
        }
    }

    private mutating func timer(now: UInt64) -> [Action] {
        if state == .bound {
            guard now >= t1At else { return [] }
            begin(.renewing, now: now)
            return transmit(now: now)
        }
        guard let n = nextSend, n <= now else { return [] }
        if state == .soliciting, exchange.sent > 0, advertised != nil {
            // §18.2.1: the first RT is over; take the best Advertise.
            begin(.requesting, now: now)
            return transmit(now: now)
        }
        guard exchange.exhausted(now: now) else { return transmit(now: now) }
        switch state {
        case .requesting:
            begin(.soliciting, now: now)  // §18.2.2: give up on the server
            return transmit(now: now)
        case .renewing:
            begin(.rebinding, now: now)
            return transmit(now: now)
        case .rebinding:
            // §18.2.5: the valid lifetimes ran out.
            let gone = lost()
            begin(.soliciting, now: now)
            return gone + transmit(now: now)
        case .releasing:
            state = .stopped
            nextSend = nil
            return []
        default:
            return transmit(now: now)
        }
    }

    /// Stops using every binding (kept in `released` for a Release).
    mutating func lost() -> [Action] {
        let gone: [Action] = prefixes.map { .prefixRemoved($0.prefix) } + addresses.map { .addressRemoved($0.address) }
        released = prefixes; releasedAddresses = addresses
        prefixes = []; addresses = []
        return gone
    }

    /// Builds and sends this state's message (§18.2.1-§18.2.7), all to
    /// All_DHCP_Relay_Agents_and_Servers.
    private mutating func transmit(now: UInt64) -> [Action] {
        let type: DHCPv6MessageType
        switch state {
        case .soliciting: type = .solicit
        case .requesting: type = .request
        case .renewing: type = .renew
        case .rebinding: type = .rebind
        case .releasing: type = .release
        default: return []
        }
        var m = DHCPv6Message(type: type, transactionID: transactionID)
        m.options.append(.clientID(configuration.clientID))
        if [.request, .renew, .release].contains(type), let s = server { m.options.append(.serverID(s)) }
        if type != .release {
            var asked: [UInt16] = []
            if configuration.requestDNS { asked = [DHCPv6Option.Code.dnsServers, DHCPv6Option.Code.domainList] }
            if !asked.isEmpty { m.options.append(.optionRequest(asked)) }
        }
        m.options.append(.elapsedTime(exchange.elapsed(now: now)))
        var pd = IdentityAssociation(iaid: configuration.iaid)
        var na = IdentityAssociation(iaid: configuration.iaid)
        switch type {
        case .solicit:
            if configuration.prefixLengthHint > 0, let hint = try? IPv6Prefix(.unspecified, length: Int(configuration.prefixLengthHint)) {
                pd.options = [.iaPrefix(IAPrefix(prefix: hint, preferredLifetime: 0, validLifetime: 0))]
            }
            if configuration.rapidCommit { m.options.append(.rapidCommit) }
        case .request:
            pd.options = advertised?.iaPDs.first?.options ?? []
            na.options = advertised?.iaNAs.first?.options ?? []
        default:
            pd.options = prefixesHeld.map { .iaPrefix($0) }
            na.options = addressesHeld.map { .iaAddress($0) }
        }
        m.options.append(.iaPD(pd))
        if configuration.requestAddress { m.options.append(.iaNA(na)) }
        nextSend = exchange.transmitted(now: now, random: &random, firstSolicit: type == .solicit)
        counters.sent += 1
        return [.send(m.packet(source: source, destination: .allDHCPRelayAgentsAndServers,
                               sourcePort: DHCPv6Message.clientPort, destinationPort: DHCPv6Message.serverPort))]
    }

    /// What Renew, Rebind and Release name: the bindings held, or just
    /// released (kept in `released` for the Release's IA).
    private var prefixesHeld: [IAPrefix] { state == .releasing ? released : prefixes }
    private var addressesHeld: [IAAddress] { state == .releasing ? releasedAddresses : addresses }
    var released: [IAPrefix] = []
    var releasedAddresses: [IAAddress] = []
}
