// Integration: accounting records carry the address ncpd gave the peer from
// its local pool (issue 14). FreeRADIUS's Accept for carol names no
// Framed-IP-Address, so only IPCP knows it; linkd sends the Start once IPCP
// is Opened, and the Start, every Interim-Update (also after kill -9 linkd,
// from the deposited verdict) and the Stop in FreeRADIUS's detail file hold
// the pool address. The client router runs in its own namespace, so the two
// TUN units' addresses do not meet.
import Foundation
import IPC
import Testing
import TestSupport

extension AuthSessionTests {
    /// The detail file's records (blank-line separated) of one status type.
    func detailRecords(_ detail: String, _ status: String) -> [String] {
        detail.components(separatedBy: "\n\n").filter { $0.contains("Acct-Status-Type = \(status)\n") }
    }

    @Test(.enabled(if: canRunFreeRadius, "needs Debian's freeradius"))
    func accountingCarriesThePoolAddress() throws {
        let fr = try FreeRadius(netns: sharedTestNamespace)
        defer { fr.stop() }
        let (pair, net) = try ipv4PoolPair(fr, namespace: "acb")
        defer { pair.stop() }
        let a = pair.a, b = pair.b
        let s = try #require(a.waitForSession("IPCP opened") { $0["ipcp"]?["state"]?.string == "opened" },
                             "B's log:\n\(b.log)")
        let peer = try #require(s["ipcp"]?["remote"]?.string, "\(s)")
        #expect(peer.hasPrefix(net + "."), "\(s)")
        let field = "Framed-IP-Address = \(peer)"
        #expect(detailContains(fr, "Acct-Status-Type = Start"), "\(fr.detail)\n\(a.log)")
        #expect(moreInterims(fr, 2), "\(fr.detail)")
        _ = try a.killAndWaitForRestart("linkd@ta")
        #expect(moreInterims(fr, 2), "\(fr.detail)\n\(a.log)")
        let id = try #require(s["id"]?.string)
        #expect(try a.ctl(["session", "kill", id]).status == 0)
        #expect(detailContains(fr, "Acct-Status-Type = Stop"), "\(fr.detail)")
        let detail = fr.detail
        let starts = detailRecords(detail, "Start"), interims = detailRecords(detail, "Interim-Update")
        let stops = detailRecords(detail, "Stop")
        #expect(starts.count == 1 && stops.count == 1 && interims.count >= 4, "\(detail)")
        for r in starts + interims + stops {
            #expect(r.contains(field), "no \(field) in:\n\(r)")
            // RFC 2865 §5.41: a tty port is Async; it was called on no address.
            #expect(r.contains("NAS-Port-Type = Async") && !r.contains("Called-Station-Id"), "\(r)")
        }
        print("pool address \(peer) in \(starts.count) Start, \(interims.count) Interim-Update, \(stops.count) Stop")
    }
}
