// Integration: accounting octets a billing system can trust. A session
// authenticated by a real FreeRADIUS sends Interim-Updates every second;
// linkd is killed (its counts start again from zero) and then authd is
// restarted (it forgets what it carried, and takes it back from the fd
// store); FreeRADIUS's detail file must show octets that never decrease.
import Foundation
import IPC
import Testing
import TestSupport

extension AuthSessionTests {
    /// The Acct-Input-Octets of every record in the detail file, in order.
    func inputOctets(_ detail: String) -> [UInt64] {
        detail.split(separator: "\n").compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("Acct-Input-Octets = ") ? UInt64(t.dropFirst("Acct-Input-Octets = ".count)) : nil
        }
    }

    /// Waits (bounded) until the detail file holds `n` more Interim-Updates than now.
    func moreInterims(_ fr: FreeRadius, _ n: Int) -> Bool {
        let count = { fr.detail.components(separatedBy: "Acct-Status-Type = Interim-Update").count - 1 }
        let target = count() + n
        let deadline = Date().addingTimeInterval(60)
        while count() < target && Date() < deadline { usleep(100_000) }
        return count() >= target
    }

    /// The report: after `pppctl restart linkd@…` the octets went
    /// backwards. Interim-Updates every second (carol's Accept says so):
    /// kill -9 linkd, then restart authd; the octets FreeRADIUS records never
    /// decrease, under one Acct-Session-Id, through to the Stop.
    @Test(.enabled(if: canRunFreeRadius, "needs Debian's freeradius"))
    func accountingOctetsNeverDecreaseAcrossRestarts() throws {
        let fr = try FreeRadius(netns: sharedTestNamespace)
        defer { fr.stop() }
        let (a, b, cleanup) = try radiusRouters(fr, user: "carol", password: "c4rol")
        defer { cleanup() }
        let s = try #require(openedOrExplain(a, b))
        #expect(moreInterims(fr, 2), "\(fr.detail)")
        let before = inputOctets(fr.detail).max() ?? 0
        #expect(before > 0, "IPv6CP's frames crossed the channel: \(fr.detail)")
        _ = try a.killAndWaitForRestart("linkd@ta")
        #expect(moreInterims(fr, 2), "\(fr.detail)\n\(a.log)")
        let restart = try a.ctl(["restart", "authd"])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(moreInterims(fr, 2), "\(fr.detail)\n\(a.log)")
        let id = try #require(s["id"]?.string)
        #expect(try a.ctl(["session", "kill", id]).status == 0)
        #expect(detailContains(fr, "Acct-Status-Type = Stop"), "\(fr.detail)")
        let octets = inputOctets(fr.detail)
        #expect(zip(octets, octets.dropFirst()).allSatisfy { $0 <= $1 } && (octets.last ?? 0) >= before,
                "octets went back: \(octets)\n\(a.log)")
        let ids = Set(fr.detail.split(separator: "\n").filter { $0.contains("Acct-Session-Id = ") && !$0.contains("-on-") })
        #expect(ids.count == 1, "\(ids)")
        print("octets across kill -9 linkd and restart authd: \(octets)")
    }
}
