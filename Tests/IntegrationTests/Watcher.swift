// `pppctl --json watch` run in the background for a test. A fixed sleep
// after starting it was not enough on a loaded machine: pppctl had not yet
// subscribed when the event under test fired, and the event was missed (the
// CI run of 2026-12-05, ReloadPortsTests). The initializer now returns only
// once pppinit counts one more watcher in its status.
import Foundation
import IPC
import Testing

/// Its events go to a file, not a pipe: a pipe would stay open in the
/// routers a test starts after it, and a pipe's buffer could fill.
final class Watcher {
    let process = Process()
    let path = "/tmp/ppprouter-watch-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).jsonl"

    /// `count`: pppctl exits by itself after that many events.
    init(_ router: RouterUnderTest, count: Int? = nil, timeout: Int = 60) throws {
        let before = router.watcherCount() ?? 0
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        process.executableURL = URL(fileURLWithPath: binDir + "/pppctl")
        process.arguments = ["--runtime-dir", router.runtimeDir, "--json", "watch", "--timeout", "\(timeout)"]
            + (count.map { ["--count", "\($0)"] } ?? [])
        process.standardOutput = FileHandle(forWritingAtPath: path)
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline {
            if let n = router.watcherCount(), n > before { return }
            usleep(20_000)
        }
        Issue.record("pppctl watch did not subscribe within 30 s (watchers before: \(before))")
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The lines so far; pppctl writes each event unbuffered.
    var lines: [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    var events: [JSON] { lines.compactMap { try? JSON.parse($0) } }

    /// Polls the events until one satisfies `match` (bounded).
    func first(seconds: Double = 20, where match: (JSON) -> Bool) -> JSON? {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if let e = events.first(where: match) { return e }
            usleep(50_000)
        } while Date() < deadline
        return nil
    }

    /// Waits for pppctl to end by itself (its count reached, or the router
    /// stopped and closed the socket); false if it is still running.
    @discardableResult
    func waitForExit(seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }

    /// Every event so far, pppctl stopped. SIGKILL: pppctl inherits the
    /// test runner's blocked signal mask, so SIGTERM would not stop it.
    func stop() -> [JSON] {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return events
    }
}

extension RouterUnderTest {
    /// pppinit's count of conversations inside a watch call.
    func watcherCount() -> Int? {
        guard let r = try? ctl(["call", "pppinit", "status"]), r.status == 0 else { return nil }
        return (try? JSON.parse(r.stdout))?["control"]?["watchers"]?.int.map { Int($0) }
    }
}
