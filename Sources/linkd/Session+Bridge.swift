// Where a session's channel goes at the Network phase: ncpd, or bridged to
// be spliced to a partner session (DESIGN.md "bridged"). A subscriber whose
// partner is not known yet (an upstream being dialled, or an operator's
// `pppctl bridge` to come) holds its channel: frames from the peer for it
// are dropped silently — never Protocol-Rejected, since the NCPs are to run
// end to end with the far side once the splice is up.
import IPC

/// What the session's owner decides for a session entering the Network phase.
enum NetworkRoute: Equatable {
    case ncpd
    /// To bridged at once, spliced to this session.
    case bridged(partner: String)
    /// Wait for `Session.bridge(with:)`.
    case hold
}

struct BridgeState {
    enum Stage: String {
        case none
        /// An upstream session is being dialled for us.
        case dialing
        /// Waiting for the operator's `pppctl bridge`.
        case held
        /// The channel went (or is going) to bridged.
        case handed
        /// The upstream session ended before bridged took its channel
        /// (on both sessions: PortSessions+PartnerFailure).
        case failed
    }
    var stage = Stage.none
    /// The partner session ("PORT:N"), once known.
    var partner: String?
    /// The upstream port a rule chose, or the port we are the upstream of.
    var upstream: String?
    /// The subscriber this upstream session was dialled for.
    var dialledFor: String?

    var json: JSON {
        guard stage != .none else { return .null }
        var o: JSONObject = ["state": .string(stage.rawValue), "partner": partner.map { .string($0) } ?? .null]
        if let upstream { o["upstream"] = .string(upstream) }
        if let dialledFor { o["dialled_for"] = .string(dialledFor) }
        return .object(o)
    }
}

extension Session {
    /// Hands a held channel to bridged, spliced to `partner`. False when
    /// the session is not holding its channel for a bridge.
    @discardableResult
    func bridge(with partner: String) -> Bool {
        guard phase == .network, let channel, channel.state == .waiting, partner != id else { return false }
        bridge.partner = partner
        bridge.stage = .handed
        channel.start(bridgeWith: partner)
        return true
    }

    /// One half of a pair transfer (both sessions on this linkd): the far
    /// end of a fresh channel to send, or nil when not held for a bridge.
    func prepareBridgePair(with partner: String) -> Int32? {
        guard phase == .network, let channel, channel.state == .waiting, partner != id,
              let raw = channel.preparePair(bridgeWith: partner) else { return nil }
        bridge.partner = partner
        bridge.stage = .handed
        return raw
    }
}
