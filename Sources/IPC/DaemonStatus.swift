// Each daemon's own `status` fields (after StatusReply's common ones) as a
// value: the daemon fills it in, and StatusReply reads the fields of the
// daemon it names back through it. Counters are typed one by one; what
// differs by transport or RADIUS setup (linkd's port and PPPoE objects,
// authd's servers and queue) stays a JSON object inside, for the reason a
// session's fields do (docs/design.md, issue 12). Key order is the order
// the daemons have always written. Reading ignores keys a type does not
// know (StatusReply keeps them aside, so a newer daemon's field still
// shows); a known key missing or of another type is a refusal.

/// The fields a daemon adds to `status`.
public enum DaemonStatus: Equatable, Sendable {
    case linkd(LinkdStatus)
    case authd(AuthdStatus)
    case ncpd(NcpdStatus)
    case bridged(BridgedStatus)
    case metricsd(MetricsdStatus)

    public var peer: Peer {
        switch self {
        case .linkd: .linkd
        case .authd: .authd
        case .ncpd: .ncpd
        case .bridged: .bridged
        case .metricsd: .metricsd
        }
    }

    public var fields: JSONObject {
        switch self {
        case let .linkd(s): s.fields
        case let .authd(s): s.fields
        case let .ncpd(s): s.fields
        case let .bridged(s): s.fields
        case let .metricsd(s): s.fields
        }
    }

    /// `fields` read as `peer`'s; nil when one is missing or of another
    /// type.
    public init?(_ peer: Peer, fields o: JSONObject) {
        switch peer {
        case .linkd: guard let s = LinkdStatus(fields: o) else { return nil }; self = .linkd(s)
        case .authd: guard let s = AuthdStatus(fields: o) else { return nil }; self = .authd(s)
        case .ncpd: guard let s = NcpdStatus(fields: o) else { return nil }; self = .ncpd(s)
        case .bridged: guard let s = BridgedStatus(fields: o) else { return nil }; self = .bridged(s)
        case .metricsd: guard let s = MetricsdStatus(fields: o) else { return nil }; self = .metricsd(s)
        default: return nil
        }
    }

    /// Non-negative counters under `keys`, in that order; nil if one is not.
    static func counts(_ o: JSONObject, _ keys: [String]) -> [Int]? {
        var out: [Int] = []
        for k in keys {
            guard case let .int(n)? = o[k], n >= 0 else { return nil }
            out.append(Int(clamping: n))
        }
        return out
    }

    static func object(_ keys: [String], _ values: [Int]) -> JSONObject {
        JSONObject(zip(keys, values).map { ($0, JSON.int(Int64($1))) })
    }
}

/// linkd: its port, its authd conversation, live sessions, what the port's
/// transport adds ("pppoe": discovery, "l2tp": tunnels; one object per
/// key), the partner-failed reports and what its start restored.
public struct LinkdStatus: Equatable, Sendable {
    static let own = ["port", "authd", "sessions", "partner_failed", "restore", "outcomes"]

    public var port: JSONObject
    public var authd: JSONObject
    public var sessions: Int
    /// The transport's objects by name, written between "sessions" and
    /// "partner_failed".
    public var transport: JSONObject
    public var partnerFailed: JSONObject
    /// The fd store's deposits at start: expected, returned, resumed,
    /// dropped (RestoreAccount).
    public var restore: JSONObject
    /// Sessions set up, and ended by cause before (failures) or after
    /// (teardowns) the Network phase, LCP echo failures (issue 19); empty
    /// from a linkd that does not count them.
    public var outcomes: JSONObject

    public init(port: JSONObject, authd: JSONObject, sessions: Int, transport: JSONObject = JSONObject(),
                partnerFailed: JSONObject, restore: JSONObject, outcomes: JSONObject = JSONObject()) {
        self.port = port; self.authd = authd; self.sessions = sessions; self.partnerFailed = partnerFailed
        self.restore = restore; self.outcomes = outcomes
        self.transport = JSONObject(transport.members.filter { !Self.own.contains($0.key) && !StatusReply.common.contains($0.key) }
            .map { ($0.key, $0.value) })
    }

    public var fields: JSONObject {
        var o: JSONObject = ["port": .object(port), "authd": .object(authd), "sessions": .int(Int64(sessions))]
        for (k, v) in transport.members where o[k] == nil { o[k] = v }
        o["partner_failed"] = .object(partnerFailed)
        o["restore"] = .object(restore)
        if !outcomes.isEmpty { o["outcomes"] = .object(outcomes) }
        return o
    }

