// The Auth-Protocol negotiation table (RFC 1661 §6.2) as linkd configures it
// from pppd's require-*/refuse-* keys: two LCP instances built by LCPPolicy
// from two ports' settings, wired back to back, for each combination. Each
// row says what the authenticator ends up requiring, or that LCP gives up.
import IPC
import PPP
import Testing
@testable import linkd

/// Two LCPs exchanging packets until both are quiet (bounded).
struct BackToBack {
    var a: LCP, b: LCP
    var log: [String: [ControlAction]] = ["a": [], "b": []]

    init(_ sa: PortSettings, _ sb: PortSettings) {
        a = LCP(negotiator: LCPNegotiator(configuration: LCPPolicy.configuration(for: sa, async: false, seed: 1)))
        b = LCP(negotiator: LCPNegotiator(configuration: LCPPolicy.configuration(for: sb, async: false, seed: 2)))
    }

    mutating func run() {
        var toB: [[UInt8]] = [], toA: [[UInt8]] = []
        func sends(_ actions: [ControlAction], _ who: String, into box: inout [[UInt8]], log: inout [String: [ControlAction]]) {
            for action in actions {
                if case .send(let p) = action { box.append(p) } else { log[who, default: []].append(action) }
            }
        }
        sends(a.open() + a.lowerUp(), "a", into: &toB, log: &log)
        sends(b.open() + b.lowerUp(), "b", into: &toA, log: &log)
        var steps = 0
        while !(toA.isEmpty && toB.isEmpty) && steps < 200 {
            if !toB.isEmpty { sends(b.receive(toB.removeFirst()), "b", into: &toA, log: &log) }
            if !toA.isEmpty { sends(a.receive(toA.removeFirst()), "a", into: &toB, log: &log) }
            steps += 1
        }
    }
}

func port(_ configure: (inout PortSettings) -> Void) -> PortSettings {
    var s = PortSettings(name: "p", kind: .udp)
    configure(&s)
    if !s.requiredMethods.isEmpty { s.noauth = false }
    return s
}

struct AuthRow: CustomTestStringConvertible, Sendable {
    let name: String
    /// What the authenticator (a) requires, and what the peer (b) refuses.
    let require: [AuthMethod]
    let refuse: [AuthMethod]
    /// The method a ends up authenticating b with; nil = LCP gives up.
    let expected: AuthMethod?
    var testDescription: String { name }
}

let authTable: [AuthRow] = [
    AuthRow(name: "require-pap, peer accepts all", require: [.pap], refuse: [], expected: .pap),
    AuthRow(name: "require-chap, peer accepts all", require: [.chapMD5], refuse: [], expected: .chapMD5),
    AuthRow(name: "require-mschap-v2", require: [.msChapV2], refuse: [], expected: .msChapV2),
    AuthRow(name: "require-eap", require: [.eapMD5], refuse: [], expected: .eapMD5),
    // pppd asks for its strongest first: EAP before CHAP before PAP.
    AuthRow(name: "require-chap and -pap: CHAP asked first", require: [.chapMD5, .pap], refuse: [], expected: .chapMD5),
    AuthRow(name: "require all four: EAP asked first", require: [.pap, .chapMD5, .msChapV2, .eapMD5], refuse: [],
            expected: .eapMD5),
    // Nak fallbacks: the peer Naks with what it prefers; we take its
    // suggestion when we require it, else our next choice.
    AuthRow(name: "chap+pap, peer refuses chap: falls back to PAP", require: [.chapMD5, .pap], refuse: [.chapMD5],
            expected: .pap),
    AuthRow(name: "eap+mschapv2+chap, peer refuses eap and mschapv2", require: [.eapMD5, .msChapV2, .chapMD5],
            refuse: [.eapMD5, .msChapV2], expected: .chapMD5),
    AuthRow(name: "eap+pap, peer refuses eap: Nak suggests CHAP (not ours), PAP next", require: [.eapMD5, .pap],
            refuse: [.eapMD5], expected: .pap),
    AuthRow(name: "mschapv2+chap, peer refuses mschapv2: takes the Nak's CHAP-MD5", require: [.msChapV2, .chapMD5],
            refuse: [.msChapV2], expected: .chapMD5),
    // Nothing left: LCP fails (pppd: "peer refused to authenticate").
    AuthRow(name: "require-pap, peer refuses pap", require: [.pap], refuse: [.pap], expected: nil),
    AuthRow(name: "require-chap, peer refuses every method (Reject)", require: [.chapMD5],
            refuse: [.pap, .chapMD5, .msChapV2, .eapMD5], expected: nil),
]

