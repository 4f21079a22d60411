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
    /// linkd: an L2TP control connection established (RFC 2661 §5.1) or
    /// closed (§5.7; result and error of the StopCCN, sent or received).
    case tunnelUp(port: String, tunnel: Int, peer: String, peerTunnel: Int, hostName: String)
    case tunnelDown(port: String, tunnel: Int, peer: String, result: Int, error: Int, message: String, byPeer: Bool)
    /// linkd: a call connected (ICCN, §7.4) or cleared (CDN, §5.2; the
    /// session is null when no linkd session carried it).
    case callUp(port: String, tunnel: Int, call: Int, peerCall: Int, session: String)
    case callDown(port: String, tunnel: Int, call: Int, session: String?, result: Int, error: Int, byPeer: Bool)

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
        case .tunnelUp: .tunnelUp
        case .tunnelDown: .tunnelDown
        case .callUp: .callUp
        case .callDown: .callDown
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
        case let .tunnelUp(port, tunnel, peer, peerTunnel, hostName):
            return ["port": .string(port), "tunnel": .int(Int64(tunnel)), "peer": .string(peer),
                    "peer_tunnel": .int(Int64(peerTunnel)), "host_name": .string(hostName)]
        case let .tunnelDown(port, tunnel, peer, result, error, message, byPeer):
            return ["port": .string(port), "tunnel": .int(Int64(tunnel)), "peer": .string(peer),
                    "result": .int(Int64(result)), "error": .int(Int64(error)), "message": .string(message),
                    "by_peer": .bool(byPeer)]
        case let .callUp(port, tunnel, call, peerCall, session):
            return ["port": .string(port), "tunnel": .int(Int64(tunnel)), "call": .int(Int64(call)),
                    "peer_call": .int(Int64(peerCall)), "session": .string(session)]
        case let .callDown(port, tunnel, call, session, result, error, byPeer):
            return ["port": .string(port), "tunnel": .int(Int64(tunnel)), "call": .int(Int64(call)),
                    "session": Self.orNull(session), "result": .int(Int64(result)), "error": .int(Int64(error)),
                    "by_peer": .bool(byPeer)]
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
        /// An L2TP id or code: 0...65535 (§3.1, §4.4.2 are 16-bit fields).
        func u16(_ k: String) -> Int? {
            guard let n = o[k]?.int, let v = Int(exactly: n), (0...0xFFFF).contains(v) else { return nil }
            return v
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
        case .tunnelUp:
            guard let port = text("port"), let tunnel = u16("tunnel"), let peer = text("peer"),
                  let peerTunnel = u16("peer_tunnel"), let host = text("host_name") else { return nil }
            self = .tunnelUp(port: port, tunnel: tunnel, peer: peer, peerTunnel: peerTunnel, hostName: host)
        case .tunnelDown:
            guard let port = text("port"), let tunnel = u16("tunnel"), let peer = text("peer"), let result = u16("result"),
                  let error = u16("error"), let message = text("message"), let byPeer = o["by_peer"]?.bool else { return nil }
            self = .tunnelDown(port: port, tunnel: tunnel, peer: peer, result: result, error: error, message: message, byPeer: byPeer)
        case .callUp:
            guard let port = text("port"), let tunnel = u16("tunnel"), let call = u16("call"),
                  let peerCall = u16("peer_call"), let session = text("session") else { return nil }
            self = .callUp(port: port, tunnel: tunnel, call: call, peerCall: peerCall, session: session)
        case .callDown:
            guard let port = text("port"), let tunnel = u16("tunnel"), let call = u16("call"), let session = textOrNull("session"),
                  let result = u16("result"), let error = u16("error"), let byPeer = o["by_peer"]?.bool else { return nil }
            self = .callDown(port: port, tunnel: tunnel, call: call, session: session, result: result, error: error, byPeer: byPeer)
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
