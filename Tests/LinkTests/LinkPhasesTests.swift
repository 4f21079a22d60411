// The RFC 1661 §3.2 phase diagram of a session (LinkPhases) without sockets
// or clocks: events in, actions and phases out, first reason kept, and
// where each frame goes in each phase.
import PPP
import Testing
@testable import linkd

@Suite struct LinkPhasesTests {
    typealias Event = LinkPhases.Event
    typealias Action = LinkPhases.Action

    /// Runs `events` from Dead; the actions of each, and the phases after.
    static func run(_ events: [Event]) -> (LinkPhases, [[Action]], [LinkPhases.Phase]) {
        var p = LinkPhases()
        var actions: [[Action]] = []
        var phases: [LinkPhases.Phase] = []
        for e in events {
            var out = p.handle(e)
            // The session carries `finished` out through finish().
            out = out.filter { $0 != .finished || p.finish() }
            actions.append(out)
            phases.append(p.phase)
        }
        return (p, actions, phases)
    }

    @Test func noauthGoesFromEstablishToNetwork() {
        let (p, actions, phases) = Self.run([.circuitUp, .lcpUp(authenticate: false)])
        #expect(actions == [[.openLCP], [.enterNetwork]])
        #expect(phases == [.establish, .network])
        #expect(p.reachedNetwork)
        #expect(p.reason == nil)
    }

    @Test func authenticationStandsBetweenEstablishAndNetwork() {
        let (p, actions, phases) = Self.run([.circuitUp, .lcpUp(authenticate: true), .authSucceeded])
        #expect(actions == [[.openLCP], [.beginAuthentication], [.enterNetwork]])
        #expect(phases == [.establish, .authenticate, .network])
        #expect(p.reachedNetwork)
    }

    /// A verdict after LCP went down (or a second one) does not enter Network.
    @Test func successOutsideAuthenticateIsIgnored() {
        let (p, actions, _) = Self.run([.circuitUp, .lcpUp(authenticate: true), .lcpDown(terminating: false),
                                        .authSucceeded])
        #expect(actions.last == [])
        #expect(p.phase == .establish)
        #expect(!p.reachedNetwork)
    }

    @Test func failedAuthenticationClosesWithItsReason() {
        let (p, actions, _) = Self.run([.circuitUp, .lcpUp(authenticate: true), .authFailed(reason: "")])
        #expect(actions.last == [.closeLCP(reason: "authentication failed: rejected")])
        #expect(p.reason == "authentication failed: rejected")
        let (q, _, _) = Self.run([.circuitUp, .lcpUp(authenticate: true), .authFailed(reason: "bad password")])
        #expect(q.reason == "authentication failed: bad password")
    }

    /// RFC 1661 §4.4 tld: to Terminate when LCP closes, to Establish when
    /// it renegotiates; the Network phase's work ends either way.
    @Test(arguments: [(true, LinkPhases.Phase.terminate), (false, .establish)])
    func layerDownLeavesNetwork(_ terminating: Bool, _ expected: LinkPhases.Phase) {
        let (p, actions, _) = Self.run([.circuitUp, .lcpUp(authenticate: false), .lcpDown(terminating: terminating)])
        #expect(actions.last == [.leaveNetwork])
        #expect(p.phase == expected)
        #expect(p.reachedNetwork)
    }

    @Test func lcpFinishedEndsTheSessionOnce() {
        let (p, actions, phases) = Self.run([.circuitUp, .lcpFinished(stopped: true), .lcpFinished(stopped: false)])
        #expect(actions == [[.openLCP], [.finished], []])
        #expect(phases == [.establish, .dead, .dead])
        #expect(p.reason == "LCP: no agreement (Max-Configure reached or peer stopped)")
    }

    /// The first cause wins: what the peer or LCP said before the end.
    @Test func firstReasonWins() {
        let (p, _, _) = Self.run([.circuitUp, .peerTerminated(reason: "peer terminated: bye"),
                                  .closeRequested(reason: "killed"), .lcpFinished(stopped: false)])
        #expect(p.reason == "peer terminated: bye")
        let (q, actions, _) = Self.run([.circuitUp, .closeRequested(reason: "killed by the operator"),
                                        .lcpFailed(reason: "loopback"), .lcpFinished(stopped: false)])
        #expect(actions[1] == [.closeLCP(reason: "killed by the operator")])
        #expect(q.reason == "killed by the operator")
    }

    /// RFC 1661 §4.3 Down: LCP hears of it, and the session is over even
    /// when LCP says nothing more (its tlf, if any, comes first).
    @Test func circuitDownEndsALiveSession() {
        let (p, actions, _) = Self.run([.circuitUp, .lcpUp(authenticate: false), .circuitDown(reason: "hangup")])
        #expect(actions.last == [.lowerLCP, .finished])
        #expect(p.phase == .dead)
        #expect(p.reason == "hangup")
        // Dead already: LCP is told, nothing ends twice.
        let (_, again, _) = Self.run([.circuitUp, .lcpFinished(stopped: false), .circuitDown(reason: "hangup")])
        #expect(again.last == [.lowerLCP])
    }

