// Each event's payload as one Swift value: publishers build the case, and
// `pppctl watch`, pppinit and the tests read one back, so a field's name and
// type are written once, here. The kinds and their field lists (EventKind)
// stay the catalogue `pppctl watch --help` and the README show; EventsTests
// checks that every case writes exactly its kind's fields.

/// What an event says, by kind.
public enum EventBody: Equatable, Sendable {
    /// pppinit: a component started, restarted, did not answer the
    /// watchdog, exited, failed for good or was stopped.
    case lifecycle(Lifecycle, pid: Int32?, restarts: Int, reason: String?)
    /// linkd: Network phase reached (RFC 1661 §3.6); the name the peer
    /// authenticated with, null without authentication.
    case sessionUp(session: String, port: String, peerName: String?)
    /// linkd: authd's verdict for a session (RFC 1661 §3.5).
    case sessionAuth(session: String, port: String, success: Bool, peerName: String, method: String?, reason: String)
    /// linkd: the session ended (RFC 1661 §3.7).
    case sessionDown(session: String, port: String, reason: String)
    /// linkd: the session's bridge stage and partner changed.
    case sessionBridge(session: String, port: String, state: String, partner: String?, reason: String?)
    /// authd: auth-succeeded (success) or auth-failed.
    case auth(success: Bool, session: String, method: String?, peerName: String, reason: String, framedAddress: String?)
    /// bridged: a splice of a and b started, or resumed after a restart.
    case bridgeUp(a: String, b: String, resumed: Bool)
    case bridgeDown(a: String, b: String, reason: String)
    /// bridged: a channel waiting for its partner was closed.
    case bridgeFailed(session: String, reason: String)
    /// ncpd: a bundle came up (its first link), a link joined or left it
    /// (`links`: how many it has now), the bundle went down.
    case bundleUp(bundle: String, session: String)
    case linkJoined(bundle: String, session: String, links: Int)
    case linkLeft(bundle: String, session: String, links: Int, reason: String)
    case bundleDown(bundle: String, session: String, reason: String)
    /// ncpd: a DHCPv6 prefix delegated on a session (either role), and its end.
    case prefixDelegated(session: String, prefix: String)
    case prefixReleased(session: String, prefix: String)

    public var kind: EventKind {
        switch self {
        case let .lifecycle(step, _, _, _): step.kind
        case .sessionUp: .sessionUp
        case .sessionAuth: .sessionAuth
        case .sessionDown: .sessionDown
        case .sessionBridge: .sessionBridge
        case let .auth(success, _, _, _, _, _): success ? .authSucceeded : .authFailed
        case .bridgeUp: .bridgeUp
        case .bridgeDown: .bridgeDown
        case .bridgeFailed: .bridgeFailed
        case .bundleUp: .bundleUp
        case .linkJoined: .linkJoined
        case .linkLeft: .linkLeft
        case .bundleDown: .bundleDown
        case .prefixDelegated: .prefixDelegated
        case .prefixReleased: .prefixReleased
        }
    }

    /// Its fields besides "event" and "component", in wire order.
    public var fields: JSONObject {
        switch self {
        case let .lifecycle(_, pid, restarts, reason):
            var o = JSONObject()
            if let pid { o["pid"] = .int(Int64(pid)) }
            o["restarts"] = .int(Int64(restarts))
            if let reason { o["reason"] = .string(reason) }
            return o
        case let .sessionUp(session, port, peerName):
            return ["session": .string(session), "port": .string(port), "peer_name": Self.orNull(peerName)]
        case let .sessionAuth(session, port, success, peerName, method, reason):
            return ["session": .string(session), "port": .string(port), "success": .bool(success),
                    "peer_name": .string(peerName), "method": Self.orNull(method), "reason": .string(reason)]
        case let .sessionDown(session, port, reason):
            return ["session": .string(session), "port": .string(port), "reason": .string(reason)]
        case let .sessionBridge(session, port, state, partner, reason):
            var o: JSONObject = ["session": .string(session), "port": .string(port), "state": .string(state),
                                 "partner": Self.orNull(partner)]
            if let reason { o["reason"] = .string(reason) }
            return o
        case let .auth(_, session, method, peerName, reason, framedAddress):
            var o: JSONObject = ["session": .string(session), "method": Self.orNull(method),
                                 "peer_name": .string(peerName), "reason": .string(reason)]
            if let framedAddress { o["framed_address"] = .string(framedAddress) }
            return o
        case let .bridgeUp(a, b, resumed):
            return ["a": .string(a), "b": .string(b), "resumed": .bool(resumed)]
        case let .bridgeDown(a, b, reason):
            return ["a": .string(a), "b": .string(b), "reason": .string(reason)]
        case let .bridgeFailed(session, reason):
            return ["session": .string(session), "reason": .string(reason)]
        case let .bundleUp(bundle, session):
            return ["bundle": .string(bundle), "session": .string(session)]
        case let .linkJoined(bundle, session, links):
            return ["bundle": .string(bundle), "session": .string(session), "links": .int(Int64(links))]
        case let .linkLeft(bundle, session, links, reason):
            return ["bundle": .string(bundle), "session": .string(session), "links": .int(Int64(links)),
                    "reason": .string(reason)]
        case let .bundleDown(bundle, session, reason):
            return ["bundle": .string(bundle), "session": .string(session), "reason": .string(reason)]
        case let .prefixDelegated(session, prefix), let .prefixReleased(session, prefix):
            return ["session": .string(session), "prefix": .string(prefix)]
        }
    }

