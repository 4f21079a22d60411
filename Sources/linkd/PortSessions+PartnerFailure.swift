// An upstream session that ends before bridged took its channel (PPPoE
// discovery unanswered, LCP never opened, upstream auth refused, a silent or
// refused UDP/TCP peer) leaves its subscriber's channel alone at bridged.
// Issue 7 wants the other side terminated cleanly, so the upstream port's
// linkd tells the subscriber port's linkd at once (`partner-failed`, relayed
// by pppinit from its daemon-call table) and that session ends with the
// upstream's reason: LCP Terminate-Request, and a PADT on a PPPoE port.
// bridged's partner timeout (Splices.partnerTimeout) stays the last resort
// for when this call cannot be made or answered.
import IPC

/// partner-failed both ways, as `pppctl call linkd@PORT status` shows them.
struct PartnerFailureCounters {
    /// Upstream port: reports sent (first attempts), and those that got no
    /// useful answer (the subscriber's linkd gone, refused, timed out).
    var sent = 0, unanswered = 0
    /// Subscriber port: reports that ended a session, and stale or
    /// duplicate ones (no such live session, another partner, already failed).
    var closed = 0, stale = 0

    var json: JSONObject {
        ["sent": .int(Int64(sent)), "unanswered": .int(Int64(unanswered)),
         "closed": .int(Int64(closed)), "stale": .int(Int64(stale))]
    }
}

extension PortSessions {
    /// Reports to a subscriber's linkd that restarts (pppinit answers busy)
    /// are tried again this many times in all, a second apart.
    static let partnerFailureAttempts = 3

    // MARK: Upstream side

    /// At the end of a session on an upstream port: a session dialled for a
    /// subscriber whose channel bridged never took tells that subscriber.
    /// Once bridged holds the channel, bridged ends the pair itself.
    func dialledSessionEnded(_ s: Session) {
        guard bridging.role == .upstream, let subscriber = s.bridge.dialledFor,
              s.channel?.ownerPID == nil, let (port, _) = PartnerFailedArguments.split(subscriber) else { return }
        let failure = PartnerFailedArguments(session: subscriber, partner: s.id, reason: s.reason ?? "ended")
        s.bridge.stage = .failed
        publishBridge(s, reason: failure.reason)
        partnerFailures.sent += 1
        rt.log.notice("session \(s.id): ended before bridged took its channel; telling linkd@\(port) to end \(subscriber)")
        reportPartnerFailure(failure, to: ComponentName.linkd(port: port).description, attempt: 1)
    }

    private func reportPartnerFailure(_ f: PartnerFailedArguments, to target: String, attempt: Int) {
        let backstop = "bridged's partner timeout ends \(f.session)"
        let unanswered = { [weak self] (why: String) in
            guard let self else { return }
            self.partnerFailures.unanswered += 1
            self.rt.log.warning("session \(f.partner): \(target) partner-failed for \(f.session): \(why); \(backstop)")
        }
        do {
            try rt.link.call(.daemonCallRequested(target: target, method: DaemonMethod.partnerFailed.name, arguments: f.json.encoded()),
                             timeout: 10, onReply: { [weak self] r in
                guard let self else { return }
                switch r.message {
                case let .callReplied(json):
                    let answer = (try? JSON.parse(json)).flatMap { try? PartnerFailedReply(json: $0) }
                    if answer?.closed == true {
                        self.rt.log.info("session \(f.partner): \(target) ended \(f.session)")
                    } else {
                        self.rt.log.info("session \(f.partner): \(target) did not end \(f.session): \(answer?.ignored ?? json)")
                    }
                case let .errorReplied(code, reason) where code == .busy && attempt < Self.partnerFailureAttempts:
                    // The subscriber's linkd is restarting: its successor
                    // may hold the session again (resumed), so ask it.
                    self.rt.log.info("session \(f.partner): \(target) busy (\(reason)); asking again in 1 s")
                    _ = self.rt.loop.schedule(after: 1) { [weak self] in
                        self?.reportPartnerFailure(f, to: target, attempt: attempt + 1)
                    }
                case let .errorReplied(code, reason):
                    unanswered("\(code): \(reason)")
                default:
                    break
                }
            }, onFailure: { e in unanswered("\(e)") })
        } catch {
            unanswered("\(error)")
        }
    }

    // MARK: Subscriber side

    /// `partner-failed {session, partner, reason}`: ends `session` if its
    /// bridge partner is still `partner` and not yet spliced; anything else
    /// (a session that ended or was renumbered by a restart, another
    /// partner, a repeated report) is answered, logged and counted, and
    /// changes nothing.
    func partnerFailed(_ args: JSON) throws(MethodError) -> JSON {
        let f = try PartnerFailedArguments(arguments: args, port: settings.name)
        guard bridging.role == .none else {
            throw MethodError(.notPermitted, "port \(settings.name) is not a subscriber port (its role is \(bridging.role.name))")
        }
        guard let s = liveSession(id: f.session) else {
            return ignorePartnerFailure(f, "no live session \(f.session) on port \(settings.name)")
        }
        // .handed: the dial's answer named the partner and our channel went
        // to bridged (pppinit relays the answer before this call, both
        // coming from the upstream's linkd in that order).
        guard s.bridge.partner == f.partner, s.bridge.stage == .handed else {
            let now = s.bridge.partner.map { "partner \($0), " } ?? ""
            return ignorePartnerFailure(f, "\(f.session) is not waiting for \(f.partner) (\(now)bridge state \(s.bridge.stage.rawValue))")
        }
        partnerFailures.closed += 1
        let reason = "upstream \(f.partnerPort): \(f.reason)"
        rt.log.notice("session \(s.id): partner \(f.partner) ended before the splice: \(f.reason); terminating")
        s.bridge.stage = .failed
        publishBridge(s, reason: reason)
        s.close(reason: reason)
        return PartnerFailedReply(session: f.session, partner: f.partner).json
    }

    private func ignorePartnerFailure(_ f: PartnerFailedArguments, _ why: String) -> JSON {
        partnerFailures.stale += 1
        rt.log.info("partner-failed from \(f.partner) for \(f.session) ignored: \(why)")
        return PartnerFailedReply(session: f.session, partner: f.partner, ignored: why).json
    }
}