    /// Every key beside the status's common ones and linkd's own is the
    /// transport's, and is an object.
    init?(fields o: JSONObject) {
        var transport = JSONObject()
        for (k, v) in o where !StatusReply.common.contains(k) && !Self.own.contains(k) {
            guard case .object = v else { return nil }
            transport[k] = v
        }
        self.transport = transport
        guard let port = o["port"]?.object, let authd = o["authd"]?.object,
              let sessions = DaemonStatus.counts(o, ["sessions"]), let partnerFailed = o["partner_failed"]?.object,
              let restore = o["restore"]?.object
        else { return nil }
        self.restore = restore
        // Optional: a linkd of the previous release answers without it.
        if let v = o["outcomes"] {
            guard let outcomes = v.object else { return nil }
            self.outcomes = outcomes
        } else {
            outcomes = JSONObject()
        }
        self.port = port; self.authd = authd; self.sessions = sessions[0]; self.partnerFailed = partnerFailed
    }
}

/// authd: sessions and checks counted, users and secrets loaded, and its
/// RADIUS clients, accounting queue and Dynamic Authorization server (null
/// without one).
public struct AuthdStatus: Equatable, Sendable {
    static let keys = ["sessions", "conversations", "started", "succeeded", "failed", "local_checks", "radius_checks",
                       "accounting_requests", "refused_attributes", "unknown_session_messages", "users", "pap_secrets",
                       "chap_secrets"]

    public var sessions = 0, conversations = 0, started = 0, succeeded = 0, failed = 0, localChecks = 0
    /// RADIUS Access-Accepts refused for an attribute authd cannot apply.
    public var refusedAttributes = 0
    public var radiusChecks = 0, accountingRequests = 0, unknownSessionMessages = 0, users = 0, papSecrets = 0
    public var chapSecrets = 0
    public var radius = JSONObject()
    public var accountingQueue = JSONObject()
    public var dynamicAuthorization: JSONObject?

    public init() {}

    var counts: [Int] {
        [sessions, conversations, started, succeeded, failed, localChecks, radiusChecks, accountingRequests,
         refusedAttributes, unknownSessionMessages, users, papSecrets, chapSecrets]
    }

    public var fields: JSONObject {
        var o = DaemonStatus.object(Self.keys, counts)
        o["radius"] = .object(radius)
        o["accounting_queue"] = .object(accountingQueue)
        o["dynamic_authorization"] = dynamicAuthorization.map { .object($0) } ?? .null
        return o
    }

    init?(fields o: JSONObject) {
        guard let c = DaemonStatus.counts(o, Self.keys),
              let radius = o["radius"]?.object, let queue = o["accounting_queue"]?.object else { return nil }
        switch o["dynamic_authorization"] {
        case .null?: dynamicAuthorization = nil
        case let .object(d)?: dynamicAuthorization = d
        default: return nil
        }
        (sessions, conversations, started, succeeded, failed, localChecks) = (c[0], c[1], c[2], c[3], c[4], c[5])
        (radiusChecks, accountingRequests, refusedAttributes) = (c[6], c[7], c[8])
        (unknownSessionMessages, users, papSecrets, chapSecrets) = (c[9], c[10], c[11], c[12])
        self.radius = radius; accountingQueue = queue
    }
}

/// ncpd: its sessions and the TUN units behind them.
public struct NcpdStatus: Equatable, Sendable {
    static let keys = ["sessions", "refused", "ended", "resumed", "pools", "rendezvous_dropped", "unit_waits",
                       "waiting_for_unit", "unit_delete_batches", "units_ipv6_off", "units_ipv6_off_failed",
                       "bundles", "bundles_created", "bundles_ended", "bundles_resumed"]
    /// Issue 21's, written after the others; an ncpd of the release before
    /// has none of them (read as 0).
    static let offloadKeys = ["units_offload", "units_vnet_only", "units_offload_refused", "offload_flags"]
    /// Issue 13's busy unit names, written after those; an older ncpd has
    /// none (read as 0).
    static let busyKeys = ["unit_names_busy", "units_failed_busy"]
    /// And TUN descriptors asked of pppinit: requests, descriptors.
    static let tunKeys = ["tun_requests", "tun_descriptors_requested"]

