// The event catalogue: everything `pppctl watch` can print. A daemon publishes
// an event on its init link (eventPublished); pppinit stamps the component
// that sent it and fans it out to watchers, beside its own lifecycle events.
// Each kind names who publishes it and the fields it carries besides
// "event" and "component"; what an event says is an EventBody value
// (EventBody.swift).

public enum EventKind: String, CaseIterable, Sendable {
    // pppinit: a component's lifecycle (Supervision); unresponsive: it
    // did not answer the watchdog's ping and is killed.
    case started, restarted, unresponsive, exited, failed, stopped
    // linkd: a session's phases (RFC 1661 §3.2) and its bridge.
    case sessionUp = "session-up", sessionAuth = "session-auth", sessionDown = "session-down"
    case sessionBridge = "session-bridge"
    // authd: a verdict of the Authenticate phase.
    case authSucceeded = "auth-succeeded", authFailed = "auth-failed"
    // bridged: a splice of two sessions.
    case bridgeUp = "bridge-up", bridgeDown = "bridge-down", bridgeFailed = "bridge-failed"
    // ncpd: an RFC 1990 bundle and its member links.
    case bundleUp = "bundle-up", linkJoined = "link-joined", linkLeft = "link-left", bundleDown = "bundle-down"
    // ncpd: a DHCPv6 prefix delegated on a session, by us (server role) or
    // to us (CPE role), and its end (issue 18).
    case prefixDelegated = "prefix-delegated", prefixReleased = "prefix-released"
    // linkd: an L2TP tunnel's control connection (RFC 2661 §5.1, §5.7) and
    // a call in it (§5.2, §7.4), on an l2tp port (issue 16).
    case tunnelUp = "tunnel-up", tunnelDown = "tunnel-down", callUp = "call-up", callDown = "call-down"

    public var publisher: Peer {
        switch self {
        case .started, .restarted, .unresponsive, .exited, .failed, .stopped: .pppinit
        case .sessionUp, .sessionAuth, .sessionDown, .sessionBridge: .linkd
        case .tunnelUp, .tunnelDown, .callUp, .callDown: .linkd
        case .authSucceeded, .authFailed: .authd
        case .bridgeUp, .bridgeDown, .bridgeFailed: .bridged
        case .bundleUp, .linkJoined, .linkLeft, .bundleDown: .ncpd
        case .prefixDelegated, .prefixReleased: .ncpd
        }
    }

    /// The fields it carries besides "event" and "component"; a publisher
    /// may leave an optional one out (marked "?").
    public var fields: [String] {
        switch self {
        case .started, .restarted, .unresponsive: ["pid", "restarts", "reason?"]
        case .exited, .failed, .stopped: ["pid?", "restarts", "reason?"]
        case .sessionUp: ["session", "port", "peer_name"]
        case .sessionAuth: ["session", "port", "success", "peer_name", "method", "reason"]
        case .sessionDown: ["session", "port", "reason"]
        case .sessionBridge: ["session", "port", "state", "partner", "reason?"]
        case .authSucceeded, .authFailed: ["session", "method", "peer_name", "reason", "framed_address?"]
        case .bridgeUp: ["a", "b", "resumed"]
        case .bridgeDown: ["a", "b", "reason"]
        case .bridgeFailed: ["session", "reason"]
        // bundle: its name; session: the bundle's (up, down) or the link's.
        case .bundleUp: ["bundle", "session"]
        case .linkJoined: ["bundle", "session", "links"]
        case .linkLeft: ["bundle", "session", "links", "reason"]
        case .bundleDown: ["bundle", "session", "reason"]
        // prefix: "2001:db8:100::/56".
        case .prefixDelegated, .prefixReleased: ["session", "prefix"]
        // tunnel, call: our Tunnel and Session IDs; peer: "a.b.c.d:port";
        // result/error: RFC 2661 §4.4.2 codes of the StopCCN or CDN sent or
        // received; session: the linkd session carrying the call.
        case .tunnelUp: ["port", "tunnel", "peer", "peer_tunnel", "host_name"]
        case .tunnelDown: ["port", "tunnel", "peer", "result", "error", "message", "by_peer"]
        case .callUp: ["port", "tunnel", "call", "peer_call", "session"]
        case .callDown: ["port", "tunnel", "call", "session", "result", "error", "by_peer"]
        }
    }
}

/// One event as it travels: its typed payload and the component it
/// concerns. Its JSON is the stamp's "version", "seq" and "time" once
/// pppinit has stamped it, "event", "component", then the payload's fields in
/// the order the publishers have always written them (EventsTests compares
/// the text).
public struct Event: Equatable, Sendable {
    public var body: EventBody
    /// Set by pppinit from the init link it arrived on (a daemon cannot
    /// speak for another).
    public var component: ComponentName?
    /// Set by pppinit as it fans the event out (EventStamp.swift).
    public var stamp: EventStamp?

    public init(_ body: EventBody, component: ComponentName? = nil, stamp: EventStamp? = nil) {
        self.body = body; self.component = component; self.stamp = stamp
    }

    public var kind: EventKind { body.kind }

    /// The JSON object `pppctl watch --json` prints.
    public var json: JSONObject {
        var o = stamp?.members ?? JSONObject()
        o["event"] = .string(kind.rawValue)
        if let component { o["component"] = .string(component.description) }
        for (k, v) in body.fields.members { o[k] = v }
        return o
    }

    /// Reads an event back; nil when "event" names no kind of the catalogue,
    /// a required field is missing or of another type, or "component" is
    /// not a component name. Fields no kind knows are ignored (a newer
    /// publisher may add one).
    public init?(json o: JSONObject) {
        guard let name = o["event"]?.string, let kind = EventKind(rawValue: name) else { return nil }
        var component: ComponentName?
        if let c = o["component"] {
            guard let text = c.string, let parsed = ComponentName(text) else { return nil }
            component = parsed
        }
        guard let body = EventBody(kind, o) else { return nil }
        self.init(body, component: component, stamp: EventStamp(o))
    }
}
