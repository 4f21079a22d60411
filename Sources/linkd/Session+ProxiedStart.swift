// RFC 2661 §18 on our LAC's side of a call: the call's session stands in for
// the subscriber whose LCP and authentication the LAC proxied (§4.4.5). It
// starts Opened in the subscriber's state (ProxiedLCP, role .caller) and
// sends nothing, so an LNS that trusts the proxy LCP sees the state it was
// told of. What the LNS does next says what it chose:
// - an LCP Configure-Request: it renegotiates (RFC 1661 Opened + RCR: tld,
//   then a normal negotiation and authentication, as before);
// - a Challenge (or, for PAP, nothing: our Authenticate-Request goes out):
//   it trusts the LCP but authenticates again, and authd answers as the
//   port's `user`, as before;
// - a network or NCP frame while we wait for its Challenge: it trusted the
//   proxied authentication too (its NCPs start only after it, RFC 1661
//   §3.5), so our Authenticate phase ends and the Network phase begins.
import IPC

extension Session {
    /// The LNS answered our proxied state with a network-phase frame.
    func peerTookTheProxy() {
        // (A Challenge came first: the LNS authenticates again; its NCPs
        // follow its Success, which authd's verdict brings.)
        guard standsInForCaller, phase == .authenticate, counters.authFramesIn == 0 else { return }
        standsInForCaller = false
        log.info("session \(id): the LNS took the proxied LCP and authentication (RFC 2661 §18)")
        if let t = auth.deadline { loop.cancel(t) }
        auth.deadline = nil
        endAuthentication(reason: "the LNS took the proxied authentication")
        run(.authSucceeded)
    }
}