@Suite struct AuthNegotiationTests {
    @Test(arguments: authTable)
    func authenticatorAndPeer(_ row: AuthRow) {
        let a = port { s in
            s.requirePAP = row.require.contains(.pap)
            s.requireCHAP = row.require.contains(.chapMD5)
            s.requireMSCHAPv2 = row.require.contains(.msChapV2)
            s.requireEAP = row.require.contains(.eapMD5)
        }
        let b = port { s in
            s.refusePAP = row.refuse.contains(.pap)
            s.refuseCHAP = row.refuse.contains(.chapMD5)
            s.refuseMSCHAPv2 = row.refuse.contains(.msChapV2)
            s.refuseEAP = row.refuse.contains(.eapMD5)
        }
        var w = BackToBack(a, b)
        w.run()
        if let expected = row.expected {
            #expect(w.a.state == .opened && w.b.state == .opened)
            let na = w.a.negotiator.negotiated, nb = w.b.negotiator.negotiated
            #expect(na.weAuthenticatePeerWith.map(LCPPolicy.method) == expected)
            #expect(nb.peerAuthenticatesUsWith.map(LCPPolicy.method) == expected)
            // Only one direction was asked for.
            #expect(na.peerAuthenticatesUsWith == nil && nb.weAuthenticatePeerWith == nil)
        } else {
            #expect(w.log["a"]?.contains(.negotiationFailed(.authenticationRefused)) == true)
            #expect(w.a.state != .opened)
        }
    }

    @Test func noauthAsksNothingAndAcceptsEverythingNotRefused() {
        let c = LCPPolicy.configuration(for: port { _ in }, async: true, seed: 1)
        #expect(c.requiredAuthentication.isEmpty)
        #expect(c.acceptedAuthentication == [.eap, .msChapV2, .chapMD5, .pap])
        let refusing = LCPPolicy.configuration(for: port { $0.refuseEAP = true; $0.refusePAP = true }, async: true, seed: 1)
        #expect(refusing.acceptedAuthentication == [.msChapV2, .chapMD5])
    }

    @Test func bothDirectionsAtOnce() {
        // Each side requires PAP of the other: both authenticate both ways.
        var w = BackToBack(port { $0.requirePAP = true }, port { $0.requireCHAP = true })
        w.run()
        #expect(w.a.state == .opened && w.b.state == .opened)
        #expect(w.a.negotiator.negotiated.weAuthenticatePeerWith == .pap)
        #expect(w.a.negotiator.negotiated.peerAuthenticatesUsWith == .chapMD5)
        #expect(w.b.negotiator.negotiated.weAuthenticatePeerWith == .chapMD5)
    }

    @Test func asyncMapOnlyOnOctetStuffedLinks() {
        let s = port { $0.asyncMap = 0x000a_0000; $0.mru = 1400 }
        #expect(LCPPolicy.configuration(for: s, async: true, seed: 1).asyncMap == 0x000a_0000)
        #expect(LCPPolicy.configuration(for: s, async: false, seed: 1).asyncMap == nil)
        #expect(LCPPolicy.configuration(for: s, async: false, seed: 1).mru == 1400)
    }
}