    /// Reads `kind`'s fields from `o`; nil when one is missing or of another
    /// type (a nullable one may be null; an optional one absent).
    public init?(_ kind: EventKind, _ o: JSONObject) {
        func text(_ k: String) -> String? { o[k]?.string }
        /// nil: not a string or null; .some(nil): null.
        func textOrNull(_ k: String) -> String?? {
            switch o[k] {
            case .null?: .some(nil)
            case let .string(s)?: .some(s)
            default: nil
            }
        }
        /// Absent is nil; present must be a string.
        func optionalText(_ k: String) -> String?? {
            guard let v = o[k] else { return .some(nil) }
            return v.string.map { .some($0) }
        }
        switch kind {
        case .started, .restarted, .unresponsive, .exited, .failed, .stopped:
            guard let restarts = o["restarts"]?.int, restarts >= 0, let reason = optionalText("reason") else { return nil }
            var pid: Int32?
            if let v = o["pid"] {
                guard let n = v.int, let p = Int32(exactly: n), p > 0 else { return nil }
                pid = p
            }
            guard let step = Lifecycle.allCases.first(where: { $0.kind == kind }) else { return nil }
            // Started, restarted and unresponsive concern a running process.
            if pid == nil, step.running { return nil }
            self = .lifecycle(step, pid: pid, restarts: Int(clamping: restarts), reason: reason)
        case .sessionUp:
            guard let session = text("session"), let port = text("port"), let peer = textOrNull("peer_name") else { return nil }
            self = .sessionUp(session: session, port: port, peerName: peer)
        case .sessionAuth:
            guard let session = text("session"), let port = text("port"), let success = o["success"]?.bool,
                  let peer = text("peer_name"), let method = textOrNull("method"), let reason = text("reason") else { return nil }
            self = .sessionAuth(session: session, port: port, success: success, peerName: peer, method: method, reason: reason)
        case .sessionDown:
            guard let session = text("session"), let port = text("port"), let reason = text("reason") else { return nil }
            self = .sessionDown(session: session, port: port, reason: reason)
        case .sessionBridge:
            guard let session = text("session"), let port = text("port"), let state = text("state"),
                  let partner = textOrNull("partner"), let reason = optionalText("reason") else { return nil }
            self = .sessionBridge(session: session, port: port, state: state, partner: partner, reason: reason)
        case .authSucceeded, .authFailed:
            guard let session = text("session"), let method = textOrNull("method"), let peer = text("peer_name"),
                  let reason = text("reason"), let framed = optionalText("framed_address") else { return nil }
            self = .auth(success: kind == .authSucceeded, session: session, method: method, peerName: peer,
                         reason: reason, framedAddress: framed)
        case .bridgeUp:
            guard let a = text("a"), let b = text("b"), let resumed = o["resumed"]?.bool else { return nil }
            self = .bridgeUp(a: a, b: b, resumed: resumed)
        case .bridgeDown:
            guard let a = text("a"), let b = text("b"), let reason = text("reason") else { return nil }
            self = .bridgeDown(a: a, b: b, reason: reason)
        case .bridgeFailed:
            guard let session = text("session"), let reason = text("reason") else { return nil }
            self = .bridgeFailed(session: session, reason: reason)
        case .bundleUp:
            guard let bundle = text("bundle"), let session = text("session") else { return nil }
            self = .bundleUp(bundle: bundle, session: session)
        case .linkJoined:
            guard let bundle = text("bundle"), let session = text("session"), let n = o["links"]?.int,
                  let links = Int(exactly: n), links >= 1 else { return nil }
            self = .linkJoined(bundle: bundle, session: session, links: links)
        case .linkLeft:
            guard let bundle = text("bundle"), let session = text("session"), let n = o["links"]?.int,
                  let links = Int(exactly: n), links >= 0, let reason = text("reason") else { return nil }
            self = .linkLeft(bundle: bundle, session: session, links: links, reason: reason)
        case .bundleDown:
            guard let bundle = text("bundle"), let session = text("session"), let reason = text("reason") else { return nil }
            self = .bundleDown(bundle: bundle, session: session, reason: reason)
        case .prefixDelegated, .prefixReleased:
            guard let session = text("session"), let prefix = text("prefix"), prefix.contains("/") else { return nil }
            self = kind == .prefixDelegated ? .prefixDelegated(session: session, prefix: prefix)
                                            : .prefixReleased(session: session, prefix: prefix)
        }
    }

    /// The lifecycle events pppinit publishes (Supervision).
    public enum Lifecycle: CaseIterable, Sendable {
        case started, restarted, unresponsive, exited, failed, stopped

        public var kind: EventKind {
            switch self {
            case .started: .started
            case .restarted: .restarted
            case .unresponsive: .unresponsive
            case .exited: .exited
            case .failed: .failed
            case .stopped: .stopped
            }
        }

        /// The component has a process (its pid is in the event).
        var running: Bool { self == .started || self == .restarted || self == .unresponsive }
    }

    static func orNull(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
}