    public var sessions = 0, refused = 0, ended = 0, resumed = 0
    /// Address pools configured.
    public var pools = 0
    public var rendezvousDropped = 0
    public var unitWaits = 0, waitingForUnit = 0, unitDeleteBatches = 0
    /// Units brought up with disable_ipv6 (ports without IPv6), and those
    /// where setting it failed.
    public var unitsIPv6Off = 0, unitsIPv6OffFailed = 0
    /// RFC 1990 bundles now, and since start.
    public var bundles = 0, bundlesCreated = 0, bundlesEnded = 0, bundlesResumed = 0
    /// Issue 21: units opened with the virtio-net header and TUN offloads,
    /// with the header but every offload refused, and those where the
    /// kernel refused the header itself (plain units); the TUN_F_* flags
    /// the kernel took last (what the fallback ladder settled on).
    public var unitsOffload = 0, unitsVnetOnly = 0, unitsOffloadRefused = 0, offloadFlags = 0
    /// Issue 13: unit names the kernel refused as busy (EBUSY; each one
    /// retried under another name), and sessions that ended because every
    /// name they were given was busy.
    public var unitNamesBusy = 0, unitsFailedBusy = 0
    /// Issue 13: tun-requested calls to pppinit (where /dev/net/tun is
    /// 0600) and the descriptors they asked for, up to TunStock.batch each.
    public var tunRequests = 0, tunDescriptorsRequested = 0
    /// Issue 13: each linkd's mux by port (its sessions, MuxEndpoint's
    /// counters, frames dropped before their session started), last, when
    /// there is one; an ncpd of the release before has none (read as empty).
    public var mux = JSONObject()

    public init() {}

    public var fields: JSONObject {
        var o = DaemonStatus.object(Self.keys + Self.offloadKeys + Self.busyKeys + Self.tunKeys,
                                    [sessions, refused, ended, resumed, pools, rendezvousDropped, unitWaits,
                                     waitingForUnit, unitDeleteBatches, unitsIPv6Off, unitsIPv6OffFailed,
                                     bundles, bundlesCreated, bundlesEnded, bundlesResumed,
                                     unitsOffload, unitsVnetOnly, unitsOffloadRefused, offloadFlags,
                                     unitNamesBusy, unitsFailedBusy, tunRequests, tunDescriptorsRequested])
        if !mux.isEmpty { o["mux"] = .object(mux) }
        return o
    }

    init?(fields o: JSONObject) {
        guard let c = DaemonStatus.counts(o, Self.keys) else { return nil }
        (sessions, refused, ended, resumed, pools) = (c[0], c[1], c[2], c[3], c[4])
        (rendezvousDropped, unitWaits, waitingForUnit, unitDeleteBatches) = (c[5], c[6], c[7], c[8])
        (unitsIPv6Off, unitsIPv6OffFailed) = (c[9], c[10])
        (bundles, bundlesCreated, bundlesEnded, bundlesResumed) = (c[11], c[12], c[13], c[14])
        if Self.offloadKeys.contains(where: { o[$0] != nil }) {
            guard let f = DaemonStatus.counts(o, Self.offloadKeys) else { return nil }
            (unitsOffload, unitsVnetOnly, unitsOffloadRefused, offloadFlags) = (f[0], f[1], f[2], f[3])
        }
        if Self.busyKeys.contains(where: { o[$0] != nil }) {
            guard let b = DaemonStatus.counts(o, Self.busyKeys) else { return nil }
            (unitNamesBusy, unitsFailedBusy) = (b[0], b[1])
        }
        if Self.tunKeys.contains(where: { o[$0] != nil }) {
            guard let t = DaemonStatus.counts(o, Self.tunKeys) else { return nil }
            (tunRequests, tunDescriptorsRequested) = (t[0], t[1])
        }
        if let m = o["mux"] {
            // Each port's mux is an object.
            guard case let .object(ports) = m, ports.values.allSatisfy({ $0.object != nil }) else { return nil }
            mux = ports
        }
    }
}

/// bridged: live splices, channels waiting for their partner, refusals.
public struct BridgedStatus: Equatable, Sendable {
    static let keys = ["splices", "refused", "waiting", "dropped_waiting", "rendezvous_dropped"]

    public var splices = 0, refused = 0, waiting = 0, droppedWaiting = 0, rendezvousDropped = 0

    public init() {}

    public var fields: JSONObject {
        DaemonStatus.object(Self.keys, [splices, refused, waiting, droppedWaiting, rendezvousDropped])
    }

    init?(fields o: JSONObject) {
        guard let c = DaemonStatus.counts(o, Self.keys) else { return nil }
        (splices, refused, waiting, droppedWaiting, rendezvousDropped) = (c[0], c[1], c[2], c[3], c[4])
    }
}

/// metricsd's: where it serves /metrics, scrapes served and refused.
public struct MetricsdStatus: Equatable, Sendable {
    static let keys = ["scrapes", "refused"]

    public var listen = ""
    public var scrapes = 0, refused = 0

    public init(listen: String, scrapes: Int, refused: Int) {
        self.listen = listen; self.scrapes = scrapes; self.refused = refused
    }

    public var fields: JSONObject {
        var o = DaemonStatus.object(Self.keys, [scrapes, refused])
        o["listen"] = .string(listen)
        return o
    }

    init?(fields o: JSONObject) {
        guard let c = DaemonStatus.counts(o, Self.keys), case let .string(listen)? = o["listen"] else { return nil }
        self.listen = listen
        (scrapes, refused) = (c[0], c[1])
    }
}