    /// A TCP connect that fails: Establish, then over before LCP began,
    /// counted as a session that never reached Network; a second failure
    /// report changes nothing.
    @Test func circuitFailedBeforeLCP() {
        let (p, actions, phases) = Self.run([.circuitConnecting, .circuitFailed(reason: "connect: refused"),
                                             .circuitFailed(reason: "again")])
        #expect(actions == [[], [.finished], []])
        #expect(phases == [.establish, .dead, .dead])
        #expect(p.reason == "connect: refused")
        #expect(!p.reachedNetwork)
        let (q, direct, _) = Self.run([.circuitFailed(reason: "discovery failed")])
        #expect(direct == [[.finished]])
        #expect(q.phase == .dead)
    }

    @Test func resumedIsNetworkAtOnce() {
        let (p, actions, _) = Self.run([.resumed])
        #expect(actions == [[]])
        #expect(p.phase == .network)
        #expect(p.reachedNetwork)
        // A resumed session's LCP may still renegotiate and authenticate again.
        let (q, more, _) = Self.run([.resumed, .lcpDown(terminating: false), .lcpUp(authenticate: true), .authSucceeded])
        #expect(more.suffix(3) == [[.leaveNetwork], [.beginAuthentication], [.enterNetwork]])
        #expect(q.phase == .network)
    }

    /// RFC 1661 §3.4-§3.6: where each kind of frame goes, phase by phase.
    @Test func frameDestinations() {
        let ipcp = ProtocolNumber(0x8021), ipv4 = ProtocolNumber(0x0021), lqr = ProtocolNumber(0xc025)
        let table: [(LinkPhases.Phase, ProtocolNumber, LinkPhases.Destination)] = [
            (.establish, .lcp, .lcp), (.establish, .pap, .authentication), (.establish, ipcp, .discarded),
            (.establish, ipv4, .discarded), (.establish, lqr, .discarded),
            (.authenticate, .chap, .authentication), (.authenticate, .eap, .authentication),
            (.authenticate, ipcp, .held), (.authenticate, ipv4, .held), (.authenticate, lqr, .discarded),
            (.network, .lcp, .lcp), (.network, .pap, .authentication), (.network, ipcp, .channel),
            (.network, ipv4, .channel), (.network, lqr, .rejected),
            (.terminate, ipcp, .discarded), (.dead, ipv4, .discarded), (.dead, .lcp, .lcp),
        ]
        for (phase, proto, expected) in table {
            var p = LinkPhases()
            switch phase {
            case .dead: break
            case .establish: _ = p.handle(.circuitUp)
            case .authenticate: _ = p.handle(.circuitUp); _ = p.handle(.lcpUp(authenticate: true))
            case .network: _ = p.handle(.resumed)
            case .terminate: _ = p.handle(.resumed); _ = p.handle(.lcpDown(terminating: true))
            }
            #expect(p.phase == phase)
            #expect(p.destination(of: proto) == expected, "\(phase) \(proto)")
        }
    }

    /// Issue 13: the peer's first IPCP Configure-Request, sent on our
    /// Success before linkd heard the verdict, reaches the channel right
    /// after the Network phase begins instead of being discarded.
    @Test func framesDuringAuthenticateAreDeliveredAtNetwork() {
        var p = LinkPhases()
        _ = p.handle(.circuitUp)
        _ = p.handle(.lcpUp(authenticate: true))
        let ipcp = ProtocolNumber(0x8021), ipv6cp = ProtocolNumber(0x8057)
        #expect(p.destination(of: ipcp) == .held)
        let heldIPCP = p.hold(ipcp, [1, 1, 0, 10, 3, 6, 0, 0, 0, 0][...])
        let heldIPv6CP = p.hold(ipv6cp, [1, 7, 0, 4][...])
        #expect(heldIPCP && heldIPv6CP)
        let actions = p.handle(.authSucceeded)
        #expect(actions == [.enterNetwork, .deliver([.init(proto: ipcp, information: [1, 1, 0, 10, 3, 6, 0, 0, 0, 0]),
                                                     .init(proto: ipv6cp, information: [1, 7, 0, 4])])])
        #expect(p.held.isEmpty)
        // Nothing held in the Network phase itself: frames go straight on.
        #expect(p.destination(of: ipcp) == .channel)
        let heldInNetwork = p.hold(ipcp, [1][...])
        #expect(!heldInNetwork)
    }

    /// Bounded: past `heldLimit` frames are discarded (the session counts
    /// them); a failed or renegotiated authentication forgets them.
    @Test func heldFramesAreBoundedAndForgottenWithoutNetwork() {
        var p = LinkPhases()
        _ = p.handle(.circuitUp)
        _ = p.handle(.lcpUp(authenticate: true))
        for i in 0..<LinkPhases.heldLimit {
            let ok = p.hold(ProtocolNumber(0x0021), [UInt8(i)][...])
            #expect(ok)
        }
        let overLimit = p.hold(ProtocolNumber(0x0021), [0xff][...])
        #expect(!overLimit)
        #expect(p.held.count == LinkPhases.heldLimit)
        _ = p.handle(.authFailed(reason: "wrong password"))
        _ = p.handle(.lcpDown(terminating: true))
        #expect(p.held.isEmpty)
        var q = LinkPhases()
        _ = q.handle(.circuitUp)
        _ = q.handle(.lcpUp(authenticate: true))
        let held = q.hold(ProtocolNumber(0x8021), [1][...])
        let down = q.handle(.circuitDown(reason: "hangup"))
        let finished = q.finish()
        #expect(held && finished)
        #expect(down == [.lowerLCP, .finished])
        #expect(q.held.isEmpty)
    }
}
