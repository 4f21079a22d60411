// Issue 19: stopping a router (SIGTERM to pppinit, what `systemctl stop`
// sends) ends its sessions before it exits: each gets an LCP
// Terminate-Request its peer sees (RFC 1661 §3.7), and `pppctl watch`
// shows a `session-down` for each, stamped like every event.
import Foundation
import IPC
import Testing

@Suite(.serialized, .enabled(if: isRoot, "needs root: daemons drop to their own uids"))
struct StopTests {
    @Test func stopEndsSessionsWithTerminateAndSessionDown() throws {
        let (a, b, configs) = try udpRouterPair()
        defer { a.stop(); b.stop(); configs.forEach { $0.remove() } }
        let sa = try #require(a.waitForSession("opened", isOpened))
        _ = try #require(b.waitForSession("opened", isOpened))
        let id = try #require(sa["id"]?.string)

        let watcher = try Watcher(a, timeout: 60)

        // What systemctl stop does: SIGTERM to pppinit, then wait for it.
        a.stop()
        // pppinit closes the control socket last: the watch ends by itself.
        watcher.waitForExit()
        let lines = watcher.lines
        let events = lines.compactMap { try? JSON.parse($0) }
        let down = events.filter { $0["event"]?.string == "session-down" }
        #expect(down.count == 1 && down.first?["session"]?.string == id && down.first?["reason"]?.string == "router stopping",
                "\(lines)")
        // The session's end comes before its linkd's: the stop waited for it.
        let kinds = events.map { "\($0["event"]?.string ?? "?") \($0["component"]?.string ?? "?")" }
        if let d = kinds.firstIndex(of: "session-down linkd@ua"), let s = kinds.firstIndex(of: "stopped linkd@ua") {
            #expect(d < s, "\(kinds)")
        } else {
            Issue.record("no session-down or stopped for linkd@ua: \(kinds)")
        }
        // The peer got our Terminate-Request and its reason (RFC 1661 §5.5).
        let db = b.waitForSession("dead") { $0["phase"]?.string == "dead" }
        #expect(db?["reason"]?.string == "peer terminated: router stopping", "\(db.map { "\($0)" } ?? "none")")
        if hasJSONSchema {
            let errors = try schemaErrors(lines.map { ("event.schema.json", $0) })
            #expect(errors.isEmpty, "\(errors)")
        }
        print("stop: \(events.count) events while stopping, \(kinds.joined(separator: ", "))")
    }
}

extension RouterUnderTest {
    /// A peer that goes silent: pppinit and every daemon killed -9, so no
    /// Terminate-Request (a stop sends one) and no daemon left answering
    /// echoes (they outlive pppinit's death since the reattach work).
    func silence() throws {
        let pids = try components().values.compactMap { $0["pid"]?.int.map { Int32($0) } }
        kill(process.processIdentifier, SIGKILL)
        for p in pids { kill(p, SIGKILL) }
    }
}
