// Integration: a TCP session survives `kill -9` of the linkd at either end
// (DESIGN.md "Issue 20"). Two routers over PPP on TCP on a veth pair (the
// server listens, the client calls); a ping runs across the link while the
// listening end's linkd and then the calling end's are SIGKILLed. Each comes
// back with the session from pppinit's fd store, on the same connection:
// neither side renegotiates LCP or calls again, and the ping loses at most
// a few packets (counted and printed; no bound on time).
import Foundation
import IPC
import Testing

@Suite(.serialized, .enabled(if: isRoot, "needs root: network namespaces, TUN, daemons dropping to their uids"))
struct TCPRestartTests {
    @Test func tcpSessionSurvivesKillingLinkdAtBothEnds() throws {
        let lab = try SessionLab(link: .tcp)
        defer { lab.remove() }
        let (a, b, id, idB) = (lab.a, lab.b, lab.id, lab.idB)
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        #expect(lab.first["type"]?.string == "tcp")

        // A ping from the client across the link for the whole exercise,
        // stopped with SIGINT (it then prints its summary).
        let pingOut = "/tmp/ppprouter-ping-\(tag).txt"
        _ = FileManager.default.createFile(atPath: pingOut, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: pingOut) }
        let ping = Process()
        ping.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        ping.arguments = ["netns", "exec", lab.nsB.name, "ping", "-n", "-i", "0.1", "-W", "1", "10.99.0.1"]
        ping.standardOutput = FileHandle(forWritingAtPath: pingOut)
        ping.standardError = FileHandle.nullDevice
        let (acceptedBefore, callsBefore) = (a.count("connection from"), b.count("connecting to"))
        try ping.run()
        defer { if ping.isRunning { ping.terminate() }; ping.waitUntilExit() }
        sleep(2)

        // The listening end.
        let listen = try a.killAndWaitForRestart("linkd@sa")
        lab.expectSessionKept("after kill -9 of the listening end's linkd")
        sleep(2)
        // The calling end.
        let connect = try b.killAndWaitForRestart("linkd@cb")
        let afterB = b.waitForSession(seconds: 30, "resumed by the client's new linkd") {
            $0["id"]?.string == idB && isOpened($0) && ipcpAndIPv6CPOpened($0)
        }
        #expect(afterB != nil, "\(b.log.suffix(3000))")
        lab.expectSessionKept("after kill -9 of the calling end's linkd")
        print("tcp restart: linkd@sa \(listen.old) → \(listen.new), linkd@cb \(connect.old) → \(connect.new)")
        sleep(2)
        ping.interrupt()
        ping.waitUntilExit()
        let out = (try? String(contentsOfFile: pingOut, encoding: .utf8)) ?? ""
        let summary = out.split(separator: "\n").first { $0.contains("packets transmitted") }.map(String.init) ?? "?"
        let numbers = summary.split(separator: " ").compactMap { Int($0) }
        if numbers.count >= 2 {
            print("tcp restart: ping across kill -9 of both ends' linkd: \(numbers[0]) sent, \(numbers[1]) received, \(numbers[0] - numbers[1]) lost")
        }
        #expect(numbers.count >= 2 && numbers[1] > 0, "\(out)")
        // The session still carries traffic after both restarts.
        let after = try lab.nsB.exec(["ping", "-n", "-c", "3", "-W", "2", "10.99.0.1"])
        #expect(after.status == 0, "no reply after both restarts: \(after.stdout)")

        // Same session, same connection: each side resumed once, the
        // listener accepted one connection and the caller called once.
        #expect(a.count("resumed after a restart") == 1, "\(a.log.suffix(3000))")
        #expect(b.count("resumed after a restart") == 1, "\(b.log.suffix(3000))")
        #expect(a.count("connection from") == acceptedBefore, "the caller called again:\n\(a.log.suffix(3000))")
        #expect(b.count("connecting to") == callsBefore, "\(b.log.suffix(3000))")
        for (r, name, session) in [(a, "server", id), (b, "client", idB)] {
            #expect(r.count("IPCP opened: local") == 1, "\(name) renegotiated IPCP:\n\(r.log)")
            #expect(r.count("session \(session): down:") == 0, "\(name) lost its session:\n\(r.log)")
        }
        let nowA = try #require(a.sessions().first { $0["id"]?.string == id })
        let nowB = try #require(b.sessions().first { $0["id"]?.string == idB })
        #expect(nowB["peer"]?["magic"] == lab.first["local"]?["magic"], "the peer still knows our Magic-Number")
        #expect(nowA["peer"]?["magic"] == nowB["local"]?["magic"])
    }
}
